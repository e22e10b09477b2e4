import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `goalpost serve` process on a free loopback port, for tests that talk HTTP to the binary users run.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let dataDirectory: URL
    public let logFile: URL

    /// An HTTP answer.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// A header by name, case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Starts the server with `config` definitions and `data` folder and waits (up to 60 s) until it listens.
    /// Without `authentication` it runs with `--no-auth` (allowed on loopback, where tests listen).
    public static func start(config: URL, data: URL, arguments: [String] = [], environment: [String: String] = [:], authentication: Bool = false) throws -> ServerProcess {
        try launch(
            ["serve", "--config", config.path, "--data", data.path, "--listen", "127.0.0.1:0", "--log-level", "notice"] + (authentication ? [] : ["--no-auth"]) + arguments,
            data: data, environment: environment, marker: "listening on http://127.0.0.1:", timeout: 60
        )
    }

    /// Starts `goalpost demo --serve` on a free port with its database in `data`, and waits (up to `timeout`
    /// seconds) until the demo days are loaded.
    public static func startDemo(data: URL, arguments: [String] = [], timeout: Int = 300) throws -> ServerProcess {
        try launch(["demo", "--serve", "--listen", "127.0.0.1:0", "--data", data.path] + arguments, data: data, environment: [:],
                   marker: "dashboard at http://127.0.0.1:", timeout: timeout)
    }

    /// Runs the goalpost binary with `arguments` and waits for `marker` followed by the port on its stdout.
    static func launch(_ arguments: [String], data: URL, environment: [String: String], marker: String, timeout: Int) throws -> ServerProcess {
        guard let binary = TestPaths.builtProduct("goalpost") else {
            throw Failure(description: "the goalpost binary is not built next to the tests (run swift build --build-tests)")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-serve-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()

        // Read stdout on a thread until the "listening" line names the port.
        let found = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var port: Int?
        let reader = out.fileHandleForReading
        Thread.detachNewThread {
            var text = ""
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
                if port == nil, let range = text.range(of: marker) {
                    let digits = text[range.upperBound...].prefix { $0.isNumber }
                    if let value = Int(digits), text[range.upperBound...].dropFirst(digits.count).first != nil {
                        port = value
                        found.signal()
                    }
                }
            }
            found.signal()
        }
        let waited = found.wait(timeout: .now() + .seconds(timeout))
        guard waited == .success, let port else {
            process.terminate()
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            throw Failure(description: "goalpost \(arguments.first ?? "") did not print '\(marker)': \(log)")
        }
        return ServerProcess(process: process, port: port, dataDirectory: data, logFile: logFile)
    }

    init(process: Process, port: Int, dataDirectory: URL, logFile: URL) {
        self.process = process
        self.port = port
        self.dataDirectory = dataDirectory
        self.logFile = logFile
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// What the server logged on stderr so far.
    public var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits for the exit (graceful shutdown); returns the exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Sends SIGKILL and waits.
    public func killHard() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// One HTTP request to the server.
    public func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data? = nil) async throws -> Answer {
        guard let url = URL(string: baseURL + path) else { throw Failure(description: "bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw Failure(description: "not an HTTP response") }
        var fields = [String: String]()
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return Answer(status: http.statusCode, headers: fields, body: data)
    }
}

/// A fresh temporary folder, removed by the caller.
public func temporaryDirectory(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
