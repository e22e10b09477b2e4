import ArgumentParser
import Foundation
import GoalpostAgents
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostModel

/// `goalpost silence create|list|expire`: hold back notifications about an outcome or a customer for a while.
struct SilenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Hold back notifications about an outcome or a customer for a while (a running server's API).",
        subcommands: [Create.self, List.self, Expire.self]
    )

    struct Connection: ParsableArguments {
        @Option(help: "The server's base URL. Env: GOALPOST_URL. Default http://127.0.0.1:4318.")
        var server: String?

        @Option(help: "An API token (admin to create or expire, read to list). Env: GOALPOST_TOKEN.")
        var token: String?

        /// Sends one request and returns the body of a 2xx answer; anything else is a clear failure.
        func send(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> Data {
            let json = try body.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }
            return try await APIClient(server: server, token: token).send(method, path, json: json)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a silence; prints its id.")

        @OptionGroup var connection: Connection

        @Option(help: "The outcome to silence (all its incidents).")
        var outcome: String?

        @Option(help: "The customer to silence (incidents it is part of; in one outcome with --outcome).")
        var customer: String?

        @Option(name: .customLong("for"), help: "How long, e.g. 2h (at most 30d).")
        var duration: String?

        @Option(help: "Until when, RFC 3339 (instead of --for).")
        var until: String?

        @Option(help: "Why (required): shown on every suppressed notification.")
        var reason: String

        @Option(help: "Who asks.")
        var by: String?

        func run() async throws {
            var body: [String: Any] = ["reason": reason]
            if let outcome { body["outcome"] = outcome }
            if let customer { body["customer"] = customer }
            if let duration { body["for"] = duration }
            if let until { body["until"] = until }
            if let by { body["by"] = by }
            let data = try await connection.send("POST", "/api/v1/silences", body: body)
            let silence = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            print(silence["id"] as? String ?? String(decoding: data, as: UTF8.self))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the silences still running (--all: every one).")

        @OptionGroup var connection: Connection

        @Flag(help: "Ended silences too.")
        var all = false

        func run() async throws {
            let data = try await connection.send("GET", "/api/v1/silences" + (all ? "?all=true" : ""))
            let silences = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] ?? []
            for silence in silences {
                let scope = [silence["outcome"] as? String, (silence["customer"] as? String).map { "customer \($0)" }].compactMap { $0 }.joined(separator: ", ")
                let ends = (silence["endsAt"] as? Int64).map { Timestamp.format($0) } ?? (silence["endsAt"] as? Double).map { Timestamp.format(Int64($0)) } ?? "?"
                print("\(silence["id"] as? String ?? "?")\t\(scope)\tuntil \(ends)\t\(silence["reason"] as? String ?? "")")
            }
        }
    }

    struct Expire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a silence now.")

        @OptionGroup var connection: Connection

        @Argument(help: "The silence's id.")
        var id: String

        func run() async throws {
            _ = try await connection.send("DELETE", "/api/v1/silences/\(id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)")
            print("expired \(id)")
        }
    }
}
