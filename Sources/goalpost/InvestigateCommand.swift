import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostStore

/// `goalpost investigate INCIDENT`: prints an incident's investigation from a running server or a stored instance.
struct InvestigateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "investigate",
        abstract: "Print the investigation of an incident: where it breaks, what changed, what it costs, what to do."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case markdown, json }

    @Argument(help: "The incident id (GET /api/v1/incidents lists them).")
    var incident: String

    @Option(help: "A running server's base URL. Env: GOALPOST_URL. Default http://127.0.0.1:4318 unless --data is given.")
    var server: String?

    @Option(help: "An API token with the read scope (goalpost token create). Env: GOALPOST_TOKEN.")
    var token: String?

    @Option(help: "Read a stored instance instead: the --data folder of `goalpost serve`.")
    var data: String?

    @Option(help: "Output format: markdown or json.")
    var format: Format = .markdown

    func run() async throws {
        if let data {
            let path = (data as NSString).appendingPathComponent("goalpost.sqlite")
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure("--data \(data): no goalpost.sqlite there")
            }
            let store: SQLiteStore
            do { store = try SQLiteStore(path: path) } catch { throw CommandFailure(error.description) }
            let stored: StoredInvestigation?
            do { stored = try store.investigation(incident: incident) } catch { throw CommandFailure(error.description) }
            guard let stored else { throw CommandFailure("\(path): no investigation of incident '\(incident)'") }
            print(format == .markdown ? stored.markdown : stored.json)
            return
        }
        let base = server ?? ProcessInfo.processInfo.environment["GOALPOST_URL"] ?? "http://127.0.0.1:4318"
        let escaped = incident.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? incident
        let suffix = "/api/v1/incidents/\(escaped)/investigation" + (format == .markdown ? "?format=markdown" : "")
        guard let url = URL(string: (base.hasSuffix("/") ? String(base.dropLast()) : base) + suffix), url.scheme != nil else {
            throw CommandFailure("--server: '\(base)' is not a URL such as http://127.0.0.1:4318")
        }
        let (body, response): (Data, URLResponse)
        do {
            var request = URLRequest(url: url)
            if let token = token ?? ProcessInfo.processInfo.environment["GOALPOST_TOKEN"], !token.isEmpty {
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            }
            (body, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CommandFailure("\(url): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let text = String(decoding: body, as: UTF8.self)
        guard status == 200 else { throw CommandFailure("\(url): HTTP \(status): \(text)") }
        print(text)
    }
}
