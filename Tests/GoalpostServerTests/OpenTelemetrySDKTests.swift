import Foundation
import GoalpostTestSupport
import Testing

/// The Python interpreter with the OpenTelemetry SDK that scripts/test installs (`.venv`), or the one named by
/// GOALPOST_TEST_PYTHON.
func sdkPython() throws -> URL {
    let path = ProcessInfo.processInfo.environment["GOALPOST_TEST_PYTHON"]
        ?? TestPaths.repositoryRoot.appendingPathComponent(".venv/bin/python").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw ServerProcess.Failure(description: "no Python with the OpenTelemetry SDK at \(path): run ./scripts/test, which creates .venv")
    }
    return URL(fileURLWithPath: path)
}

@Suite("The OpenTelemetry Python SDK as a client")
struct OpenTelemetrySDKTests {
    @Test("spans and logs exported by the real SDK over OTLP/HTTP protobuf are stored exactly per customer", arguments: [false, true])
    func sdkExport(gzip: Bool) async throws {
        let python = try sdkPython()
        let data = try temporaryDirectory("goalpost-sdk")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: serverConfig, data: data)
        let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/otel_sdk_client.py").path
        let run = try runCommand(python, [script, "--endpoint", server.baseURL] + (gzip ? ["--gzip"] : []))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("Failed to export"), "\(run.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [String: Int]])
        #expect(plan.count == 3)
        #expect(server.stop() == 0)

        let spans = try storedTotals(data, outcome: "checkout")
        let logs = try storedTotals(data, outcome: "billing-logs")
        for (customer, sent) in plan {
            let key = "[\"\(customer)\"]"
            let spanCount = try #require(sent["spans"]), failing = try #require(sent["failing"])
            let logCount = try #require(sent["logs"]), errorLogs = try #require(sent["errorLogs"])
            #expect(spans[key]?.total == Double(spanCount), "spans of \(customer)")
            #expect(spans[key]?.good == Double(spanCount - failing), "good spans of \(customer)")
            #expect(logs[key]?.total == Double(logCount), "log records of \(customer)")
            #expect(logs[key]?.good == Double(logCount - errorLogs), "good log records of \(customer)")
        }
        #expect(spans.count == 3 && logs.count == 3, "no other cells: \(spans.keys) \(logs.keys)")
    }
}
