import ArgumentParser
import Foundation
import GoalpostDefinitions
import GoalpostModel
import GoalpostRuntime
import GoalpostTelemetry

/// `goalpost backtest`: replays recorded telemetry through the engine and prints the incidents it would have opened.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Replay recorded OTLP/JSON telemetry and print every incident Goalpost would have opened."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(help: "Folder (or file) of goalpost/v1 definitions.")
    var config: String

    @Option(parsing: .upToNextOption, help: "Recorded telemetry: OTLP/JSON lines, plain or .gz, replayed in the order given.")
    var telemetry: [String]

    @Option(help: "Deploys during the period: a JSON array of {service, version, time | time_unix_nano, ...}.")
    var deploys: String?

    @Option(help: "Customers: a JSON array of {id, tier, arr, region}, merged into the Customer definitions.")
    var customers: String?

    @Option(help: "Known onsets for detection time and alert-policy quality: a JSON array of {outcome, customers, start, end}.")
    var onsets: String?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Flag(help: "Stop at the first bad line instead of skipping it.")
    var strict = false

    @Flag(inversion: .prefixedNo, help: "Investigate each incident (incidents[].investigation).")
    var investigate = true

    @Option(help: "When each deploy is checked after it ships, comma-separated (default 10m,30m,1h,2h,24h,72h; 'none' for never); deploys[].checks.")
    var deployChecks: String?

    func run() throws {
        var catalog = try Self.loadCatalog(config)
        var deployList: [Deploy] = []
        var onsetList: [KnownOnset] = []
        do {
            if let customers { catalog.customers = RecordFiles.merge(try RecordFiles.customers(contentsOf: customers), into: catalog.customers) }
            if let deploys { deployList = try RecordFiles.deploys(contentsOf: deploys) }
            if let onsets { onsetList = try RecordFiles.onsets(contentsOf: onsets) }
        } catch {
            throw CommandFailure(error.description)
        }
        for onset in onsetList where catalog.outcome(named: onset.outcome) == nil {
            throw CommandFailure("\(onsets ?? "onsets"): outcome '\(onset.outcome)' is not defined in \(config)")
        }
        var settings = Backtest.Configuration(catalog: catalog, deploys: deployList, onsets: onsetList, strict: strict, investigate: investigate)
        settings.keepStateUntilExit = true  // The command exits right after the report.
        if let deployChecks { settings.deployChecks = try ServeSettings.deployChecks(deployChecks, source: "--deploy-checks") }
        let backtest = Backtest(configuration: settings)
        let sizes = telemetry.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0 }
        let showProgress = sizes.reduce(0, +) > 8_000_000 && isatty(STDERR_FILENO) == 1
        var skipped = 0
        let report: BacktestReport
        do {
            report = try backtest.run(files: telemetry, problems: { problem in
                skipped += 1
                if skipped <= 20 { Self.standardError("\(problem)\n") }
                if skipped == 21 { Self.standardError("(further bad lines are counted, not shown)\n") }
            }, progress: { file, progress in
                guard showProgress, let fraction = progress.fractionCompleted else { return }
                Self.standardError("\r\(file): \(Int(fraction * 100))%")
            })
        } catch {
            throw CommandFailure(error.description)
        }
        if showProgress { Self.standardError("\n") }
        switch format {
        case .text: print(report.text(catalog: catalog))
        case .json: print(try report.json())
        }
    }

    /// Loads definitions, printing every diagnostic; fails when there is an error.
    static func loadCatalog(_ path: String) throws -> Catalog {
        let result = DefinitionLoader.load(paths: [path])
        for diagnostic in result.diagnostics { standardError("\(diagnostic)\n") }
        guard result.errors.isEmpty else {
            throw CommandFailure("\(path): \(result.errors.count) error\(result.errors.count == 1 ? "" : "s") in the definitions (run goalpost lint \(path))")
        }
        return result.catalog
    }

    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// A command that could not do its job: the message goes to stderr and the exit status is 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
