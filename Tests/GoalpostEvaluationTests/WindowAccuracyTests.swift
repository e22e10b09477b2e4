import GoalpostModel
import GoalpostTestSupport
import Testing
@testable import GoalpostEvaluation

/// The window-sum error bounds of docs/evaluation.md, checked against exact counts on seeded bursty traffic.
struct WindowAccuracyTests {
    @Test("a window's error is at most the events of its one weighted boundary bucket (seeded)", arguments: [5 as UInt64, 6, 7])
    func boundaryError(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        // A 2-hour minute tier: the 1h window is summed from minutes, the 3d window from hours.
        var harness = try Harness([Fixture.outcome()], configuration: EvaluationEngine.Configuration(minuteTier: .hours(2)))
        // Four days of bursty traffic: each minute 0–6 events at random seconds, a random share failing.
        var events = [(time: Int64, ok: Bool)]()
        for minute in Int64(0)..<(4 * 24 * 60) {
            let failing = Double.random(in: 0..<1, using: &random) < 0.1 ? 0.8 : 0.02
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                let time = Clock.t0 + minute * Clock.minute + Int64.random(in: 0..<Clock.minute, using: &random)
                events.append((time, Double.random(in: 0..<1, using: &random) >= failing))
            }
        }
        events.sort { $0.time < $1.time }
        // Checkpoints in the last day at odd times (not on a minute or hour boundary).
        var checkpoints = (0..<6).map { _ in Clock.t0 + 3 * Clock.day + Int64.random(in: Clock.hour..<(Clock.day - Clock.hour), using: &random) }
        checkpoints.sort()

        func exact(_ start: Int64, _ end: Int64) -> Counts {
            let inside = events.filter { $0.time >= start && $0.time < end }
            return Counts(good: Double(inside.filter(\.ok).count), total: Double(inside.count))
        }
        var nextTick = Clock.t0 + Clock.minute
        var position = 0
        for checkpoint in checkpoints {
            while position < events.count, events[position].time < checkpoint {
                while events[position].time >= nextTick {
                    harness.tick(nextTick)
                    nextTick += Clock.minute
                }
                harness.send(at: events[position].time, customer: "acme", ok: events[position].ok)
                position += 1
            }
            harness.tick(checkpoint)
            let status = try #require(harness.status(at: checkpoint)).global
            for (rule, bucket) in [(status.rules[0], Clock.minute), (status.rules[2], Clock.hour)] {
                let start = checkpoint - rule.rule.longWindow.nanoseconds
                let truth = exact(start, checkpoint)
                let boundaryStart = Time.floorDiv(start, bucket) * bucket
                let boundary = exact(boundaryStart, boundaryStart + bucket)
                #expect(abs(rule.long.events.total - truth.total) <= boundary.total + 1e-9)
                #expect(abs(rule.long.events.bad - truth.bad) <= boundary.bad + 1e-9)
                // The ratio bound of the docs: |Δr| ≤ (b_h + r·t_h) / (T − t_h).
                let r = truth.badRatio
                #expect(abs(rule.long.events.badRatio - r) <= (boundary.bad + r * boundary.total) / (truth.total - boundary.total) + 1e-12)
            }
        }
    }
}
