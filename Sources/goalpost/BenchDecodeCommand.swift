import ArgumentParser
import GoalpostTelemetry

/// `goalpost bench-decode FILE`: how fast the OTLP/JSON decoder reads a recorded file (used by scripts/bench).
struct BenchDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-decode",
        abstract: "Measure OTLP/JSON decoding speed on a recorded-telemetry file (for scripts/bench)."
    )

    @Argument(help: "A recorded-telemetry file (OTLP/JSON lines, plain or .gz).")
    var file: String

    @Option(help: "How many times to decode it; the best run counts.")
    var repetitions = 3

    func run() throws {
        do {
            print(try benchmarkDecode(path: file, repetitions: max(1, repetitions)).description)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
