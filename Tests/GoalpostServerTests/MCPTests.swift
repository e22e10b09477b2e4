import Foundation
import GoalpostTestSupport
import Testing

/// `goalpost mcp` driven over stdio as an agent's MCP client drives it, its answers checked against the API's.
@Suite("MCP server", .serialized)
struct MCPTests {
    /// A `goalpost mcp` process and newline-delimited JSON-RPC over its stdin and stdout.
    final class Client {
        let process = Process()
        let input = Pipe(), output = Pipe()
        var buffer = Data()
        var nextID = 1

        init(server: String) throws {
            let binary = try #require(TestPaths.builtProduct("goalpost"))
            process.executableURL = binary
            process.arguments = ["mcp", "--server", server]
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        deinit {
            try? input.fileHandleForWriting.close()
            if process.isRunning { process.terminate() }
        }

        func send(_ message: [String: Any]) throws {
            var data = try JSONSerialization.data(withJSONObject: message)
            data.append(0x0A)
            input.fileHandleForWriting.write(data)
        }

        /// Sends a request and reads until its answer (skipping notifications).
        func request(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
            let id = nextID
            nextID += 1
            try send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
            while true {
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = buffer[buffer.startIndex..<newline]
                    buffer = Data(buffer[(newline + 1)...])
                    guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any] else { continue }
                    if object["id"] as? Int == id { return object }
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { throw TimedOut(description: "the MCP server closed its output before answering \(method)") }
                buffer.append(chunk)
            }
        }

        /// A tool's text, or the error it reported.
        func call(_ tool: String, _ arguments: [String: Any] = [:]) throws -> (text: String, isError: Bool) {
            let answer = try request("tools/call", ["name": tool, "arguments": arguments])
            let result = answer["result"] as? [String: Any] ?? [:]
            let text = (result["content"] as? [[String: Any]])?.first?["text"] as? String ?? ""
            return (text, result["isError"] as? Bool ?? false)
        }
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    /// Sorted-keys JSON of a value, for comparing parts of two answers.
    static func text(_ value: Any?) -> String {
        guard let value, JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) else { return "\(String(describing: value))" }
        return String(decoding: data, as: UTF8.self)
    }

    @Test("initialize, list and call every tool over stdio; answers match the API's; resources and prompts", .timeLimit(.minutes(5)))
    func stdio() async throws {
        let data = try temporaryDirectory("goalpost-mcp")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.startDemo(data: data, arguments: ["--hours", "6"])
        defer { _ = server.stop() }
        let client = try Client(server: server.baseURL)

        let initialized = try client.request("initialize", [
            "protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "goalpost-tests", "version": "1"],
        ])
        let info = (initialized["result"] as? [String: Any])?["serverInfo"] as? [String: Any]
        #expect(info?["name"] as? String == "goalpost", "\(initialized)")
        try client.send(["jsonrpc": "2.0", "method": "notifications/initialized"])

        let tools = ((try client.request("tools/list")["result"] as? [String: Any])?["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(Set(tools) == ["list_outcomes", "outcome_status", "customer_health", "list_incidents", "get_investigation", "query_events", "record_deploy"])

        // list_outcomes: the API's outcomes, with their burn rates.
        let api = try JSONSerialization.jsonObject(with: try await server.request("GET", "/api/v1/outcomes").body) as? [[String: Any]] ?? []
        let listed = try json(try client.call("list_outcomes").text) as? [[String: Any]] ?? []
        #expect(listed.compactMap { $0["outcome"] as? String } == api.compactMap { $0["outcome"] as? String })
        // The demo server keeps evaluating on the wall clock, so numbers read a moment apart may move a little.
        func close(_ a: Double?, _ b: Double?) -> Bool {
            guard let a, let b else { return false }
            return abs(a - b) <= 0.01 * max(abs(a), abs(b), 1e-9)
        }
        #expect(close(listed.first { $0["outcome"] as? String == "sign-in" }?["burnRate1h"] as? Double,
                      (api.first { $0["outcome"] as? String == "sign-in" }?["global"] as? [String: Any])?["burnRate1h"] as? Double))

        // outcome_status for one customer: the API's scope for acme.
        let acme = try json(try client.call("outcome_status", ["outcome": "sign-in", "customer": "acme"]).text) as? [String: Any] ?? [:]
        let apiSignIn = try JSONSerialization.jsonObject(with: try await server.request("GET", "/api/v1/outcomes/sign-in").body) as? [String: Any] ?? [:]
        let apiAcme = ((apiSignIn["status"] as? [String: Any])?["customers"] as? [[String: Any]])?.first { ($0["scope"] as? [String: Any])?["customer"] as? String == "acme" }
        #expect(close(acme["burnRate1h"] as? Double, apiAcme?["burnRate1h"] as? Double))
        #expect(acme["objective"] as? Double == apiAcme?["objective"] as? Double)
        let unknown = try client.call("outcome_status", ["outcome": "sign-in", "customer": "nobody"])
        #expect(unknown.isError && unknown.text.contains("nobody"))

        // customer_health: the API's customer.
        let health = try json(try client.call("customer_health", ["customer": "acme"]).text) as? [String: Any]
        let apiCustomer = try JSONSerialization.jsonObject(with: try await server.request("GET", "/api/v1/customers/acme").body) as? [String: Any]
        #expect(health.map { Set($0.keys) } == apiCustomer.map { Set($0.keys) } && health?.isEmpty == false)
        #expect(health.map { Self.text($0["customer"]) } == apiCustomer.map { Self.text($0["customer"]) }, "\(String(describing: health))")

        // list_incidents, paginated, then the SSO incident's investigation, exactly the API's Markdown.
        let apiIncidents = try JSONSerialization.jsonObject(with: try await server.request("GET", "/api/v1/incidents?limit=1000").body) as? [[String: Any]] ?? []
        let first = try json(try client.call("list_incidents", ["limit": 1]).text) as? [String: Any] ?? [:]
        #expect(first["total"] as? Int == apiIncidents.count && !apiIncidents.isEmpty)
        #expect((first["incidents"] as? [[String: Any]])?.map { $0["id"] as? String } == [apiIncidents.first?["id"] as? String])
        #expect((first["nextCursor"] != nil) == (apiIncidents.count > 1))
        let past = try json(try client.call("list_incidents", ["limit": 1, "cursor": String(apiIncidents.count)]).text) as? [String: Any] ?? [:]
        #expect((past["incidents"] as? [[String: Any]])?.isEmpty == true && past["nextCursor"] == nil)
        let signInIncident = try #require(apiIncidents.first { $0["outcome"] as? String == "sign-in" }?["id"] as? String)
        let report = try client.call("get_investigation", ["incident": signInIncident]).text
        let apiReport = try await server.request("GET", "/api/v1/incidents/\(signInIncident)/investigation?format=markdown").text
        #expect(report == apiReport && report.contains("auth-api 2.3.1"))

        // query_events: the API's series for acme.
        let events = try json(try client.call("query_events", ["outcome": "sign-in", "customer": "acme"]).text) as? [String: Any]
        let apiSeries = try JSONSerialization.jsonObject(with: try await server.request("GET", "/api/v1/outcomes/sign-in/series?scope=customer:acme").body) as? [String: Any]
        #expect(events.map { NSDictionary(dictionary: $0) } == apiSeries.map { NSDictionary(dictionary: $0) })

        // record_deploy changes state: the deploy is then in the API.
        let recorded = try client.call("record_deploy", ["service": "auth-api", "version": "2.4.0", "title": "From an agent"])
        #expect(!recorded.isError, "\(recorded.text)")
        let deploys = try await server.request("GET", "/api/v1/deploys").text
        #expect(deploys.contains("2.4.0") && deploys.contains("From an agent"))

        // Resources: outcome definitions and incident reports as Markdown.
        let resources = ((try client.request("resources/list")["result"] as? [String: Any])?["resources"] as? [[String: Any]] ?? []).compactMap { $0["uri"] as? String }
        #expect(resources.contains("goalpost://outcomes/sign-in") && resources.contains("goalpost://incidents/\(signInIncident)"))
        let read = try client.request("resources/read", ["uri": "goalpost://incidents/\(signInIncident)"])
        let contents = ((read["result"] as? [String: Any])?["contents"] as? [[String: Any]])?.first
        #expect(contents?["text"] as? String == apiReport && contents?["mimeType"] as? String == "text/markdown")

        // Prompts.
        let prompts = ((try client.request("prompts/list")["result"] as? [String: Any])?["prompts"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(prompts == ["investigate-incident", "last-deploy-impact"])
        let prompt = try client.request("prompts/get", ["name": "investigate-incident", "arguments": ["incident": signInIncident]])
        let message = (((prompt["result"] as? [String: Any])?["messages"] as? [[String: Any]])?.first?["content"] as? [String: Any])?["text"] as? String
        #expect(message?.contains(signInIncident) == true && message?.contains("get_investigation") == true)
    }
}
