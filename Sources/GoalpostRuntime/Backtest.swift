import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostTelemetry

/// Replays recorded telemetry through the evaluation engine in event time and reports every incident it would
/// have opened, with detection delays against known onsets. The same engine a live server runs.
public struct Backtest: Sendable {
    /// What to replay and how.
    public struct Configuration: Sendable {
        /// The outcomes, customers and services.
        public var catalog: Catalog
        /// Deploys during the replayed period (for reports; investigations use them).
        public var deploys: [Deploy]
        /// Ground truth: when known problems started, for detection delay and alert-policy quality.
        public var onsets: [KnownOnset]
        /// Stop at the first bad line instead of skipping it.
        public var strict: Bool
        /// Keep evaluating this long after the last event, so incidents can resolve (default: 1 hour).
        public var drainAfter: TimeSpan
        public var engine: EvaluationEngine.Configuration
        /// Investigate each incident as it opens (docs/investigation.md); the report carries the result.
        public var investigate: Bool
        /// Leave the engine's state to the operating system instead of freeing it cell by cell after the report
        /// is built: for a command that exits right after, where freeing took 2–3 % of the run. Off by default,
        /// as a long-lived process (or a test run) would keep the memory until it exits.
        public var keepStateUntilExit = false
        /// When each deploy is checked after it ships (docs/deploys.md); a check runs when the replay's events reach
        /// its time. Empty: no checks.
        public var deployChecks: [TimeSpan] = ChangePlanner.defaultChecks

        public init(catalog: Catalog, deploys: [Deploy] = [], onsets: [KnownOnset] = [], strict: Bool = false,
                    drainAfter: TimeSpan = .hours(1), engine: EvaluationEngine.Configuration = .init(), investigate: Bool = true) {
            self.investigate = investigate
            self.catalog = catalog
            self.deploys = deploys
            self.onsets = onsets
            self.strict = strict
            self.drainAfter = drainAfter
            self.engine = engine
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) { self.configuration = configuration }

    /// Replays `files` one after another (give rotated files in time order; signals of one period belong in one
    /// file, as the Collector's file exporter writes them).
    ///
    /// - Parameters:
    ///   - problems: told about each skipped line (`file:line: message`).
    ///   - progress: told the bytes read so far in the current file and its size.
    /// - Throws: `BacktestError` for a file that cannot be read, an engine that cannot be built, or (strict) a bad line.
    public func run(
        files: [String],
        problems: (RecordedTelemetryError) -> Void = { _ in },
        progress: (String, RecordedTelemetryProgress) -> Void = { _, _ in }
    ) throws(BacktestError) -> BacktestReport {
        var symbols = SymbolTable()
        defer { if configuration.keepStateUntilExit { ProcessLifetime.keep(symbols) } }
        var driver: ReplayDriver
        do {
            driver = try makeDriver(symbols: &symbols)
        } catch {
            throw BacktestError(message: "cannot evaluate: \(error)")
        }
        var replay = BacktestReport.Replay()
        for file in files {
            var reader = RecordedTelemetryReader(path: file, configuration: .init(strict: configuration.strict))
            do {
                let summary = try reader.replay(symbols: &symbols, into: &driver, problems: problems) { progress(file, $0) }
                replay.add(summary, file: file)
            } catch {
                throw BacktestError(message: error.description)
            }
        }
        return finish(driver: driver, replay: replay)
    }

    /// The replay driver for this configuration: the engine, and the investigations when they are on (the engine
    /// then samples bad events as evidence).
    public func makeDriver(symbols: inout SymbolTable) throws(EvaluationError) -> ReplayDriver {
        var engineConfiguration = configuration.engine
        if configuration.investigate, engineConfiguration.badSamplesPerMinute == 0 { engineConfiguration.badSamplesPerMinute = 10 }
        let engine = try EvaluationEngine(catalog: configuration.catalog, configuration: engineConfiguration, symbols: &symbols)
        let investigations = configuration.investigate ? IncidentInvestigations(catalog: configuration.catalog, deploys: configuration.deploys) : nil
        var driver = ReplayDriver(engine: engine, investigations: investigations)
        if !configuration.deployChecks.isEmpty, !configuration.deploys.isEmpty {
            driver.verifications = DeployVerifications(catalog: configuration.catalog, schedule: configuration.deployChecks)
            driver.deploys = configuration.deploys
        }
        return driver
    }

    /// Completes a replay fed by some other source (the demo's simulator): drains, then builds the report.
    ///
    /// The driver is consumed: a borrowed copy would share its arrays with the caller's, and draining would then
    /// copy every one it touches.
    public func finish(driver: consuming ReplayDriver, replay: BacktestReport.Replay) -> BacktestReport {
        var driver = driver
        defer { if configuration.keepStateUntilExit { ProcessLifetime.keep(driver) } }
        if let last = driver.lastEventTime { driver.advance(to: last + configuration.drainAfter.nanoseconds) }
        var replay = replay
        replay.from = driver.firstEventTime
        replay.to = driver.lastEventTime
        replay.statistics = driver.engine.statistics
        var report = BacktestReport.make(
            actions: driver.actions, replay: replay, onsets: configuration.onsets, deploys: configuration.deploys,
            investigations: driver.investigations?.results ?? [:]
        )
        report.deployChecks = driver.deployChecks
        return report
    }
}

/// A backtest that could not run.
public struct BacktestError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Values handed over to live as long as the process.
enum ProcessLifetime {
    private final class Holder<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    /// Retains `value` once more and never releases it: the operating system reclaims its memory at exit.
    static func keep<Value>(_ value: Value) {
        _ = Unmanaged.passRetained(Holder(value))
    }
}
