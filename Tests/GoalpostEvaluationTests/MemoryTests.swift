import GoalpostModel
import Testing
@testable import GoalpostEvaluation

struct MemoryTests {
    /// Five days of traffic for 3 customers × 2 routes (6 cells, 4 scopes) at `perMinute` events per cell.
    static func run(perMinute: Int) throws -> Harness {
        let outcome = Fixture.outcome(window: .rolling(.days(1)), dimensions: ["http.route"])
        var harness = try Harness([outcome])
        var minute = Clock.t0
        let end = Clock.t0 + 5 * Clock.day
        while minute < end {
            for customer in ["acme", "globex", "initech"] {
                for route in ["/login", "/sso"] {
                    for index in 0..<perMinute {
                        let time = minute + Int64(index) * (Clock.minute / Int64(perMinute))
                        let event = harness.event(at: time, customer: customer, ok: index % 50 != 0, attributes: ["http.route": route])
                        harness.ingest(event)
                    }
                }
            }
            minute += Clock.minute
            harness.tick(minute)
        }
        return harness
    }

    @Test("retained buckets are bounded by cells × tier sizes, not by the number of events")
    func bounded() throws {
        let sparse = try Self.run(perMinute: 1)
        let dense = try Self.run(perMinute: 4)
        #expect(dense.engine.statistics.eventsMatched == 4 * sparse.engine.statistics.eventsMatched)
        #expect(sparse.engine.cellCount == 6)
        #expect(sparse.engine.scopeCount == 4)
        let retention = try #require(sparse.engine.retention(outcome: "signin"))
        // 8 hours of minutes; hours: the 3-day ticket window (longer than the 1-day budget) + 2 h margin.
        #expect(retention.minuteBuckets == 480)
        #expect(retention.hourBuckets == 74)
        // Each cell and scope keeps at most a minute tier and an hour tier of counts, plus minute sketches;
        // the global scope also keeps hourly sketches.
        let perSeries = retention.minuteBuckets * 2 + retention.hourBuckets
        let bound = (sparse.engine.cellCount + sparse.engine.scopeCount) * perSeries + retention.hourBuckets
        #expect(sparse.engine.retainedBuckets <= bound)
        #expect(sparse.engine.retainedBuckets > bound / 2)
        // Four times the events, the same memory.
        #expect(dense.engine.retainedBuckets == sparse.engine.retainedBuckets)
    }
}
