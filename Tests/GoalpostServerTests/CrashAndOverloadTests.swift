import Foundation
import GoalpostTestSupport
import Testing

/// Runs the crash and overload scripts (scripts/kill-test.sh, scripts/overload-test.sh) against the debug
/// binary, briefly; the scripts' own runs are longer and use a release build.
@Suite("Crash and overload", .serialized)
struct CrashAndOverloadTests {
    func runScript(_ name: String, _ arguments: [String] = [], environment: [String: String]) throws -> (status: Int32, report: [String: Any], output: String) {
        let python = try sdkPython()
        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [TestPaths.repositoryRoot.appendingPathComponent("scripts/\(name)").path] + arguments
        var env = ProcessInfo.processInfo.environment
        env["GOALPOST_BIN"] = binary.path
        env["PYTHON"] = python.path
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let last = output.split(separator: "\n").last.map(String.init) ?? ""
        let report = (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: Any] ?? [:]
        return (process.terminationStatus, report, output + errors)
    }

    @Test("SIGKILL under load loses nothing acknowledged, stores no request in part, and counts nothing twice")
    func killUnderLoad() throws {
        let run = try runScript("kill-test.sh", ["1"], environment: ["LOAD_SECONDS": "2", "WORKERS": "4"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.report["problems"] as? Int == 0, "\(run.output)")
        #expect((run.report["acknowledged"] as? Int ?? 0) > 0)
        #expect((run.report["unanswered"] as? Int ?? 0) > 0, "the kill happened while requests were in flight")
    }

    @Test("clients faster than the queue get 429 with Retry-After, and every acknowledged request is stored")
    func overload() throws {
        let run = try runScript("overload-test.sh", environment: ["SECONDS_OF_LOAD": "3", "WORKERS": "12"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.report["problems"] as? Int == 0, "\(run.output)")
        #expect((run.report["refused"] as? Int ?? 0) > 0, "the queue overflowed: \(run.output)")
        #expect((run.report["acknowledged"] as? Int ?? 0) > 0)
    }
}
