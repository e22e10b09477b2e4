import Foundation
import GoalpostTestSupport
import Testing

/// The telemetry catalog, drafts from sentences and coverage over HTTP, on a server loaded with the demo.
@Suite("Catalog and drafts over HTTP", .serialized)
struct DraftingServerTests {
    @Test("the catalog holds what was ingested; a sentence becomes a draft; refusals are 422 with the reason; coverage; the CLI asks the server",
          .timeLimit(.minutes(5)))
    func drafting() async throws {
        let data = try temporaryDirectory("goalpost-drafting")
        defer { try? FileManager.default.removeItem(at: data) }
        let server = try ServerProcess.startDemo(data: data, arguments: ["--hours", "6"])
        defer { _ = server.stop() }
        let json = ["Content-Type": "application/json"]

        let catalog = try JSONSerialization.jsonObject(with: try await server.request("GET", "/api/v1/catalog").body) as? [String: Any] ?? [:]
        let operations = (catalog["operations"] as? [[String: Any]] ?? []).compactMap { "\($0["service"] ?? "") \($0["operation"] ?? "")" }
        #expect(Set(operations) == ["auth-api /login", "auth-api /sso/callback", "checkout-api /checkout", "search-api /search"], "\(operations)")

        let body = try JSONSerialization.data(withJSONObject: ["sentence": "Every customer can sign in successfully 99.9% of the time"])
        let drafted = try await server.request("POST", "/api/v1/outcomes/draft", headers: json, body: body)
        #expect(drafted.status == 200)
        let draft = try JSONSerialization.jsonObject(with: drafted.body) as? [String: Any] ?? [:]
        #expect(draft["service"] as? String == "auth-api" && draft["operations"] as? [String] == ["/login", "/sso/callback"])
        #expect(draft["name"] as? String == "sign-in-2", "the demo already defines sign-in")
        #expect((draft["yaml"] as? String)?.contains("objective: 99.9%") == true)
        #expect((draft["explanations"] as? [String])?.first?.hasPrefix("matched 'sign in' to auth-api /login and /sso/callback") == true)

        let refused = try await server.request("POST", "/api/v1/outcomes/draft", headers: json, body: Data(#"{"sentence": "Customers are happy 99% of the time"}"#.utf8))
        #expect(refused.status == 422)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("nothing in the telemetry matches 'happy'"))
        #expect(try await server.request("POST", "/api/v1/outcomes/draft", headers: json, body: Data(#"{"text": "x"}"#.utf8)).status == 400)
        #expect(try await server.request("POST", "/api/v1/outcomes/draft", headers: json, body: Data("[1]".utf8)).status == 400)

        // The demo covers every operation it sends.
        let coverage = try JSONSerialization.jsonObject(with: try await server.request("GET", "/api/v1/coverage").body) as? [String: Any] ?? [:]
        #expect((coverage["gaps"] as? [Any])?.isEmpty == true, "\(coverage)")
        #expect((coverage["covered"] as? [String: [String]])?["auth-api /sso/callback"] == ["sign-in"])

        let goalpost = try #require(TestPaths.builtProduct("goalpost"))
        let defined = try runCommand(goalpost, ["define", "Search answers within 500 ms for 99% of requests", "--server", server.baseURL])
        #expect(defined.status == 0, "\(defined.stderr)")
        #expect(defined.stdout.contains("service: search-api") && defined.stdout.contains("latency: 500ms"), "\(defined.stdout)")
        let listed = try runCommand(goalpost, ["catalog", "--server", server.baseURL])
        #expect(listed.stdout.contains("auth-api") && listed.stdout.contains("/sso/callback"), "\(listed.stdout)")
    }
}
