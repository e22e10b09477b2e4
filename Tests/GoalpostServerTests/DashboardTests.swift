import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostTestSupport
import Testing

struct NoIncident: Error, CustomStringConvertible { var description: String }

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

    /// A populated instance: customers, a deploy, three customers' traffic, one of them failing every request.
    /// Returns the incident that opens.
    func populate(_ server: ServerProcess, headers: [String: String] = [:]) async throws -> String {
        _ = try await server.request("POST", "/api/v1/customers", headers: json.merging(headers) { $1 }, body: Data(#"""
            [{"id":"acme","name":"Acme Corp","tier":"enterprise","arr":1200000},{"id":"globex","name":"Globex","tier":"pro","arr":90000},
             {"id":"initech","name":"Initech","tier":"pro","arr":60000}]
            """#.utf8))
        let deployed = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        _ = try await server.request("POST", "/api/v1/deploys", headers: json.merging(headers) { $1 }, body: Data(#"{"service":"shop","version":"9.9.9","time":"\#(deployed)"}"#.utf8))
        for customer in ["globex", "initech"] {
            _ = try await server.request("POST", "/v1/traces", headers: json.merging(headers) { $1 }, body: Requests.tracesJSON(Requests.spans(30, customer: customer)))
        }
        _ = try await server.request("POST", "/v1/traces", headers: json.merging(headers) { $1 }, body: Requests.tracesJSON(Requests.spans(40, customer: "acme", errors: 40)))
        for _ in 0..<40 {
            let list = try await server.request("GET", "/api/v1/incidents", headers: headers)
            if let id = (try? JSONSerialization.jsonObject(with: list.body) as? [[String: Any]])?.first?["id"] as? String { return id }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw NoIncident(description: "no incident opened: \(server.log)")
    }

    @Test("the four pages render in Chromium with their titles and data, without JavaScript, and are screenshotted")
    func pages() async throws {
        let data = try temporaryDirectory("goalpost-dashboard")
        defer { try? FileManager.default.removeItem(at: data) }
        let shots = ProcessInfo.processInfo.environment["GOALPOST_SCREENSHOTS"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        // Headless Chromium cannot sign in through the form, so this server runs with --no-auth (loopback);
        // the sign-in itself is tested below.
        let server = try ServerProcess.start(config: serverConfig, data: data, arguments: ["--tick-interval", "1s"])
        let id = try await populate(server)
        let pages: [(name: String, path: String, expected: [String])] = [
            ("overview", "/", ["<title>Outcomes · Goalpost</title>", "Are customers succeeding?", "Open incidents, by business impact", id, "checkout"]),
            ("outcome", "/outcomes/checkout", ["<title>checkout · Goalpost</title>", "Error budget over the window", "Customers × time", "acme", "shop 9.9.9"]),
            ("customer", "/customers/acme", ["<title>Acme Corp · Goalpost</title>", "enterprise", "$1.20M", "Outcomes for this customer", id]),
            ("incident", "/incidents/\(id)", ["<title>\(id) · Goalpost</title>", "Impact", "Where it breaks", "customer.id=acme", "enterprise", "Timeline"]),
        ]
        for page in pages {
            let url = "\(server.baseURL)\(page.path)"
            let dom = try chromium(["--dump-dom", url])
            #expect(dom.status == 0, "\(page.name): \(dom.stderr.suffix(400))")
            #expect(dom.stdout.contains("<svg") || page.name != "outcome", "the outcome page draws its charts")
            for expected in page.expected {
                #expect(dom.stdout.contains(expected), "\(page.name) shows \(expected)")
            }
            let file = shots.appendingPathComponent("\(page.name).png")
            try? FileManager.default.removeItem(at: file)
            let shot = try chromium(["--screenshot=\(file.path)", url])
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "\(page.name).png is a real picture (\(size) bytes): \(shot.stderr.suffix(400))")
        }
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
