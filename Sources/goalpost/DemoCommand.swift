import ArgumentParser
import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostModel
import GoalpostRuntime
import GoalpostSimulation

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

    @Flag(help: "Print how long the investigations took on stderr (scripts/bench/investigation.sh).")
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
        let story = try DemoRun(seed: seed).run()
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

/// Runs the demo day and gathers what the story needs.
struct DemoRun {
    var seed: UInt64

    func run() throws -> DemoStory {
        let loaded = DefinitionLoader.load(sources: [("demo.yaml", DemoDefinitions.yaml)])
        guard loaded.errors.isEmpty else { throw CommandFailure("the embedded demo definitions do not load: \(loaded.errors)") }
        var catalog = loaded.catalog
        let roster = Roster.standard
        catalog.customers = roster.customers.map(\.customer)

        // Two days: the first gives the 3-day windows some history (see "cold start" in docs/evaluation.md), the
        // second carries the bad deploy.
        var simulator = Simulator(configuration: SimulationConfiguration(
            seed: seed, startUnixNano: SimulationConfiguration.defaultStart - TimeSpan.days(1).nanoseconds,
            duration: .days(2), fault: .ssoDeploy, roster: roster))
        var symbols = SymbolTable()
        let onsets = simulator.scenario.onsets.map {
            KnownOnset(outcome: $0.outcome, customers: $0.customers, startUnixNano: $0.startUnixNano, endUnixNano: $0.endUnixNano, description: $0.description)
        }
        let backtest = Backtest(configuration: .init(catalog: catalog, deploys: simulator.scenario.deploys, onsets: onsets))
        var driver: ReplayDriver
        do { driver = try backtest.makeDriver(symbols: &symbols) } catch { throw CommandFailure("\(error)") }
        let maker = SimulatedEventMaker(simulator: simulator, symbols: &symbols)
        let onset = simulator.scenario.onsets.first
        var spans: [SpanRecord] = []
        var spanCount = 0
        var seenActions = 0
        var atDetection: OutcomeStatus?
        var incidentCells: [CellCounts] = []
        var detectedID: String?
        while simulator.nextMinute(into: &spans) {
            for span in spans { driver.receive(maker.event(span), symbols: symbols) }
            spanCount += spans.count
            // The moment the fault's outcome first opens an incident, keep how everything looked then.
            if atDetection == nil, let onset, driver.actions.count > seenActions {
                for timed in driver.actions[seenActions...] {
                    if case .open(let incident) = timed.action, incident.outcome == onset.outcome, incident.openedAt >= onset.startUnixNano {
                        atDetection = driver.engine.status(outcome: onset.outcome, now: timed.at)
                        detectedID = incident.id
                        break
                    }
                }
            }
            // Once the fault is over, keep the outcome's cells from onset to end (exact, from the minute tier) for
            // the per-customer table.
            if detectedID != nil, let onset, incidentCells.isEmpty, let tick = driver.nextTick, tick > onset.endUnixNano {
                let end = onset.endUnixNano
                incidentCells = driver.engine.cells(outcome: onset.outcome, from: onset.startUnixNano, to: end, symbols: symbols)
            }
            seenActions = driver.actions.count
        }
        var replay = BacktestReport.Replay()
        replay.spans = spanCount
        let durations = driver.investigations?.durations ?? []
        let report = backtest.finish(driver: driver, replay: replay)
        var story = DemoStory(seed: seed, catalog: catalog, deploys: simulator.scenario.deploys, onset: onsets.first, report: report,
                              atDetection: atDetection, incidentCells: incidentCells)
        story.investigationDurations = durations
        return story
    }
}
