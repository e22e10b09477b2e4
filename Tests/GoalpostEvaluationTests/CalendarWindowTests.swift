import GoalpostModel
import Testing
@testable import GoalpostEvaluation

struct CalendarWindowTests {
    struct PeriodCase: Sendable, CustomTestStringConvertible {
        var period: CalendarPeriod
        var zone: String
        var at: String
        var start: String
        var end: String
        var note: String
        var testDescription: String { "\(period) in \(zone): \(note)" }
    }

    static let cases: [PeriodCase] = [
        // Berlin: 1 March 00:00 CET = 28 Feb 23:00Z; 1 April 00:00 CEST (summer time since 29 March) = 31 Mar 22:00Z.
        PeriodCase(period: .month, zone: "Europe/Berlin", at: "2026-03-29T12:00:00Z", start: "2026-02-28T23:00:00Z", end: "2026-03-31T22:00:00Z", note: "a month spanning the spring change"),
        // New York, 1 Nov 2026: summer time ends at 02:00, so the day lasts 25 hours (04:00Z to 05:00Z next day).
        PeriodCase(period: .day, zone: "America/New_York", at: "2026-11-01T12:00:00Z", start: "2026-11-01T04:00:00Z", end: "2026-11-02T05:00:00Z", note: "a 25-hour day"),
        // 5 March 2026 is a Thursday; ISO weeks start on Monday 2 March.
        PeriodCase(period: .week, zone: "UTC", at: "2026-03-05T09:30:00Z", start: "2026-03-02T00:00:00Z", end: "2026-03-09T00:00:00Z", note: "weeks start on Monday"),
        // Kolkata is UTC+5:30: Q2 starts 1 April 00:00 IST = 31 Mar 18:30Z.
        PeriodCase(period: .quarter, zone: "Asia/Kolkata", at: "2026-05-10T00:00:00Z", start: "2026-03-31T18:30:00Z", end: "2026-06-30T18:30:00Z", note: "a half-hour offset"),
        // Auckland in January is UTC+13 (summer): 1 Jan 00:00 NZDT = 31 Dec 11:00Z.
        PeriodCase(period: .year, zone: "Pacific/Auckland", at: "2026-06-01T00:00:00Z", start: "2025-12-31T11:00:00Z", end: "2026-12-31T11:00:00Z", note: "a southern-hemisphere year"),
        // Just before midnight UTC it is already the next day in Tokyo (UTC+9).
        PeriodCase(period: .day, zone: "Asia/Tokyo", at: "2026-03-01T16:00:00Z", start: "2026-03-01T15:00:00Z", end: "2026-03-02T15:00:00Z", note: "the local date, not the UTC one"),
    ]

    @Test("the calendar case table has every case")
    func caseCount() {
        #expect(Self.cases.count == 6)
    }

    @Test("periods start at local midnight of their first day", arguments: cases)
    func interval(_ c: PeriodCase) throws {
        let window = try #require(CalendarWindow(c.period, timeZone: c.zone))
        let interval = try #require(window.interval(containing: Clock.at(c.at)))
        #expect(interval.start == Clock.at(c.start))
        #expect(interval.end == Clock.at(c.end))
        // The last nanosecond belongs to the period; the end belongs to the next.
        #expect(window.interval(containing: interval.end - 1)?.start == interval.start)
        #expect(window.interval(containing: interval.end)?.start == interval.end)
    }

    @Test("a calendar budget counts only events since the period started in the outcome's zone")
    func calendarBudget() throws {
        let outcome = Fixture.outcome(objective: 0.99, window: .calendar(.month, timeZone: "Europe/Berlin"))
        var harness = try Harness([outcome])
        let monthStart = Clock.at("2026-02-28T23:00:00Z")
        // Ten failures at 23:30 Berlin time on 28 February (22:30Z) belong to February's budget …
        for index in 0..<10 { harness.send(at: monthStart - 30 * Clock.minute + Int64(index) * Clock.second, customer: "acme", ok: false) }
        // … and one success a minute from 00:10 to 00:29 on 1 March to March's. Ticks every minute.
        for minute in Int64(-29)...30 {
            if minute >= 10, minute < 30 { harness.send(at: monthStart + minute * Clock.minute, customer: "acme", ok: true) }
            harness.tick(monthStart + (minute + 1) * Clock.minute)
        }
        let status = try #require(harness.status(at: monthStart + 30 * Clock.minute)).global
        #expect(status.windowStart == monthStart)
        #expect(status.events == Counts(good: 20, total: 20))
        #expect(status.budgetRemaining == 1)
        // The 1h window [22:30Z, 23:30Z) still holds February's failures: 10 bad of 30 → burn (1/3) / 0.01.
        #expect(approximately(status.burnRate1h, 10.0 / 30 / 0.01))
    }

    @Test("an unknown time zone is refused when the engine is built")
    func unknownZone() {
        var symbols = SymbolTable()
        let outcome = Fixture.outcome(window: .calendar(.month, timeZone: "Mars/Olympus_Mons"))
        #expect(throws: EvaluationError.self) {
            _ = try EvaluationEngine(catalog: Catalog(outcomes: [outcome]), symbols: &symbols)
        }
    }
}
