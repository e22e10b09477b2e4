import ArgumentParser
import Foundation
import GoalpostEvaluation
import GoalpostModel
import GoalpostRuntime
import GoalpostTelemetry

/// `goalpost bench-decode FILE`: how fast the OTLP decoders read a file (used by scripts/bench).
struct BenchDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-decode",
        abstract: "Measure OTLP decoding speed on a recorded-telemetry file (for scripts/bench)."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, protobuf }

    @Argument(help: "OTLP/JSON lines (plain or .gz), or with --format protobuf length-delimited ExportTraceServiceRequest messages.")
    var file: String

    @Option(help: "json (recorded-telemetry lines) or protobuf (varint-length-prefixed export requests).")
    var format: Format = .json

    @Option(help: "With --format protobuf: also measure decode + route + aggregate into an engine built from these definitions.")
    var config: String?

    @Option(help: "How many times to decode it; the best run counts.")
    var repetitions = 3

    @Flag(help: ArgumentHelp("With --config: run only decode + route + aggregate, --repetitions times (for a profiler).", visibility: .hidden))
    var pipelineOnly = false

    func run() throws {
        switch format {
        case .json:
            do {
                print(try benchmarkDecode(path: file, repetitions: max(1, repetitions)).description)
            } catch {
                throw CommandFailure(error.description)
            }
        case .protobuf:
            try runProtobuf()
        }
    }

    private func runProtobuf() throws {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw CommandFailure("\(file): cannot read (\(error.localizedDescription))")
        }
        guard let messages = delimitedMessages(in: bytes) else {
            throw CommandFailure("\(file): not a stream of length-delimited messages (a length runs past the end)")
        }
        var pipeline: (sink: ReplayDriver, symbols: SymbolTable)?
        if let config {
            let catalog = try BacktestCommand.loadCatalog(config)
            var symbols = SymbolTable()
            do {
                let engine = try EvaluationEngine(catalog: catalog, symbols: &symbols)
                pipeline = (ReplayDriver(engine: engine), symbols)
            } catch {
                throw CommandFailure("cannot evaluate \(config): \(error)")
            }
        }
        if pipelineOnly, let pipeline {
            try profilePipeline(bytes: bytes, messages: messages, pipeline: pipeline)
            return
        }
        do {
            let result = try benchmarkProtobufDecode(
                bytes: bytes, messages: messages, kind: .traces, repetitions: max(1, repetitions), pipeline: pipeline
            )
            print(result.description)
            if let pipeline {
                // One untimed pass more, to show the engine had work to do: events routed to outcomes.
                var driver = pipeline.sink
                var symbols = pipeline.symbols
                var decoder = OTLPProtobufDecoder()
                let outcome = bytes.withUnsafeBytes { buffer in
                    Result { () throws(TelemetryDecodingError) in
                        for message in messages {
                            _ = try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[message]), kind: .traces, symbols: &symbols, into: &driver)
                        }
                    }
                }
                try outcome.get()
                let statistics = driver.engine.statistics
                print("engine: \(statistics.eventsReceived) events received, \(statistics.eventsMatched) matched an outcome, \(driver.actions.count) incident actions")
            }
        } catch {
            throw CommandFailure("\(file): \(error.description)")
        }
    }

    /// Decode + route + aggregate alone, `repetitions` times from the same start: what a profiler should see.
    private func profilePipeline(bytes: [UInt8], messages: [Range<Int>], pipeline: (sink: ReplayDriver, symbols: SymbolTable)) throws {
        let clock = ContinuousClock()
        for _ in 0..<max(1, repetitions) {
            var driver = pipeline.sink
            var symbols = pipeline.symbols
            var decoder = OTLPProtobufDecoder()
            let start = clock.now
            let outcome = bytes.withUnsafeBytes { buffer in
                Result { () throws(TelemetryDecodingError) in
                    for message in messages {
                        _ = try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[message]), kind: .traces, symbols: &symbols, into: &driver)
                    }
                }
            }
            do { try outcome.get() } catch { throw CommandFailure("\(file): \(error.description)") }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("decode+route+aggregate: \(Int(Double(bytes.count) / 1e6 / seconds)) MB/s (wall clock), \(driver.engine.statistics.eventsMatched) matched")
        }
    }
}
