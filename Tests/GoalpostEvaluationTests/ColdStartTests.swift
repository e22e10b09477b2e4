import GoalpostEvaluation
import GoalpostModel
import Testing

/// Rule windows that reach back before the engine saw anything count the unobserved part as healthy traffic
/// at the observed rate (see `OutcomeAggregator.ruleMeasure`).
struct ColdStartTests {
    @Test("one failure in the first minutes after start does not page a busy customer")
    func earlyErrorIsQuiet() throws {
        // 99.5 % objective, 20 events a minute, one failure at +1m. Without the rule, at the +2m tick the 3d and
        // 6h windows would hold two minutes: 1 bad of 40 = 2.5 % > 1 × 0.5 %, and the ticket rule would fire.
        // With it the 3d window's base is 20 × 4320: 1 of 86 400 is quiet, and so is every other window
        // (6h: 1 of 7200; 1h: 1 of 1200 = 0.08 % < 14.4 × 0.5 % = 7.2 %).
        var harness = try Harness([Fixture.outcome(objective: 0.995)])
        harness.run(from: Clock.t0, to: Clock.t0 + 30 * Clock.minute, customers: [("acme", 20)]) { _, time in
            time == Clock.t0 + Clock.minute
        }
        #expect(harness.opened.isEmpty)
    }

    @Test("a total outage from the very first event still pages at the first tick")
    func outageAtStartPages() throws {
        // 99.9 %, 100 events a minute, all failing from t0. At the +1m tick the 1h window holds 100 bad; its
        // base is the observed 100 scaled to an hour, 6000: 1.67 % > 1.44 % (burn 16.7 > 14.4); the 5m window
        // likewise (100 of 500 = 20 %). The Workbook's arithmetic says 52 s; the first minute tick is at 60 s.
        var harness = try Harness([Fixture.outcome(objective: 0.999)])
        harness.run(from: Clock.t0, to: Clock.t0 + 3 * Clock.minute, customers: [("acme", 100)]) { _, _ in true }
        let opened = try #require(harness.opened.first)
        #expect(opened.openedAt == Clock.t0 + Clock.minute)
        #expect(opened.severity == .page)
    }

    @Test("status reports the cold-start burn, not the raw ratio of a few minutes")
    func statusUsesTheSameWindows() throws {
        var harness = try Harness([Fixture.outcome(objective: 0.999)])
        harness.run(from: Clock.t0, to: Clock.t0 + 10 * Clock.minute, customers: [("acme", 100)]) { _, time in
            time == Clock.t0
        }
        let status = try #require(harness.status(at: Clock.t0 + 10 * Clock.minute))
        // 1 bad of 1000 observed; the 1h base is 1000 × 6 = 6000: ratio 1/6000, burn 1/6000 / 0.001 = 0.1667.
        #expect(approximately(status.global.burnRate1h, 1.0 / 6.0, tolerance: 1e-6))
        #expect(status.global.events.total == 1000)
    }
}
