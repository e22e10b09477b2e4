import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostTestSupport
import Testing


/// The dashboard in a real browser: headless Chromium loads each page of a populated server, dumps its DOM and
/// takes a screenshot. Screenshots go to $GOALPOST_SCREENSHOTS (default: a temporary folder, printed) and are
/// never committed; docs/dashboard.md says how to look at them.
@Suite("Dashboard in Chromium", .serialized)
struct DashboardTests {
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func chromium(_ arguments: [String]) throws -> CommandResult {
        let binary = try #require(Self.chromium, "Chromium is installed by scripts/test (Debian package chromium)")
        let profile = try temporaryDirectory("goalpost-chromium")
        defer { try? FileManager.default.removeItem(at: profile) }
        return try runCommand(URL(fileURLWithPath: binary), [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(profile.path)",
            "--window-size=1280,1600", "--virtual-time-budget=2000",
        ] + arguments)
    }

    @Test("the four pages of a server loaded with the demo render in Chromium with their titles and data, without JavaScript, and are screenshotted")
    func pages() async throws {
        let data = try temporaryDirectory("goalpost-dashboard")
        defer { try? FileManager.default.removeItem(at: data) }
        let shots = ProcessInfo.processInfo.environment["GOALPOST_SCREENSHOTS"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        // The demo's last six hours (the SSO deploy at 14:05, the rollback at 15:35, ending at 18:00 moved to now),
        // through the real ingest path; the demo server runs without tokens on loopback (sign-in is tested below).
        let server = try ServerProcess.startDemo(data: data, arguments: ["--hours", "6"])
        let incidents = try #require(try JSONSerialization.jsonObject(with: await server.request("GET", "/api/v1/incidents?outcome=sign-in").body) as? [[String: Any]])
        let id = try #require(incidents.first?["id"] as? String, "the SSO incident opened: \(server.log)")
        let acme = try #require(try JSONSerialization.jsonObject(with: await server.request("GET", "/api/v1/customers/acme").body) as? [String: Any])
        let name = try #require((acme["customer"] as? [String: Any])?["name"] as? String)
        let pages: [(name: String, path: String, expected: [String])] = [
            ("overview", "/", ["<title>Outcomes · Goalpost</title>", "Are customers succeeding?", "Open incidents, by business impact", id, "Customers can sign in"]),
            ("outcome", "/outcomes/sign-in", ["<title>Customers can sign in · Goalpost</title>", "Error budget over the window", "Customers × time", "<svg", "auth-api 2.3.1", "acme"]),
            ("customer", "/customers/acme", ["<title>\(name) · Goalpost</title>", "enterprise", "Outcomes for this customer", id]),
            ("incident", "/incidents/\(id)", ["<title>\(id) · Goalpost</title>", "Impact", "http.route=/sso/callback", "auth-api", "2.3.1", "enterprise", "Timeline"]),
        ]
        for page in pages {
            let url = "\(server.baseURL)\(page.path)"
            let dom = try chromium(["--dump-dom", url])
            #expect(dom.status == 0, "\(page.name): \(dom.stderr.suffix(400))")
            for expected in page.expected {
                #expect(dom.stdout.contains(expected), "\(page.name) shows \(expected)")
            }
            let file = shots.appendingPathComponent("\(page.name).png")
            try? FileManager.default.removeItem(at: file)
            let shot = try chromium(["--screenshot=\(file.path)", url])
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "\(page.name).png is a real picture (\(size) bytes): \(shot.stderr.suffix(400))")
        }
        // Dark mode: the same overview with the system asking for dark colours (Blink's preferredColorScheme 0).
        let dark = shots.appendingPathComponent("overview-dark.png")
        try? FileManager.default.removeItem(at: dark)
        _ = try chromium(["--blink-settings=preferredColorScheme=0", "--screenshot=\(dark.path)", server.baseURL + "/"])
        let darkSize = (try? FileManager.default.attributesOfItem(atPath: dark.path)[.size] as? Int) ?? 0
        let lightSize = (try? FileManager.default.attributesOfItem(atPath: shots.appendingPathComponent("overview.png").path)[.size] as? Int) ?? 0
        #expect(darkSize > 10_000 && darkSize != lightSize, "a dark rendering differs from the light one (\(darkSize) vs \(lightSize) bytes)")
        print("dashboard screenshots in \(shots.path)")
        #expect(try await server.request("GET", "/outcomes/nope").status == 404)
        #expect(server.stop() == 0)
    }

    @Test("with authentication on, pages send a browser to the sign-in form, which keeps the token in an HttpOnly, SameSite=Strict cookie")
    func signIn() async throws {
        let data = try temporaryDirectory("goalpost-sign-in")
        defer { try? FileManager.default.removeItem(at: data) }
        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let read = try runCommand(binary, ["token", "create", "--data", data.path, "--scopes", "read"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let ingest = try runCommand(binary, ["token", "create", "--data", data.path, "--scopes", "ingest"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServerProcess.start(config: serverConfig, data: data, authentication: true)
        let form = ["Content-Type": "application/x-www-form-urlencoded"]
        // URLSession follows the 303 to /login.
        let anonymous = try await server.request("GET", "/outcomes/checkout")
        #expect(anonymous.status == 200 && anonymous.text.contains("<h1>Sign in</h1>"), "\(anonymous.text.prefix(300))")
        #expect(try await server.request("POST", "/login", headers: form, body: Data("token=gp_bad".utf8)).text.contains("not valid"))
        let wrongScope = try await server.request("POST", "/login", headers: form, body: Data("token=\(ingest)".utf8))
        #expect(wrongScope.status == 403 && wrongScope.text.contains("lacks the read scope"))
        // Not following the redirect, to see the cookie.
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        var request = URLRequest(url: try #require(URL(string: server.baseURL + "/login")))
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("token=\(read)".utf8)
        let (_, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 303)
        let cookie = http.value(forHTTPHeaderField: "Set-Cookie") ?? ""
        #expect(cookie.hasPrefix("goalpost_token=\(read)") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
        let page = try await server.request("GET", "/", headers: ["Cookie": "goalpost_token=\(read)"])
        #expect(page.status == 200 && page.text.contains("Are customers succeeding?"))
        #expect(server.stop() == 0)
    }
}

final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
