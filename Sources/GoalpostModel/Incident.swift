/// One episode of an outcome being in trouble: every scope (global, customers) that fired while it was open.
///
/// Goalpost opens one incident per outcome episode, not one per scope: when a cause hits the global scope
/// and three customers at once, the people on call get one page that lists the three customers. Later
/// violations of the same outcome while the incident is open join it; it resolves when every scope in it has
/// stayed quiet for the outcome's `alerting.resolveAfter`.
///
/// Codable with stable field names (the backtest's `incidents[]`): `id`, `outcome`, `scope` (the primary
/// scope), `scopes`, `severity`, `openedAt`, `resolvedAt`, `impact`, `rank`, `history`. Times are written as
/// RFC 3339 UTC text (`2026-03-01T12:00:52Z`, with a fraction only when the time has one) and read back as
/// that text or as nanoseconds since the Unix epoch.
public struct Incident: Hashable, Sendable, Identifiable {
    /// A stable id: the outcome name and the opening time in Unix seconds (`signin-1772366452`).
    public var id: String
    /// The outcome's name.
    public var outcome: String
    /// The scope the incident is presented under: global when the global scope fired, else the first customer
    /// scope that fired.
    public var scope: Scope
    /// Every scope that fired during the episode, in the order they first fired (global first on a tie).
    public var scopes: [Scope]
    /// The most severe rule that fired during the episode; it only ever rises (ticket → page).
    public var severity: Severity
    /// When the first scope fired, nanoseconds since the Unix epoch.
    public var openedAt: Int64
    /// When the last scope's hold period ended, nanoseconds since the Unix epoch; `nil` while open.
    public var resolvedAt: Int64?
    /// Who and what was hurt, as of the last evaluation (or the resolution).
    public var impact: IncidentImpact
    /// The business-impact rank (see docs/evaluation.md): higher is worse; comparable across outcomes.
    public var rank: Double
    /// What happened to the incident, oldest first.
    public var history: [IncidentChange]

    /// Creates an incident; the engine builds these, tests and importers may too.
    public init(
        id: String, outcome: String, scope: Scope, scopes: [Scope], severity: Severity, openedAt: Int64,
        resolvedAt: Int64? = nil, impact: IncidentImpact = IncidentImpact(), rank: Double = 0,
        history: [IncidentChange] = []
    ) {
        self.id = id
        self.outcome = outcome
        self.scope = scope
        self.scopes = scopes
        self.severity = severity
        self.openedAt = openedAt
        self.resolvedAt = resolvedAt
        self.impact = impact
        self.rank = rank
        self.history = history
    }

    /// Whether the incident is still open.
    public var isOpen: Bool { resolvedAt == nil }
}

/// What an incident cost, counted over its impact window (from the start of the short window of the rule
/// that opened it until it resolved).
public struct IncidentImpact: Hashable, Sendable, Codable {
    /// Ids of the customers affected, sorted: those whose own scope fired, and those whose bad share in the
    /// impact window exceeded their error budget rate (1 − objective).
    public var customers: [String]
    /// Bad events in the impact window: the global scope's when it fired, else the fired customers' summed.
    public var badEvents: Double
    /// Valid events in the same window and scopes as `badEvents`.
    public var totalEvents: Double
    /// The summed annual recurring revenue of the affected customers with a known ARR.
    public var arrAtRisk: Double
    /// The share of the primary scope's error budget (over the outcome's window) spent in the impact window.
    public var budgetBurned: Double

    /// An impact; everything defaults to none.
    public init(customers: [String] = [], badEvents: Double = 0, totalEvents: Double = 0, arrAtRisk: Double = 0, budgetBurned: Double = 0) {
        self.customers = customers
        self.badEvents = badEvents
        self.totalEvents = totalEvents
        self.arrAtRisk = arrAtRisk
        self.budgetBurned = budgetBurned
    }
}

/// One entry of an incident's history.
public struct IncidentChange: Hashable, Sendable {
    /// What changed.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// The incident opened (its first scopes fired).
        case opened
        /// Its severity rose from ticket to page.
        case escalated
        /// Another scope fired and joined the open incident.
        case scopeFired
        /// A scope's rules all went quiet; its hold period started.
        case scopeQuiet
        /// A scope that was quiet fired again within its hold period (no new incident: no flapping).
        case scopeRefired
        /// A scope stayed quiet for the whole hold period.
        case scopeResolved
        /// Every scope resolved; the incident is over.
        case resolved
    }

    /// When, nanoseconds since the Unix epoch.
    public var at: Int64
    /// What changed.
    public var kind: Kind
    /// The scope it concerns, if one.
    public var scope: Scope?
    /// The severity after the change.
    public var severity: Severity

    /// A history entry.
    public init(at: Int64, kind: Kind, scope: Scope?, severity: Severity) {
        self.at = at
        self.kind = kind
        self.scope = scope
        self.severity = severity
    }
}

// MARK: - Coding

extension Incident: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, outcome, scope, scopes, severity, openedAt, resolvedAt, impact, rank, history
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        outcome = try container.decode(String.self, forKey: .outcome)
        scope = try container.decode(Scope.self, forKey: .scope)
        scopes = try container.decodeIfPresent([Scope].self, forKey: .scopes) ?? [scope]
        severity = try container.decode(Severity.self, forKey: .severity)
        openedAt = try RFC3339.decode(container, forKey: .openedAt)
        resolvedAt = try container.contains(.resolvedAt) && !container.decodeNil(forKey: .resolvedAt)
            ? RFC3339.decode(container, forKey: .resolvedAt) : nil
        impact = try container.decodeIfPresent(IncidentImpact.self, forKey: .impact) ?? IncidentImpact()
        rank = try container.decodeIfPresent(Double.self, forKey: .rank) ?? 0
        history = try container.decodeIfPresent([IncidentChange].self, forKey: .history) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(scope, forKey: .scope)
        try container.encode(scopes, forKey: .scopes)
        try container.encode(severity, forKey: .severity)
        try container.encode(RFC3339.format(openedAt), forKey: .openedAt)
        if let resolvedAt {
            try container.encode(RFC3339.format(resolvedAt), forKey: .resolvedAt)
        } else {
            try container.encodeNil(forKey: .resolvedAt)
        }
        try container.encode(impact, forKey: .impact)
        try container.encode(rank, forKey: .rank)
        try container.encode(history, forKey: .history)
    }
}

extension IncidentChange: Codable {
    private enum CodingKeys: String, CodingKey { case at, kind, scope, severity }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        at = try RFC3339.decode(container, forKey: .at)
        kind = try container.decode(Kind.self, forKey: .kind)
        scope = try container.decodeIfPresent(Scope.self, forKey: .scope)
        severity = try container.decode(Severity.self, forKey: .severity)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(RFC3339.format(at), forKey: .at)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(scope, forKey: .scope)
        try container.encode(severity, forKey: .severity)
    }
}

/// RFC 3339 UTC text for nanosecond timestamps, written by hand so no nanosecond is lost and no clock is read.
///
/// Civil-date arithmetic after Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms.
enum RFC3339 {
    static let nanosPerSecond: Int64 = 1_000_000_000

    /// `2026-03-01T12:00:52Z`, or `2026-03-01T12:00:52.25Z` when there is a fraction.
    static func format(_ nanos: Int64) -> String {
        let seconds = nanos.floorDivided(by: nanosPerSecond)
        let fraction = nanos - seconds * nanosPerSecond
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        text += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if fraction != 0 {
            var digits = pad(fraction, 9)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `nil` for anything else.
    static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var position = 0
        func number(_ width: Int) -> Int64? {
            guard position + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[position..<position + width] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            position += width
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard position < bytes.count, characters.utf8.contains(bytes[position]) else { return false }
            position += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
              expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
              let second = number(2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction: Int64 = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            var scale: Int64 = 100_000_000
            var digits = 0
            while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
                fraction += Int64(bytes[position] - 48) * scale
                scale /= 10
                digits += 1
                position += 1
            }
            guard digits > 0 else { return nil }
        }
        var offsetSeconds: Int64 = 0
        if expect("Zz") {
            offsetSeconds = 0
        } else if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
            let sign: Int64 = bytes[position] == UInt8(ascii: "-") ? -1 : 1
            position += 1
            guard let offsetHours = number(2), expect(":"), let offsetMinutes = number(2) else { return nil }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard position == bytes.count else { return nil }
        let days = self.days(fromCivil: year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let (product, overflow) = seconds.multipliedReportingOverflow(by: nanosPerSecond)
        guard !overflow else { return nil }
        return product + fraction
    }

    /// Decodes a time written as RFC 3339 text or as integer nanoseconds.
    static func decode<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, forKey key: Key) throws -> Int64 {
        if let nanos = try? container.decode(Int64.self, forKey: key) { return nanos }
        let text = try container.decode(String.self, forKey: key)
        guard let nanos = parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "'\(text)' is not an RFC 3339 time such as 2026-03-01T12:00:00Z")
        }
        return nanos
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value < 0 ? -value : value)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, so times before 1970 fall into the right day.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
