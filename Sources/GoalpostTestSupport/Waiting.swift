import Foundation

/// A condition a test waited for did not come true in time.
public struct TimedOut: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Polls `condition` until it holds; throws `TimedOut` naming `what` after `seconds`.
public func waitFor(_ what: String, seconds: Double = 60, poll: Duration = .milliseconds(250), _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: poll)
    }
    throw TimedOut(description: "timed out after \(Int(seconds)) s waiting for \(what)")
}

/// A TCP port free on 127.0.0.1 right now (for a real server a test starts: Alertmanager, Prometheus).
public func freeLoopbackPort() throws -> Int {
    let result = try runCommand(URL(fileURLWithPath: "/usr/bin/env"),
                                ["python3", "-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
    guard let port = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw TimedOut(description: "no free loopback port: \(result.stderr)")
    }
    return port
}
