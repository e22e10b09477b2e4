import ArgumentParser
import Foundation
import GoalpostAgents
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostModel
import GoalpostTelemetry

/// `goalpost deploy record`: tells a running server about a deploy, from a CI pipeline.
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Record deploys with a running Goalpost server, and read what their checks found.",
        subcommands: [Record.self, Report.self]
    )

    /// `goalpost deploy report service@version`: the deploy's plan and checks as Markdown (or JSON).
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Print a deploy's plan and the result of each check so far, as Markdown for a pull request (or --format json)."
        )

        @Argument(help: "The deploy: service@version, e.g. auth-api@2.3.1.")
        var deploy: String

        @Option(help: "markdown or json (the checks as the API gives them).")
        var format: String = "markdown"

        @OptionGroup var api: ServerOptions

        func run() async throws {
            guard ["markdown", "json"].contains(format) else { throw CommandFailure("--format: '\(format)' is not markdown or json") }
            guard deploy.contains("@"), let encoded = deploy.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) else {
                throw CommandFailure("'\(deploy)' is not service@version (e.g. auth-api@2.3.1)")
            }
            let path = "/api/v1/deploys/\(encoded)/" + (format == "json" ? "checks" : "report")
            let data = try await api.client.send("GET", path)
            FileHandle.standardOutput.write(data)
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record one deploy (POST /api/v1/deploys), e.g. as the last step of a CI pipeline."
        )

        @Option(help: "The service deployed (its service.name).")
        var service: String

        @Option(help: "The version deployed (its service.version).")
        var version: String

        @Option(help: "When, RFC 3339 (default: now).")
        var time: String?

        @Option(help: "A one-line title.")
        var title: String?

        @Option(help: "What changed.")
        var description: String?

        @Option(help: "The commit deployed.")
        var commit: String?

        @Option(help: "The environment (production, staging…).")
        var environment: String?

        @Option(name: .customLong("changed-file"), help: "A file the deploy changed (repeat the option for more).")
        var changedFiles: [String] = []

        @Option(name: .customLong("plan"), help: "The id of a plan (goalpost plan) of a change this deploy ships (repeat for more).")
        var plans: [String] = []

        @OptionGroup var api: ServerOptions

        func run() async throws {
            if let time, Timestamp.parse(time) == nil {
                throw CommandFailure("--time: '\(time)' is not RFC 3339 (e.g. 2026-11-23T14:05:00Z)")
            }
            var object: [String: Any] = ["service": service, "version": version, "time": time ?? Timestamp.format(Self.now())]
            if let title { object["title"] = title }
            if let description { object["description"] = description }
            if let commit { object["commit"] = commit }
            if let environment { object["environment"] = environment }
            if !changedFiles.isEmpty { object["changed_files"] = changedFiles }
            if !plans.isEmpty { object["plans"] = plans }
            _ = try await api.client.send(
                "POST", "/api/v1/deploys", json: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            )
            print("recorded \(service) \(version) at \(object["time"] ?? "")")
        }

        static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }
    }
}
