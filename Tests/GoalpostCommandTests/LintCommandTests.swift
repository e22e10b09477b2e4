import Foundation
import GoalpostTestSupport
import Testing

/// The `goalpost` binary as a user runs it.
struct LintCommandTests {
    func goalpost() throws -> URL {
        try #require(TestPaths.builtProduct("goalpost"), "build the goalpost product first (swift build --build-tests builds it)")
    }

    @Test("lint of the examples exits 0 and says what it found")
    func examplesPass() throws {
        let result = try runCommand(try goalpost(), ["lint", TestPaths.examples.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("5 outcomes, 7 customers, 3 services; 0 errors, 0 warnings"))
    }

    @Test("lint of a bad file exits 1 and prints file:line:column on stderr")
    func badFileFails() throws {
        let file = TestPaths.repositoryRoot.appendingPathComponent("Tests/GoalpostDefinitionsTests/Fixtures/validate/bad/objective-percent-without-sign.yaml").path
        let result = try runCommand(try goalpost(), ["lint", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):10:14: error: spec.objective: 99.9 is not between 0 and 1 (did you mean 99.9%?)"))
    }

    @Test("--format json prints one valid JSON document with every diagnostic")
    func jsonFormat() throws {
        let folder = TestPaths.repositoryRoot.appendingPathComponent("Tests/GoalpostDefinitionsTests/Fixtures/validate/bad").path
        let result = try runCommand(try goalpost(), ["lint", "--format", "json", folder])
        #expect(result.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect((object["errors"] as? Int ?? 0) >= 40)
        #expect(diagnostics.allSatisfy { $0["file"] is String && $0["line"] is Int && $0["column"] is Int && $0["message"] is String })
    }

    @Test("--help lists every command with a summary")
    func help() throws {
        let result = try runCommand(try goalpost(), ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("lint"))
        #expect(result.stdout.contains("Check outcome, customer and service definitions"))
    }
}
