import Foundation
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostRuntime
import GoalpostTestSupport
import Testing

/// Which plans judge a deploy: named ones, the deployed commit's own, those in its history (a real git clone),
/// per environment; with none, the deploy's own description.
@Suite("Deploy plan matching", .serialized)
struct DeployPlanMatchingTests {
    func git(_ arguments: [String], in folder: URL) throws -> String {
        let result = try runCommand(URL(fileURLWithPath: "/usr/bin/env"), ["git", "-C", folder.path] + arguments)
        try #require(result.status == 0, "git \(arguments): \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A clone with three commits: the SSO change, an unrelated search change, the deploy's head.
    func repository() throws -> (folder: URL, sso: String, search: String, head: String) {
        let folder = try temporaryDirectory("goalpost-git")
        _ = try git(["init", "-q", "-b", "main"], in: folder)
        _ = try git(["config", "user.email", "ci@example.com"], in: folder)
        _ = try git(["config", "user.name", "CI"], in: folder)
        func commit(_ path: String, _ message: String) throws -> String {
            let file = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try "\(message)\n".write(to: file, atomically: true, encoding: .utf8)
            _ = try git(["add", path], in: folder)
            _ = try git(["commit", "-q", "-m", message], in: folder)
            return try git(["rev-parse", "HEAD"], in: folder)
        }
        let sso = try commit("services/auth/sso/jwt_validator.swift", "Rotate JWT signing keys\n\nMoves SSO token validation to the new key set.")
        let search = try commit("services/search/facets.swift", "Cache facet counts")
        let head = try commit("services/auth/README.md", "Document the key rotation")
        return (folder, sso, search, head)
    }

    static func verifications() throws -> DeployVerifications {
        DeployVerifications(catalog: try ChangePlanTests.catalog())
    }

    @Test("git: a range reads as a change (newest subject, every message, the files), and ancestry is what git says")
    func gitHistory() throws {
        let repo = try repository()
        defer { try? FileManager.default.removeItem(at: repo.folder) }
        let change = try GitHistory.change(range: "\(repo.sso)..\(repo.head)", in: repo.folder.path)
        #expect(change.title == "Document the key rotation")
        #expect(change.commit == repo.head)
        #expect(change.files == ["services/auth/README.md", "services/search/facets.swift"])
        #expect(change.description?.contains("Cache facet counts") == true)
        let first = try GitHistory.change(range: repo.sso, in: repo.folder.path)
        #expect(first.title == "Rotate JWT signing keys" && first.files == ["services/auth/sso/jwt_validator.swift"])
        #expect(first.description == "Moves SSO token validation to the new key set.")
        #expect(GitHistory.isAncestor(repo.sso, of: repo.head, in: repo.folder.path))
        #expect(!GitHistory.isAncestor(repo.head, of: repo.sso, in: repo.folder.path))
        #expect(!GitHistory.isAncestor("--exec=true", of: repo.head, in: repo.folder.path))
        #expect(throws: GitError.self) { try GitHistory.change(range: "nope..HEAD", in: repo.folder.path) }
    }

    @Test("a deploy is judged by the plans it names, by its commit's, and (with a clone) by those in its history, per environment")
    func matching() throws {
        let repo = try repository()
        defer { try? FileManager.default.removeItem(at: repo.folder) }
        var verifications = try Self.verifications()
        var symbols = SymbolTable()
        let engine = try EvaluationEngine(catalog: verifications.catalog, symbols: &symbols)
        let planner = ChangePlanner(catalog: verifications.catalog)
        let sso = planner.plan(ChangeRequest(title: "Rotate JWT signing keys", description: "Faster SSO sign-in.",
                                             files: ["services/auth/sso/jwt_validator.swift"], commit: repo.sso, environment: "production"))
        let search = planner.plan(ChangeRequest(title: "Cache facet counts", files: ["services/search/facets.swift"], commit: repo.search))
        verifications.plans = [sso.id: sso, search.id: search]
        let deploy = Deploy(service: "auth-api", version: "2.4.0", timeUnixNano: 0, title: "Release 2.4.0", commit: repo.head, environment: "production")

        // Without a clone only the deployed commit itself matches: here none, so the deploy's own plan.
        let own = verifications.plan(for: deploy, engine: engine, symbols: symbols)
        #expect(own.change.title == "Release 2.4.0")
        #expect(own.outcomes.map(\.outcome) == ["sign-in"])
        #expect(own.intendedEffects.isEmpty)

        // With the clone, both plans are in the deployed commit's history: their outcomes and effects join.
        let path = repo.folder.path
        verifications.isAncestor = { ancestor, descendant in GitHistory.isAncestor(ancestor, of: descendant, in: path) }
        let merged = verifications.plan(for: deploy, engine: engine, symbols: symbols)
        #expect(Set(merged.outcomes.map(\.outcome)) == ["sign-in", "search-availability"])
        #expect(merged.intendedEffects.map(\.outcome) == ["sign-in"])

        // A plan for production does not judge a staging deploy.
        var staging = deploy
        staging.environment = "staging"
        #expect(verifications.plan(for: staging, engine: engine, symbols: symbols).intendedEffects.isEmpty)

        // Named explicitly, a plan judges the deploy whatever the commits say.
        verifications.isAncestor = nil
        var named = deploy
        named.commit = nil
        named.plans = [search.id]
        let explicit = verifications.plan(for: named, engine: engine, symbols: symbols)
        #expect(explicit.id == search.id)
        #expect(Set(explicit.outcomes.map(\.outcome)) == ["search-availability", "sign-in"], "the deployed service's own outcomes are added")
    }

    @Test("each check runs once when it comes due; a deploy a day past its last check is not checked again")
    func schedule() throws {
        var verifications = try Self.verifications()
        var symbols = SymbolTable()
        let engine = try EvaluationEngine(catalog: verifications.catalog, symbols: &symbols)
        let minute: Int64 = 60_000_000_000
        let now: Int64 = 1_795_392_000_000_000_000
        let old = Deploy(service: "auth-api", version: "1.0.0", timeUnixNano: now - 5 * 1_440 * minute)
        let recent = Deploy(service: "checkout-api", version: "5.14.0", timeUnixNano: now - 15 * minute)
        func afters(_ made: [DeployVerifications.Made]) -> [String] { made.map { "\($0.check.deploy) \($0.check.after)" } }
        #expect(afters(verifications.update(deploys: [old, recent], engine: engine, symbols: symbols, incidents: [], now: now)) == ["checkout-api@5.14.0 10m"])
        #expect(verifications.update(deploys: [old, recent], engine: engine, symbols: symbols, incidents: [], now: now + minute).isEmpty)
        #expect(afters(verifications.update(deploys: [old, recent], engine: engine, symbols: symbols, incidents: [], now: now + 16 * minute)) == ["checkout-api@5.14.0 30m"])
        // With no traffic anywhere, nothing can be judged.
        #expect(verifications.update(deploys: [recent], engine: engine, symbols: symbols, incidents: [], now: now + 46 * minute).first?.check.verdict == .noData)
    }
}
