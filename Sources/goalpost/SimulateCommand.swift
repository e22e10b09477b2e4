import ArgumentParser
import Foundation
import GoalpostModel
import GoalpostSimulation

/// `goalpost simulate`: the seeded B2B SaaS simulator as a recorded-telemetry generator.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a B2B SaaS (customers, services, deploys, a fault) and write its telemetry as OTLP/JSON lines.",
        discussion: """
        Writes FILE (OTLP/JSON lines, the Collector file exporter's shape) and, beside it, FILE.deploys.json, \
        FILE.onsets.json and FILE.customers.json for `goalpost backtest --deploys/--onsets/--customers`.
        """
    )

    @Option(help: "Where to write the recorded telemetry (OTLP/JSON lines).")
    var out: String

    @Option(help: "The seed; the same seed writes the same bytes.")
    var seed: UInt64 = 0

    @Option(help: "The injected fault: \(Fault.allCases.map(\.rawValue).joined(separator: ", ")).")
    var fault: String = Fault.ssoDeploy.rawValue

    @Option(help: "How long to simulate (e.g. 6h, 1d, 7d).")
    var duration: String = "1d"

    @Option(help: "Traffic multiplier (1 is about 700k spans a day).")
    var scale: Double = 1

    @Option(help: "Start time (RFC 3339); default Monday 2026-11-16T00:00:00Z.")
    var start: String?

    func validate() throws {
        guard Fault(rawValue: fault) != nil else {
            throw ValidationError("--fault '\(fault)' is not one of \(Fault.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let span = TimeSpan(parsing: duration), span >= .minutes(1) else {
            throw ValidationError("--duration '\(duration)' is not a duration of at least a minute (e.g. 6h, 1d)")
        }
        guard scale > 0, scale <= 1000 else { throw ValidationError("--scale must be above 0 and at most 1000") }
        if let start, Timestamp.parse(start) == nil {
            throw ValidationError("--start '\(start)' is not an RFC 3339 time such as 2026-11-16T00:00:00Z")
        }
    }

    func run() throws {
        var configuration = SimulationConfiguration(seed: seed, fault: Fault(rawValue: fault) ?? .ssoDeploy, trafficScale: scale)
        configuration.duration = TimeSpan(parsing: duration) ?? .days(1)
        if let start, let nanos = Timestamp.parse(start) { configuration.startUnixNano = nanos }
        let showProgress = configuration.duration >= .hours(6)
        let summary = try RecordedDayWriter.write(configuration, to: out) { fraction in
            if showProgress { FileHandle.standardError.write(Data("\rsimulating: \(Int(fraction * 100))%".utf8)) }
        }
        if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        let simulator = Simulator(configuration: configuration)
        try RecordedDayWriter.deploysJSON(simulator.scenario).write(to: URL(fileURLWithPath: out + ".deploys.json"))
        try RecordedDayWriter.onsetsJSON(simulator.scenario).write(to: URL(fileURLWithPath: out + ".onsets.json"))
        try RecordedDayWriter.customersJSON(configuration.roster).write(to: URL(fileURLWithPath: out + ".customers.json"))
        print("wrote \(summary.spans) spans in \(summary.lines) requests (\(summary.bytes / 1_000_000) MB) to \(out)")
        print("deploys: \(out).deploys.json  onsets: \(out).onsets.json  customers: \(out).customers.json")
    }
}
