import Foundation
import GoalpostDefinitions
import GoalpostModel
import GoalpostTestSupport
import Testing

/// OpenSLO in and out: other projects' files import, round-trip without loss, and what cannot be imported is
/// named with its place.
struct OpenSLOTests {
    static var interopFiles: [String] {
        let folder = TestPaths.interop.appendingPathComponent("openslo").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
            .map { (folder as NSString).appendingPathComponent($0) }
    }

    /// Imports, writes goalpost/v1 the way `goalpost import` does, and loads it back as a definitions folder would be.
    static func importAndLoad(_ paths: [String]) throws -> (catalog: Catalog, diagnostics: [Diagnostic]) {
        let imported = OpenSLO.importFiles(paths)
        #expect(imported.errors.isEmpty, "\(imported.errors)")
        let yaml = try DefinitionWriter.yaml(for: imported.catalog)
        let loaded = DefinitionLoader.load(sources: [("imported.yaml", yaml)])
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(loaded.catalog == imported.catalog)
        return (loaded.catalog, imported.diagnostics)
    }

    @Test("the interop corpus is there (../shared/interop/openslo)")
    func corpusPresent() {
        #expect(Self.interopFiles.count >= 10)
    }

    @Test("each OpenSLO file of the interop corpus imports without error, and import → export → import is lossless",
          arguments: OpenSLOTests.interopFiles)
    func roundTrip(_ path: String) throws {
        let first = try Self.importAndLoad([path])
        let read = OpenSLO.read(sources: [(path, try String(contentsOfFile: path, encoding: .utf8))])
        #expect(read.diagnostics.isEmpty)
        #expect(first.catalog.outcomes.count + first.catalog.services.count + first.catalog.foreignDocuments.count >= read.documents.count)

        let exported = try OpenSLO.export(first.catalog)
        // Nothing changed in Goalpost, so every original document comes back exactly as it was read.
        for document in read.documents {
            #expect(exported.contains(document.value), "\(document.kind) '\(document.name)' did not come back as written")
        }
        #expect(exported.count == read.documents.count)

        let folder = try temporaryDirectory("goalpost-openslo")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("openslo.yaml").path
        try OpenSLO.yaml(exported).write(toFile: file, atomically: true, encoding: .utf8)
        let second = try Self.importAndLoad([file])
        #expect(second.catalog == first.catalog)
    }

    @Test("the whole corpus at once: SLIs referenced by name resolve, data sources give Prometheus URLs, duplicates are kept")
    func wholeCorpus() throws {
        let (catalog, diagnostics) = try Self.importAndLoad(Self.interopFiles)
        let web = try #require(catalog.outcome(named: "web-availability"))
        #expect(web.indicator.source == .prometheus)
        #expect(web.indicator.prometheus?.total == #"sum(http_requests{k8s_cluster="prod",component="web"})"#)
        #expect(web.objective == 0.995)
        #expect(web.window == .calendar(.week, timeZone: "America/New_York"))
        #expect(web.budgeting == .timeslices(slice: .minutes(1), threshold: 0.95))
        #expect(web.labels == ["env": "prod", "team": "team-a,team-b"])
        // Two objectives become two outcomes of the same SLO.
        let split = catalog.outcomes.filter { $0.origin?.document["metadata"]?["name"]?.string == "service-availability" }
        #expect(split.map(\.name) == ["service-availability-internal-objective", "service-availability-sla"])
        #expect(split.map(\.objective) == [0.995, 0.99])
        // What Goalpost cannot evaluate is a warning, not an error, naming the file and the objective's place.
        let thresholds = diagnostics.filter { $0.message.contains("threshold metric") }
        #expect(thresholds.contains { $0.file.hasSuffix("openslo-occurences-slo.yaml") && $0.line == 25 && $0.column == 7 && $0.severity == .warning },
                "\(thresholds)")
        // The second 'example-service' (dev) is kept as written instead of clashing with the first.
        #expect(catalog.services.map(\.name) == ["example-service"])
        #expect(catalog.foreignDocuments.contains { $0.kind == "Service" && $0.name == "example-service" })
        #expect(Set(catalog.foreignDocuments.map(\.kind)) == ["SLI", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource", "Service"])
    }

    @Test("ratioMetric.counter: true is carried onto the PromQL indicator, written to goalpost/v1, and given back on export; a change to it goes out over the original")
    func counterFlag() throws {
        let path = try #require(Self.interopFiles.first { $0.hasSuffix("go-sdk-v1-slos.yaml") })
        var catalog = try Self.importAndLoad([path]).catalog
        let index = try #require(catalog.outcomes.firstIndex { $0.name == "web-availability" })
        // The corpus's query is a cumulative counter: sum(http_requests{…}) with counter: true.
        #expect(catalog.outcomes[index].indicator.prometheus?.counter == true)
        #expect(try DefinitionWriter.yaml(for: catalog.outcomes[index]).contains("counter: true"))
        let ratio = { (documents: [DocumentValue]) in
            documents.first { $0["metadata"]?["name"]?.string == "web-availability" }?["spec"]?["indicator"]?["spec"]?["ratioMetric"]
        }
        #expect(ratio(try OpenSLO.export(catalog))?["counter"] == .bool(true))

        // Turned off in Goalpost (the queries rewritten as increases), it goes out as counter: false and comes back so.
        catalog.outcomes[index].indicator.prometheus?.counter = false
        let exported = try OpenSLO.export(catalog)
        #expect(ratio(exported)?["counter"] == .bool(false))
        let again = OpenSLO.convert(OpenSLO.read(sources: [("x.yaml", try OpenSLO.yaml(exported))]).documents)
        #expect(again.catalog.outcome(named: "web-availability")?.indicator.prometheus?.counter == false)
    }

    @Test("an outcome written for Goalpost says counter: true only when its queries are counters")
    func nativeCounter() throws {
        var outcome = Outcome(name: "api", statement: "The API answers.",
                              indicator: Indicator(source: .prometheus, prometheus: PrometheusIndicator(bad: "sum(increase(errors_total[{{.window}}]))", total: "sum(increase(requests_total[{{.window}}]))")),
                              objective: 0.999)
        let windowed = try OpenSLO.export(Catalog(outcomes: [outcome]))
        #expect(windowed.first?["spec"]?["indicator"]?["spec"]?["ratioMetric"]?["counter"] == .bool(false))
        outcome.indicator.prometheus = PrometheusIndicator(bad: "sum(errors_total)", total: "sum(requests_total)", counter: true)
        let counted = try OpenSLO.export(Catalog(outcomes: [outcome]))
        #expect(counted.first?["spec"]?["indicator"]?["spec"]?["ratioMetric"]?["counter"] == .bool(true))
        let back = OpenSLO.convert(OpenSLO.read(sources: [("out.yaml", try OpenSLO.yaml(counted))]).documents)
        #expect(back.catalog.outcomes == [outcome])
    }

    @Test("a change made in Goalpost goes out over the original and comes back")
    func editedObjective() throws {
        let path = try #require(Self.interopFiles.first { $0.hasSuffix("openslo-timeslices-slo.yaml") })
        var catalog = try Self.importAndLoad([path]).catalog
        let index = try #require(catalog.outcomes.firstIndex { $0.name == "service-availability-sla" })
        catalog.outcomes[index].objective = 0.98
        let exported = try OpenSLO.export(catalog)
        #expect(exported.count == 1)
        let objectives = exported.first?["spec"]?["objectives"]?.list ?? []
        #expect(objectives.map { $0["target"]?.number } == [0.995, 0.98])
        #expect(objectives.first?["displayName"]?.string == "Internal objective")
        let again = OpenSLO.convert(OpenSLO.read(sources: [("x.yaml", try OpenSLO.yaml(exported))]).documents)
        #expect(again.catalog.outcomes.map(\.objective) == [0.995, 0.98])
    }

    @Test("an outcome written for Goalpost goes out as an OpenSLO SLO and comes back whole")
    func nativeOutcome() throws {
        let loaded = DefinitionLoader.load(paths: [TestPaths.examples.path])
        #expect(loaded.errors.isEmpty)
        let outcomes = loaded.catalog.outcomes
        let exported = try OpenSLO.export(Catalog(outcomes: outcomes))
        let signIn = try #require(exported.first { $0["metadata"]?["name"]?.string == "sign-in" })
        #expect(signIn["apiVersion"]?.string == "openslo/v1" && signIn["kind"]?.string == "SLO")
        #expect(signIn["spec"]?["objectives"]?.list?.first?["target"]?.number == 0.999)
        #expect(signIn["spec"]?["budgetingMethod"]?.string == "Occurrences")
        let back = OpenSLO.convert(OpenSLO.read(sources: [("out.yaml", try OpenSLO.yaml(exported))]).documents)
        #expect(back.errors.isEmpty, "\(back.errors)")
        #expect(back.catalog.outcomes == outcomes)
    }

    @Test("values keep their YAML types through a write and a read: a tiny float, a number-like string, a multi-line string")
    func scalarTypes() throws {
        let value = DocumentValue.map([("small", .double(1e-05)), ("big", .double(2.5e20)), ("whole", .double(3)), ("text", .string("0.999")),
                                       ("count", .int(7)), ("flag", .bool(false)), ("none", .null), ("query", .string("sum(\n  rate(x[5m]))\n"))])
        #expect(try DocumentValue.documents(yaml: try OpenSLO.yaml([value])) == [value])
    }

    @Test("v1alpha: timeWindows and objectives with their own Prometheus ratioMetrics")
    func v1alpha() throws {
        let text = """
        apiVersion: openslo/v1alpha
        kind: SLO
        metadata:
          name: checkout-alpha
          displayName: Checkout (v1alpha)
        spec:
          service: checkout
          description: Checkouts succeed.
          budgetingMethod: Occurrences
          timeWindows:
            - unit: Day
              count: 28
              isRolling: true
          objectives:
            - displayName: ok
              target: 0.999
              ratioMetrics:
                incremental: true
                good: {source: prometheus, queryType: promql, query: 'sum(rate(checkout_total{code!~"5.."}[5m]))'}
                total: {source: prometheus, queryType: promql, query: 'sum(rate(checkout_total[5m]))'}
        """
        let result = OpenSLO.convert(OpenSLO.read(sources: [("alpha.yaml", text)]).documents)
        #expect(result.errors.isEmpty)
        let outcome = try #require(result.catalog.outcomes.first)
        #expect(outcome.window == .rolling(.days(28)))
        #expect(outcome.indicator.prometheus?.good == #"sum(rate(checkout_total{code!~"5.."}[5m]))"#)
        #expect(try OpenSLO.export(result.catalog).first == OpenSLO.read(sources: [("alpha.yaml", text)]).documents.first?.value)
    }

    static let v1alphaDocument = """
        apiVersion: openslo/v1alpha
        kind: SLO
        metadata:
          name: orders-alpha
          displayName: Orders (v1alpha)
        spec:
          service: orders
          description: Orders are accepted.
          budgetingMethod: Occurrences
          timeWindows:
            - unit: Week
              count: 1
              isRolling: true
          objectives:
            - displayName: accepted
              target: 0.995
              ratioMetrics:
                counter: true
                good: {source: prometheus, queryType: promql, query: 'sum(orders_total{status="accepted"})'}
                total: {source: prometheus, queryType: promql, query: 'sum(orders_total)'}
        """

    /// v2alpha (openslo.com/v2alpha) where it differs from v1: `sli`/`sliRef` instead of `indicator`/`indicatorRef`
    /// (on the SLO and on an objective), and metrics without `metricSource`: `dataSourceRef` to a DataSource, or the
    /// data source inline as `dataSourceSpec`, beside `spec.query`.
    static let v2alphaDocuments = """
        apiVersion: openslo.com/v2alpha
        kind: DataSource
        metadata:
          name: prom
        spec:
          type: Prometheus
          connectionDetails:
            url: http://prometheus.example:9090
        ---
        apiVersion: openslo.com/v2alpha
        kind: SLI
        metadata:
          name: web-requests
        spec:
          ratioMetric:
            counter: true
            good:
              dataSourceRef: prom
              spec:
                query: sum(http_requests{code=~"2xx|4xx"})
            total:
              dataSourceRef: prom
              spec:
                query: sum(http_requests)
        ---
        apiVersion: openslo.com/v2alpha
        kind: SLO
        metadata:
          name: web-availability
          labels:
            team: web
        spec:
          description: Web requests succeed.
          service: web
          sliRef: web-requests
          timeWindow:
            - duration: 4w
              isRolling: true
          budgetingMethod: Occurrences
          objectives:
            - target: 0.999
        ---
        apiVersion: openslo.com/v2alpha
        kind: SLO
        metadata:
          name: checkout
        spec:
          description: Checkouts succeed, and most are fast.
          service: checkout
          sli:
            metadata:
              name: checkout-errors
            spec:
              ratioMetric:
                counter: false
                bad:
                  dataSourceSpec:
                    type: Prometheus
                    connectionDetails:
                      url: http://other.example:9090
                  spec:
                    query: sum(rate(checkout_total{code=~"5.."}[{{.window}}]))
                total:
                  dataSourceSpec:
                    type: Prometheus
                    connectionDetails:
                      url: http://other.example:9090
                  spec:
                    query: sum(rate(checkout_total[{{.window}}]))
          timeWindow:
            - duration: 1M
              isRolling: false
              calendar:
                startTime: 2024-01-01 00:00:00
                timeZone: UTC
          budgetingMethod: Occurrences
          objectives:
            - displayName: ok
              target: 0.99
            - displayName: via the shared SLI
              target: 0.95
              sliRef: web-requests
        """

    @Test("v2alpha: sli and sliRef, and metrics read through dataSourceRef or an inline dataSourceSpec, become PromQL outcomes")
    func v2alpha() throws {
        let read = OpenSLO.read(sources: [("v2.yaml", Self.v2alphaDocuments)])
        #expect(read.diagnostics.isEmpty, "\(read.diagnostics)")
        let result = OpenSLO.convert(read.documents)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.catalog.outcomes.map(\.name) == ["web-availability", "checkout-ok", "checkout-via-the-shared-sli"])
        let web = try #require(result.catalog.outcome(named: "web-availability"))
        #expect(web.indicator.source == .prometheus)
        #expect(web.indicator.prometheus == PrometheusIndicator(url: "http://prometheus.example:9090", good: #"sum(http_requests{code=~"2xx|4xx"})"#,
                                                                total: "sum(http_requests)", counter: true))
        #expect(web.window == .rolling(.days(28)))
        #expect(web.objective == 0.999)
        let checkout = try #require(result.catalog.outcome(named: "checkout-ok"))
        #expect(checkout.indicator.prometheus == PrometheusIndicator(url: "http://other.example:9090", bad: #"sum(rate(checkout_total{code=~"5.."}[{{.window}}]))"#,
                                                                     total: "sum(rate(checkout_total[{{.window}}]))", counter: false))
        #expect(checkout.window == .calendar(.month, timeZone: "UTC"))
        // An objective's own sliRef (a v2alpha composite) wins over the SLO's sli.
        #expect(result.catalog.outcome(named: "checkout-via-the-shared-sli")?.indicator.prometheus?.total == "sum(http_requests)")
        #expect(result.catalog.foreignDocuments.map(\.kind) == ["DataSource", "SLI"])
    }

    @Test("a v1alpha and a v2alpha file each round-trip: import, write as goalpost/v1 and load, export gives every document back as written, importing that gives the same",
          arguments: [("v1alpha", OpenSLOTests.v1alphaDocument), ("v2alpha", OpenSLOTests.v2alphaDocuments)])
    func alphaRoundTrip(_ version: String, _ text: String) throws {
        let folder = try temporaryDirectory("goalpost-openslo-\(version)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = folder.appendingPathComponent("\(version).yaml").path
        try text.write(toFile: original, atomically: true, encoding: .utf8)
        let first = try Self.importAndLoad([original])
        #expect(first.catalog.outcomes.allSatisfy { $0.indicator.source == .prometheus }, "\(first.diagnostics)")
        #expect(first.catalog.outcomes.contains { $0.indicator.prometheus?.counter == true })

        let documents = OpenSLO.read(sources: [(original, text)]).documents
        let exported = try OpenSLO.export(first.catalog)
        #expect(exported.count == documents.count)
        for document in documents {
            #expect(exported.contains(document.value), "\(document.kind) '\(document.name)' did not come back as written")
        }
        let file = folder.appendingPathComponent("exported.yaml").path
        try OpenSLO.yaml(exported).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try Self.importAndLoad([file]).catalog == first.catalog)
    }

    @Test("what cannot be imported is an error with file:line:column, and nothing of the document is kept")
    func errors() {
        let text = """
        apiVersion: openslo/v1
        kind: SLO
        metadata: {name: no-target}
        spec:
          indicator: {spec: {ratioMetric: {good: {metricSource: {type: Prometheus, spec: {query: a}}}, total: {metricSource: {type: Prometheus, spec: {query: b}}}}}}
          objectives:
            - displayName: missing
        ---
        - apiVersion: openslo/v1
          kind: SLO
          metadata: {name: dangling}
          spec:
            indicatorRef: nowhere
            objectives: [{target: 0.9}]
        - apiVersion: openslo/v9
          kind: SLO
        """
        let read = OpenSLO.read(sources: [("bad.yaml", text)])
        #expect(read.diagnostics.map(\.description) == ["bad.yaml:15:3: error: apiVersion: 'openslo/v9' is not an OpenSLO version Goalpost reads (openslo/v1, openslo/v1alpha, openslo/v2alpha, openslo.com/v2alpha)"])
        let result = OpenSLO.convert(read.documents)
        #expect(result.catalog.outcomes.isEmpty)
        #expect(result.errors.map(\.description) == [
            "bad.yaml:7:7: error: SLO 'no-target': spec.objectives[0].target: a target between 0 and 1 (or targetPercent) is required",
            "bad.yaml:14:18: error: SLO 'dangling': spec.objectives[0]: the SLI 'nowhere' it refers to (indicatorRef) is not among the imported documents",
        ])
    }
}
