import Foundation
import GoalpostTestSupport
import Testing

/// `goalpost define`, `catalog` and `coverage` on the demo's telemetry, and the language-model fallback against a
/// local stand-in that checks the request's shape.
@Suite("Define, catalog and coverage", .serialized)
struct DefineCommandTests {
    func goalpost() throws -> URL {
        try #require(TestPaths.builtProduct("goalpost"), "build the goalpost product first (swift build --build-tests builds it)")
    }

    /// The SSO fault's day from 10:00 to 18:00 (the bad deploy at 14:05, the rollback at 15:35), with its files.
    func demoDay(in work: URL) throws -> String {
        let telemetry = work.appendingPathComponent("demo.jsonl").path
        let simulated = try runCommand(try goalpost(), ["simulate", "--out", telemetry, "--fault", "sso-deploy", "--start", "2026-11-16T10:00:00Z", "--duration", "8h"])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        return telemetry
    }

    func definitions(_ files: [String], plus extra: [URL] = [], in folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in files {
            try FileManager.default.copyItem(at: TestPaths.examples.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        for url in extra { try FileManager.default.copyItem(at: url, to: folder.appendingPathComponent(url.lastPathComponent)) }
        return folder
    }

    /// The customers each sign-in page named, from a backtest's JSON.
    func pagedCustomers(_ report: String, outcome: String) throws -> Set<String> {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        let incidents = json["incidents"] as? [[String: Any]] ?? []
        var customers = Set<String>()
        for incident in incidents where incident["outcome"] as? String == outcome && incident["severity"] as? String == "page" {
            customers.formUnion((incident["impact"] as? [String: Any])?["customers"] as? [String] ?? [])
        }
        return customers
    }

    @Test("on the demo's data, a sentence becomes a sign-in outcome that lint accepts and that pages for the same customers as the hand-written one")
    func demoSentence() throws {
        let work = try temporaryDirectory("goalpost-define")
        defer { try? FileManager.default.removeItem(at: work) }
        let telemetry = try demoDay(in: work)
        let draft = work.appendingPathComponent("sign-in-drafted.yaml")
        let defined = try runCommand(try goalpost(), [
            "define", "Every customer can sign in successfully 99.9% of the time", "--telemetry", telemetry, "--config", TestPaths.examples.path, "--out", draft.path,
        ])
        #expect(defined.status == 0, "\(defined.stderr)")
        #expect(defined.stderr.contains("# matched 'sign in' to auth-api /login and /sso/callback"), "\(defined.stderr)")
        let yaml = try String(contentsOf: draft, encoding: .utf8)
        #expect(yaml.contains("name: sign-in-2") && yaml.contains("operations: [/login, /sso/callback]") && yaml.contains("objective: 99.9%"), "\(yaml)")
        // Not over an existing file without --force.
        let again = try runCommand(try goalpost(), ["define", "Customers can sign in", "--telemetry", telemetry, "--out", draft.path])
        #expect(again.status != 0 && again.stderr.contains("the file exists"))

        // Lint accepts it beside the services and customers.
        let drafted = try definitions(["services.yaml", "customers.yaml"], plus: [draft], in: work.appendingPathComponent("drafted"))
        let lint = try runCommand(try goalpost(), ["lint", drafted.path])
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")

        // The backtest of the demo fault pages the same customers with either definition.
        let handWritten = try definitions(["services.yaml", "customers.yaml", "sign-in.yaml"], in: work.appendingPathComponent("hand"))
        func backtest(_ config: URL) throws -> String {
            let result = try runCommand(try goalpost(), ["backtest", "--config", config.path, "--telemetry", telemetry, "--customers", telemetry + ".customers.json",
                                                         "--format", "json", "--no-investigate", "--deploy-checks", "none"])
            try #require(result.status == 0, "\(result.stderr)")
            return result.stdout
        }
        let expected = try pagedCustomers(try backtest(handWritten), outcome: "sign-in")
        #expect(expected == ["acme", "globex", "initech", "soylent", "stark", "umbrella"])
        #expect(try pagedCustomers(try backtest(drafted), outcome: "sign-in-2") == expected)
    }

    @Test("catalog and coverage read recorded telemetry; coverage suggests outcomes for what none covers")
    func catalogAndCoverage() throws {
        let work = try temporaryDirectory("goalpost-coverage")
        defer { try? FileManager.default.removeItem(at: work) }
        let telemetry = try demoDay(in: work)
        let catalog = try runCommand(try goalpost(), ["catalog", "--telemetry", telemetry, "--format", "json"])
        #expect(catalog.status == 0, "\(catalog.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(catalog.stdout.utf8)) as? [String: Any])
        let operations = (json["operations"] as? [[String: Any]] ?? []).compactMap { operation -> String? in
            guard let service = operation["service"] as? String, let name = operation["operation"] as? String else { return nil }
            return "\(service) \(name)"
        }
        #expect(Set(operations) == ["auth-api /login", "auth-api /sso/callback", "checkout-api /checkout", "search-api /search"])
        let login = (json["operations"] as? [[String: Any]])?.first { $0["operation"] as? String == "/login" }
        let keys = (login?["attributes"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
        #expect(keys.contains("customer.id") && keys.contains("service.version"))

        // Only sign-in defined: checkout and search are gaps, each with an availability and a latency suggestion.
        let config = try definitions(["services.yaml", "customers.yaml", "sign-in.yaml"], in: work.appendingPathComponent("defs"))
        let coverage = try runCommand(try goalpost(), ["coverage", "--telemetry", telemetry, "--config", config.path, "--format", "json"])
        #expect(coverage.status == 0, "\(coverage.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(coverage.stdout.utf8)) as? [String: Any])
        let gaps = report["gaps"] as? [[String: Any]] ?? []
        #expect(Set(gaps.compactMap { $0["service"] as? String }) == ["checkout-api", "search-api"])
        #expect(gaps.allSatisfy { ($0["suggestions"] as? [String])?.count == 2 })
        #expect((report["covered"] as? [String: [String]])?["auth-api /login"] == ["sign-in"])
        // Each suggestion is a definition lint accepts.
        for (index, suggestion) in gaps.flatMap({ $0["suggestions"] as? [String] ?? [] }).enumerated() {
            try suggestion.write(to: config.appendingPathComponent("suggested-\(index).yaml"), atomically: true, encoding: .utf8)
        }
        let lint = try runCommand(try goalpost(), ["lint", config.path])
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
    }

    @Test("a sentence the grammar cannot read goes to the configured language model with the catalog; its draft is linted; a bad one is refused")
    func languageModel() throws {
        let work = try temporaryDirectory("goalpost-llm")
        defer { try? FileManager.default.removeItem(at: work) }
        let telemetry = try demoDay(in: work)
        let answer = work.appendingPathComponent("answer.yaml")
        try """
        apiVersion: goalpost/v1
        kind: Outcome
        metadata: {name: nobody-locked-out}
        spec:
          statement: Make sure people are never locked out of their accounts.
          indicator: {source: traces, service: auth-api, operations: [/login, /sso/callback]}
          objective: 99.9%
        """.write(to: answer, atomically: true, encoding: .utf8)
        let log = work.appendingPathComponent("llm.jsonl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestPaths.repositoryRoot.appendingPathComponent("scripts/testing/fake_llm.py").path, log.path, answer.path]
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            process.terminate()
        }
        let port = try #require(Int(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let sentence = "Make sure people are never locked out of their accounts"

        // Without an endpoint the grammar's refusal stands.
        let refused = try runCommand(try goalpost(), ["define", sentence, "--telemetry", telemetry])
        #expect(refused.status != 0 && refused.stderr.contains("nothing in the telemetry matches"), "\(refused.stderr)")

        let defined = try runCommand(try goalpost(), ["define", sentence, "--telemetry", telemetry, "--llm-url", "http://127.0.0.1:\(port)/v1",
                                                      "--llm-model", "test-model", "--format", "json"],
                                     environment: ["GOALPOST_LLM_KEY": "sk-test"])
        #expect(defined.status == 0, "\(defined.stderr)")
        let draft = try #require(try JSONSerialization.jsonObject(with: Data(defined.stdout.utf8)) as? [String: Any])
        #expect(draft["drafter"] as? String == "llm")
        #expect(draft["name"] as? String == "nobody-locked-out")
        #expect(draft["operations"] as? [String] == ["/login", "/sso/callback"])
        #expect((draft["warnings"] as? [String])?.contains { $0.contains("drafted by a language model") } == true)

        // What the stand-in received: the published request shape, the key, the sentence and the catalog.
        let records = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(records.count == 1)
        #expect((records.first?["problems"] as? [Any])?.isEmpty == true, "\(records)")
        #expect((records.first?["headers"] as? [String: String])?["Authorization"] == "Bearer sk-test")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(((records.first?["body"] as? String) ?? "").utf8)) as? [String: Any])
        #expect(body["model"] as? String == "test-model")
        let user = ((body["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
        #expect(user.contains("Sentence: \(sentence)") && user.contains("service=auth-api operation=/login"), "\(user)")

        // A draft that measures telemetry that does not exist is refused, not used.
        try """
        apiVersion: goalpost/v1
        kind: Outcome
        metadata: {name: invented}
        spec:
          statement: x
          indicator: {source: traces, service: accounts-api, operations: [/unlock]}
          objective: 99.9%
        """.write(to: answer, atomically: true, encoding: .utf8)
        let invented = try runCommand(try goalpost(), ["define", sentence, "--telemetry", telemetry, "--llm-url", "http://127.0.0.1:\(port)/v1"],
                                      environment: ["GOALPOST_LLM_KEY": "sk-test"])
        #expect(invented.status != 0 && invented.stderr.contains("which the telemetry does not have"), "\(invented.stderr)")
        try "kind: Outcome\nspec: {}\n".write(to: answer, atomically: true, encoding: .utf8)
        let broken = try runCommand(try goalpost(), ["define", sentence, "--telemetry", telemetry, "--llm-url", "http://127.0.0.1:\(port)/v1"],
                                    environment: ["GOALPOST_LLM_KEY": "sk-test"])
        #expect(broken.status != 0 && broken.stderr.contains("does not pass lint"), "\(broken.stderr)")
    }
}
