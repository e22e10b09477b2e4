import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostModel
import GoalpostRuntime
import GoalpostServer
import GoalpostSimulation
import GoalpostStore
import GoalpostTelemetry
import Hummingbird
import Logging
import Metrics
import Prometheus

/// `goalpost demo --serve`: the demo's two days loaded into a live server through its real ingest path, so the
/// dashboard shows the SSO incident, the customer heatmap and the burn-down; then the server keeps running.
///
/// The simulated days end now: the scenario's schedule (the bad deploy at 14:05, the rollback at 15:35) is laid
/// on two days ending at 18:00 and every time is shifted so that 18:00 is the current minute. While the days load,
/// the pipeline's clock follows the simulated minute (each minute is ingested, then evaluated, as a live server
/// would); afterwards it is the wall clock.
struct DemoServer {
    var seed: UInt64
    var host: String
    var port: Int
    var dataDirectory: String?
    var hours: Int

    func run() async throws {
        guard ServeSettings.isLoopback(host) else {
            throw CommandFailure("--listen: the demo server runs without tokens, so it listens on a loopback address only, not \(host)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        var logger = Logger(label: "goalpost")
        logger.logLevel = .warning
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let loaded = DefinitionLoader.load(sources: [("demo.yaml", DemoDefinitions.yaml)])
        guard loaded.errors.isEmpty else { throw CommandFailure("the embedded demo definitions do not load: \(loaded.errors)") }
        var catalog = loaded.catalog
        let roster = Roster.standard
        catalog.customers = roster.customers.map(\.customer)

        let folder = try dataDirectory ?? Self.freshFolder()
        let path = (folder as NSString).appendingPathComponent("goalpost.sqlite")
        if FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("--data \(folder): already holds a database; the demo loads into an empty folder")
        }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A folder the demo made for itself goes when the server stops (Ctrl-C); one given with --data stays.
        defer { if dataDirectory == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: path, configuration: IngestPipeline.storeConfiguration(synchronous: .normal))
        } catch {
            throw CommandFailure(error.description)
        }

        // The schedule's two days end at 18:00 of a fixed day; `shift` moves that to the current minute.
        let minute: Int64 = 60_000_000_000
        let scheduleEnd = SimulationConfiguration.defaultStart + 18 * 60 * minute
        let now = IngestPipeline.systemClock() / minute * minute
        let shift = now - scheduleEnd
        let simulator = Simulator(configuration: SimulationConfiguration(
            seed: seed, startUnixNano: scheduleEnd - TimeSpan.hours(Int64(hours)).nanoseconds, duration: .hours(Int64(hours)), fault: .ssoDeploy, roster: roster))
        let clock = DemoClock(simulated: simulator.configuration.startUnixNano + shift)
        var settings = IngestPipeline.Configuration()
        settings.tickInterval = .seconds(10)
        let pipeline: IngestPipeline
        do {
            pipeline = try IngestPipeline(catalog: catalog, store: store, configuration: settings, logger: logger, clock: { clock.now() })
        } catch {
            throw CommandFailure("could not start the engine: \(error)")
        }
        var server = ServerConfiguration(host: host, port: port)
        server.authentication = false
        let loader = DemoLoader(simulator: simulator, shift: shift, pipeline: pipeline, clock: clock)
        let app = buildApplication(
            configuration: server, pipeline: pipeline, store: store, registry: registry, logger: logger,
            onServerRunning: { port in
                let url = "http://\(host):\(port)"
                FileHandle.standardError.write(Data("goalpost: loading two simulated days into \(path) …\n".utf8))
                Task {
                    let summary = await loader.load()
                    clock.set(nil)
                    let line = "goalpost: demo loaded (\(summary.spans) spans, \(summary.incidents) incidents); dashboard at \(url)/ (Ctrl-C to stop)\n"
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
            }
        )
        try await app.runService()
    }

    static func freshFolder() throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-demo-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        return base.path
    }
}

/// The pipeline's clock during the demo load: the simulated minute, then the wall clock.
final class DemoClock: @unchecked Sendable {
    private let lock = NSLock()
    private var simulated: Int64?

    init(simulated: Int64) { self.simulated = simulated }

    func now() -> Int64 { lock.withLock { simulated } ?? IngestPipeline.systemClock() }
    func set(_ value: Int64?) { lock.withLock { simulated = value } }
}

/// Feeds the simulated minutes to the pipeline as OTLP protobuf export requests, the bytes an OpenTelemetry SDK
/// posts to `/v1/traces`, through the same decoder, store and evaluator as a live server.
struct DemoLoader: Sendable {
    var simulator: Simulator
    var shift: Int64
    var pipeline: IngestPipeline
    var clock: DemoClock
    /// Minutes without traffic evaluated after the last simulated one, so incidents can resolve.
    var drainMinutes = 0

    struct Summary: Sendable {
        var spans = 0
        var requests = 0
        /// Spans the pipeline refused (partial success), and requests it did not take at all.
        var rejected = 0
        var failedRequests = 0
        var incidents = 0
    }

    /// Loads every minute; `afterMinute` runs once each minute's tick has run (and after each drained minute),
    /// with the minute's end.
    func load(afterMinute: (Int64) async -> Void = { _ in }) async -> Summary {
        var simulator = self.simulator
        let writer = OTLPProtobufWriter(simulator: simulator)
        var summary = Summary()
        let deploys = simulator.scenario.deploys.map { deploy -> Deploy in
            var shifted = deploy
            shifted.timeUnixNano += shift
            return shifted
        }
        _ = await pipeline.submit(.deploys(deploys), reserved: 0)
        var spans: [SpanRecord] = []
        var minuteEnd = simulator.configuration.startUnixNano + shift
        while simulator.nextMinute(into: &spans) {
            minuteEnd += 60_000_000_000
            for index in spans.indices { spans[index].endUnixNano += shift }
            summary.spans += spans.count
            let requests = writer.requests(for: spans)
            summary.requests += requests.count
            // The minute's requests arrive while the clock is still at its start (so no tick falls between them,
            // whatever batches the worker makes of them); then its end passes and the tick runs.
            await withTaskGroup(of: Int?.self) { group in
                for request in requests {
                    group.addTask {
                        switch await pipeline.submit(.otlp(signal: .traces, format: .protobuf, body: request), reserved: 0) {
                        case .accepted(_, let rejected, _): return rejected
                        default: return nil
                        }
                    }
                }
                for await rejected in group {
                    if let rejected { summary.rejected += rejected } else { summary.failedRequests += 1 }
                }
            }
            clock.set(minuteEnd)
            _ = await pipeline.submit(.read { _ in 0 }, reserved: 0)  // Let the tick at the minute's end run.
            await afterMinute(minuteEnd)
        }
        for _ in 0..<drainMinutes {
            minuteEnd += 60_000_000_000
            clock.set(minuteEnd)
            _ = await pipeline.submit(.read { _ in 0 }, reserved: 0)
            await afterMinute(minuteEnd)
        }
        summary.incidents = await pipeline.read { $0.engine.incidents.count } ?? 0
        return summary
    }
}
