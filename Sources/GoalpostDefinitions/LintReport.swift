import Foundation
import GoalpostModel

/// What `goalpost lint` prints: diagnostics as compiler-style lines or as one JSON document.
public struct LintReport: Sendable, Codable {
    /// Files checked.
    public var files: [String]
    /// Every finding, sorted by file and position.
    public var diagnostics: [Diagnostic]
    /// Counts of what loaded cleanly.
    public var outcomes: Int
    public var customers: Int
    public var services: Int

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }

    public init(_ result: DefinitionLoader.Result) {
        files = result.files
        diagnostics = result.diagnostics
        outcomes = result.catalog.outcomes.count
        customers = result.catalog.customers.count
        services = result.catalog.services.count
    }

    /// `path:line:column: error: text` lines, then the summary line.
    public var text: String {
        (diagnostics.map(\.description) + [summary]).joined(separator: "\n")
    }

    /// `7 files: 5 outcomes, 7 customers, 3 services; 0 errors, 0 warnings`.
    public var summary: String {
        "\(files.count) file\(files.count == 1 ? "" : "s"): \(outcomes) outcome\(outcomes == 1 ? "" : "s"), \(customers) customer\(customers == 1 ? "" : "s"), \(services) service\(services == 1 ? "" : "s"); \(errorCount) error\(errorCount == 1 ? "" : "s"), \(warningCount) warning\(warningCount == 1 ? "" : "s")"
    }

    /// `{"files":[...],"diagnostics":[{"file","line","column","severity","message"}],"errors":N,"warnings":N,...}`.
    public func json() throws -> String {
        struct Output: Encodable {
            var files: [String]
            var diagnostics: [Diagnostic]
            var errors: Int
            var warnings: Int
            var outcomes: Int
            var customers: Int
            var services: Int
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let output = Output(files: files, diagnostics: diagnostics, errors: errorCount, warnings: warningCount, outcomes: outcomes, customers: customers, services: services)
        return String(decoding: try encoder.encode(output), as: UTF8.self)
    }
}
