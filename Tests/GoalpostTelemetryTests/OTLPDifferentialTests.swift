import Foundation
import GoalpostModel
import GoalpostTelemetry
import GoalpostTestSupport
import Testing

/// The protobuf decoder against the JSON decoder on random valid requests that the reference
/// implementation (Python's `opentelemetry-proto`) wrote in both encodings: every pair must yield
/// the same events and samples.
///
/// Needs Python with `opentelemetry-proto`: `scripts/test` makes `.venv` and sets
/// `GOALPOST_TEST_PYTHON`. Without it the test fails, saying so, rather than skipping: a skipped
/// differential test looks like a passing one.
@Suite struct OTLPDifferentialTests {
    static let requestsPerKind = 80

    /// `GOALPOST_TEST_PYTHON`, else `.venv/bin/python` under the repository root.
    static var python: URL {
        if let path = ProcessInfo.processInfo.environment["GOALPOST_TEST_PYTHON"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return TestPaths.repositoryRoot.appendingPathComponent(".venv/bin/python")
    }

    @Test("random requests from opentelemetry-proto decode the same from protobuf as from OTLP/JSON")
    func protobufMatchesJSON() throws {
        let python = Self.python
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            Issue.record("""
                no Python at \(python.path): the differential test needs Python with opentelemetry-proto. \
                Run scripts/test (it creates .venv), or set GOALPOST_TEST_PYTHON.
                """)
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-differential-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/otlp_differential.py")
        let result = try runCommand(python, [script.path, directory.path, "--count", String(Self.requestsPerKind), "--seed", "20261123"])
        guard result.status == 0 else {
            Issue.record("""
                scripts/otlp_differential.py failed (exit \(result.status)) with \(python.path); \
                is opentelemetry-proto installed there (pip install opentelemetry-proto)?
                \(result.stderr)
                """)
            return
        }

        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".pb") }.sorted()
        #expect(files.count == 3 * Self.requestsPerKind)
        var protobufDecoder = OTLPProtobufDecoder()
        var jsonDecoder = OTLPJSONDecoder()
        // One table per decoder, kept across requests, as a pipeline keeps them.
        var protobufSymbols = SymbolTable()
        var jsonSymbols = SymbolTable()
        var total = DecodeSummary()
        for file in files {
            let kindName = String(file.dropFirst(5).dropLast(3))
            let kind = try #require(OTLPSignalKind(rawValue: kindName), "file \(file)")
            let protobuf = [UInt8](try Data(contentsOf: directory.appendingPathComponent(file)))
            let json = try String(contentsOf: directory.appendingPathComponent(String(file.dropLast(3)) + ".json"), encoding: .utf8)
            let fromProtobuf = try decodeProtobuf(protobuf, kind: kind, decoder: &protobufDecoder, symbols: &protobufSymbols)
            let fromJSON = try decode(json, decoder: &jsonDecoder, symbols: &jsonSymbols)
            #expect(fromProtobuf.events == fromJSON.events, "\(file)")
            #expect(fromProtobuf.samples == fromJSON.samples, "\(file)")
            #expect(fromProtobuf.summary == fromJSON.summary, "\(file)")
            total += fromProtobuf.summary
        }
        // The generator's mix, so a generator that stopped producing something is noticed.
        #expect(total.spans > 100)
        #expect(total.logRecords > 100)
        #expect(total.metricSamples > 50)
        #expect(total.skippedDataPoints > 20)
    }
}
