import Foundation
import GoalpostModel

/// Calendar periods in a time zone: where the budget of a calendar window starts and ends.
///
/// Weeks start on Monday (ISO 8601). Periods begin at local midnight, so a day is 23 or 25 hours long across
/// a daylight-saving change and a month starts at 22:00 or 23:00 UTC in Berlin.
public struct CalendarWindow: Sendable {
    /// The period.
    public let period: CalendarPeriod
    /// The time zone it is counted in.
    public let timeZone: TimeZone
    private let calendar: Calendar

    /// A calendar window in the zone with IANA id `timeZone`; `nil` for an unknown zone.
    public init?(_ period: CalendarPeriod, timeZone identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(period, timeZone: zone)
    }

    /// A calendar window in `timeZone`.
    public init(_ period: CalendarPeriod, timeZone: TimeZone) {
        self.period = period
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        self.calendar = calendar
    }

    /// The period containing `time` (nanoseconds since the Unix epoch) as `[start, end)` in nanoseconds.
    ///
    /// - Returns: `nil` only if Foundation cannot compute the dates (far outside any realistic range).
    public func interval(containing time: Int64) -> (start: Int64, end: Int64)? {
        // Whole seconds are exact in a Double; flooring keeps the last nanosecond of a period inside it.
        let date = Date(timeIntervalSince1970: Double(Time.floorDiv(time, Time.nanosPerSecond)))
        let start: Date?
        let months: Int
        switch period {
        case .day:
            start = calendar.startOfDay(for: date)
            months = 0
        case .week:
            start = calendar.dateInterval(of: .weekOfYear, for: date)?.start
            months = 0
        case .month:
            start = calendar.date(from: calendar.dateComponents([.year, .month], from: date))
            months = 1
        case .quarter:
            let components = calendar.dateComponents([.year, .month], from: date)
            guard let year = components.year, let month = components.month else { return nil }
            start = calendar.date(from: DateComponents(year: year, month: (month - 1) / 3 * 3 + 1, day: 1))
            months = 3
        case .year:
            start = calendar.date(from: calendar.dateComponents([.year], from: date))
            months = 12
        }
        guard let start else { return nil }
        let end: Date?
        switch period {
        case .day: end = calendar.date(byAdding: .day, value: 1, to: start)
        case .week: end = calendar.date(byAdding: .day, value: 7, to: start)
        default: end = calendar.date(byAdding: .month, value: months, to: start)
        }
        guard let end else { return nil }
        return (Self.nanos(start), Self.nanos(end))
    }

    private static func nanos(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded()) * Time.nanosPerSecond
    }

    /// The longest a period can be (for sizing retention): a 25-hour day, a 7-day week plus an hour,
    /// a 31-day month, a 92-day quarter and a 366-day year, each plus an hour for daylight saving.
    public static func longestLength(of period: CalendarPeriod) -> TimeSpan {
        switch period {
        case .day: .hours(25)
        case .week: .days(7) + .hours(1)
        case .month: .days(31) + .hours(1)
        case .quarter: .days(92) + .hours(1)
        case .year: .days(366) + .hours(1)
        }
    }
}
