import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostTestSupport
import Testing

/// What the test needs of an MCP client, over either transport.
protocol MCPTestClient {
    func send(_ message: [String: Any]) throws
    func request(_ method: String, _ params: [String: Any]) throws -> [String: Any]
}

extension MCPTestClient {
    func request(_ method: String) throws -> [String: Any] { try request(method, [:]) }

    /// A tool's text, or the error it reported.
    func call(_ tool: String, _ arguments: [String: Any] = [:]) throws -> (text: String, isError: Bool) {
        let answer = try request("tools/call", ["name": tool, "arguments": arguments])
        let result = answer["result"] as? [String: Any] ?? [:]
        let text = (result["content"] as? [[String: Any]])?.first?["text"] as? String ?? ""
        return (text, result["isError"] as? Bool ?? false)
    }
}

/// `goalpost mcp` driven over stdio, and `/mcp` on the server over streamable HTTP, as an agent's MCP client drives
/// them, their answers checked against the API's.
@Suite("MCP server", .serialized)
struct MCPTests {
    /// `/mcp` over the streamable HTTP transport: one JSON-RPC message per POST, the answer as JSON.
    final class HTTPClient: MCPTestClient {
        let url: URL
        let token: String?
        var nextID = 1

        init(base: String, token: String? = nil) throws {
            url = try #require(URL(string: base + "/mcp"))
            self.token = token
        }

        func post(_ message: [String: Any]) throws -> (status: Int, body: Data) {
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.httpBody = try JSONSerialization.data(withJSONObject: message)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
            request.setValue("2025-06-18", forHTTPHeaderField: "MCP-Protocol-Version")
            if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var result: (Int, Data)?
            nonisolated(unsafe) var failure: (any Error)?
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error { failure = error }
                result = ((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data())
                done.signal()
            }.resume()
            guard done.wait(timeout: .now() + 60) == .success else { throw TimedOut(description: "POST /mcp did not answer in 60 s") }
            if let failure { throw failure }
            return result ?? (0, Data())
        }

        func send(_ message: [String: Any]) throws {
            _ = try post(message)
        }

        func request(_ method: String, _ params: [String: Any]) throws -> [String: Any] {
            let id = nextID
            nextID += 1
            let (status, body) = try post(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw TimedOut(description: "POST /mcp \(method): HTTP \(status), not a JSON-RPC answer: \(String(decoding: body, as: UTF8.self))")
            }
            return object
        }
    }

    /// A `goalpost mcp` process and newline-delimited JSON-RPC over its stdin and stdout.
    final class Client: MCPTestClient {
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
        func request(_ method: String, _ params: [String: Any]) throws -> [String: Any] {
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
        try await exercise(try Client(server: server.baseURL), server: server)
    }

    @Test("the same over streamable HTTP at /mcp on the server", .timeLimit(.minutes(5)))
    func http() async throws {
        let data = try temporaryDirectory("goalpost-mcp-http")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.startDemo(data: data, arguments: ["--hours", "6"])
        defer { _ = server.stop() }
        try await exercise(try HTTPClient(base: server.baseURL), server: server)
    }

    @Test("/mcp takes the API's tokens: none is 401, a read token reads but cannot record a deploy, an admin token can")
    func httpScopes() async throws {
        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let data = try temporaryDirectory("goalpost-mcp-auth")
        defer { try? FileManager.default.removeItem(at: data) }
        func create(_ scopes: String) throws -> String {
            try runCommand(binary, ["token", "create", "--data", data.path, "--scopes", scopes, "--name", scopes]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let read = try create("read"), admin = try create("admin")
        let server = try ServerProcess.start(config: TestPaths.repositoryRoot.appendingPathComponent("Tests/GoalpostServerTests/Fixtures/config"), data: data, authentication: true)
        defer { _ = server.stop() }
        let initialize: [String: Any] = ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "goalpost-tests", "version": "1"]]
        let anonymous = try HTTPClient(base: server.baseURL).post(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize])
        #expect(anonymous.status == 401)
        let reader = try HTTPClient(base: server.baseURL, token: read)
        #expect((try reader.request("initialize", initialize)["result"] as? [String: Any])?["serverInfo"] != nil)
        let outcomes = try reader.call("list_outcomes")
        #expect(!outcomes.isError && outcomes.text.hasPrefix("["), "\(outcomes.text)")
        let refused = try reader.call("record_deploy", ["service": "auth-api", "version": "9.9.9"])
        #expect(refused.isError && refused.text.contains("HTTP 403") && refused.text.contains("'admin' scope"), "\(refused.text)")
        let recorded = try HTTPClient(base: server.baseURL, token: admin).call("record_deploy", ["service": "auth-api", "version": "9.9.9"])
        #expect(!recorded.isError, "\(recorded.text)")
    }

    /// Initialize, list and call every tool, read resources and prompts, and compare with the API's answers.
    func exercise(_ client: some MCPTestClient, server: ServerProcess) async throws {

        let initialized = try client.request("initialize", [
            "protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "goalpost-tests", "version": "1"],
        ])
        let info = (initialized["result"] as? [String: Any])?["serverInfo"] as? [String: Any]
        #expect(info?["name"] as? String == "goalpost", "\(initialized)")
        try client.send(["jsonrpc": "2.0", "method": "notifications/initialized"])

        let tools = ((try client.request("tools/list")["result"] as? [String: Any])?["tools"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(Set(tools) == ["list_outcomes", "outcome_status", "customer_health", "list_incidents", "get_investigation", "query_events", "record_deploy",
                               "investigate", "plan_change", "draft_outcome"])

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

        // investigate: the API's fresh investigation of the same window, as Markdown.
        // An explicit window: the default (the last hour) moves with the clock between the two asks.
        let formatter = ISO8601DateFormatter()
        let end = Date()
        let span: [String: Any] = ["outcome": "sign-in", "customer": "acme", "from": formatter.string(from: end.addingTimeInterval(-5 * 3600)),
                                   "to": formatter.string(from: end)]
        let fresh = try client.call("investigate", span)
        #expect(!fresh.isError && fresh.text.contains("sign-in"), "\(fresh.text)")
        let apiFresh = try await server.request("POST", "/api/v1/investigations?format=markdown", headers: ["Content-Type": "application/json"],
                                                body: try JSONSerialization.data(withJSONObject: span)).text
        #expect(fresh.text == apiFresh)
        #expect(try client.call("investigate", ["outcome": "nothing"]).text.contains("no outcome named 'nothing'"))

        // plan_change: the API's plan for the same change (the same id, so the same Markdown).
        let change: [String: Any] = ["title": "Accept the old key id", "description": "SSO callbacks accept both keys.", "files": ["services/auth/sso/jwt_validator.swift"]]
        let plan = try client.call("plan_change", change)
        #expect(!plan.isError && plan.text.contains("| **sign-in**"), "\(plan.text)")
        let apiPlan = try await server.request("POST", "/api/v1/plans?format=markdown", headers: ["Content-Type": "application/json"],
                                               body: try JSONSerialization.data(withJSONObject: change)).text
        #expect(plan.text == apiPlan)

        // draft_outcome: the API's draft, with its reasons.
        let draft = try client.call("draft_outcome", ["sentence": "Every customer can sign in successfully 99.9% of the time"])
        let apiDraft = try JSONSerialization.jsonObject(with: try await server.request("POST", "/api/v1/outcomes/draft", headers: ["Content-Type": "application/json"],
            body: try JSONSerialization.data(withJSONObject: ["sentence": "Every customer can sign in successfully 99.9% of the time"])).body) as? [String: Any] ?? [:]
        #expect(draft.text.contains(apiDraft["yaml"] as? String ?? "?") && draft.text.contains("matched 'sign in'"), "\(draft.text)")
        let vague = try client.call("draft_outcome", ["sentence": "Customers are happy"])
        #expect(vague.isError && vague.text.contains("HTTP 422"))

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
