import Foundation
import GoalpostTestSupport
import Testing

/// The REST API's routes over real HTTP, and tokens with scopes.
@Suite("REST API and authentication", .serialized)
struct APITests {
    func object(_ answer: ServerProcess.Answer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any], "\(answer.status) \(answer.text)")
    }

    func list(_ answer: ServerProcess.Answer) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: answer.body) as? [[String: Any]], "\(answer.status) \(answer.text)")
    }

    /// A bad request's JSON error: the stable code and a message that names the problem.
    func expectError(_ answer: ServerProcess.Answer, _ status: Int, _ code: String, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(answer.status == status, "\(answer.text)", sourceLocation: sourceLocation)
        let body = try object(answer)
        #expect(body["error"] as? String == code, "\(answer.text)", sourceLocation: sourceLocation)
        #expect((body["message"] as? String ?? "").contains(text), "\(answer.text)", sourceLocation: sourceLocation)
    }

    @Test("outcomes, series, heatmap, customers and incidents answer with the documented shapes; people can acknowledge, mark and resolve")
    func routes() async throws {
        let data = try temporaryDirectory("goalpost-api")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: serverConfig, data: data, arguments: ["--tick-interval", "1s"])
        for customer in ["globex", "initech"] {
            _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(30, customer: customer)))
        }
        _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(40, customer: "acme", errors: 40)))
        var incidentID: String?
        for _ in 0..<40 where incidentID == nil {
            incidentID = try list(await server.request("GET", "/api/v1/incidents?status=open")).first?["id"] as? String
            if incidentID == nil { try await Task.sleep(for: .milliseconds(250)) }
        }
        let id = try #require(incidentID, "an incident opened: \(server.log)")

        // Outcomes.
        let outcome = try object(await server.request("GET", "/api/v1/outcomes/checkout"))
        #expect((outcome["definition"] as? [String: Any])?["name"] as? String == "checkout")
        let customers = ((outcome["status"] as? [String: Any])?["customers"] as? [[String: Any]]) ?? []
        #expect(Set(customers.compactMap { ($0["scope"] as? [String: Any])?["customer"] as? String }) == ["acme", "globex", "initech"])
        try expectError(await server.request("GET", "/api/v1/outcomes/nope"), 404, "not_found", mentioning: "no outcome named 'nope'")

        let series = try object(await server.request("GET", "/api/v1/outcomes/checkout/series?scope=customer:acme&step=1m"))
        let points = try #require(series["points"] as? [[String: Any]])
        #expect(points.count >= 60 && points.count <= 1441, "a day of minutes: \(points.count)")
        let busy = points.filter { (($0["events"] as? [String: Any])?["total"] as? Double ?? 0) > 0 }
        #expect(busy.map { (($0["events"] as? [String: Any])?["total"] as? Double) ?? 0 }.reduce(0, +) == 40)
        #expect(busy.allSatisfy { $0["sli"] as? Double == 0 }, "acme failed every request")
        // Some budget is spent (the cold-start rule keeps a minute of failures from spending a month's budget).
        #expect((points.last?["budgetRemaining"] as? Double ?? 1) < 1)
        #expect((points.last?["burnRate1h"] as? Double ?? 0) > 14.4, "acme burns far past the page threshold")
        try expectError(await server.request("GET", "/api/v1/outcomes/checkout/series?step=10s"), 400, "bad_request", mentioning: "step:")
        try expectError(await server.request("GET", "/api/v1/outcomes/checkout/series?scope=team:x"), 400, "bad_request", mentioning: "scope:")
        try expectError(await server.request("GET", "/api/v1/outcomes/checkout/series?from=yesterday"), 400, "bad_request", mentioning: "from:")

        let heatmap = try object(await server.request("GET", "/api/v1/outcomes/checkout/heatmap?step=5m"))
        let rows = try #require(heatmap["rows"] as? [[String: Any]])
        #expect(rows.map { $0["customer"] as? String } == ["acme", "globex", "initech"], "worst first")
        #expect((rows.first?["badRatios"] as? [Any])?.contains { $0 as? Double == 1 } == true)
        try expectError(await server.request("GET", "/api/v1/outcomes/checkout/heatmap?limit=0"), 400, "bad_request", mentioning: "limit:")

        // Customers.
        let directory = try list(await server.request("GET", "/api/v1/customers"))
        let failing = directory.first { ($0["customer"] as? [String: Any])?["id"] as? String == "acme" }
        #expect(failing?["outcomesFailing"] as? Int == 1, "\(directory)")
        let acme = try object(await server.request("GET", "/api/v1/customers/acme"))
        #expect((acme["outcomes"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["checkout"])
        #expect((acme["incidents"] as? [[String: Any]])?.first?["id"] as? String == id)
        try expectError(await server.request("GET", "/api/v1/customers/nobody"), 404, "not_found", mentioning: "nobody")

        // Incidents: filters.
        #expect(try list(await server.request("GET", "/api/v1/incidents?customer=acme")).count == 1)
        #expect(try list(await server.request("GET", "/api/v1/incidents?customer=globex")).isEmpty)
        #expect(try list(await server.request("GET", "/api/v1/incidents?outcome=signup")).isEmpty)
        #expect(try list(await server.request("GET", "/api/v1/incidents?sort=rank&severity=page")).count == 1)
        try expectError(await server.request("GET", "/api/v1/incidents?status=maybe"), 400, "bad_request", mentioning: "status:")
        try expectError(await server.request("GET", "/api/v1/incidents?limit=x"), 400, "bad_request", mentioning: "limit:")

        // Detail, with the investigation spliced in.
        let detail = try object(await server.request("GET", "/api/v1/incidents/\(id)"))
        #expect(detail["id"] as? String == id)
        #expect(((detail["investigation"] as? [String: Any])?["suspects"] as? [Any])?.isEmpty == false, "\(detail)")
        try expectError(await server.request("GET", "/api/v1/incidents/none"), 404, "not_found", mentioning: "no incident 'none'")

        // People's actions.
        let acknowledged = try object(await server.request("POST", "/api/v1/incidents/\(id)/acknowledge", headers: json, body: Data(#"{"by":"ana"}"#.utf8)))
        #expect((acknowledged["note"] as? [String: Any])?["acknowledgedBy"] as? String == "ana")
        let reported = try object(await server.request("POST", "/api/v1/incidents/\(id)/customer-reported", headers: json, body: Data()))
        #expect((reported["note"] as? [String: Any])?["customerReportedAt"] != nil)
        #expect((reported["note"] as? [String: Any])?["acknowledgedBy"] as? String == "ana", "notes merge field by field")
        try expectError(await server.request("POST", "/api/v1/incidents/\(id)/acknowledge", headers: json, body: Data("{".utf8)), 400, "bad_request", mentioning: "by")
        let resolved = try object(await server.request("POST", "/api/v1/incidents/\(id)/resolve", headers: json, body: Data(#"{"by":"ana"}"#.utf8)))
        #expect(resolved["resolvedAt"] != nil && !(resolved["resolvedAt"] is NSNull), "\(resolved)")
        #expect((resolved["note"] as? [String: Any])?["resolvedBy"] as? String == "ana")
        try expectError(await server.request("POST", "/api/v1/incidents/\(id)/resolve"), 409, "conflict", mentioning: "already resolved")
        try expectError(await server.request("POST", "/api/v1/incidents/none/resolve"), 404, "not_found", mentioning: "none")
        #expect(server.stop() == 0, "\(server.log)")
    }

    @Test("tokens: 401 without one, 403 with the wrong scope, admin covers all; open routes stay open; no --no-auth off loopback")
    func tokens() async throws {
        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let data = try temporaryDirectory("goalpost-auth")
        defer { try? FileManager.default.removeItem(at: data) }
        func create(_ scopes: String) throws -> String {
            let result = try runCommand(binary, ["token", "create", "--data", data.path, "--scopes", scopes, "--name", scopes])
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let read = try create("read"), ingest = try create("ingest"), admin = try create("admin")
        #expect(read.hasPrefix("gp_") && read.count == 56)
        let badScope = try runCommand(binary, ["token", "create", "--data", data.path, "--scopes", "read,write"])
        #expect(badScope.status != 0 && badScope.stderr.contains("unknown scope 'write'"))
        let listed = try runCommand(binary, ["token", "list", "--data", data.path])
        #expect(listed.stdout.split(separator: "\n").count == 3 && !listed.stdout.contains(read), "secrets are never listed")

        let server = try ServerProcess.start(config: serverConfig, data: data, authentication: true)
        func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }
        let anonymous = try await server.request("GET", "/api/v1/outcomes")
        try expectError(anonymous, 401, "unauthorized", mentioning: "'read' scope")
        #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        try expectError(await server.request("GET", "/api/v1/outcomes", headers: bearer("gp_nonsense")), 401, "unauthorized", mentioning: "token")
        let forged = "gp_" + read.dropFirst(3).prefix(13) + String(repeating: "0", count: 40)
        try expectError(await server.request("GET", "/api/v1/outcomes", headers: bearer(forged)), 401, "unauthorized", mentioning: "token")
        try expectError(await server.request("GET", "/api/v1/outcomes", headers: bearer(ingest)), 403, "forbidden", mentioning: "'read' scope; the token has ingest")
        #expect(try await server.request("GET", "/api/v1/outcomes", headers: bearer(read)).status == 200)
        #expect(try await server.request("GET", "/api/v1/outcomes", headers: bearer(admin)).status == 200)

        let spans = Requests.tracesJSON(Requests.spans(3, customer: "acme"))
        try expectError(await server.request("POST", "/v1/traces", headers: json.merging(bearer(read)) { $1 }, body: spans), 403, "forbidden", mentioning: "'ingest'")
        #expect(try await server.request("POST", "/v1/traces", headers: json.merging(bearer(ingest)) { $1 }, body: spans).status == 200)
        let deploy = Data(#"{"service":"shop","version":"1.2.3","time":"2026-11-23T10:00:00Z"}"#.utf8)
        try expectError(await server.request("POST", "/api/v1/deploys", headers: json.merging(bearer(read)) { $1 }, body: deploy), 403, "forbidden", mentioning: "'admin'")
        #expect(try await server.request("POST", "/api/v1/deploys", headers: json.merging(bearer(admin)) { $1 }, body: deploy).status == 200)
        // The CLI's HTTP clients send --token.
        let recorded = try runCommand(binary, ["deploy", "record", "--service", "shop", "--version", "1.2.4", "--server", server.baseURL, "--token", admin])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let refused = try runCommand(binary, ["deploy", "record", "--service", "shop", "--version", "1.2.5", "--server", server.baseURL, "--token", read])
        #expect(refused.status != 0 && refused.stderr.contains("'admin' scope"), "\(refused.stderr)")
        // The cookie the dashboard keeps works like the header.
        #expect(try await server.request("GET", "/api/v1/customers", headers: ["Cookie": "theme=dark; goalpost_token=\(read)"]).status == 200)
        for open in ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"] {
            #expect(try await server.request("GET", open).status == 200, "\(open)")
        }
        // Every route of the OpenAPI document that needs a scope: 401 without a token, 403 with a token that
        // lacks the scope (and the scope is named), whatever the route does otherwise.
        let document = try object(await server.request("GET", "/api/v1/openapi.json"))
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var checked = 0
        for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
            for (method, operation) in operations {
                guard let security = (operation as? [String: Any])?["security"] as? [[String: [String]]],
                      let scope = security.first?["bearer"]?.first else { continue }
                let concrete = path.replacingOccurrences(of: "{name}", with: "checkout").replacingOccurrences(of: "{id}", with: "x")
                let withoutToken = try await server.request(method.uppercased(), concrete, headers: json)
                #expect(withoutToken.status == 401 || (withoutToken.status == 200 && !concrete.hasPrefix("/api") && !concrete.hasPrefix("/v1")),
                        "\(method) \(path) without a token: \(withoutToken.status)")
                let wrong = scope == "read" ? ingest : read
                let withWrong = try await server.request(method.uppercased(), concrete, headers: json.merging(bearer(wrong)) { $1 })
                #expect(withWrong.status == 403, "\(method) \(path) with a token lacking '\(scope)': \(withWrong.status)")
                #expect(withWrong.text.contains("'\(scope)' scope"), "\(withWrong.text)")
                checked += 1
            }
        }
        #expect(checked >= 25, "every scoped route was checked: \(checked)")

        // A token created while the server runs works within a second; a revoked one stops within seconds.
        let late = try create("read")
        try await Task.sleep(for: .seconds(1.1))
        #expect(try await server.request("GET", "/api/v1/outcomes", headers: bearer(late)).status == 200)
        let lateID = String(late.dropFirst(3).prefix(12))
        #expect(try runCommand(binary, ["token", "revoke", "--data", data.path, lateID]).status == 0)
        try await Task.sleep(for: .seconds(5.5))
        #expect(try await server.request("GET", "/api/v1/outcomes", headers: bearer(late)).status == 401)
        #expect(server.stop() == 0)

        let open = try runCommand(binary, ["serve", "--config", serverConfig.path, "--data", data.path, "--listen", "0.0.0.0:0", "--no-auth"])
        #expect(open.status != 0)
        #expect(open.stderr.contains("authentication can only be switched off on a loopback address"), "\(open.stderr)")
    }

    @Test("/api/v1/openapi.json is docs/openapi.json, and describes every route the server registers")
    func openAPI() async throws {
        let data = try temporaryDirectory("goalpost-openapi")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: serverConfig, data: data)
        let served = try await server.request("GET", "/api/v1/openapi.json")
        #expect(server.stop() == 0)
        let inRepository = try Data(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("docs/openapi.json"))
        #expect(served.body == inRepository, "regenerate with python3 scripts/openapi/generate.py")
        let document = try object(served)
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])

        // Every router.get/post in the server's sources, with :param written {param}.
        var registered = [(String, String)]()
        let sourceFolder = TestPaths.repositoryRoot.appendingPathComponent("Sources/GoalpostServer")
        for file in try FileManager.default.contentsOfDirectory(atPath: sourceFolder.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sourceFolder.appendingPathComponent(file), encoding: .utf8)
            let pattern = try NSRegularExpression(pattern: #"router\.(get|post|put|delete)\("([^"]+)"\)"#)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let method = Range(match.range(at: 1), in: text), let path = Range(match.range(at: 2), in: text) else { continue }
                let openAPIPath = text[path].split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
                registered.append((String(text[method]), openAPIPath))
            }
        }
        #expect(registered.count >= 20, "\(registered)")
        for (method, path) in registered where !path.contains("\\(") {
            #expect(paths[path]?[method] != nil, "\(method.uppercased()) \(path) is not in docs/openapi.json")
        }
        for signal in ["traces", "logs", "metrics"] { #expect(paths["/v1/\(signal)"]?["post"] != nil) }
    }
}

/// `goalpost simulate --target`: the simulator as a live OTLP/HTTP load generator against a running server.
@Suite("Live simulation", .serialized)
struct LiveSimulationTests {
    @Test("simulate --target sends in real time at about the asked rate; every span it counts as accepted, the server counted",
          arguments: ["protobuf", "json"])
    func againstServe(encoding: String) async throws {
        let data = try temporaryDirectory("goalpost-simulate-live")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: TestPaths.examples, data: data)
        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let run = try runCommand(binary, [
            "simulate", "--target", server.baseURL, "--rate", "3000", "--duration", "5s", "--fault", "none", "--encoding", encoding, "--customers", "120",
        ])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        // "sent N spans in R requests over T s (S spans/s): accepted A, rejected 0, failed requests 0"
        let numbers = run.stdout.split(whereSeparator: { !$0.isNumber && $0 != "." }).compactMap { Double($0) }
        #expect(numbers.count >= 7, "\(run.stdout)")
        let sent = numbers.first ?? 0, rate = numbers.count > 3 ? numbers[3] : 0, accepted = numbers.count > 4 ? numbers[4] : -1
        #expect(sent > 5_000 && accepted == sent && run.stdout.hasSuffix("rejected 0, failed requests 0\n"), "\(run.stdout)")
        #expect(rate > 1_500 && rate < 6_000, "about 3000 spans/s: \(run.stdout)")
        let metrics = try await server.request("GET", "/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"goalpost_otlp_items_total{signal="traces",result="accepted"}"#) }
        #expect(line.flatMap { Double($0.split(separator: " ").last ?? "") } == sent, "\(line ?? "no accepted count")")
        #expect(server.stop() == 0)

        let both = try runCommand(binary, ["simulate", "--target", server.baseURL, "--out", "/tmp/x.jsonl"])
        #expect(both.status != 0 && both.stderr.contains("give --out FILE or --target URL"))
    }

    @Test("one minute at 5,000 spans/s against serve (the issue's check): no errors, and the server counted every span sent")
    func oneMinuteAtFiveThousand() async throws {
        let data = try temporaryDirectory("goalpost-simulate-minute")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.start(config: TestPaths.examples, data: data)
        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let run = try runCommand(binary, ["simulate", "--target", server.baseURL, "--rate", "5000", "--duration", "1m", "--fault", "customer-latency"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let numbers = run.stdout.split(whereSeparator: { !$0.isNumber && $0 != "." }).compactMap { Double($0) }
        #expect(numbers.count >= 7, "\(run.stdout)")
        let sent = numbers.first ?? 0, seconds = numbers.count > 2 ? numbers[2] : 0, rate = numbers.count > 3 ? numbers[3] : 0
        let accepted = numbers.count > 4 ? numbers[4] : -1
        #expect(sent > 240_000 && accepted == sent && run.stdout.hasSuffix("rejected 0, failed requests 0\n"), "\(run.stdout)")
        #expect(seconds > 50 && seconds < 75 && rate > 4_000 && rate < 6_000, "about 5,000 spans/s for a minute: \(run.stdout)")
        let metrics = try await server.request("GET", "/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"goalpost_otlp_items_total{signal="traces",result="accepted"}"#) }
        #expect(line.flatMap { Double($0.split(separator: " ").last ?? "") } == sent, "\(line ?? "no accepted count")")
        #expect(server.stop() == 0)
    }
}
