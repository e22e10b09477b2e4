import ArgumentParser
import Foundation
import GoalpostDefinitions

/// `goalpost lint DIR...`: validates outcome definitions and prints every problem with its file:line:column.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check outcome, customer and service definitions; exit 1 on any error."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Files or folders of goalpost/v1 YAML definitions.")
    var paths: [String] = ["outcomes"]

    @Option(help: "Output format: text (file:line:column lines) or json.")
    var format: Format = .text

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    func run() throws {
        let result = DefinitionLoader.load(paths: paths)
        let report = LintReport(result)
        switch format {
        case .text:
            let stream = report.diagnostics.isEmpty ? FileHandle.standardOutput : FileHandle.standardError
            // Diagnostics go to stderr like a compiler's; the summary line goes to stdout.
            for diagnostic in report.diagnostics { stream.write(Data((diagnostic.description + "\n").utf8)) }
            print(report.summary)
        case .json:
            print(try report.json())
        }
        if report.errorCount > 0 || (strict && report.warningCount > 0) {
            throw ExitCode(1)
        }
    }
}
