import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostRuntime
import GoalpostTestSupport
import Testing

/// PromQL outcomes evaluated where the data lives, against a real Prometheus loaded with
/// `promtool tsdb create-blocks-from openmetrics`.
@Suite("PromQL source", .serialized)
struct PrometheusSourceTests {
    static let prometheusBinary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let promtoolBinary = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }



    func json(_ answer: ServerProcess.Answer) throws -> Any { try JSONSerialization.jsonObject(with: answer.body) }

    /// A customer's 1-hour burn rate in an outcome's status.
    func burnRate(_ status: [String: Any], customer: String) -> Double? {
        let customers = status["customers"] as? [[String: Any]] ?? []
        let entry = customers.first { ($0["scope"] as? [String: Any])?["customer"] as? String == customer }
        return entry?["burnRate1h"] as? Double
    }

    @Test("the parts that need no server: windows filled in, matrix answers read, bad turned into good, missing error series as zero")
    func pureParts() throws {
        #expect(PromQLCounts.query("sum(rate(x[{{.window}}]))", window: "1m") == "sum(rate(x[1m]))")
        let total = try PromQLCounts.parse(Data(#"""
        {"status":"success","data":{"resultType":"matrix","result":[
          {"metric":{"customer_id":"acme"},"values":[[1800000060,"1200"],[1800000120,"1200"]]},
          {"metric":{"customer_id":"globex"},"values":[[1800000060,"1200"]]}]}}
        """#.utf8))
        let bad = try PromQLCounts.parse(Data(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"x","customer_id":"acme"},"value":[1800000060,"600"]}]}}"#.utf8))
        let counts = PromQLCounts.counts(good: nil, bad: bad, total: total)
        #expect(counts.count == 3)
        let acme = counts.filter { $0.labels == ["customer_id": "acme"] }
        #expect(acme.map(\.good) == [600, 1200])  // The second minute has no error series: no errors.
        #expect(acme.first?.timeUnixNano == Int64(1_800_000_059_999_999_999))
        #expect(counts.first { $0.labels == ["customer_id": "globex"] }?.good == 1200)
        #expect(throws: PromQLError.self) { try PromQLCounts.parse(Data(#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#.utf8)) }
    }

    @Test("a PromQL outcome gives the same per-customer burn rates as the same traffic sent as events, pages for the customer with errors, and says when Prometheus is down")
    func againstPrometheus() async throws {
        let prometheus = try #require(Self.prometheusBinary, "scripts/test installs Debian's prometheus")
        let promtool = try #require(Self.promtoolBinary, "scripts/test installs Debian's prometheus (promtool)")
        let work = try temporaryDirectory("goalpost-promql")
        defer { try? FileManager.default.removeItem(at: work) }

        // Counters every 15 s from 20 minutes ago to 5 minutes ahead: acme 10 good and 10 failed requests a second
        // (50% errors), globex 20 good a second and no error series at all.
        let now = Int(Date().timeIntervalSince1970)
        let start = (now / 60 - 20) * 60, end = (now / 60 + 5) * 60
        var text = "# TYPE http_requests counter\n"
        for time in stride(from: start, through: end, by: 15) {
            let elapsed = time - start
            text += "http_requests_total{customer_id=\"acme\",code=\"200\"} \(10 * elapsed) \(time)\n"
            text += "http_requests_total{customer_id=\"acme\",code=\"500\"} \(10 * elapsed) \(time)\n"
            text += "http_requests_total{customer_id=\"globex\",code=\"200\"} \(20 * elapsed) \(time)\n"
        }
        text += "# EOF\n"
        let openMetrics = work.appendingPathComponent("data.om")
        try text.write(to: openMetrics, atomically: true, encoding: .utf8)
        let tsdb = work.appendingPathComponent("tsdb")
        let blocks = try runCommand(URL(fileURLWithPath: promtool), ["tsdb", "create-blocks-from", "openmetrics", openMetrics.path, tsdb.path])
        #expect(blocks.status == 0, "\(blocks.stdout)\(blocks.stderr)")

        let port = try freeLoopbackPort()
        let config = work.appendingPathComponent("prometheus.yml")
        try "global: {scrape_interval: 1m}\n".write(to: config, atomically: true, encoding: .utf8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: prometheus)
        server.arguments = ["--config.file=\(config.path)", "--storage.tsdb.path=\(tsdb.path)", "--web.listen-address=127.0.0.1:\(port)",
                            "--storage.tsdb.retention.time=30d"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        var prometheusRunning = true
        defer { if prometheusRunning { server.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        try await waitFor("Prometheus to start") {
            (try? await URLSession.shared.data(from: URL(string: base + "/-/ready")!).1 as? HTTPURLResponse)?.statusCode == 200
        }

        // The same outcome twice: measured by Prometheus, and counted from events.
        let definitions = work.appendingPathComponent("defs")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        try """
        apiVersion: goalpost/v1
        kind: Outcome
        metadata: {name: api-promql}
        spec:
          statement: The API answers without a server error 99.9% of the time, for every customer (from Prometheus).
          indicator:
            source: prometheus
            prometheus:
              url: \(base)
              bad: sum by (customer_id) (increase(http_requests_total{code=~"5.."}[{{.window}}]))
              total: sum by (customer_id) (increase(http_requests_total[{{.window}}]))
          objective: 99.9%
          customers: {attribute: customer_id, minEvents: 1}
        ---
        apiVersion: goalpost/v1
        kind: Outcome
        metadata: {name: api-events}
        spec:
          statement: The API answers without a server error 99.9% of the time, for every customer (from events).
          indicator: {source: events, operations: [http-request]}
          objective: 99.9%
          customers: {minEvents: 1}
        """.write(to: definitions.appendingPathComponent("api.yaml"), atomically: true, encoding: .utf8)
        let data = work.appendingPathComponent("data")
        let goalpost = try ServerProcess.start(config: definitions, data: data, arguments: ["--tick-interval", "1s", "--source-delay", "0s"])
        defer { _ = goalpost.stop() }

        // The same traffic as events, for the last four whole minutes: 600 good and 600 failed for acme, 1200 good
        // for globex, each minute.
        var events: [[String: Any]] = []
        let lastMinute = now / 60 * 60
        for minute in stride(from: lastMinute - 240, to: lastMinute, by: 60) {
            for (customer, good, bad) in [("acme", 600, 600), ("globex", 1200, 0)] {
                for index in 0..<(good + bad) {
                    events.append(["name": "http-request", "time_unix_nano": Int64(minute) * 1_000_000_000 + Int64(index) * 40_000_000,
                                   "customer": customer, "outcome": index < good ? "ok" : "error"])
                }
            }
        }
        let posted = try await goalpost.request("POST", "/api/v1/events", headers: ["Content-Type": "application/json"],
                                                body: JSONSerialization.data(withJSONObject: events))
        #expect(posted.status == 200, "\(posted.text)")

        // The source fetched its catch-up minutes and the engine evaluated them.
        try await waitFor("the PromQL source to deliver") {
            let sources = try json(try await goalpost.request("GET", "/api/v1/sources")) as? [[String: Any]] ?? []
            return sources.first?["up"] as? Bool == true && (sources.first?["minutes"] as? Int ?? 0) >= 2
        }
        var statuses: [String: [String: Any]] = [:]
        try await waitFor("both outcomes to see acme burning") {
            let all = try json(try await goalpost.request("GET", "/api/v1/outcomes")) as? [[String: Any]] ?? []
            statuses = Dictionary(uniqueKeysWithValues: all.compactMap { status in (status["outcome"] as? String).map { ($0, status) } })
            return (statuses["api-promql"].flatMap { burnRate($0, customer: "acme") } ?? 0) > 0
                && (statuses["api-events"].flatMap { burnRate($0, customer: "acme") } ?? 0) > 0
        }
        // The same minutes counted either way give the same burn rate (50% errors against a 0.1% budget, far above
        // the page threshold of 14.4); globex burns nothing either way.
        let promqlAcme = try #require(statuses["api-promql"].flatMap { burnRate($0, customer: "acme") })
        let eventsAcme = try #require(statuses["api-events"].flatMap { burnRate($0, customer: "acme") })
        #expect(abs(promqlAcme - eventsAcme) <= 0.01 * eventsAcme, "promql \(promqlAcme), events \(eventsAcme)")
        #expect(promqlAcme > 14.4)
        #expect(statuses["api-promql"].flatMap { burnRate($0, customer: "globex") } == 0)
        #expect(statuses["api-events"].flatMap { burnRate($0, customer: "globex") } == 0)

        // The burst pages through the PromQL path, for acme only.
        try await waitFor("a page for acme from the PromQL outcome") {
            let incidents = try json(try await goalpost.request("GET", "/api/v1/incidents?outcome=api-promql")) as? [[String: Any]] ?? []
            return incidents.contains { $0["severity"] as? String == "page" && (($0["impact"] as? [String: Any])?["customers"] as? [String]) == ["acme"] }
        }

        // Prometheus goes away: the source says so, and nothing new opens because of it.
        server.terminate()
        server.waitUntilExit()
        prometheusRunning = false
        let before = try json(try await goalpost.request("GET", "/api/v1/incidents")) as? [[String: Any]] ?? []
        try await waitFor("the source to report Prometheus down (at the next minute's fetch)", seconds: 90) {
            let sources = try json(try await goalpost.request("GET", "/api/v1/sources")) as? [[String: Any]] ?? []
            return sources.first?["up"] as? Bool == false && (sources.first?["lastError"] as? String)?.isEmpty == false
        }
        let after = try json(try await goalpost.request("GET", "/api/v1/incidents")) as? [[String: Any]] ?? []
        #expect(after.count == before.count)
        let metrics = try await goalpost.request("GET", "/metrics").text
        #expect(metrics.contains(#"goalpost_source_up{outcome="api-promql"} 0"#), "\(metrics.split(separator: "\n").filter { $0.contains("source") })")
    }
}
