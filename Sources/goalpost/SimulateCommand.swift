import ArgumentParser
import Foundation
import GoalpostModel
import GoalpostSimulation

/// `goalpost simulate`: the seeded B2B SaaS simulator as a recorded-telemetry generator.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a B2B SaaS (customers, services, deploys, a fault): write its telemetry as OTLP/JSON lines, or send it live.",
        discussion: """
        With --out, writes FILE (OTLP/JSON lines, the Collector file exporter's shape) and, beside it, FILE.deploys.json, \
        FILE.onsets.json and FILE.customers.json for `goalpost backtest --deploys/--onsets/--customers`. \
        With --target, sends the telemetry in real time to any OTLP/HTTP receiver (a running goalpost serve, a Collector) \
        for --duration, at about --rate spans a second, and prints what was accepted.
        """
    )

    @Option(help: "Where to write the recorded telemetry (OTLP/JSON lines).")
    var out: String?

    @Option(help: "Send live instead: an OTLP/HTTP receiver's base URL, e.g. http://127.0.0.1:4318.")
    var target: String?

    @Option(help: "With --target: about this many spans a second (default: the simulated traffic at --scale).")
    var rate: Double?

    @Option(help: "With --target: an API token with the ingest scope. Env: GOALPOST_TOKEN.")
    var token: String?

    @Option(help: "The seed; the same seed writes the same bytes.")
    var seed: UInt64 = 0

    @Option(help: "The injected fault: \(Fault.allCases.map(\.rawValue).joined(separator: ", ")).")
    var fault: String = Fault.ssoDeploy.rawValue

    @Option(help: "When the fault starts, after the start (e.g. 10m); the day's deploys and rollback move with it. Default: with --target 2m, else at its time of day (14:05 for sso-deploy).")
    var faultAfter: String?

    @Option(help: "How long to simulate (e.g. 6h, 1d, 7d); with --target, how long to send (e.g. 1m).")
    var duration: String?

    @Option(help: "Traffic multiplier (1 is about 700k spans a day at 48 customers).")
    var scale: Double = 1

    @Option(help: "How many customers (default 48: 8 enterprise, 16 business, 24 free); more add business and free workspaces, one to two.")
    var customers: Int = 48

    @Option(help: "With --target: protobuf (as SDKs send by default) or json.")
    var encoding: String = LiveSimulation.Encoding.protobuf.rawValue

    @Option(help: "Start time (RFC 3339); default Monday 2026-11-16T00:00:00Z.")
    var start: String?

    func validate() throws {
        guard Fault(rawValue: fault) != nil else {
            throw ValidationError("--fault '\(fault)' is not one of \(Fault.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (out == nil) != (target == nil) else { throw ValidationError("give --out FILE or --target URL (one of them)") }
        let minimum = target == nil ? TimeSpan.minutes(1) : TimeSpan.seconds(1)
        if let duration, !(TimeSpan(parsing: duration).map { $0 >= minimum } ?? false) {
            throw ValidationError("--duration '\(duration)' is not a duration of at least \(minimum) (e.g. 6h, 1d\(target == nil ? "" : ", 30s"))")
        }
        if let faultAfter, TimeSpan(parsing: faultAfter) == nil {
            throw ValidationError("--fault-after '\(faultAfter)' is not a duration (e.g. 2m, 1h)")
        }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate must be above 0 and at most 1000000") }
        guard scale > 0, scale <= 1000 else { throw ValidationError("--scale must be above 0 and at most 1000") }
        guard (1...100_000).contains(customers) else { throw ValidationError("--customers must be between 1 and 100000") }
        guard LiveSimulation.Encoding(rawValue: encoding) != nil else {
            throw ValidationError("--encoding '\(encoding)' is not one of \(LiveSimulation.Encoding.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let start, Timestamp.parse(start) == nil {
            throw ValidationError("--start '\(start)' is not an RFC 3339 time such as 2026-11-16T00:00:00Z")
        }
    }

    func run() async throws {
        var configuration = SimulationConfiguration(seed: seed, fault: Fault(rawValue: fault) ?? .ssoDeploy, trafficScale: scale,
                                                    roster: .standard(customers: customers))
        if let target {
            let live = LiveSimulation(configuration: configuration, target: target, rate: rate, token: token,
                                      duration: duration.flatMap(TimeSpan.init(parsing:)) ?? .minutes(1),
                                      encoding: LiveSimulation.Encoding(rawValue: encoding) ?? .protobuf,
                                      faultAfter: faultAfter.flatMap(TimeSpan.init(parsing:)) ?? .minutes(2))
            let started = Date()
            let summary = try await live.run()
            let seconds = max(0.001, Date().timeIntervalSince(started))
            print("sent \(summary.spans) spans in \(summary.requests) requests over \(String(format: "%.1f", seconds)) s "
                + "(\(Int(Double(summary.spans) / seconds)) spans/s): accepted \(summary.accepted), rejected \(summary.rejected), failed requests \(summary.failed)"
                + (summary.deploys + summary.deployFailures > 0 ? "; deploys posted \(summary.deploys), not taken \(summary.deployFailures)" : ""))
            for failure in summary.failures { FileHandle.standardError.write(Data("failed: \(failure)\n".utf8)) }
            if summary.failed > 0 { throw ExitCode(1) }
            return
        }
        guard let out else { return }
        configuration.duration = duration.flatMap(TimeSpan.init(parsing:)) ?? .days(1)
        if let start, let nanos = Timestamp.parse(start) { configuration.startUnixNano = nanos }
        if let after = faultAfter.flatMap(TimeSpan.init(parsing:)) { configuration.faultStartUnixNano = configuration.startUnixNano + after.nanoseconds }
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
