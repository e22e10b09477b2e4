import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Prometheus (Debian's, installed by scripts/test) on a free loopback port, its storage made from
/// OpenMetrics text by `promtool tsdb create-blocks-from openmetrics`, with its query log on, so a test can see
/// which endpoint each query of a source went to.
public final class PrometheusTestServer: @unchecked Sendable {
    public static let binary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }
    public static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `http://127.0.0.1:PORT`.
    public let base: String
    public let queryLog: URL
    private let process: Process
    private let lock = NSLock()
    private var running = true

    /// One query as Prometheus logged it: the API path it came in on and the PromQL.
    public struct LoggedQuery: Sendable, Hashable {
        public var path: String
        public var query: String
    }

    private init(base: String, queryLog: URL, process: Process) {
        self.base = base
        self.queryLog = queryLog
        self.process = process
    }

    /// Loads `openMetrics` (ending in `# EOF`) into a new storage under `work` and starts Prometheus on it.
    public static func start(openMetrics: String, in work: URL) async throws -> PrometheusTestServer {
        guard let binary, let promtool else { throw TimedOut(description: "no prometheus or promtool: scripts/test installs Debian's prometheus") }
        let file = work.appendingPathComponent("data.om")
        try openMetrics.write(to: file, atomically: true, encoding: .utf8)
        let tsdb = work.appendingPathComponent("tsdb")
        let blocks = try runCommand(URL(fileURLWithPath: promtool), ["tsdb", "create-blocks-from", "openmetrics", file.path, tsdb.path])
        guard blocks.status == 0 else { throw TimedOut(description: "promtool tsdb create-blocks-from failed: \(blocks.stdout)\(blocks.stderr)") }

        let queryLog = work.appendingPathComponent("queries.log")
        let config = work.appendingPathComponent("prometheus.yml")
        try "global: {scrape_interval: 1m, query_log_file: \(queryLog.path)}\n".write(to: config, atomically: true, encoding: .utf8)
        // A port found free can be taken by another test's server before Prometheus binds it: Prometheus then
        // exits at once, and a new port is tried. Its log says why it stopped.
        var server: PrometheusTestServer?
        var failure = ""
        for _ in 0..<3 where server == nil {
            let port = try freeLoopbackPort()
            let log = work.appendingPathComponent("prometheus-\(port).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["--config.file=\(config.path)", "--storage.tsdb.path=\(tsdb.path)", "--web.listen-address=127.0.0.1:\(port)",
                                 "--storage.tsdb.retention.time=30d"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            let candidate = PrometheusTestServer(base: "http://127.0.0.1:\(port)", queryLog: queryLog, process: process)
            guard let ready = URL(string: candidate.base + "/-/ready") else { throw TimedOut(description: "no URL for port \(port)") }
            do {
                try await waitFor("Prometheus to start", seconds: 120) {
                    guard process.isRunning else { return true }
                    return (try? await URLSession.shared.data(from: ready).1 as? HTTPURLResponse)?.statusCode == 200
                }
            } catch {
                candidate.stop()
                throw TimedOut(description: "\(error): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            if process.isRunning {
                server = candidate
            } else {
                failure = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                candidate.stop()
            }
        }
        guard let server else { throw TimedOut(description: "Prometheus exited at start three times; the last time: \(failure)") }
        return server
    }

    /// Every query Prometheus has answered so far, oldest first.
    public func loggedQueries() -> [LoggedQuery] {
        guard let text = try? String(contentsOf: queryLog, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let path = (entry["httpRequest"] as? [String: Any])?["path"] as? String,
                  let query = (entry["params"] as? [String: Any])?["query"] as? String else { return nil }
            return LoggedQuery(path: path, query: query)
        }
    }

    /// Stops Prometheus (a second call does nothing).
    public func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            defer { running = false }
            return running
        }
        guard wasRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { if running { process.terminate() } }
}
