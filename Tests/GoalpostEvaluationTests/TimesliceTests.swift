import GoalpostModel
import Testing
@testable import GoalpostEvaluation

struct TimesliceTests {
    /// An hour of 100 events a minute from t0: minute 10 has 10 failures (90 % < 95 %: a bad slice),
    /// minute 20 has 3 (97 % ≥ 95 %: a good slice).
    static func hourWithTwoDips(_ budgeting: BudgetingMethod, configuration: EvaluationEngine.Configuration = .init()) throws -> Harness {
        let outcome = Fixture.outcome(objective: 0.99, window: .rolling(.days(1)), budgeting: budgeting)
        var harness = try Harness([outcome], configuration: configuration)
        for minute in Int64(0)..<60 {
            let failures = minute == 10 ? 10 : minute == 20 ? 3 : 0
            for index in 0..<100 {
                harness.send(at: Clock.t0 + minute * Clock.minute + Int64(index) * 600 * 1_000_000, customer: "acme", ok: index >= failures)
            }
            harness.tick(Clock.t0 + (minute + 1) * Clock.minute)
        }
        return harness
    }

    @Test("timeslices count bad minutes against a budget of slices over the whole window")
    func timeslices() throws {
        let harness = try Self.hourWithTwoDips(.timeslices(slice: .minutes(1), threshold: 0.95))
        let status = try #require(harness.status(at: Clock.t0 + Clock.hour)).global
        // 1h: 1 bad slice of 60 → 1/60; burn (1/60) / 0.01 = 1.667.
        let hour = try #require(status.rules.first { $0.rule.longWindow == .hours(1) })
        #expect(approximately(hour.long.badRatio, 1.0 / 60))
        #expect(approximately(status.burnRate1h, 1.0 / 60 / 0.01))
        // Budget: a day of 1-minute slices is 1440; 1 % of them, 14.4, may be bad; 1 is: 1 − 1/14.4.
        #expect(approximately(status.budgetRemaining, 1 - 1 / 14.4))
        // SLI: slices without traffic are good: 1 − 1/1440.
        #expect(approximately(status.sli ?? 0, 1 - 1.0 / 1440))
        #expect(status.events == Counts(good: 6000 - 13, total: 6000))
    }

    @Test("ratio timeslices average the good share of the slices with traffic")
    func ratioTimeslices() throws {
        let harness = try Self.hourWithTwoDips(.ratioTimeslices(slice: .minutes(1)))
        let status = try #require(harness.status(at: Clock.t0 + Clock.hour)).global
        // 60 slices with traffic; their bad shares sum to 0.10 + 0.03 = 0.13.
        // SLI 1 − 0.13/60; 1h burn (0.13/60) / 0.01 = 0.2167. The budget window is a day but only its last hour
        // was observed (a cold start): the 60 slices count as the day's 1440 at the observed rate, as for
        // timeslices above, so the budget is 1 − 0.13 / (0.01 × 1440) = 0.99097.
        #expect(approximately(status.sli ?? 0, 1 - 0.13 / 60))
        #expect(approximately(status.burnRate1h, 0.13 / 60 / 0.01))
        #expect(approximately(status.budgetRemaining, 1 - 0.13 / 14.4))
    }

    @Test("old slices come from finalized hourly tallies once minutes are gone")
    func finalizedHours() throws {
        // A 2-hour minute tier, twelve hours of 10 events a minute, minute 7 of every hour all failing.
        let configuration = EvaluationEngine.Configuration(minuteTier: .hours(2))
        let outcome = Fixture.outcome(objective: 0.99, window: .rolling(.days(1)), budgeting: .timeslices(slice: .minutes(1), threshold: 0.95))
        var harness = try Harness([outcome], configuration: configuration)
        harness.run(from: Clock.t0, to: Clock.t0 + 12 * Clock.hour, customers: [("acme", 10)]) { _, time in
            (time - Clock.t0) / Clock.minute % 60 == 7
        }
        let status = try #require(harness.status(at: Clock.t0 + 12 * Clock.hour)).global
        // Day: 12 bad slices of the 14.4 allowed → 1 − 12/14.4; SLI 1 − 12/1440.
        #expect(approximately(status.budgetRemaining, 1 - 12 / 14.4))
        #expect(approximately(status.sli ?? 0, 1 - 12.0 / 1440))
        // 6h window: 6 bad of 360 → burn (6/360) / 0.01; 3d window: 12 bad of 4320 → burn (12/4320) / 0.01.
        let six = try #require(status.rules.first { $0.rule.longWindow == .hours(6) })
        #expect(approximately(six.long.burnRate, 6.0 / 360 / 0.01))
        let three = try #require(status.rules.first { $0.rule.longWindow == .days(3) })
        #expect(approximately(three.long.burnRate, 12.0 / 4320 / 0.01))
    }

    @Test("a slice that does not divide an hour is refused when the engine is built")
    func unsupportedSlice() {
        var symbols = SymbolTable()
        let outcome = Fixture.outcome(budgeting: .timeslices(slice: .minutes(7), threshold: 0.9))
        #expect(throws: EvaluationError.self) {
            _ = try EvaluationEngine(catalog: Catalog(outcomes: [outcome]), symbols: &symbols)
        }
    }
}
