import ArgumentParser
import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostRuntime
import GoalpostSimulation
import GoalpostStore
import Logging
import ServiceLifecycle

/// `goalpost demo`: a simulated B2B SaaS day through the real engine, told as the story an on-call engineer wants.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run two simulated days of a B2B SaaS, one with a bad deploy, through Goalpost and tell what it found."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "The simulator's seed; the same seed tells the same story.")
    var seed: UInt64 = 0

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Flag(help: "Print on stderr how long the demo and its investigations took.")
    var timings = false

    @Flag(help: "Instead of the story: load the demo's two days (ending now) into a live server through its ingest path, and keep serving the dashboard and API.")
    var serve = false

    @Option(help: "With --serve: where to listen, on a loopback address (default 127.0.0.1:4318).")
    var listen: String = "127.0.0.1:4318"

    @Option(help: "With --serve: an empty folder for the database (default: a new temporary folder).")
    var data: String?

    @Option(help: "With --serve: how many simulated hours to load, ending now (the bad deploy is 3 h 55 min before the end; default 42).")
    var hours: Int = 42

    func run() async throws {
        if serve {
            let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let port = Int(parts[1]), (0...65_535).contains(port) else {
                throw CommandFailure("--listen: '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:4318)")
            }
            guard (1...72).contains(hours) else { throw CommandFailure("--hours: \(hours) is not between 1 and 72") }
            try await DemoServer(seed: seed, host: parts[0].isEmpty ? "127.0.0.1" : String(parts[0]), port: port, dataDirectory: data, hours: hours).run()
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        let started = ContinuousClock.now
        let story = try await DemoRun(seed: seed).run()
        if timings {
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            FileHandle.standardError.write(Data(String(
                format: "demo: %.1f s, %d spans in %d OTLP protobuf requests through the pipeline (%.0f spans/s)\n",
                seconds, story.pipeline.spans, story.pipeline.requests, Double(story.pipeline.spans) / max(seconds, 0.001)).utf8))
        }
        if timings, !story.investigationDurations.isEmpty {
            let milliseconds = story.investigationDurations.map { Double($0.components.seconds) * 1e3 + Double($0.components.attoseconds) / 1e15 }
            let line = String(
                format: "investigations: %d, mean %.1f ms, max %.1f ms, total %.1f ms\n", milliseconds.count,
                milliseconds.reduce(0, +) / Double(milliseconds.count), milliseconds.max() ?? 0, milliseconds.reduce(0, +)
            )
            FileHandle.standardError.write(Data(line.utf8))
        }
        switch format {
        case .text: print(story.text)
        case .json: print(try story.json())
        }
    }
}

/// Runs the demo's two days through the live pipeline and gathers what the story needs.
///
/// The simulator encodes each minute as OTLP protobuf export requests; the pipeline decodes them with the server's
/// decoder, stores the aggregates in a SQLite database in a temporary folder, evaluates at each minute's end,
/// investigates what opens and hands it to the notifier, which posts to PagerDuty and Slack stand-ins listening on
/// a loopback port in this process. Only time is simulated: the pipeline's clock is the simulated minute.
struct DemoRun {
    var seed: UInt64

    func run() async throws -> DemoStory {
        let loaded = DefinitionLoader.load(sources: [
            ("demo.yaml", DemoDefinitions.yaml), ("demo-notifications.yaml", DemoDefinitions.notificationsYAML),
        ])
        guard loaded.errors.isEmpty else { throw CommandFailure("the embedded demo definitions do not load: \(loaded.errors)") }
        var catalog = loaded.catalog
        let roster = Roster.standard
        catalog.customers = roster.customers.map(\.customer)

        // Two days: the first gives the 3-day windows some history (see "cold start" in docs/evaluation.md), the
        // second carries the bad deploy.
        let simulator = Simulator(configuration: SimulationConfiguration(
            seed: seed, startUnixNano: SimulationConfiguration.defaultStart - TimeSpan.days(1).nanoseconds,
            duration: .days(2), fault: .ssoDeploy, roster: roster))
        let onsets = simulator.scenario.onsets.map {
            KnownOnset(outcome: $0.outcome, customers: $0.customers, startUnixNano: $0.startUnixNano, endUnixNano: $0.endUnixNano, description: $0.description)
        }
        let onset = onsets.first

        var logger = Logger(label: "goalpost.demo")
        logger.logLevel = .error
        let folder = try DemoServer.freshFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: (folder as NSString).appendingPathComponent("goalpost.sqlite"),
                                    configuration: IngestPipeline.storeConfiguration(synchronous: .normal))
        } catch {
            throw CommandFailure(error.description)
        }
        let receiver = DemoReceiver()
        let receiverURL = try await receiver.start()
        let clock = DemoClock(simulated: simulator.configuration.startUnixNano)
        let notifier = Notifier(catalog: catalog, store: store, configuration: .init(
            dashboardURL: "http://127.0.0.1:4318", retryDelays: [.milliseconds(50), .milliseconds(200)],
            environment: ["GOALPOST_DEMO_PAGERDUTY_URL": receiverURL + "/pagerduty", "GOALPOST_DEMO_SLACK_URL": receiverURL + "/slack"]
        ), logger: logger)
        var settings = IngestPipeline.Configuration()
        settings.tickInterval = .minutes(1)
        let pipeline: IngestPipeline
        do {
            pipeline = try IngestPipeline(catalog: catalog, store: store, configuration: settings, logger: logger, clock: { clock.now() }, notifier: notifier)
        } catch {
            throw CommandFailure("could not start the engine: \(error)")
        }
        // Shut down in reverse: the pipeline drains and hands the notifier its last notices, then the notifier sends them.
        let services = ServiceGroup(configuration: .init(
            services: [.init(service: notifier), .init(service: pipeline)], gracefulShutdownSignals: [], logger: logger))
        let running = Task { try await services.run() }

        // An hour without traffic after the two days, as a backtest drains, so the incident can resolve.
        let loader = DemoLoader(simulator: simulator, shift: 0, pipeline: pipeline, clock: clock, drainMinutes: 60)
        var detection: (id: String, status: OutcomeStatus?)?
        var incidentCells: [CellCounts] = []
        var investigations: [String: Investigation] = [:]
        let summary = await loader.load { minuteEnd in
            guard let onset else { return }
            if detection == nil {
                // The moment the fault's outcome first opens an incident, keep how everything looked then.
                detection = await pipeline.read { view -> (id: String, status: OutcomeStatus?)? in
                    guard let incident = view.engine.incidents.first(where: { $0.outcome == onset.outcome && $0.openedAt >= onset.startUnixNano }) else {
                        return nil
                    }
                    return (incident.id, view.engine.status(outcome: onset.outcome, now: view.now))
                } ?? nil
            }
            guard let id = detection?.id else { return }
            if let latest = await pipeline.read({ $0.investigations[id] }) ?? nil { investigations[id] = latest }
            // Once the fault is over, keep the outcome's cells from onset to end (exact, from the minute tier) for
            // the per-customer table.
            if incidentCells.isEmpty, let end = onset.endUnixNano, minuteEnd > end {
                incidentCells = await pipeline.read { view in
                    view.engine.cells(outcome: onset.outcome, from: onset.startUnixNano, to: end, symbols: view.symbols)
                } ?? []
            }
        }
        let (statistics, durations) = await pipeline.read { ($0.engine.statistics, $0.investigationDurations) } ?? (nil, [])
        await services.triggerGracefulShutdown()
        try await running.value
        await receiver.stop()
        guard summary.rejected == 0, summary.failedRequests == 0 else {
            throw CommandFailure("the pipeline refused \(summary.rejected) spans and \(summary.failedRequests) requests of the demo")
        }

        var replay = BacktestReport.Replay()
        replay.spans = summary.spans
        replay.from = simulator.configuration.startUnixNano
        replay.to = simulator.configuration.startUnixNano + simulator.configuration.duration.nanoseconds
        replay.statistics = statistics ?? replay.statistics
        let incidents: [Incident]
        let notifications: [NotificationRecord]
        let deployChecks: [DeployCheck]
        do {
            incidents = try store.incidents(from: .min, to: .max)
            deployChecks = try store.deployChecks(deploy: nil, from: .min).compactMap { try? JSONDecoder().decode(DeployCheck.self, from: Data($0.json.utf8)) }
            notifications = try store.notifications(incident: nil, limit: 1_000).sorted { ($0.at, $0.target, $0.event) < ($1.at, $1.target, $1.event) }
        } catch {
            throw CommandFailure(error.description)
        }
        let report = BacktestReport.make(incidents: incidents, replay: replay, onsets: onsets, deploys: simulator.scenario.deploys, investigations: investigations)
        var story = DemoStory(seed: seed, catalog: catalog, deploys: simulator.scenario.deploys, onset: onset, report: report,
                              atDetection: detection?.status, incidentCells: incidentCells, pipeline: summary,
                              notifications: notifications, received: receiver.received)
        story.investigationDurations = durations
        story.deployChecks = deployChecks
        return story
    }
}
