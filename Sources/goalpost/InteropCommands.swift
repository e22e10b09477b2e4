import ArgumentParser
import Foundation
import GoalpostDefinitions
import GoalpostModel

/// `goalpost import openslo|sloth`: other tools' SLO specifications into goalpost/v1 definitions.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert OpenSLO or Sloth specifications into goalpost/v1 definitions (docs/interop.md).",
        subcommands: [OpenSLOImport.self, SlothImport.self]
    )

    struct SlothImport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sloth",
            abstract: "Import Sloth specs (prometheus/v1, sloth.slok.dev/v1 PrometheusServiceLevel; AlertWindows for custom alert windows)."
        )

        @OptionGroup var options: ImportOptions

        func run() throws {
            let result = Sloth.importFiles(options.paths)
            try InteropOutput.finish(result.catalog, diagnostics: result.diagnostics, out: options.out, force: options.force, keptFile: "sloth-kept.yaml")
        }
    }

    struct OpenSLOImport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "openslo",
            abstract: "Import OpenSLO v1 (and v1alpha, v2alpha) documents: SLOs become outcomes, Services services; the rest is kept for export."
        )

        @OptionGroup var options: ImportOptions

        func run() throws {
            let result = OpenSLO.importFiles(options.paths)
            try InteropOutput.finish(result.catalog, diagnostics: result.diagnostics, out: options.out, force: options.force, keptFile: "openslo-kept.yaml")
        }
    }
}

/// What every import takes: the files, where to write, whether to overwrite.
struct ImportOptions: ParsableArguments {
    @Argument(help: "Spec files or folders (single documents, --- separated ones, YAML lists).")
    var paths: [String]

    @Option(help: "The folder to write the goalpost/v1 definitions to (created if missing).")
    var out: String

    @Flag(help: "Overwrite files that already exist in --out.")
    var force = false
}

/// `goalpost export openslo DIR`: definitions out as OpenSLO.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write definitions out for other tools (docs/interop.md).",
        subcommands: [OpenSLOExport.self, SlothExport.self, PrometheusRulesExport.self]
    )

    struct PrometheusRulesExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prometheus-rules",
            abstract: "Write Prometheus recording rules and multiwindow multi-burn-rate alerts for the outcomes measured by PromQL ratios."
        )

        @Argument(help: "The rule file to write (e.g. goalpost-rules.yml); - for stdout.")
        var out: String

        @Option(help: "The goalpost/v1 definitions folder.")
        var config: String = "outcomes"

        func run() throws {
            let export = try PrometheusRules.export(try InteropOutput.load(config))
            for (name, reason) in export.skipped { FileHandle.standardError.write(Data("skipped \(name): \(reason)\n".utf8)) }
            if out == "-" {
                print(export.yaml, terminator: "")
            } else {
                try export.yaml.write(toFile: out, atomically: true, encoding: .utf8)
                print("wrote the rules of \(export.outcomes) outcomes to \(out) (check them with: promtool check rules \(out))")
            }
        }
    }

    struct SlothExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sloth",
            abstract: "Write the outcomes measured by PromQL as Sloth prometheus/v1 specs (imported ones as they were, with Goalpost's changes)."
        )

        @Argument(help: "The folder to write sloth.yaml to (created if missing).")
        var out: String

        @Option(help: "The goalpost/v1 definitions folder.")
        var config: String = "outcomes"

        func run() throws {
            let catalog = try InteropOutput.load(config)
            let (documents, skipped) = Sloth.export(catalog)
            for name in skipped { FileHandle.standardError.write(Data("skipped \(name): Sloth specs are PromQL; its indicator is not\n".utf8)) }
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let path = (out as NSString).appendingPathComponent("sloth.yaml")
            try OpenSLO.yaml(documents).write(toFile: path, atomically: true, encoding: .utf8)
            print("wrote \(documents.count) Sloth specs to \(path)")
        }
    }

    struct OpenSLOExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "openslo",
            abstract: "Write the outcomes as OpenSLO v1 SLOs (imported ones as they were, with Goalpost's changes), services, and the kept OpenSLO documents."
        )

        @Argument(help: "The folder to write openslo.yaml to (created if missing).")
        var out: String

        @Option(help: "The goalpost/v1 definitions folder.")
        var config: String = "outcomes"

        func run() throws {
            let documents = try OpenSLO.export(try InteropOutput.load(config))
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let path = (out as NSString).appendingPathComponent("openslo.yaml")
            try OpenSLO.yaml(documents).write(toFile: path, atomically: true, encoding: .utf8)
            print("wrote \(documents.count) OpenSLO documents to \(path)")
        }
    }
}

/// Writing what an import produced: one file per outcome, the services, the kept documents.
enum InteropOutput {
    /// The definitions to export; errors stop the export.
    static func load(_ config: String) throws -> Catalog {
        let loaded = DefinitionLoader.load(paths: [config])
        guard loaded.errors.isEmpty else {
            for diagnostic in loaded.errors { FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8)) }
            throw ExitCode(1)
        }
        return loaded.catalog
    }

    static func finish(_ catalog: Catalog, diagnostics: [Diagnostic], out: String, force: Bool, keptFile: String) throws {
        for diagnostic in diagnostics { FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8)) }
        guard !diagnostics.contains(where: { $0.severity == .error }) else {
            FileHandle.standardError.write(Data("nothing written: fix the errors above\n".utf8))
            throw ExitCode(1)
        }
        var files: [(name: String, text: String)] = []
        for outcome in catalog.outcomes { files.append(("\(outcome.name).yaml", try DefinitionWriter.yaml(for: Catalog(outcomes: [outcome])))) }
        if !catalog.services.isEmpty { files.append(("services.yaml", try DefinitionWriter.yaml(for: Catalog(services: catalog.services)))) }
        if !catalog.foreignDocuments.isEmpty { files.append((keptFile, try DefinitionWriter.yaml(for: Catalog(foreignDocuments: catalog.foreignDocuments)))) }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let paths = files.map { ((out as NSString).appendingPathComponent($0.name), $0.text) }
        if !force, let existing = paths.first(where: { FileManager.default.fileExists(atPath: $0.0) }) {
            throw CommandFailure("\(existing.0) already exists (--force overwrites)")
        }
        for (path, text) in paths { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        let warnings = diagnostics.count { $0.severity == .warning }
        print("imported \(catalog.outcomes.count) outcomes, \(catalog.services.count) services, kept \(catalog.foreignDocuments.count) documents "
            + "(\(warnings) warning\(warnings == 1 ? "" : "s")) into \(out)")
    }
}
