import Foundation

/// A length of time, written the way people write it in outcome files: `250ms`, `5m`, `1h30m`, `30d`.
///
/// Goalpost keeps nanoseconds so that OTLP timestamps (nanoseconds since the epoch) and
/// latency thresholds use one unit. Codable as its text form, so JSON and YAML show `"5m"`, not a number.
public struct TimeSpan: Hashable, Sendable, Comparable {
    /// The length in nanoseconds.
    public var nanoseconds: Int64

    /// Creates a span of the given number of nanoseconds.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static func nanoseconds(_ n: Int64) -> TimeSpan { TimeSpan(nanoseconds: n) }
    public static func milliseconds(_ n: Int64) -> TimeSpan { TimeSpan(nanoseconds: n * 1_000_000) }
    public static func seconds(_ n: Int64) -> TimeSpan { TimeSpan(nanoseconds: n * 1_000_000_000) }
    public static func minutes(_ n: Int64) -> TimeSpan { .seconds(n * 60) }
    public static func hours(_ n: Int64) -> TimeSpan { .seconds(n * 3600) }
    public static func days(_ n: Int64) -> TimeSpan { .seconds(n * 86_400) }
    public static let zero = TimeSpan(nanoseconds: 0)

    /// The length in (fractional) seconds.
    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Whole minutes, rounded down.
    public var wholeMinutes: Int64 { nanoseconds / 60_000_000_000 }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan { TimeSpan(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds) }
    public static func - (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan { TimeSpan(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds) }
    public static func * (lhs: TimeSpan, rhs: Int64) -> TimeSpan { TimeSpan(nanoseconds: lhs.nanoseconds &* rhs) }
}

// MARK: - Text form

extension TimeSpan {
    /// The units accepted in text, longest suffix first so `ms` wins over `m`.
    private static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
        ("d", 86_400_000_000_000), ("w", 604_800_000_000_000),
    ]

    /// Parses `250ms`, `1.5s`, `5m`, `1h30m`, `30d`, `2w`.
    ///
    /// Months and years are not spans (their length depends on the calendar): calendar windows
    /// say so explicitly. Returns `nil` for anything else, including an empty string and negative values.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        var total: Double = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let letters = rest.prefix { !($0.isNumber || $0 == ".") }
            guard let unit = Self.units.first(where: { $0.suffix == letters }) else { return nil }
            rest = rest.dropFirst(letters.count)
            total += value * Double(unit.nanoseconds)
        }
        guard total.isFinite, total < Double(Int64.max) else { return nil }
        self.init(nanoseconds: Int64(total.rounded()))
    }

    /// The shortest exact text form: `30d`, `1h30m`, `250ms`.
    public var text: String {
        if nanoseconds == 0 { return "0s" }
        var rest = nanoseconds
        var out = ""
        if rest < 0 { out = "-"; rest = -rest }
        // Whole weeks only read well when the span is a whole number of weeks (2w, not 1w3d).
        let sequence: [(String, Int64)] = [
            ("d", 86_400_000_000_000), ("h", 3_600_000_000_000), ("m", 60_000_000_000),
            ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1),
        ]
        for (suffix, size) in sequence where rest >= size {
            out += "\(rest / size)\(suffix)"
            rest %= size
        }
        return out
    }
}

extension TimeSpan: CustomStringConvertible {
    public var description: String { text }
}

extension TimeSpan: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let span = TimeSpan(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a duration such as 5m or 30d")
        }
        self = span
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
