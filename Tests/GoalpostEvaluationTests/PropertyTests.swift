import GoalpostModel
import GoalpostTestSupport
import Testing
@testable import GoalpostEvaluation

/// Seeded properties: each seed replays exactly.
struct PropertyTests {
    static let seeds: [UInt64] = [11, 23, 37, 41, 59]

    @Test("budget remaining never exceeds 1 and burn never falls as bad events rise", arguments: seeds)
    func math(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<2000 {
            let objective = Double.random(in: 0.5..<0.99999, using: &random)
            let total = Double(Int.random(in: 0...1_000_000, using: &random))
            let bad = Double(Int.random(in: 0...Int(total), using: &random))
            let more = min(total, bad + Double(Int.random(in: 0...1000, using: &random)))
            #expect(BudgetMath.budgetRemaining(bad: bad, base: total, objective: objective) <= 1)
            #expect(BudgetMath.burnRate(bad: bad, total: total, objective: objective) <= BudgetMath.burnRate(bad: more, total: total, objective: objective))
            #expect(BudgetMath.budgetRemaining(bad: more, base: total, objective: objective) <= BudgetMath.budgetRemaining(bad: bad, base: total, objective: objective))
        }
    }

    /// Three hours of random traffic for five customers: (time, customer, ok), in time order.
    static func stream(seed: UInt64) -> [(time: Int64, customer: String, ok: Bool)] {
        var random = SeededGenerator(seed: seed)
        var events = [(time: Int64, customer: String, ok: Bool)]()
        let customers = ["acme", "globex", "initech", "umbrella", "hooli"]
        let failureRates = customers.map { _ in Double.random(in: 0...0.2, using: &random) }
        var time = Clock.t0
        while time < Clock.t0 + 3 * Clock.hour {
            time += Int64.random(in: 1...800, using: &random) * 1_000_000
            let index = Int.random(in: 0..<customers.count, using: &random)
            events.append((time, customers[index], Double.random(in: 0..<1, using: &random) >= failureRates[index]))
        }
        return events
    }

    /// Feeds events in arrival order, ticking at every minute boundary of arrival time.
    static func replay(_ arrivals: [(arrival: Int64, time: Int64, customer: String, ok: Bool)], into harness: inout Harness) {
        var nextTick = Clock.t0 + Clock.minute
        for event in arrivals {
            while event.arrival >= nextTick {
                harness.tick(nextTick)
                nextTick += Clock.minute
            }
            harness.send(at: event.time, customer: event.customer, ok: event.ok)
        }
        harness.tick(nextTick)
    }

    @Test("aggregated totals equal the events sent, whatever their order within the allowed lateness", arguments: seeds)
    func orderIndependence(seed: UInt64) throws {
        let events = Self.stream(seed: seed)
        var random = SeededGenerator(seed: seed ^ 0xABCD)
        let lateness = EvaluationEngine.Configuration().allowedLateness.nanoseconds
        let inOrder = events.map { (arrival: $0.time, time: $0.time, customer: $0.customer, ok: $0.ok) }
        // Each event arrives up to 4 minutes after it happened: never further behind the newest minute seen
        // than the 5 minutes allowed.
        let shuffled = events
            .map { (arrival: $0.time + Int64.random(in: 0..<(lateness - Clock.minute), using: &random), time: $0.time, customer: $0.customer, ok: $0.ok) }
            .sorted { $0.arrival < $1.arrival }
        var first = try Harness([Fixture.outcome()])
        var second = try Harness([Fixture.outcome()])
        Self.replay(inOrder, into: &first)
        Self.replay(shuffled, into: &second)

        let good = Double(events.filter(\.ok).count)
        let total = Double(events.count)
        for harness in [first, second] {
            #expect(harness.engine.statistics.eventsDroppedLate == 0)
            #expect(harness.engine.statistics.eventsMatched == events.count)
            let cells = harness.engine.cells(outcome: "signin", from: Clock.t0, to: Clock.t0 + 4 * Clock.hour, symbols: harness.symbols)
            #expect(cells.reduce(Counts.zero) { $0 + $1.counts } == Counts(good: good, total: total))
        }
        let end = Clock.t0 + 3 * Clock.hour + 10 * Clock.minute
        let a = try #require(first.status(at: end))
        let b = try #require(second.status(at: end))
        #expect(a.global.events == Counts(good: good, total: total))
        #expect(a.global.events == b.global.events)
        #expect(a.customers.map(\.events) == b.customers.map(\.events))
        #expect(a.global.rules.map(\.long.events) == b.global.rules.map(\.long.events))
        #expect(a.global.rules.map(\.short.events) == b.global.rules.map(\.short.events))
    }

    @Test("more bad events never lower a window's burn, and no scope's budget exceeds 1", arguments: seeds)
    func monotonicThroughEngine(seed: UInt64) throws {
        let events = Self.stream(seed: seed)
        var random = SeededGenerator(seed: seed ^ 0x5EED)
        // The same stream with some good events turned bad.
        let worse = events.map { event in (time: event.time, customer: event.customer, ok: event.ok && Double.random(in: 0..<1, using: &random) > 0.05) }
        var first = try Harness([Fixture.outcome()])
        var second = try Harness([Fixture.outcome()])
        Self.replay(events.map { (arrival: $0.time, time: $0.time, customer: $0.customer, ok: $0.ok) }, into: &first)
        Self.replay(worse.map { (arrival: $0.time, time: $0.time, customer: $0.customer, ok: $0.ok) }, into: &second)
        var now = Clock.t0 + 10 * Clock.minute
        while now <= Clock.t0 + 3 * Clock.hour {
            let a = try #require(first.status(at: now))
            let b = try #require(second.status(at: now))
            for (x, y) in zip([a.global] + a.customers, [b.global] + b.customers) {
                #expect(x.scope == y.scope)
                #expect(x.budgetRemaining <= 1 && y.budgetRemaining <= 1)
                #expect(y.budgetRemaining <= x.budgetRemaining + 1e-12)
                for (r, s) in zip(x.rules, y.rules) {
                    #expect(r.long.burnRate <= s.long.burnRate + 1e-9)
                    #expect(r.short.burnRate <= s.short.burnRate + 1e-9)
                }
            }
            now += 17 * Clock.minute
        }
    }
}
