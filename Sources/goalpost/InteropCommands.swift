import ArgumentParser
import Foundation
import GoalpostDefinitions
import GoalpostModel

/// `goalpost import openslo|sloth`: other tools' SLO specifications into goalpost/v1 definitions.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert OpenSLO or Sloth specifications into goalpost/v1 definitions (docs/interop.md).",
        subcommands: [OpenSLOImport.self]
    )

    struct OpenSLOImport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "openslo",
            abstract: "Import OpenSLO v1 (and v1alpha, v2alpha) documents: SLOs become outcomes, Services services; the rest is kept for export."
        )

        @Argument(help: "OpenSLO files or folders (single documents, --- separated ones, YAML lists).")
        var paths: [String]

        @Option(help: "The folder to write the goalpost/v1 definitions to (created if missing).")
        var out: String

        @Flag(help: "Overwrite files that already exist in --out.")
        var force = false

        func run() throws {
            let result = OpenSLO.importFiles(paths)
            try InteropOutput.finish(result.catalog, diagnostics: result.diagnostics, out: out, force: force, keptFile: "openslo-kept.yaml")
        }
    }
}

/// `goalpost export openslo DIR`: definitions out as OpenSLO.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write definitions out for other tools (docs/interop.md).",
        subcommands: [OpenSLOExport.self]
    )

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
            let loaded = DefinitionLoader.load(paths: [config])
            guard loaded.errors.isEmpty else {
                for diagnostic in loaded.errors { FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8)) }
                throw ExitCode(1)
            }
            let documents = try OpenSLO.export(loaded.catalog)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let path = (out as NSString).appendingPathComponent("openslo.yaml")
            try OpenSLO.yaml(documents).write(toFile: path, atomically: true, encoding: .utf8)
            print("wrote \(documents.count) OpenSLO documents to \(path)")
        }
    }
}

/// Writing what an import produced: one file per outcome, the services, the kept documents.
enum InteropOutput {
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
