import Foundation
import GoalpostTestSupport
import Testing

/// Plans and deploy checks through `goalpost serve`'s API, the dashboard and the CLI, on a server loaded with the
/// demo's last six hours: auth-api 2.3.1 breaks SSO sign-in, 2.3.0 rolls it back 90 minutes later.
@Suite("Deploy plans and checks over HTTP", .serialized)
struct DeployCheckServerTests {
    static let ssoCustomers = ["acme", "globex", "initech", "soylent", "stark", "umbrella"]

    func json(_ data: Data) throws -> Any { try JSONSerialization.jsonObject(with: data) }

    @Test("the bad deploy fails every check and, by 2 hours, names the six SSO customers; the rollback and the others pass; plans, reports, dashboard, CLI",
          .timeLimit(.minutes(5)))
    func demoDeploys() async throws {
        let data = try temporaryDirectory("goalpost-deploy-checks")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.startDemo(data: data, arguments: ["--hours", "6"])
        defer { _ = server.stop() }

        // auth-api 2.3.1: checked at 10m, 30m, 1h and 2h (the rollback at 1h30 ends its period); each fails, in
        // aggregate too, with the sign-in page counted against it.
        let checks = try json(try await server.request("GET", "/api/v1/deploys/auth-api@2.3.1/checks").body) as? [[String: Any]] ?? []
        #expect(checks.compactMap { $0["after"] as? String } == ["10m", "30m", "1h", "2h"])
        #expect(checks.allSatisfy { $0["verdict"] as? String == "fail" }, "\(checks.map { $0["summary"] ?? "" })")
        let last = try #require(checks.last)
        #expect(last["supersededAt"] is NSNumber)
        let signIn = try #require((last["outcomes"] as? [[String: Any]])?.first { $0["outcome"] as? String == "sign-in" })
        #expect(signIn["aggregateVerdict"] as? String == "fail")
        #expect((signIn["customers"] as? [[String: Any]] ?? []).compactMap { $0["customer"] as? String } == Self.ssoCustomers)
        #expect((signIn["pages"] as? [String])?.count == 1)
        let release = try #require(signIn["release"] as? [String: Any])
        #expect((release["sliBefore"] as? Double ?? 0) > 0.999 && (release["sliAfter"] as? Double ?? 1) < 0.995, "\(release)")
        #expect((release["budgetSpent"] as? Double ?? 0) > 0)

        // The rollback passes; search-api 1.49.0 said it makes facet counts faster: that is expected, not yet seen.
        let rollback = try json(try await server.request("GET", "/api/v1/deploys/auth-api@2.3.0/checks").body) as? [[String: Any]] ?? []
        #expect(!rollback.isEmpty && rollback.allSatisfy { $0["verdict"] as? String == "pass" })
        let search = try json(try await server.request("GET", "/api/v1/deploys/search-api@1.49.0/checks").body) as? [[String: Any]] ?? []
        let effect = try #require((search.last?["intendedEffects"] as? [[String: Any]])?.first)
        #expect((effect["effect"] as? [String: Any])?["metric"] as? String == "latency_p95")
        #expect((effect["effect"] as? [String: Any])?["expected"] as? String == "down")
        #expect(effect["status"] as? String == "not_yet")

        // The report: the plan first, then one update per check.
        let report = String(decoding: try await server.request("GET", "/api/v1/deploys/auth-api@2.3.1/report").body, as: UTF8.self)
        #expect(report.hasPrefix("### Goalpost monitoring plan: Rotate JWT signing keys"), "\(report.prefix(200))")
        #expect(report.contains("#### auth-api@2.3.1, 10m after the deploy: **FAIL**"))
        #expect(report.contains("#### auth-api@2.3.1, 2h after the deploy: **FAIL**"))
        #expect(try await server.request("GET", "/api/v1/deploys/nothing@1.0/checks").status == 404)

        // A plan for a new SSO change: sign-in at risk, the SSO customers watched (they carry the callback's
        // traffic); kept and readable as Markdown.
        let body = try JSONSerialization.data(withJSONObject: [
            "title": "Accept the old key id during rotation", "description": "SSO callbacks accept tokens signed with either key.",
            "files": ["services/auth/sso/jwt_validator.swift"], "commit": "f00dfeed",
        ])
        let created = try await server.request("POST", "/api/v1/plans", headers: ["Content-Type": "application/json"], body: body)
        #expect(created.status == 201)
        let plan = try json(created.body) as? [String: Any] ?? [:]
        let outcomes = plan["outcomes"] as? [[String: Any]] ?? []
        #expect(outcomes.compactMap { $0["outcome"] as? String } == ["sign-in"])
        let watched = (outcomes.first?["watch"] as? [[String: Any]] ?? []).compactMap { $0["customer"] as? String }
        #expect(Set(watched) == Set(Self.ssoCustomers))
        let id = try #require(plan["id"] as? String)
        let markdown = String(decoding: try await server.request("GET", "/api/v1/plans/\(id)?format=markdown").body, as: UTF8.self)
        #expect(markdown.contains("| **sign-in**") && markdown.contains("acme (enterprise, "))
        let plans = try json(try await server.request("GET", "/api/v1/plans").body) as? [[String: Any]] ?? []
        #expect(plans.contains { $0["id"] as? String == id })

        // Bad plan requests name what is wrong and keep nothing.
        let missing = try await server.request("POST", "/api/v1/plans", headers: ["Content-Type": "application/json"], body: Data(#"{"files": []}"#.utf8))
        #expect(missing.status == 400)
        #expect(String(decoding: missing.body, as: UTF8.self).contains("title"))
        let unknown = try await server.request("POST", "/api/v1/plans", headers: ["Content-Type": "application/json"], body: Data(#"{"title": "x", "filez": []}"#.utf8))
        #expect(unknown.status == 400)
        #expect(String(decoding: unknown.body, as: UTF8.self).contains("filez"))
        #expect(try await server.request("POST", "/api/v1/plans", headers: ["Content-Type": "text/plain"], body: Data("x".utf8)).status == 415)
        #expect((try json(try await server.request("GET", "/api/v1/plans").body) as? [[String: Any]] ?? []).count == plans.count)

        // The dashboard marks the deploy with its verdict and lists it with a link to the report.
        let page = String(decoding: try await server.request("GET", "/outcomes/sign-in").body, as: UTF8.self)
        #expect(page.contains("auth-api 2.3.1 · fail"))
        #expect(page.contains("href=\"/api/v1/deploys/auth-api@2.3.1/report\""))

        // The CLI: the same report, and a plan from the server.
        let goalpost = try #require(TestPaths.builtProduct("goalpost"))
        let printed = try runCommand(goalpost, ["deploy", "report", "auth-api@2.3.1", "--server", server.baseURL])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout == report)
        let planned = try runCommand(goalpost, ["plan", "--server", server.baseURL, "--title", "Cache facet counts", "--description", "Makes search faster.",
                                                "--file", "services/search/facets.swift"])
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(planned.stdout.contains("| **search-availability**") && planned.stdout.contains("search-availability: p95 latency should fall"), "\(planned.stdout)")
    }
}
