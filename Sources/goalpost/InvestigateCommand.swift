import ArgumentParser
import Foundation
import GoalpostAgents
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
        let escaped = incident.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? incident
        let path = "/api/v1/incidents/\(escaped)/investigation" + (format == .markdown ? "?format=markdown" : "")
        let text = String(decoding: try await APIClient(server: server, token: token).send("GET", path), as: UTF8.self)
        print(text)
    }
}
