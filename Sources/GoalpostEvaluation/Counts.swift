import GoalpostModel

/// Good and valid (total) events in a bucket or window.
///
/// Doubles, not integers: metric indicators deliver counter increases that need not be whole, and windows
/// weigh their oldest bucket by how much of it they cover. Integer counts stay exact up to 2⁵³.
public struct Counts: Hashable, Sendable, Codable {
    /// Valid events that were good.
    public var good: Double
    /// All valid events.
    public var total: Double

    /// Counts of `good` good events out of `total`.
    public init(good: Double = 0, total: Double = 0) {
        self.good = good
        self.total = total
    }

    /// Valid events that were bad, never below zero or above `total` (metric counters of good and total
    /// events can disagree for a moment when their samples land in different minutes).
    public var bad: Double { min(max(0, total - good), max(0, total)) }

    /// The share of valid events that were good; `nil` without events.
    public var ratio: Double? { total > 0 ? min(1, max(0, good / total)) : nil }

    /// The share of valid events that were bad; 0 without events.
    public var badRatio: Double { total > 0 ? bad / total : 0 }
}

/// Time slices in a window, for the `timeslices` and `ratioTimeslices` budgeting methods.
///
/// `bad` counts bad slices (timeslices: each 0 or 1; ratioTimeslices: `1 − good/total` of each slice with
/// traffic), `count` the slices they are out of (ratioTimeslices only: the slices with traffic; for
/// timeslices the count is the elapsed time divided by the slice length and is not stored).
public struct SliceTally: Hashable, Sendable, Codable {
    /// Bad slices (or summed bad shares of slices).
    public var bad: Double
    /// Slices counted.
    public var count: Double

    /// A tally of `bad` bad slices out of `count`.
    public init(bad: Double = 0, count: Double = 0) {
        self.bad = bad
        self.count = count
    }
}

/// A value a bucket series can sum: counts and slice tallies.
protocol SeriesValue: Sendable, Equatable {
    static var zero: Self { get }
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    func scaled(by factor: Double) -> Self
}

extension SeriesValue {
    static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
}

extension Counts: SeriesValue {
    static let zero = Counts()
    @inline(__always)
    static func + (lhs: Counts, rhs: Counts) -> Counts { Counts(good: lhs.good + rhs.good, total: lhs.total + rhs.total) }
    @inline(__always)
    static func - (lhs: Counts, rhs: Counts) -> Counts { Counts(good: lhs.good - rhs.good, total: lhs.total - rhs.total) }
    func scaled(by factor: Double) -> Counts { Counts(good: good * factor, total: total * factor) }
}

extension SliceTally: SeriesValue {
    static let zero = SliceTally()
    static func + (lhs: SliceTally, rhs: SliceTally) -> SliceTally { SliceTally(bad: lhs.bad + rhs.bad, count: lhs.count + rhs.count) }
    static func - (lhs: SliceTally, rhs: SliceTally) -> SliceTally { SliceTally(bad: lhs.bad - rhs.bad, count: lhs.count - rhs.count) }
    func scaled(by factor: Double) -> SliceTally { SliceTally(bad: bad * factor, count: count * factor) }
}

/// Nanosecond constants and floor division for bucketing times (times before 1970 included).
enum Time {
    static let nanosPerSecond: Int64 = 1_000_000_000
    static let nanosPerMinute: Int64 = 60_000_000_000
    static let nanosPerHour: Int64 = 3_600_000_000_000
    static let minutesPerHour: Int64 = 60

    @inline(__always)
    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// Division rounding up, for sizing retention.
    static func ceilDiv(_ value: Int64, _ divisor: Int64) -> Int64 { -floorDiv(-value, divisor) }
}
