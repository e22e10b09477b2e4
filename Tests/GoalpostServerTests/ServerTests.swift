import Foundation
import GoalpostModel
import GoalpostStore
import GoalpostTestSupport
import Testing

/// The definitions the server tests run with: `checkout` (traces of shop /checkout), `billing-logs` (logs of
/// billing), `signup` (business events named signup.completed).
let serverConfig = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/config")

/// Good and total per cell of an outcome, read from the store a stopped server left behind.
func storedTotals(_ data: URL, outcome: String) throws -> [String: (good: Double, total: Double)] {
    try SQLiteStore(path: data.appendingPathComponent("goalpost.sqlite").path).totals(outcome: outcome)
}

let json = ["Content-Type": "application/json"]
let protobuf = ["Content-Type": "application/x-protobuf"]

@Suite("goalpost serve over HTTP", .serialized)
struct ServerTests {
    @Test("spans over JSON, protobuf and gzip are all counted exactly per customer, and survive a graceful stop")
    func ingestFormats() async throws {
        let data = try temporaryDirectory("goalpost-serve")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: serverConfig, data: data)

        let plainJSON = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(10, customer: "acme", errors: 2)))
        #expect(plainJSON.status == 200)
        #expect(plainJSON.text == "{}")
        let plainProtobuf = try await server.request("POST", "/v1/traces", headers: protobuf, body: Requests.tracesProtobuf(Requests.spans(7, customer: "globex", errors: 1)))
        #expect(plainProtobuf.status == 200)
        #expect(plainProtobuf.body.isEmpty, "an empty ExportTraceServiceResponse is zero bytes")
        #expect(plainProtobuf.header("Content-Type") == "application/x-protobuf")
        let gzipProtobuf = try await server.request(
            "POST", "/v1/traces", headers: protobuf.merging(["Content-Encoding": "gzip"]) { $1 },
            body: try Requests.gzip(Requests.tracesProtobuf(Requests.spans(5, customer: "acme")))
        )
        #expect(gzipProtobuf.status == 200)
        let gzipJSON = try await server.request(
            "POST", "/v1/traces", headers: json.merging(["Content-Encoding": "gzip"]) { $1 },
            body: try Requests.gzip(Requests.tracesJSON(Requests.spans(3, customer: "initech", errors: 3)))
        )
        #expect(gzipJSON.status == 200)
        // Spans of another service or route are accepted but count for no outcome.
        let other = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(service: "search", Requests.spans(4, customer: "acme")))
        #expect(other.status == 200)

        #expect(server.stop() == 0, "a graceful stop exits 0: \(server.log)")
        let totals = try storedTotals(data, outcome: "checkout")
        #expect(totals.count == 3)
        #expect(totals["[\"acme\"]"]?.total == 15)
        #expect(totals["[\"acme\"]"]?.good == 13)
        #expect(totals["[\"globex\"]"]?.total == 7)
        #expect(totals["[\"globex\"]"]?.good == 6)
        #expect(totals["[\"initech\"]"]?.total == 3)
        #expect(totals["[\"initech\"]"]?.good == 0)
    }

    @Test("a restart resumes from the store: counts add up and an open incident stays one incident")
    func restart() async throws {
        let data = try temporaryDirectory("goalpost-restart")
        defer { try? FileManager.default.removeItem(at: data) }
        var server = try ServerProcess.start(config: serverConfig, data: data, arguments: ["--tick-interval", "1s"])
        // acme fails every request: well past 14.4× burn on the 1h and 5m windows.
        _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(40, customer: "acme", errors: 40)))
        let opened = try await waitForIncidents(server, count: 1)
        #expect(opened.first?["severity"] as? String == "page")
        let id = try #require(opened.first?["id"] as? String)
        #expect(server.stop() == 0)

        server = try ServerProcess.start(config: serverConfig, data: data, arguments: ["--tick-interval", "1s"])
        _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(20, customer: "acme", errors: 20)))
        try await Task.sleep(for: .seconds(2.5))
        let after = try await incidents(server)
        #expect(after.count == 1, "no second incident after the restart: \(after)")
        #expect(after.first?["id"] as? String == id)
        #expect(after.first?["resolvedAt"] == nil || after.first?["resolvedAt"] is NSNull)
        #expect(server.stop() == 0)
        #expect(try storedTotals(data, outcome: "checkout")["[\"acme\"]"]?.total == 60)
    }

    @Test("an incident is investigated as it opens; the report is served over HTTP and by `goalpost investigate`, live and stored")
    func investigation() async throws {
        let data = try temporaryDirectory("goalpost-investigate")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: serverConfig, data: data, arguments: ["--tick-interval", "1s"])
        // Healthy traffic for two customers while acme fails every request (enough for acme's own scope to page
        // on a server's first minute, when the cold-start rule still damps the long windows: docs/evaluation.md).
        for customer in ["globex", "initech"] {
            _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(30, customer: customer)))
        }
        _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(40, customer: "acme", errors: 40)))
        let opened = try await waitForIncidents(server, count: 1)
        let id = try #require(opened.first?["id"] as? String)

        let answer = try await server.request("GET", "/api/v1/incidents/\(id)/investigation")
        #expect(answer.status == 200, "\(answer.text)")
        let report = try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
        let suspects = try #require(report["suspects"] as? [[String: Any]])
        #expect(suspects.first?["attributes"] as? [String: String] == ["customer.id": "acme"], "\(answer.text)")
        #expect((report["recommendation"] as? [String: Any])?["action"] as? String == "customerRunbook")
        #expect(try await server.request("GET", "/api/v1/incidents/no-such-incident/investigation").status == 404)

        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let live = try runCommand(binary, ["investigate", id, "--server", server.baseURL])
        #expect(live.status == 0, "\(live.stderr)")
        #expect(live.stdout.hasPrefix("# \(id)"), "\(live.stdout)")
        #expect(live.stdout.contains("customer.id=acme"))
        #expect(server.stop() == 0)
        let stored = try runCommand(binary, ["investigate", id, "--data", data.path, "--format", "json"])
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(stored.stdout.contains("\"customer.id\":\"acme\""))
        let missing = try runCommand(binary, ["investigate", "nope", "--data", data.path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no investigation of incident 'nope'"))
    }

    @Test("malformed, oversized, unknown and late input get the OTLP status codes and messages")
    func badInput() async throws {
        let data = try temporaryDirectory("goalpost-bad")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: serverConfig, data: data, arguments: ["--max-body-bytes", "4096", "--queue-bytes", "3000"])

        let unknownType = try await server.request("POST", "/v1/traces", headers: ["Content-Type": "text/plain"], body: Data("x".utf8))
        #expect(unknownType.status == 415)
        let unknownEncoding = try await server.request("POST", "/v1/traces", headers: json.merging(["Content-Encoding": "br"]) { $1 }, body: Data("{}".utf8))
        #expect(unknownEncoding.status == 415)

        let truncatedJSON = try await server.request("POST", "/v1/traces", headers: json, body: Data(#"{"resourceSpans":[{"x""#.utf8))
        #expect(truncatedJSON.status == 400)
        #expect(truncatedJSON.text.contains("byte 22"), "the error names the byte offset: \(truncatedJSON.text)")
        let truncatedProtobuf = try await server.request("POST", "/v1/traces", headers: protobuf, body: Data([0x0A, 0x05, 0x0A]))
        #expect(truncatedProtobuf.status == 400)
        let corruptGzip = try await server.request("POST", "/v1/traces", headers: json.merging(["Content-Encoding": "gzip"]) { $1 }, body: Data([0x1F, 0x8B, 0x08, 0, 1, 2, 3]))
        #expect(corruptGzip.status == 400)
        #expect(corruptGzip.text.contains("gzip"))

        let big = Requests.tracesJSON(Requests.spans(40, customer: "acme"))
        #expect(big.count > 4096)
        let tooLarge = try await server.request("POST", "/v1/traces", headers: json, body: big)
        #expect(tooLarge.status == 413)

        // Over the queue's byte budget (3000) but under the body limit: the client is told to come back.
        let crowded = Requests.tracesJSON(Requests.spans(9, customer: "acme"))
        #expect(crowded.count > 3000 && crowded.count <= 4096)
        let refused = try await server.request("POST", "/v1/traces", headers: json, body: crowded)
        #expect(refused.status == 429)
        #expect(refused.header("Retry-After") == "1")

        // Spans an hour old are past the allowed lateness: accepted as a request, rejected as items.
        let late = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(3, customer: "acme", at: Requests.now() - 3_600_000_000_000)))
        #expect(late.status == 200)
        let partial = try #require(try JSONSerialization.jsonObject(with: late.body) as? [String: Any])
        let success = try #require(partial["partialSuccess"] as? [String: Any])
        #expect(success["rejectedSpans"] as? String == "3")
        #expect((success["errorMessage"] as? String)?.contains("older than the allowed lateness") == true)

        #expect(server.stop() == 0)
        #expect(try storedTotals(data, outcome: "checkout").isEmpty, "nothing of a refused request was stored")
    }

    @Test("business events, deploys and customers through the API, and `goalpost deploy record` from a pipeline")
    func restAPI() async throws {
        let data = try temporaryDirectory("goalpost-api")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: serverConfig, data: data)
        let now = Requests.now()
        let events = """
            [{"name":"signup.completed","time_unix_nano":\(now),"customer":"acme","outcome":"ok","duration_ms":120},
             {"name":"signup.completed","time_unix_nano":\(now),"customer":"acme","outcome":"error","attributes":{"plan":"pro","seats":5}},
             {"name":"signup.completed","time_unix_nano":\(now),"customer":"globex"},
             {"name":"newsletter.opened","time_unix_nano":\(now),"customer":"globex"}]
            """
        let accepted = try await server.request("POST", "/api/v1/events", headers: json, body: Data(events.utf8))
        #expect(accepted.status == 200)
        #expect(accepted.text == #"{"accepted":4,"rejected":0}"#)
        let bad = try await server.request("POST", "/api/v1/events", headers: json, body: Data(#"[{"name":"signup.completed","time":"2026-11-23T10:00:00Z","outcome":"maybe"}]"#.utf8))
        #expect(bad.status == 400)
        #expect(bad.text.contains("events[0].outcome"), "\(bad.text)")

        let deploy = try await server.request("POST", "/api/v1/deploys", headers: json, body: Data(#"{"service":"shop","version":"4.1.0","time":"2026-11-23T10:00:00Z","title":"new cart"}"#.utf8))
        #expect(deploy.status == 200)
        let badDeploy = try await server.request("POST", "/api/v1/deploys", headers: json, body: Data(#"[{"service":"shop"}]"#.utf8))
        #expect(badDeploy.status == 400)
        #expect(badDeploy.text.contains("version"), "\(badDeploy.text)")
        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let recorded = try runCommand(binary, ["deploy", "record", "--server", server.baseURL, "--service", "shop", "--version", "4.2.0", "--commit", "abc123", "--changed-file", "cart/Cart.swift"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let list = try await server.request("GET", "/api/v1/deploys")
        let deploys = try #require(try JSONSerialization.jsonObject(with: list.body) as? [[String: Any]])
        #expect(deploys.map { $0["version"] as? String } == ["4.1.0", "4.2.0"])
        #expect(deploys.last?["changedFiles"] as? [String] == ["cart/Cart.swift"])
        let refused = try runCommand(binary, ["deploy", "record", "--server", server.baseURL, "--service", "shop", "--version", "1", "--time", "yesterday"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--time"))

        let customers = try await server.request("POST", "/api/v1/customers", headers: json, body: Data(#"[{"id":"acme","tier":"enterprise","arr":250000}]"#.utf8))
        #expect(customers.status == 200)

        #expect(server.stop() == 0)
        let totals = try storedTotals(data, outcome: "signup")
        #expect(totals["[\"acme\"]"]?.total == 2)
        #expect(totals["[\"acme\"]"]?.good == 1)
        #expect(totals["[\"globex\"]"]?.total == 1)
        let store = try SQLiteStore(path: data.appendingPathComponent("goalpost.sqlite").path)
        #expect(try store.customers().first?.tier == "enterprise")
    }

    @Test("/metrics counts requests in Prometheus text, and /healthz and /readyz answer")
    func observability() async throws {
        let data = try temporaryDirectory("goalpost-metrics")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: serverConfig, data: data)
        _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(2, customer: "acme")))
        _ = try await server.request("POST", "/v1/logs", headers: ["Content-Type": "text/plain"], body: Data())
        let metrics = try await server.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains(#"goalpost_otlp_requests_total{signal="traces",result="accepted"} 1"#), "\(metrics.text)")
        #expect(metrics.text.contains(#"goalpost_otlp_requests_total{signal="logs",result="unsupported_media_type"} 1"#))
        #expect(metrics.text.contains(#"goalpost_otlp_items_total{signal="traces",result="accepted"} 2"#))
        #expect(metrics.text.contains("goalpost_store_write_duration_seconds_bucket"))
        #expect(try await server.request("GET", "/healthz").status == 200)
        #expect(try await server.request("GET", "/readyz").status == 200)
        let outcomes = try await server.request("GET", "/api/v1/outcomes")
        let list = try #require(try JSONSerialization.jsonObject(with: outcomes.body) as? [[String: Any]])
        #expect(list.compactMap { $0["outcome"] as? String }.sorted() == ["billing-logs", "checkout", "signup"])
        #expect(server.stop() == 0)
    }

    @Test("settings come from flags, then GOALPOST_* variables, then the config file, and bad ones are refused naming their source")
    func settings() throws {
        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let folder = try temporaryDirectory("goalpost-settings")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("serve.yaml")
        try Data("config: \(serverConfig.path)\nlisen: 127.0.0.1:1\n".utf8).write(to: file)
        let typo = try runCommand(binary, ["serve", "--config-file", file.path])
        #expect(typo.status != 0)
        #expect(typo.stderr.contains("serve.yaml:2:1: unknown setting 'lisen'"), "\(typo.stderr)")

        let badListen = try runCommand(binary, ["serve", "--config", serverConfig.path, "--listen", "localhost"])
        #expect(badListen.stderr.contains("--listen: 'localhost' is not HOST:PORT"), "\(badListen.stderr)")
        let missing = try runCommand(binary, ["serve"])
        #expect(missing.stderr.contains("--config DIR"), "\(missing.stderr)")
    }

    @Test("the environment and the config file configure the server when no flag is given")
    func settingsFromEnvironmentAndFile() async throws {
        let folder = try temporaryDirectory("goalpost-settings-env")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("serve.yaml")
        // The file asks for a 1 KiB body limit and a tick of 1 minute; the environment overrides the body limit.
        try Data("max_body_bytes: 1024\ntick_interval: 1m\n".utf8).write(to: file)
        let server = try ServerProcess.start(
            config: serverConfig, data: folder.appendingPathComponent("data"), arguments: ["--config-file", file.path],
            environment: ["GOALPOST_MAX_BODY_BYTES": "2048"]
        )
        let body = Requests.tracesJSON(Requests.spans(4, customer: "acme"))
        #expect(body.count > 1024 && body.count <= 2048)
        #expect(try await server.request("POST", "/v1/traces", headers: json, body: body).status == 200)
        let bigger = Requests.tracesJSON(Requests.spans(12, customer: "acme"))
        #expect(try await server.request("POST", "/v1/traces", headers: json, body: bigger).status == 413)
        #expect(server.stop() == 0)
    }

    // MARK: Helpers

    func incidents(_ server: ServerProcess) async throws -> [[String: Any]] {
        let answer = try await server.request("GET", "/api/v1/incidents")
        return try #require(try JSONSerialization.jsonObject(with: answer.body) as? [[String: Any]])
    }

    func waitForIncidents(_ server: ServerProcess, count: Int) async throws -> [[String: Any]] {
        for _ in 0..<40 {
            let list = try await incidents(server)
            if list.count >= count { return list }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("no incident opened within 10 s: \(server.log)")
        return []
    }
}
