import Foundation
import GoalpostTestSupport
import Testing

/// `goalpost import` and `goalpost export` as a user runs them, with the real `promtool` checking the rules.
struct InteropCommandTests {
    func goalpost() throws -> URL {
        try #require(TestPaths.builtProduct("goalpost"), "build the goalpost product first (swift build --build-tests builds it)")
    }

    func promtool() throws -> URL {
        let path = try #require(["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                "promtool is missing (scripts/test installs Debian's prometheus package)")
        return URL(fileURLWithPath: path)
    }

    @Test("import openslo → lint → export openslo → import gives the same definitions, byte for byte")
    func openSLORoundTrip() throws {
        let folder = try temporaryDirectory("goalpost-interop")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = folder.appendingPathComponent("first").path, exported = folder.appendingPathComponent("exported").path
        let second = folder.appendingPathComponent("second").path
        let imported = try runCommand(try goalpost(), ["import", "openslo", TestPaths.interop.appendingPathComponent("openslo").path, "--out", first])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 5 outcomes, 1 services, kept 14 documents"), "\(imported.stdout)")
        let lint = try runCommand(try goalpost(), ["lint", first])
        #expect(lint.status == 0, "\(lint.stderr)")
        #expect(try runCommand(try goalpost(), ["export", "openslo", exported, "--config", first]).status == 0)
        #expect(try runCommand(try goalpost(), ["import", "openslo", exported, "--out", second]).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: first).sorted()
        #expect(try FileManager.default.contentsOfDirectory(atPath: second).sorted() == names)
        for name in names {
            #expect(FileManager.default.contents(atPath: "\(first)/\(name)") == FileManager.default.contents(atPath: "\(second)/\(name)"), "\(name)")
        }
        // Importing again into the same folder refuses to overwrite.
        let again = try runCommand(try goalpost(), ["import", "openslo", TestPaths.interop.appendingPathComponent("openslo").path, "--out", first])
        #expect(again.status != 0 && again.stderr.contains("already exists (--force overwrites)"))
    }

    @Test("an OpenSLO file with an error is named with file:line:column and nothing is written")
    func importError() throws {
        let folder = try temporaryDirectory("goalpost-interop")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yaml")
        try "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  objectives: []\n".write(to: file, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out").path
        let result = try runCommand(try goalpost(), ["import", "openslo", file.path, "--out", out])
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.yaml:5:15: error: SLO 'x': spec.objectives: at least one objective is required"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("rules exported for the Sloth examples and the PromQL example pass promtool check rules")
    func promtoolCheck() throws {
        let folder = try temporaryDirectory("goalpost-rules")
        defer { try? FileManager.default.removeItem(at: folder) }
        let definitions = folder.appendingPathComponent("defs").path
        let sloth = TestPaths.interop.appendingPathComponent("sloth")
        let imported = try runCommand(try goalpost(), [
            "import", "sloth", sloth.appendingPathComponent("getting-started.yml").path, sloth.appendingPathComponent("home-wifi.yml").path, "--out", definitions,
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        try FileManager.default.copyItem(atPath: TestPaths.examples.appendingPathComponent("api-availability-prometheus.yaml").path, toPath: definitions + "/api.yaml")
        let rules = folder.appendingPathComponent("rules.yml").path
        let export = try runCommand(try goalpost(), ["export", "prometheus-rules", rules, "--config", definitions])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("wrote the rules of 4 outcomes"), "\(export.stdout)")
        let check = try runCommand(try promtool(), ["check", "rules", rules])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        // 17 for each Sloth SLO (8 windows, 7 meta, page and ticket), 15 for the API (its 3 rules have 5 windows, and the period).
        #expect(check.stdout.contains("SUCCESS: 66 rules found"), "\(check.stdout)")
    }

    @Test("promtool test rules: the page alert fires for one customer's error burst, not for another's trickle")
    func promtoolUnitTest() throws {
        let folder = try temporaryDirectory("goalpost-rules")
        defer { try? FileManager.default.removeItem(at: folder) }
        let definitions = folder.appendingPathComponent("defs")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        try """
        apiVersion: goalpost/v1
        kind: Outcome
        metadata: {name: api}
        spec:
          statement: The API answers without a server error 99.9% of the time, for every customer.
          indicator:
            source: prometheus
            prometheus:
              bad: sum by (customer_id) (rate(http_requests_total{code=~"5.."}[{{.window}}]))
              total: sum by (customer_id) (rate(http_requests_total[{{.window}}]))
          objective: 99.9%
          customers: {attribute: customer_id}
        """.write(to: definitions.appendingPathComponent("api.yaml"), atomically: true, encoding: .utf8)
        let rules = folder.appendingPathComponent("rules.yml").path
        let export = try runCommand(try goalpost(), ["export", "prometheus-rules", rules, "--config", definitions.path])
        #expect(export.status == 0, "\(export.stderr)")
        // acme: 100 good a minute; from minute 60, 20 failures a minute too (17% errors, 116 times the budget).
        // globex: 100 good a minute and 0.05 failures a minute (0.05%: half the budget), all along.
        try """
        rule_files: [rules.yml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
              - series: 'http_requests_total{customer_id="acme",code="200"}'
                values: '0+100x150'
              - series: 'http_requests_total{customer_id="acme",code="500"}'
                values: '0+0x60 0+20x90'
              - series: 'http_requests_total{customer_id="globex",code="200"}'
                values: '0+100x150'
              - series: 'http_requests_total{customer_id="globex",code="500"}'
                values: '0+0.05x150'
            alert_rule_test:
              - eval_time: 50m
                alertname: GoalpostOutcomeBurnRate
                exp_alerts: []
              - eval_time: 75m
                alertname: GoalpostOutcomeBurnRate
                exp_alerts:
                  - exp_labels: {customer_id: acme, goalpost_outcome: api, severity: page, goalpost_severity: page}
                    exp_annotations:
                      summary: api SLO error budget burn rate is over expected.
                      title: (page) api SLO error budget burn rate is too fast.
                  - exp_labels: {customer_id: acme, goalpost_outcome: api, severity: ticket, goalpost_severity: ticket}
                    exp_annotations:
                      summary: api SLO error budget burn rate is over expected.
                      title: (ticket) api SLO error budget burn rate is too fast.
        """.write(to: folder.appendingPathComponent("test.yml"), atomically: true, encoding: .utf8)
        let test = try runCommand(try promtool(), ["test", "rules", folder.appendingPathComponent("test.yml").path])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("SUCCESS"), "\(test.stdout)")
    }
}
