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
        openedAt = try Timestamp.decode(container, forKey: .openedAt)
        resolvedAt = try container.contains(.resolvedAt) && !container.decodeNil(forKey: .resolvedAt)
            ? Timestamp.decode(container, forKey: .resolvedAt) : nil
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
        try container.encode(Timestamp.format(openedAt), forKey: .openedAt)
        if let resolvedAt {
            try container.encode(Timestamp.format(resolvedAt), forKey: .resolvedAt)
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
        at = try Timestamp.decode(container, forKey: .at)
        kind = try container.decode(Kind.self, forKey: .kind)
        scope = try container.decodeIfPresent(Scope.self, forKey: .scope)
        severity = try container.decode(Severity.self, forKey: .severity)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Timestamp.format(at), forKey: .at)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(scope, forKey: .scope)
        try container.encode(severity, forKey: .severity)
    }
}
