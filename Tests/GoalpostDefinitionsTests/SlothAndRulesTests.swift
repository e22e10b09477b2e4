import Foundation
import GoalpostDefinitions
import GoalpostModel
import GoalpostTestSupport
import Testing

/// Sloth specs in, and Prometheus rules out that say what Sloth's own rules say.
struct SlothAndRulesTests {
    static let specs = ["getting-started.yml", "home-wifi.yml"]
    static func spec(_ name: String) -> String { TestPaths.interop.appendingPathComponent("sloth/\(name)").path }

    @Test("each Sloth example imports without error and round-trips through goalpost/v1 and a Sloth export", arguments: SlothAndRulesTests.specs)
    func roundTrip(_ name: String) throws {
        let imported = Sloth.importFiles([Self.spec(name)])
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        let loaded = DefinitionLoader.load(sources: [("imported.yaml", try DefinitionWriter.yaml(for: imported.catalog))])
        #expect(loaded.errors.isEmpty && loaded.catalog == imported.catalog, "\(loaded.errors)")
        let (documents, skipped) = Sloth.export(loaded.catalog)
        #expect(skipped.isEmpty)
        // Unchanged in Goalpost, so the spec comes back as written.
        let original = try DocumentValue.documents(yaml: String(contentsOfFile: Self.spec(name), encoding: .utf8))
        #expect(documents == original)
        let again = Sloth.convert(sources: [("exported.yaml", try OpenSLO.yaml(documents))])
        #expect(again.catalog == imported.catalog)
    }

    @Test("a Sloth SLO becomes a PromQL outcome: error and total queries, objective, 30 days, Sloth's four alert windows")
    func mapping() throws {
        let catalog = Sloth.importFiles([Self.spec("getting-started.yml")]).catalog
        let outcome = try #require(catalog.outcome(named: "myservice-requests-availability"))
        #expect(outcome.objective == 0.999)
        #expect(outcome.indicator.prometheus?.bad == #"sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))"#)
        #expect(outcome.window == .rolling(.days(30)))
        // Sloth's burn factors for 30 days: 2% in 1 h = 14.4, 5% in 6 h = 6, 10% in 1 d = 3, 10% in 3 d = 1.
        #expect(outcome.alerting.rules.map { ($0.threshold(forWindow: .days(30)) * 1e9).rounded() / 1e9 } == [14.4, 6, 3, 1])
        #expect(outcome.labels["owner"] == "myteam" && outcome.owner == "myteam")
    }

    @Test("the Kubernetes form and custom AlertWindows")
    func kubernetesAndWindows() throws {
        let text = """
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata: {name: k8s-api, namespace: monitoring}
        spec:
          service: k8s-api
          slos:
            - name: requests
              objective: 99.5
              sli:
                events:
                  errorQuery: sum(rate(apiserver_request_total{code=~"5.."}[{{.window}}]))
                  totalQuery: sum(rate(apiserver_request_total[{{.window}}]))
              alerting:
                name: K8sApiErrors
                pageAlert: {labels: {team: platform}}
                ticketAlert: {disable: true}
        ---
        apiVersion: sloth.slok.dev/v1
        kind: AlertWindows
        spec:
          sloPeriod: 28d
          page:
            quick: {errorBudgetPercent: 8, shortWindow: 5m, longWindow: 1h}
            slow: {errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h}
          ticket:
            quick: {errorBudgetPercent: 20, shortWindow: 2h, longWindow: 1d}
            slow: {errorBudgetPercent: 42, shortWindow: 6h, longWindow: 3d}
        """
        let result = Sloth.convert(sources: [("k8s.yaml", text)])
        #expect(result.errors.isEmpty, "\(result.errors)")
        let outcome = try #require(result.catalog.outcomes.first)
        #expect(outcome.name == "k8s-api-requests")
        #expect(outcome.window == .rolling(.days(28)))
        // The ticket alert is disabled; the page windows are the custom ones.
        #expect(outcome.alerting.rules.map(\.severity) == [.page, .page])
        #expect(outcome.alerting.rules.map(\.budgetConsumed) == [0.08, 0.125])
        let rules = try PrometheusRules.export(result.catalog).yaml
        #expect(rules.contains("alert: K8sApiErrors") && rules.contains("team: platform") && !rules.contains("goalpost_severity: ticket"))
    }

    @Test("an outcome whose queries are cumulative counters gets no rules, with the reason; its windowed form gets them")
    func counterOutcomeSkipped() throws {
        let counter = Outcome(name: "web", statement: "Web requests succeed.",
                              indicator: Indicator(source: .prometheus, prometheus: PrometheusIndicator(good: "sum(http_requests{code=~\"2xx\"})", total: "sum(http_requests)", counter: true)),
                              objective: 0.995)
        var windowed = counter
        windowed.name = "web-windowed"
        windowed.indicator.prometheus = PrometheusIndicator(good: "sum(increase(http_requests{code=~\"2xx\"}[{{.window}}]))", total: "sum(increase(http_requests[{{.window}}]))")
        let export = try PrometheusRules.export(Catalog(outcomes: [counter, windowed]))
        #expect(export.outcomes == 1)
        #expect(export.skipped.map(\.outcome) == ["web"])
        #expect(export.skipped.first?.reason.contains("counter: true") == true)
        #expect(!export.yaml.contains("sum(http_requests)") && export.yaml.contains("sum(increase(http_requests[1h]))"))
    }

    @Test("a spec that cannot be imported is named with its place")
    func errors() {
        let result = Sloth.convert(sources: [("bad.yml", "version: prometheus/v1\nservice: svc\nslos:\n  - name: a\n    objective: 120\n    sli: {events: {error_query: x, total_query: y}}\n---\nversion: prometheus/v2\n")])
        #expect(result.errors.map(\.description) == [
            "bad.yml:8:1: error: not a Sloth spec: expected version: prometheus/v1, or apiVersion: sloth.slok.dev/v1 with kind PrometheusServiceLevel or AlertWindows",
            "bad.yml:5:16: error: slos[0].objective: a percentage between 0 and 100 is required",
        ])
    }

    // MARK: Rules against Sloth's own

    /// Rule expressions with the naming taken out: Sloth's `slo:` and `sloth_*` labels, Goalpost's `goalpost:`
    /// and `goalpost_*`, and whitespace.
    static func normalize(_ expression: String) -> String {
        var text = expression.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let replacements: [(String, String)] = [
            (#"\{sloth_id="[^"]*", sloth_service="[^"]*", sloth_slo="[^"]*"\}"#, "{SLO}"), (#"\{goalpost_outcome="[^"]*"\}"#, "{SLO}"),
            (#"on\(sloth_id, sloth_slo, sloth_service\)"#, "on(SLO)"), (#"on\(goalpost_outcome\)"#, "on(SLO)"),
            (#"\bslo:"#, "P:"), (#"\bgoalpost:"#, "P:"), ("sloth_window", "WINDOW"), ("goalpost_window", "WINDOW"),
            (#"\(([0-9.]+) \* [0-9.e-]+\)"#, "($1 * BUDGET)"),
        ]
        for (pattern, template) in replacements {
            text = text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        return text
    }

    /// The budgets in an alert's `(factor * budget)` terms.
    static func budgets(_ expression: String) -> [Double] {
        let regex = try? NSRegularExpression(pattern: #"\([0-9.]+ \* ([0-9.e-]+)\)"#)
        let range = NSRange(expression.startIndex..., in: expression)
        return (regex?.matches(in: expression, range: range) ?? []).compactMap { match in
            Range(match.range(at: 1), in: expression).flatMap { Double(expression[$0]) }
        }
    }

    /// Rules by SLO id (from the group's name: `sloth-slo-alerts-ID`, `goalpost-alerts-ID`…): recordings by name,
    /// alerts by Sloth/Goalpost severity.
    static func rules(_ yaml: String, idLabel: String, severityLabel: String) throws -> [String: [String: DocumentValue]] {
        var byID: [String: [String: DocumentValue]] = [:]
        let prefixes = ["sloth-slo-sli-recordings-", "sloth-slo-meta-recordings-", "sloth-slo-alerts-",
                        "goalpost-sli-recordings-", "goalpost-meta-recordings-", "goalpost-alerts-"]
        for group in try DocumentValue.documents(yaml: yaml).first?["groups"]?.list ?? [] {
            let groupName = group["name"]?.string ?? ""
            guard let prefix = prefixes.first(where: { groupName.hasPrefix($0) }) else { continue }
            let id = String(groupName.dropFirst(prefix.count))
            for rule in group["rules"]?.list ?? [] {
                if let labelled = rule["labels"]?[idLabel]?.string { #expect(labelled == id) }
                let key: String
                if let record = rule["record"]?.string {
                    key = record.replacingOccurrences(of: "slo:", with: "P:").replacingOccurrences(of: "goalpost:", with: "P:")
                } else {
                    key = "alert/" + (rule["labels"]?[severityLabel]?.string ?? "?")
                }
                byID[id, default: [:]][key] = rule
            }
        }
        return byID
    }

    @Test("the rules for the Sloth examples say what Sloth's own rules say: same windows, thresholds and expressions, up to naming",
          arguments: SlothAndRulesTests.specs)
    func sameAsSloth(_ name: String) throws {
        let catalog = Sloth.importFiles([Self.spec(name)]).catalog
        let ours = try Self.rules(try PrometheusRules.export(catalog).yaml, idLabel: "goalpost_outcome", severityLabel: "goalpost_severity")
        let sloth = try Self.rules(try String(contentsOfFile: TestPaths.interop.appendingPathComponent("sloth/gen/\(name)").path, encoding: .utf8),
                                   idLabel: "sloth_id", severityLabel: "sloth_severity")
        #expect(Set(ours.keys) == Set(sloth.keys) && !sloth.isEmpty)
        #expect(sloth.values.allSatisfy { $0.count == 17 })  // 8 windows, 6 meta recordings, the info series, page and ticket alerts.
        for (id, slothRules) in sloth {
            let mine = try #require(ours[id])
            // Deliberate differences (docs/interop.md): Sloth's info series is goalpost_outcome_info.
            #expect(Set(mine.keys.filter { $0 != "goalpost_outcome_info" }) == Set(slothRules.keys.filter { $0 != "sloth_slo_info" }), "\(id)")
            for (key, theirs) in slothRules where key != "sloth_slo_info" {
                guard let rule = mine[key] else { continue }
                let theirExpression = theirs["expr"]?.string ?? "", myExpression = rule["expr"]?.string ?? ""
                #expect(!theirExpression.isEmpty && !myExpression.isEmpty, "\(id) \(key)")
                if key == "P:objective:ratio" || key == "P:error_budget:ratio" {
                    // vector(0.9990000000000001) against vector(0.999): the same objective, Goalpost's rounded.
                    func value(_ text: String) -> Double? {
                        let inner = text.dropFirst("vector(".count).dropLast()
                        if inner.hasPrefix("1-") { return Double(inner.dropFirst(2)).map { 1 - $0 } }
                        return Double(inner)
                    }
                    #expect(abs((value(theirExpression) ?? 0) - (value(myExpression) ?? 1)) < 1e-12, "\(id) \(key)")
                    continue
                }
                #expect(Self.normalize(myExpression) == Self.normalize(theirExpression), "\(id) \(key)")
                #expect(rule["labels"]?["goalpost_window"] == theirs["labels"]?["sloth_window"], "\(id) \(key)")
                if key.hasPrefix("alert/") {
                    #expect(zip(Self.budgets(myExpression), Self.budgets(theirExpression)).allSatisfy { abs($0 - $1) < 1e-12 })
                    #expect(Self.budgets(myExpression).count == Self.budgets(theirExpression).count && !Self.budgets(myExpression).isEmpty)
                    #expect(rule["alert"] == theirs["alert"])
                    func userLabels(_ value: DocumentValue?, drop: String) -> [String: String] {
                        (value?.pairs ?? []).filter { $0.key != drop }.reduce(into: [:]) { $0[$1.key] = $1.value.string }
                    }
                    #expect(userLabels(rule["labels"], drop: "goalpost_severity") == userLabels(theirs["labels"], drop: "sloth_severity"))
                    for annotation in ["summary", "title"] {
                        func named(_ value: DocumentValue?) -> String {
                            (value?.string ?? "").replacingOccurrences(of: "{{$labels.sloth_service}} {{$labels.sloth_slo}}", with: "{{SLO}}")
                                .replacingOccurrences(of: "{{$labels.goalpost_outcome}}", with: "{{SLO}}")
                        }
                        #expect(named(rule["annotations"]?[annotation]) == named(theirs["annotations"]?[annotation]), "\(id) \(key) \(annotation)")
                    }
                }
            }
        }
    }
}
