import Foundation
import GoalpostModel
import GoalpostTestSupport
import Testing
@testable import GoalpostEvaluation

/// Ingest throughput: a B2B-shaped stream (6 services, 12 outcomes, 2000 customers, 9 attributes an event)
/// routed, classified and aggregated, with a tick every minute of event time.
///
/// Always runs a small pass that checks the counts; measures and prints `BENCH_EVAL_EVENTS_PER_SECOND` when
/// `GOALPOST_BENCH_EVENTS` is set (`scripts/bench/evaluation-ingest.sh` runs it in a release build).
struct IngestBenchmarkTests {
    static let services = ["api-gateway", "checkout", "billing", "auth", "search", "reports"]
    static let routes = ["/a", "/b", "/c", "/d"]

    static func catalog() -> Catalog {
        var outcomes = [Outcome]()
        for service in services {
            outcomes.append(Fixture.outcome(name: "\(service)-available", indicator: Indicator(source: .traces, service: service, operations: ["/a", "/b", "/c"]), dimensions: ["http.route"]))
            var latency = Indicator(source: .traces, service: service, operations: ["/a", "/d"], latency: .milliseconds(250))
            latency.filter = Filter(source: "region != \"ap\"", expression: .compare(key: "region", op: .notEqual, value: .string("ap")))
            outcomes.append(Fixture.outcome(name: "\(service)-fast", indicator: latency))
        }
        let customers = (0..<2000).map { (index: Int) -> Customer in
            let tier = index % 10 == 0 ? "enterprise" : "team"
            return Customer(id: "customer-\(index)", tier: tier, arr: Double(1000 + index * 37))
        }
        return Catalog(outcomes: outcomes, customers: customers)
    }

    /// A pool of distinct events to replay with fresh timestamps.
    static func pool(symbols: inout SymbolTable, count: Int) -> [Event] {
        var random = SeededGenerator(seed: 99)
        let keys = ["customer.id", "http.route", "region", "service.version", "http.request.method", "user_agent.original", "net.peer.name", "http.response.status_code", "deployment.environment"].map { symbols.intern($0) }
        let regions = ["eu", "us", "ap"].map { symbols.intern($0) }
        let customers = (0..<2000).map { symbols.intern("customer-\($0)") }
        let routeSymbols = routes.map { symbols.intern($0) }
        let serviceSymbols = services.map { symbols.intern($0) }
        let constant = ["2.3.1", "GET", "Mozilla/5.0", "db.internal", "production"].map { symbols.intern($0) }
        return (0..<count).map { _ in
            let route = routeSymbols[Int.random(in: 0..<routeSymbols.count, using: &random)]
            let failed = Int.random(in: 0..<200, using: &random) == 0
            let attributes = [
                Attribute(key: keys[0], value: .string(customers[Int.random(in: 0..<customers.count, using: &random)])),
                Attribute(key: keys[1], value: .string(route)),
                Attribute(key: keys[2], value: .string(regions[Int.random(in: 0..<3, using: &random)])),
                Attribute(key: keys[3], value: .string(constant[0])),
                Attribute(key: keys[4], value: .string(constant[1])),
                Attribute(key: keys[5], value: .string(constant[2])),
                Attribute(key: keys[6], value: .string(constant[3])),
                Attribute(key: keys[7], value: .int(failed ? 500 : 200)),
                Attribute(key: keys[8], value: .string(constant[4])),
            ]
            return Event(
                timeUnixNano: 0, signal: .span, service: serviceSymbols[Int.random(in: 0..<serviceSymbols.count, using: &random)],
                operation: route, status: failed ? .error : .ok,
                durationNanos: Int64.random(in: 2_000_000...400_000_000, using: &random), attributes: attributes
            )
        }
    }

    /// Feeds `total` events at `perSecond` events per second of event time, ticking every minute.
    static func run(total: Int, perSecond: Int, telemetryCatalog: Bool = false) throws -> (engine: EvaluationEngine, ingestSeconds: Double, tickSeconds: Double, symbols: SymbolTable) {
        var symbols = SymbolTable()
        var engine = try EvaluationEngine(catalog: catalog(), configuration: .init(telemetryCatalog: telemetryCatalog), symbols: &symbols)
        let events = pool(symbols: &symbols, count: 50_000)
        let clock = ContinuousClock()
        var ingest = Duration.zero
        var ticking = Duration.zero
        let spacing = Clock.second / Int64(perSecond)
        var time = Clock.t0
        var nextTick = Clock.t0 + Clock.minute
        var sent = 0
        while sent < total {
            let batchEnd = min(total, sent + Int((nextTick - time) / spacing))
            let started = clock.now
            while sent < batchEnd {
                var event = events[sent % events.count]
                event.timeUnixNano = time
                engine.ingest(event, symbols: symbols)
                time += spacing
                sent += 1
            }
            let ingested = clock.now
            ingest += ingested - started
            if time >= nextTick {
                _ = engine.tick(now: nextTick)
                nextTick += Clock.minute
            }
            ticking += clock.now - ingested
        }
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        return (engine, seconds(ingest), seconds(ticking), symbols)
    }

    @Test("a B2B-shaped stream is routed to the right outcomes, and its throughput is measured on request")
    func throughput() throws {
        let small = try Self.run(total: 20_000, perSecond: 1000)
        // Each span's service has two outcomes; routes /a–/c count for "available", /a and /d for "fast"
        // unless the region is ap: most events count somewhere, none is dropped.
        #expect(small.engine.statistics.eventsReceived == 20_000)
        #expect(small.engine.statistics.eventsDroppedLate == 0)
        #expect(small.engine.statistics.eventsMatched > 15_000)
        // The telemetry catalog, when kept, counts every event under its service and route.
        let cataloged = try Self.run(total: 20_000, perSecond: 1000, telemetryCatalog: true)
        let telemetry = cataloged.engine.telemetry.catalog(symbols: cataloged.symbols)
        #expect(telemetry.operations.count == Self.services.count * Self.routes.count)
        #expect(telemetry.operations.reduce(0) { $0 + $1.events } == 20_000)
        #expect(telemetry.operations.allSatisfy { $0.attributes.contains { $0.key == "customer.id" && $0.distinctValues > 10 } })
        #expect(small.engine.telemetry.isEmpty, "off by default")

        guard let requested = ProcessInfo.processInfo.environment["GOALPOST_BENCH_EVENTS"], let total = Int(requested) else { return }
        let result = try Self.run(total: total, perSecond: 2000)
        let eventsPerSecond = Double(total) / result.ingestSeconds
        print("BENCH_EVAL events=\(total) ingest=\(result.ingestSeconds)s ticks=\(result.tickSeconds)s cells=\(result.engine.cellCount) scopes=\(result.engine.scopeCount) buckets=\(result.engine.retainedBuckets)")
        print("BENCH_EVAL_EVENTS_PER_SECOND \(Int(eventsPerSecond))")
        print("BENCH_EVAL_WITH_TICKS_EVENTS_PER_SECOND \(Int(Double(total) / (result.ingestSeconds + result.tickSeconds)))")
        // The same stream with the telemetry catalog kept (as `serve` does), right after, on the same machine.
        let withCatalog = try Self.run(total: total, perSecond: 2000, telemetryCatalog: true)
        print("BENCH_EVAL_CATALOG_EVENTS_PER_SECOND \(Int(Double(total) / withCatalog.ingestSeconds))")
        print("BENCH_EVAL_CATALOG_RATIO \(String(format: "%.3f", result.ingestSeconds / withCatalog.ingestSeconds)) (events/s with the catalog ÷ without)")
    }
}
