import GoalpostModel
import Testing
@testable import GoalpostEvaluation

struct MetricIndicatorTests {
    static func harness(_ metrics: MetricIndicator, latency: TimeSpan? = nil) throws -> Harness {
        let indicator = Indicator(source: .metrics, service: "auth", latency: latency, metrics: metrics)
        return try Harness([Fixture.outcome(indicator: indicator)])
    }

    static func sample(_ harness: inout Harness, _ name: String, at time: Int64, start: Int64, _ temporality: Temporality, _ value: MetricValue, customer: String = "acme") -> MetricSample {
        MetricSample(
            timeUnixNano: time, startTimeUnixNano: start, service: harness.symbols.intern("auth"), name: harness.symbols.intern(name),
            temporality: temporality, attributes: [Attribute(key: harness.symbols.intern("customer.id"), value: .string(harness.symbols.intern(customer)))],
            value: value
        )
    }

    @Test("cumulative counters become per-minute increases, across a restart")
    func cumulative() throws {
        var harness = try Self.harness(MetricIndicator(good: "logins_ok_total", total: "logins_total"))
        let oldStart = Clock.t0 - Clock.day
        let newStart = Clock.t0 + 150 * Clock.second
        // (minute, start, total, good): the first point is a baseline (its series started before the engine
        // watched); at minute 3 the process restarted (new start time) and counts from zero.
        let points: [(Int64, Int64, Double, Double)] = [
            (0, oldStart, 1000, 990), (1, oldStart, 1100, 1085), (2, oldStart, 1200, 1180), (3, newStart, 50, 45), (4, newStart, 150, 140),
        ]
        for (minute, start, total, good) in points {
            let time = Clock.t0 + minute * Clock.minute + 30 * Clock.second
            let totalSample = Self.sample(&harness, "logins_total", at: time, start: start, .cumulative, .count(total))
            let goodSample = Self.sample(&harness, "logins_ok_total", at: time, start: start, .cumulative, .count(good))
            harness.engine.ingest(totalSample, symbols: harness.symbols)
            harness.engine.ingest(goodSample, symbols: harness.symbols)
            harness.tick(Clock.t0 + (minute + 1) * Clock.minute)
        }
        // Increases: +100/+95, +100/+95, restart +50/+45, +100/+95 → 350 total, 330 good.
        let status = try #require(harness.status(at: Clock.t0 + 5 * Clock.minute))
        #expect(status.global.events == Counts(good: 330, total: 350))
        #expect(status.customers.first?.events == Counts(good: 330, total: 350))
        #expect(harness.engine.statistics.counterResets == 2)
    }

    @Test("delta bad and total counters give good = total − bad")
    func deltaBadTotal() throws {
        var harness = try Self.harness(MetricIndicator(bad: "logins_failed", total: "logins"))
        let time = Clock.t0 + 10 * Clock.second
        let total = Self.sample(&harness, "logins", at: time, start: Clock.t0, .delta, .count(200))
        let bad = Self.sample(&harness, "logins_failed", at: time, start: Clock.t0, .delta, .count(7))
        harness.engine.ingest(total, symbols: harness.symbols)
        harness.engine.ingest(bad, symbols: harness.symbols)
        harness.tick(Clock.t0 + Clock.minute)
        #expect(try #require(harness.status(at: Clock.t0 + Clock.minute)).global.events == Counts(good: 193, total: 200))
    }

    @Test("a duration histogram counts buckets within the latency bound as good")
    func histogram() throws {
        var harness = try Self.harness(MetricIndicator(histogram: "http.server.request.duration"), latency: .milliseconds(250))
        // Bounds in seconds; buckets (…0.1], (0.1, 0.25], (0.25, 0.5], (0.5, 1], (1, ∞): 50 + 30 are ≤ 250 ms.
        let value = MetricValue.histogram(count: 100, bounds: [0.1, 0.25, 0.5, 1], counts: [50, 30, 15, 4, 1])
        let sample = Self.sample(&harness, "http.server.request.duration", at: Clock.t0 + Clock.second, start: Clock.t0, .delta, value)
        harness.engine.ingest(sample, symbols: harness.symbols)
        harness.tick(Clock.t0 + Clock.minute)
        #expect(try #require(harness.status(at: Clock.t0 + Clock.minute)).global.events == Counts(good: 80, total: 100))
    }

    @Test("a cumulative series that starts while the engine watches counts its first point")
    func newSeries() throws {
        var harness = try Self.harness(MetricIndicator(good: "ok", total: "all"))
        harness.tick(Clock.t0)
        let start = Clock.t0 + 5 * Clock.second
        let all = Self.sample(&harness, "all", at: Clock.t0 + 30 * Clock.second, start: start, .cumulative, .count(12))
        let ok = Self.sample(&harness, "ok", at: Clock.t0 + 30 * Clock.second, start: start, .cumulative, .count(11))
        harness.engine.ingest(all, symbols: harness.symbols)
        harness.engine.ingest(ok, symbols: harness.symbols)
        harness.tick(Clock.t0 + Clock.minute)
        #expect(try #require(harness.status(at: Clock.t0 + Clock.minute)).global.events == Counts(good: 11, total: 12))
    }

    @Test("a metrics indicator with one counter is refused")
    func oneCounter() {
        var symbols = SymbolTable()
        let outcome = Fixture.outcome(indicator: Indicator(source: .metrics, metrics: MetricIndicator(total: "all")))
        #expect(throws: EvaluationError.self) {
            _ = try EvaluationEngine(catalog: Catalog(outcomes: [outcome]), symbols: &symbols)
        }
    }
}
