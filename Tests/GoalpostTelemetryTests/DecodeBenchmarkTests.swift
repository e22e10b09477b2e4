import Foundation
import GoalpostTelemetry
import Testing

/// The benchmark hook: runs on a fixture always, and on `GOALPOST_BENCH_FILE` when set
/// (`scripts/bench/otlp-json-decode.sh` sets it and runs this in a release build).
@Suite struct DecodeBenchmarkTests {
    @Test("measures a recorded file and prints MB/s when GOALPOST_BENCH_FILE is set")
    func benchmarkFile() throws {
        guard let path = ProcessInfo.processInfo.environment["GOALPOST_BENCH_FILE"] else { return }
        let repetitions = Int(ProcessInfo.processInfo.environment["GOALPOST_BENCH_REPETITIONS"] ?? "") ?? 3
        let result = try benchmarkDecode(path: path, repetitions: repetitions)
        print("BENCH " + result.description.replacingOccurrences(of: "\n", with: "\nBENCH "))
        #expect(result.summary.skippedLines == 0)
    }

    @Test("measures the recorded fixture: counts match a replay")
    func benchmarkFixture() throws {
        let path = try fixturePath("traces-snake-case.json")
        let result = try benchmarkDecode(path: path, repetitions: 1)
        #expect(result.lines == 1)
        #expect(result.summary.telemetry == DecodeSummary(spans: 1))
        #expect(result.bytes == (try fixture("traces-snake-case.json")).utf8.count)
        #expect(result.decode.cpuSeconds >= 0 && result.replay.wallSeconds >= 0)
    }
}
