import Foundation
import GoalpostDefinitions
import GoalpostModel
import Testing

/// The `validate/good` and `validate/bad` corpora: every bad file names the diagnostics it must produce
/// in `# expect:` lines (line:column: severity: message, positions in the file itself).
struct ValidationCorpusTests {
    static let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("validate")

    static func files(_ folder: String) -> [String] {
        let directory = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// The `# expect:` (or `# expect-warning:`) lines of a fixture, with `FILE` standing for its own path.
    static func expectations(_ path: String, marker: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("# \(marker): ") else { return nil }
            return String(line.dropFirst(marker.count + 4)).replacingOccurrences(of: "FILE", with: path)
        }
    }

    static let badFiles = files("bad")
    static let goodFiles = files("good")

    @Test("the bad corpus has at least 40 cases, so none can vanish unnoticed")
    func badCorpusSize() {
        #expect(Self.badFiles.count >= 40)
        #expect(Self.goodFiles.count >= 6)
    }

    @Test("each bad definition fails with exactly the expected file:line:column message", arguments: badFiles)
    func badDefinition(name: String) throws {
        let path = Self.root.appendingPathComponent("bad").appendingPathComponent(name).path
        let expected = try Self.expectations(path, marker: "expect")
        #expect(!expected.isEmpty, "\(name) has no '# expect:' line")
        let result = DefinitionLoader.load(paths: [path])
        let errors = result.errors.map { "\($0.line):\($0.column): \($0.severity.rawValue): \($0.message)" }
        #expect(errors.sorted() == expected.sorted())
        // The printed form starts with the path, so editors can jump to it.
        #expect(result.errors.allSatisfy { $0.description.hasPrefix("\(path):\($0.line):\($0.column): error: ") })
    }

    @Test("each good definition loads with no error and only the warnings it declares", arguments: goodFiles)
    func goodDefinition(name: String) throws {
        let path = Self.root.appendingPathComponent("good").appendingPathComponent(name).path
        let result = DefinitionLoader.load(paths: [path])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let warnings = result.warnings.map { "\($0.line):\($0.column): \($0.severity.rawValue): \($0.message)" }
        #expect(warnings.sorted() == (try Self.expectations(path, marker: "expect-warning")).sorted())
        #expect(result.catalog.outcomes.count + result.catalog.customers.count + result.catalog.services.count > 0)
    }

    @Test("a whole folder reports problems from several files, sorted by file and position")
    func folderAggregatesDiagnostics() {
        let result = DefinitionLoader.load(paths: [Self.root.appendingPathComponent("bad").path])
        let files = Set(result.errors.map(\.file))
        #expect(files.count == Self.badFiles.count)
        let keys = result.diagnostics.map { [$0.file, String(format: "%06d", $0.line), String(format: "%06d", $0.column)].joined(separator: ":") }
        #expect(keys == keys.sorted())
    }

    @Test("a missing path is an error naming it")
    func missingPath() {
        let result = DefinitionLoader.load(paths: ["/nonexistent/outcomes"])
        #expect(result.errors.map(\.description) == ["/nonexistent/outcomes:1:1: error: no such file or folder"])
    }

    @Test("bytes that are not UTF-8 are reported with their offset")
    func invalidUTF8() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-\(UUID().uuidString).yaml")
        try Data([0x6B, 0x69, 0x6E, 0x64, 0x3A, 0x20, 0xC3, 0x28]).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let result = DefinitionLoader.load(paths: [url.path])
        #expect(result.errors.map(\.message) == ["not UTF-8 text (invalid byte at offset 6)"])
    }
}
