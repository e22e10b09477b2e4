import ArgumentParser
import Foundation
import GoalpostAgents
import GoalpostDefinitions
import GoalpostDrafting
import GoalpostEvaluation
import GoalpostModel
import GoalpostRuntime
import GoalpostTelemetry

/// Where the telemetry catalog comes from: recorded telemetry, or a running server.
struct CatalogSource: ParsableArguments {
    @Option(parsing: .upToNextOption, help: "Recorded telemetry (OTLP/JSON lines) to read the catalog from, instead of a server.")
    var telemetry: [String] = []

    @OptionGroup var api: ServerOptions

    func catalog() async throws -> TelemetryCatalog {
        if !telemetry.isEmpty {
            do {
                return try TelemetryCatalogs.from(files: telemetry)
            } catch {
                throw CommandFailure(error.description)
            }
        }
        let data = try await api.client.send("GET", "/api/v1/catalog")
        do {
            return try JSONDecoder().decode(TelemetryCatalog.self, from: data)
        } catch {
            throw CommandFailure("the server's /api/v1/catalog did not read as a catalog: \(error)")
        }
    }
}

/// `goalpost define "SENTENCE"`: a goalpost/v1 Outcome from a sentence, bound to the telemetry that exists.
struct DefineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "define",
        abstract: "Draft an outcome from a sentence (\"Every customer can sign in successfully 99.9% of the time\"), bound to the telemetry that exists.",
        discussion: """
        Reads the sentence with a deterministic grammar (docs/define.md), matches its activity to the services and \
        operations in the telemetry catalog (of --telemetry files, or of the server), proposes an objective or a \
        bound from the observed baseline when the sentence gives none, and prints the draft as goalpost/v1 YAML with \
        every choice explained on stderr. The draft passes the same linter as hand-written definitions. With \
        --llm-url, a sentence the grammar cannot read is sent with the catalog to an OpenAI-compatible endpoint.
        """
    )

    @Argument(help: "What must be true for customers, in words.")
    var sentence: String

    @OptionGroup var source: CatalogSource

    @Option(help: "Definitions already written (names are not reused; services' owners are copied).")
    var config: String?

    @Option(help: "Write the YAML here instead of stdout (refuses to overwrite without --force).")
    var out: String?

    @Flag(help: "Overwrite --out.")
    var force = false

    @Option(help: "yaml (the definition; explanations on stderr) or json (draft, explanations, warnings).")
    var format: String = "yaml"

    @Option(help: "An OpenAI-compatible chat completions endpoint for sentences the grammar cannot read. Env: GOALPOST_LLM_URL.")
    var llmURL: String?

    @Option(help: "The model to ask. Env: GOALPOST_LLM_MODEL.")
    var llmModel: String?

    func run() async throws {
        guard ["yaml", "json"].contains(format) else { throw CommandFailure("--format: '\(format)' is not yaml or json") }
        let environment = ProcessInfo.processInfo.environment
        let definitions = try config.map { try BacktestCommand.loadCatalog($0) } ?? Catalog()
        let catalog = try await source.catalog()
        let model = LanguageModelEndpoint.fromSettings(url: llmURL ?? environment["GOALPOST_LLM_URL"], model: llmModel ?? environment["GOALPOST_LLM_MODEL"],
                                                       key: environment["GOALPOST_LLM_KEY"])
        let draft: OutcomeDraft
        do {
            draft = try await OutcomeDrafts.draft(sentence, catalog: catalog, definitions: definitions, model: model)
        } catch {
            throw CommandFailure("cannot define \"\(sentence)\": \(error.message)")
        }
        if format == "json" {
            try write(try prettyJSON(draft) + "\n")
        } else {
            for line in draft.explanations { FileHandle.standardError.write(Data("# \(line)\n".utf8)) }
            for line in draft.warnings { FileHandle.standardError.write(Data("# warning: \(line)\n".utf8)) }
            try write(draft.yaml)
        }
    }

    func write(_ text: String) throws {
        guard let out else {
            print(text, terminator: "")
            return
        }
        if FileManager.default.fileExists(atPath: out), !force { throw CommandFailure("--out \(out): the file exists (give --force to replace it)") }
        do {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure("--out \(out): cannot write (\(error.localizedDescription))")
        }
        FileHandle.standardError.write(Data("wrote \(out)\n".utf8))
    }
}

/// `goalpost catalog`: what telemetry exists.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "List the services, operations, attributes and metrics seen, with volumes and error and latency profiles."
    )

    @OptionGroup var source: CatalogSource

    @Option(help: "text or json.")
    var format: String = "text"

    func run() async throws {
        guard ["text", "json"].contains(format) else { throw CommandFailure("--format: '\(format)' is not text or json") }
        let catalog = try await source.catalog()
        if format == "json" {
            print(try prettyJSON(catalog))
            return
        }
        print("\(catalog.operations.count) operations of \(catalog.services.count) services, \(catalog.metrics.count) metrics")
        for service in catalog.services {
            print("\n\(service)")
            for operation in catalog.operations where operation.service == service {
                var line = "  \(operation.signal.padding(toLength: 5, withPad: " ", startingAt: 0)) \(operation.operation.padding(toLength: 28, withPad: " ", startingAt: 0))"
                line += " \(OutcomeDrafter.count(operation.eventsPerDay).padded(9)) /day"
                if let ratio = operation.successRatio { line += "  \(OutcomeDrafter.percent(ratio)) ok" }
                if let p50 = operation.p50Milliseconds, let p99 = operation.p99Milliseconds { line += "  p50 \(Int(p50.rounded())) ms, p99 \(Int(p99.rounded())) ms" }
                print(line)
                let attributes = operation.attributes.map { "\($0.key) (\($0.distinctValues)\($0.capped ? "+" : ""))" }
                if !attributes.isEmpty { print("        \(attributes.joined(separator: ", "))") }
            }
        }
        for metric in catalog.metrics { print("metric \(metric.service) \(metric.name): \(Int(metric.samples)) samples") }
    }
}

/// `goalpost coverage`: what no outcome watches.
struct CoverageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coverage",
        abstract: "List services and busy operations no outcome covers, with suggested outcomes (errors and latency per operation)."
    )

    @OptionGroup var source: CatalogSource

    @Option(help: "The definitions to compare with.")
    var config: String

    @Option(help: "Operations with fewer events a day are not listed one by one.")
    var minimumPerDay: Double = 1_000

    @Option(help: "text or json.")
    var format: String = "text"

    func run() async throws {
        guard ["text", "json"].contains(format) else { throw CommandFailure("--format: '\(format)' is not text or json") }
        let definitions = try BacktestCommand.loadCatalog(config)
        let report = CoverageAnalyzer(catalog: try await source.catalog(), definitions: definitions, minimumEventsPerDay: minimumPerDay).report()
        if format == "json" {
            print(try prettyJSON(report))
            return
        }
        print("\(report.covered.count) operations covered by an outcome; \(report.gaps.count) gaps")
        for gap in report.gaps {
            print("\n\(gap.service)\(gap.operation.map { " \($0)" } ?? ""): \(gap.reason)")
            for suggestion in gap.suggestions {
                print("  suggested:")
                for line in suggestion.split(separator: "\n") { print("    \(line)") }
            }
        }
        for note in report.notes { print("\n\(note)") }
    }
}

extension LanguageModelEndpoint {
    /// An endpoint when a URL is given (the model defaults to gpt-4o-mini).
    static func fromSettings(url: String?, model: String?, key: String?) -> LanguageModelEndpoint? {
        guard let url, !url.isEmpty else { return nil }
        return LanguageModelEndpoint(url: url, model: model ?? "gpt-4o-mini", key: key)
    }
}

/// Pretty, sorted JSON for people and scripts.
func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

extension String {
    fileprivate func padded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
