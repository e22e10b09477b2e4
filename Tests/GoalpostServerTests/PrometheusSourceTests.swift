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
    /// An RFC 3339 time of the API as Unix seconds.
    func seconds(_ text: Any?) -> Double? {
        guard let text = text as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970
    }

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

    @Test("counter readings become each minute's rise: a counter that went down leaves its minute out, a series that just appeared starts counting a minute later")
    func counterIncreases() {
        let minute: Int64 = 60_000_000_000, t: Int64 = 1_800_000_000 * 1_000_000_000
        let total: [[String: String]: [Int64: Double]] = [
            ["customer_id": "acme"]: [t: 1000, t + minute: 2200, t + 2 * minute: 300, t + 3 * minute: 1500],  // Restarted in the third minute.
            ["customer_id": "globex"]: [t + minute: 50, t + 2 * minute: 170, t + 3 * minute: 290],
        ]
        let bad: [[String: String]: [Int64: Double]] = [["customer_id": "acme"]: [t: 10, t + minute: 70, t + 2 * minute: 70, t + 3 * minute: 100]]
        let rises = PromQLCounts.increases(total, from: t + minute)
        #expect(rises[["customer_id": "acme"]]?[t + minute] == 1200)
        #expect(rises[["customer_id": "acme"]]?[t + 2 * minute]?.isNaN == true)
        #expect(rises[["customer_id": "acme"]]?[t + 3 * minute] == 1200)
        #expect(rises[["customer_id": "acme"]]?[t] == nil)  // Before `from`.
        #expect(rises[["customer_id": "globex"]] == [t + 2 * minute: 120, t + 3 * minute: 120])  // Nothing for its first reading.
        let counts = PromQLCounts.counts(good: nil, bad: PromQLCounts.increases(bad, from: t + minute), total: rises)
        #expect(counts.map { "\($0.labels["customer_id"] ?? "") \(($0.timeUnixNano + 1 - t) / minute) \(Int($0.good))/\(Int($0.total))" }
                == ["acme 1 1140/1200", "globex 2 120/120", "acme 3 1170/1200", "globex 3 120/120"])
    }

    @Test("PromQL outcomes, windowed and counter, give the same per-customer burn rates as the same traffic sent as events: healthy at first with no incident, then an error burst pages for that customer only through the PromQL path; catch-up uses query_range, the steady tick instant queries; and the source says when Prometheus is down")
    func againstPrometheus() async throws {
        let work = try temporaryDirectory("goalpost-promql")
        defer { try? FileManager.default.removeItem(at: work) }

        // Start in the first half of a minute, so the server is up, and has caught up on the four minutes before
        // this one, well before the minute ends: the events below are then the same minutes.
        if Int(Date().timeIntervalSince1970) % 60 > 30 {
            try await Task.sleep(for: .seconds(61 - Int(Date().timeIntervalSince1970) % 60))
        }
        // Counters every 15 s from 20 minutes before the current minute to the end of the burst minute (the next
        // one): acme 20 requests a second, all good until `burst`, then all of them failing for one minute; globex
        // 20 good a second and no error series at all. Before the burst the server evaluates healthy minutes, the
        // catch-up's and a steady tick's; no data follows the burst, so every path counts exactly the same minutes
        // however long the test takes.
        let now = Int(Date().timeIntervalSince1970)
        let currentMinute = now / 60 * 60
        let burst = currentMinute + 60
        let start = currentMinute - 20 * 60, end = burst + 60
        var text = "# TYPE http_requests counter\n"
        for time in stride(from: start, through: end, by: 15) {
            let failing = max(0, min(time, end) - burst)
            text += "http_requests_total{customer_id=\"acme\",code=\"200\"} \(20 * (time - start - failing)) \(time)\n"
            text += "http_requests_total{customer_id=\"acme\",code=\"500\"} \(20 * failing) \(time)\n"
            text += "http_requests_total{customer_id=\"globex\",code=\"200\"} \(20 * (time - start)) \(time)\n"
        }
        text += "# EOF\n"
        let prometheus = try await PrometheusTestServer.start(openMetrics: text, in: work)
        defer { prometheus.stop() }
        let base = prometheus.base

        // The same outcome three times: measured by Prometheus with windowed queries and with counter queries (as an
        // OpenSLO ratioMetric with counter: true imports), and counted from events.
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
        metadata: {name: api-promql-counter}
        spec:
          statement: The API answers without a server error 99.9% of the time, for every customer (from Prometheus counters).
          indicator:
            source: prometheus
            prometheus:
              url: \(base)
              bad: sum by (customer_id) (http_requests_total{code=~"5.."})
              total: sum by (customer_id) (http_requests_total)
              counter: true
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
        let goalpost = try ServerProcess.start(config: definitions, data: work.appendingPathComponent("data"), arguments: ["--tick-interval", "1s", "--source-delay", "0s"])
        defer { _ = goalpost.stop() }

        // The same traffic as events: 1200 requests a minute for each customer, all of acme's failing in the burst minute.
        func postEvents(from: Int, to: Int) async throws {
            var events: [[String: Any]] = []
            for minute in stride(from: from, to: to, by: 60) {
                for customer in ["acme", "globex"] {
                    let bad = customer == "acme" && minute == burst ? 1200 : 0
                    for index in 0..<1200 {
                        events.append(["name": "http-request", "time_unix_nano": Int64(minute) * 1_000_000_000 + Int64(index) * 40_000_000,
                                       "customer": customer, "outcome": index < 1200 - bad ? "ok" : "error"])
                    }
                }
            }
            let posted = try await goalpost.request("POST", "/api/v1/events", headers: ["Content-Type": "application/json"],
                                                    body: JSONSerialization.data(withJSONObject: events))
            #expect(posted.status == 200, "\(posted.text)")
        }
        try await postEvents(from: currentMinute - 240, to: currentMinute)
        func statuses() async throws -> [String: [String: Any]] {
            let all = try json(try await goalpost.request("GET", "/api/v1/outcomes")) as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: all.compactMap { status in (status["outcome"] as? String).map { ($0, status) } })
        }
        let outcomes = ["api-promql", "api-promql-counter", "api-events"]

        // Healthy first: the catch-up minutes are evaluated, every customer burns nothing, and nothing is open.
        try await waitFor("the PromQL sources to deliver their catch-up minutes") {
            let sources = try json(try await goalpost.request("GET", "/api/v1/sources")) as? [[String: Any]] ?? []
            return sources.count == 2 && sources.allSatisfy { $0["up"] as? Bool == true && ($0["minutes"] as? Int ?? 0) >= 4 }
        }
        try await waitFor("all three outcomes to have evaluated acme and globex") {
            let all = try await statuses()
            return outcomes.allSatisfy { name in ["acme", "globex"].allSatisfy { customer in all[name].flatMap { burnRate($0, customer: customer) } != nil } }
        }
        let healthy = try await statuses()
        for name in outcomes {
            #expect(healthy[name].flatMap { burnRate($0, customer: "acme") } == 0, "\(name)")
            #expect(healthy[name].flatMap { burnRate($0, customer: "globex") } == 0, "\(name)")
        }
        #expect((try json(try await goalpost.request("GET", "/api/v1/incidents")) as? [[String: Any]] ?? []).isEmpty)
        // That was seen before the burst minute ended: it could not have been fetched yet.
        #expect(Int(Date().timeIntervalSince1970) < burst + 60, "the healthy check came too late to be before the burst")

        // The burst minute ends: the sources fetch it on their steady tick; the same minutes go in as events.
        try await waitFor("the burst minute to end", seconds: 200, poll: .seconds(1)) { Int(Date().timeIntervalSince1970) >= burst + 60 }
        try await postEvents(from: currentMinute, to: burst + 60)
        var burning: [String: [String: Any]] = [:]
        try await waitFor("all three outcomes to see acme burning") {
            burning = try await statuses()
            return outcomes.allSatisfy { (burning[$0].flatMap { burnRate($0, customer: "acme") } ?? 0) > 0 }
        }
        // The same minutes counted three ways give the same burn rate. Before the first observed minute the hour
        // counts as healthy traffic at the observed rate (docs/evaluation.md, cold start), so the hour holds 1200
        // failed of 72000 requests: 1.67% against a 0.1% budget, a burn of 16.7, above the page threshold of 14.4
        // (a one-minute total outage pages, as the worked example there says); globex burns nothing any way.
        let eventsAcme = try #require(burning["api-events"].flatMap { burnRate($0, customer: "acme") })
        for name in ["api-promql", "api-promql-counter"] {
            let acme = try #require(burning[name].flatMap { burnRate($0, customer: "acme") })
            #expect(abs(acme - eventsAcme) <= 0.01 * eventsAcme, "\(name) \(acme), events \(eventsAcme)")
            // (Observed time runs on a little past the last minute, which raises it slightly.)
            #expect(acme > 1200.0 / 72000 / 0.001 && acme < 1.02 * 1200.0 / 72000 / 0.001, "\(name) \(acme)")
            #expect(burning[name].flatMap { burnRate($0, customer: "globex") } == 0)
        }
        #expect(burning["api-events"].flatMap { burnRate($0, customer: "globex") } == 0)

        // The burst pages through both PromQL outcomes (and the events one), for acme only, and not before the burst.
        var incidents: [[String: Any]] = []
        try await waitFor("a page for acme from every outcome") {
            incidents = try json(try await goalpost.request("GET", "/api/v1/incidents")) as? [[String: Any]] ?? []
            return outcomes.allSatisfy { name in
                incidents.contains { $0["outcome"] as? String == name && $0["severity"] as? String == "page" }
            }
        }
        for incident in incidents {
            #expect(((incident["impact"] as? [String: Any])?["customers"] as? [String]) == ["acme"], "\(incident)")
            #expect((seconds(incident["openedAt"]) ?? 0) >= Double(burst), "\(incident)")
        }

        // Catch-up asked query_range, the steady ticks (the minutes after start, the burst among them) /api/v1/query.
        let logged = prometheus.loggedQueries()
        for query in ["sum by (customer_id) (increase(http_requests_total[1m]))", "sum by (customer_id) (http_requests_total)"] {
            let paths = logged.filter { $0.query == query }.map(\.path)
            #expect(paths.first == "/api/v1/query_range", "\(query): \(paths)")
            #expect(paths.filter { $0 == "/api/v1/query_range" }.count == 1, "\(query): \(paths)")
            #expect(paths.filter { $0 == "/api/v1/query" }.count >= (burst + 60 - currentMinute) / 60, "\(query): \(paths)")
        }

        // Prometheus goes away: the sources say so, and nothing new opens because of it.
        prometheus.stop()
        let ids = { (incidents: [[String: Any]]) in Set(incidents.compactMap { $0["id"] as? String }) }
        let before = try json(try await goalpost.request("GET", "/api/v1/incidents")) as? [[String: Any]] ?? []
        try await waitFor("the sources to report Prometheus down (at the next minute's fetch)", seconds: 90) {
            let sources = try json(try await goalpost.request("GET", "/api/v1/sources")) as? [[String: Any]] ?? []
            return sources.allSatisfy { $0["up"] as? Bool == false && ($0["lastError"] as? String)?.isEmpty == false }
        }
        let after = try json(try await goalpost.request("GET", "/api/v1/incidents")) as? [[String: Any]] ?? []
        #expect(ids(after) == ids(before), "before: \(before)\nafter: \(after)")
        let metrics = try await goalpost.request("GET", "/metrics").text
        #expect(metrics.contains(#"goalpost_source_up{outcome="api-promql"} 0"#), "\(metrics.split(separator: "\n").filter { $0.contains("source") })")
    }
}
