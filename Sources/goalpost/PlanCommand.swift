import ArgumentParser
import Foundation
import GoalpostAgents
import GoalpostDefinitions
import GoalpostInvestigation
import GoalpostModel
import GoalpostRuntime

/// `goalpost plan`: the monitoring plan for a change, from a running server (with its traffic) or from the
/// definitions alone.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Make the monitoring plan for a change: the outcomes at risk, the customers to watch, the checks after it ships.",
        discussion: """
        Describe the change with --title, --description and --file, or read it from git with --from-git RANGE (the \
        newest commit's subject, every message, the files changed). With --server (or GOALPOST_URL) the server makes \
        the plan from its catalog and the last day's traffic, and keeps it: a deploy of the change's commit (or one \
        naming the plan with `goalpost deploy record --plan ID`) is checked against it. With --config the plan is made \
        locally from the definitions, without traffic. Prints Markdown for a pull-request comment, or --format json.
        """
    )

    @Option(help: "The change's title (a pull request's title).")
    var title: String?

    @Option(help: "What the change does, in words (a pull request's description).")
    var description: String?

    @Option(name: .customLong("file"), help: "A path the change touches (repeat for more).")
    var files: [String] = []

    @Option(help: "The change's commit.")
    var commit: String?

    @Option(help: "The service it ships in, when known.")
    var service: String?

    @Option(help: "The environment it is planned for (e.g. production); deploys to others do not use the plan.")
    var environment: String?

    @Option(help: "Read the change from a git range instead (e.g. main..HEAD) in --repo.")
    var fromGit: String?

    @Option(help: "The git clone for --from-git (default: the current folder).")
    var repo: String = "."

    @Option(help: "Plan locally from this folder of definitions instead of asking a server (no traffic: no customers to watch).")
    var config: String?

    @Option(help: "markdown or json.")
    var format: String = "markdown"

    @OptionGroup var api: ServerOptions

    func run() async throws {
        guard ["markdown", "json"].contains(format) else { throw CommandFailure("--format: '\(format)' is not markdown or json") }
        var change: ChangeRequest
        if let fromGit {
            do {
                change = try GitHistory.change(range: fromGit, in: repo)
            } catch {
                throw CommandFailure("--from-git \(fromGit): \(error.description)")
            }
            if let title { change.title = title }
            if let description { change.description = description }
            if !files.isEmpty { change.files = files }
            if let commit { change.commit = commit }
        } else {
            guard let title else { throw CommandFailure("describe the change: --title (with --description and --file), or --from-git RANGE") }
            change = ChangeRequest(title: title, description: description, files: files, commit: commit)
        }
        change.service = service
        change.environment = environment

        if let config {
            let catalog = try BacktestCommand.loadCatalog(config)
            let plan = ChangePlanner(catalog: catalog).plan(change)
            if format == "json" {
                print(try prettyJSON(plan))
            } else {
                print(plan.markdown, terminator: "")
            }
            return
        }
        var object: [String: Any] = ["title": change.title, "files": change.files]
        if let value = change.description { object["description"] = value }
        if let value = change.commit { object["commit"] = value }
        if let value = change.service { object["service"] = value }
        if let value = change.environment { object["environment"] = value }
        let data = try await api.client.send(
            "POST", "/api/v1/plans" + (format == "markdown" ? "?format=markdown" : ""),
            json: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        )
        FileHandle.standardOutput.write(data)
    }
}
