import ArgumentParser
import Foundation
import GoalpostRuntime
import GoalpostServer
import GoalpostStore

/// `goalpost token create|list|revoke`: API tokens in the server's database.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens (stored hashed in the server's database).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct DataOption: ParsableArguments {
        @Option(help: "The server's data folder (goalpost.sqlite). Default ./goalpost-data. Env: GOALPOST_DATA.")
        var data: String?

        func openStore() throws -> SQLiteStore {
            let folder = data ?? ProcessInfo.processInfo.environment["GOALPOST_DATA"] ?? "goalpost-data"
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            do {
                return try SQLiteStore(path: (folder as NSString).appendingPathComponent("goalpost.sqlite"), configuration: IngestPipeline.storeConfiguration())
            } catch {
                throw CommandFailure(error.description)
            }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it (it is shown once).")

        @OptionGroup var data: DataOption

        @Option(help: "Comma-separated scopes: ingest (OTLP and events in), read (API and dashboard), admin (changes; includes the others).")
        var scopes: String = "read"

        @Option(help: "A name to recognise the token by, e.g. otel-collector.")
        var name: String = "token"

        func run() throws {
            var parsed = [TokenScope]()
            for part in scopes.split(separator: ",") {
                let text = part.trimmingCharacters(in: .whitespaces)
                guard let scope = TokenScope(rawValue: text) else {
                    throw CommandFailure("--scopes: unknown scope '\(text)' (expected ingest, read or admin)")
                }
                if !parsed.contains(scope) { parsed.append(scope) }
            }
            guard !parsed.isEmpty else { throw CommandFailure("--scopes: give at least one of ingest, read, admin") }
            let store = try data.openStore()
            let (text, record) = APIToken.generate(name: name, scopes: parsed, now: IngestPipeline.systemClock())
            do {
                try store.add(token: record)
            } catch {
                throw CommandFailure(error.description)
            }
            print(text)
            FileHandle.standardError.write(Data("token \(record.id) '\(name)' with scopes \(record.scopes.joined(separator: ",")): keep it now, it is not shown again\n".utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (ids, names, scopes; never the secrets).")

        @OptionGroup var data: DataOption

        func run() throws {
            let store = try data.openStore()
            let tokens: [StoredToken]
            do {
                tokens = try store.tokens()
            } catch {
                throw CommandFailure(error.description)
            }
            for token in tokens {
                let state = token.revokedAt == nil ? "active" : "revoked"
                print("\(token.id)\t\(token.name)\t\(token.scopes.joined(separator: ","))\t\(state)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id (a running server stops accepting it within 5 seconds).")

        @OptionGroup var data: DataOption

        @Argument(help: "The token's id (the 12 hex digits after gp_).")
        var id: String

        func run() throws {
            let store = try data.openStore()
            do {
                guard try store.revoke(token: id, at: IngestPipeline.systemClock()) else {
                    throw CommandFailure("no active token with id '\(id)'")
                }
            } catch let error as StoreError {
                throw CommandFailure(error.description)
            }
            print("revoked \(id)")
        }
    }
}
