import Foundation
import GoalpostModel
import GoalpostTestSupport
import Testing
@testable import GoalpostRuntime

/// The PromQL source's two ways of asking, against a real Prometheus (scripts/test installs Debian's): the steady
/// tick's instant queries and the catch-up's `query_range` must give the same counts, and a counter query must give
/// what the same query written with `increase(…[1m])` gives.
@Suite("PromQL source queries", .serialized)
struct PromQLTargetTests {
    static let minute: Int64 = 60_000_000_000

    /// Counters every 15 s for the 30 minutes before the current minute. acme: 20 requests a second, of which
    /// `k % 4` a second fail in the k-th minute (0 to 3, so minutes differ); globex: 20 a second, all good, and its
    /// counter restarts from 0 half-way through minute 17 (a process restart).
    static func traffic(end: Int) -> (text: String, start: Int, reset: Int) {
        let start = end - 30 * 60, reset = start + 17 * 60 + 30
        var text = "# TYPE http_requests counter\n"
        var errors = 0
        for time in stride(from: start, through: end, by: 15) {
            let elapsed = time - start
            if time > start { errors += 15 * (((elapsed - 1) / 60) % 4) }  // The rate of the minute the 15 s just passed belong to.
            text += "http_requests_total{customer_id=\"acme\",code=\"200\"} \(20 * elapsed - errors) \(time)\n"
            text += "http_requests_total{customer_id=\"acme\",code=\"500\"} \(errors) \(time)\n"
            text += "http_requests_total{customer_id=\"globex\",code=\"200\"} \(time < reset ? 20 * elapsed : 20 * (time - reset)) \(time)\n"
        }
        return (text + "# EOF\n", start, reset)
    }

    static func target(_ base: String, counter: Bool) -> PromQLTarget {
        let indicator = counter
            ? PrometheusIndicator(bad: #"sum by (customer_id) (http_requests_total{code=~"5.."})"#, total: "sum by (customer_id) (http_requests_total)", counter: true)
            : PrometheusIndicator(bad: #"sum by (customer_id) (increase(http_requests_total{code=~"5.."}[{{.window}}]))"#,
                                  total: "sum by (customer_id) (increase(http_requests_total[{{.window}}]))")
        return PromQLTarget(outcome: counter ? "counter" : "windowed", url: base, indicator: indicator, timeout: 10, attempts: 1)
    }

    @Test("instant queries minute by minute give exactly what one query_range gives, for windowed and for counter queries, each on the endpoint it should use; a counter query gives the same counts as its increase(…[1m]) form, and leaves out the minute its counter restarted")
    func instantAndRangeAgree() async throws {
        let work = try temporaryDirectory("goalpost-promql-target")
        defer { try? FileManager.default.removeItem(at: work) }
        let end = Int(Date().timeIntervalSince1970) / 60 * 60
        let (text, start, reset) = Self.traffic(end: end)
        let prometheus = try await PrometheusTestServer.start(openMetrics: text, in: work)
        defer { prometheus.stop() }

        // Fifteen minutes, the counter restart among them.
        let last = Int64(end) * 1_000_000_000 - Self.minute, first = last - 14 * Self.minute
        var results: [Bool: [ExternalCounts]] = [:]
        for counter in [false, true] {
            let target = Self.target(prometheus.base, counter: counter)
            let before = prometheus.loggedQueries().count
            let range = try await target.fetch(from: first, to: last)
            let afterRange = prometheus.loggedQueries()
            var instants: [ExternalCounts] = []
            for step in 0..<15 { instants += try await target.fetch(from: first + Int64(step) * Self.minute, to: first + Int64(step) * Self.minute) }
            let afterInstants = prometheus.loggedQueries()

            #expect(range.count >= 28, "\(counter): \(range.count) counts")
            #expect(range == instants, "counter \(counter): query_range and instant queries differ")
            // The range fetch is one query_range per query; the minute fetches are instant queries only (a counter's
            // asks for the previous minute's end too).
            #expect(afterRange.dropFirst(before).map(\.path) == ["/api/v1/query_range", "/api/v1/query_range"])
            #expect(afterInstants.dropFirst(afterRange.count).map(\.path) == Array(repeating: "/api/v1/query", count: 15 * 2 * (counter ? 2 : 1)))
            results[counter] = range
        }

        // The counts are what the traffic was: 1200 requests a minute each, acme's k-th minute 60 × (k % 4) failed.
        let windowed = try #require(results[false]), counted = try #require(results[true])
        for counts in windowed where counts.labels == ["customer_id": "acme"] {
            let minuteIndex = Int((counts.timeUnixNano + 1) / 1_000_000_000 - Int64(start)) / 60 - 1
            #expect(counts.total == 1200)
            #expect(counts.good == Double(1200 - 60 * (minuteIndex % 4)), "minute \(minuteIndex)")
        }
        // The counter form agrees minute by minute, except where globex's counter went down: that minute is left
        // out, where increase() corrects for the reset.
        let resetMinute = (Int64(reset) / 60 + 1) * 60 * 1_000_000_000 - 1
        let key = { (counts: ExternalCounts) in "\(counts.labels) \(counts.timeUnixNano)" }
        let counterByKey = Dictionary(uniqueKeysWithValues: counted.map { (key($0), $0) })
        #expect(windowed.contains { $0.labels == ["customer_id": "globex"] && $0.timeUnixNano == resetMinute })
        #expect(!counted.contains { $0.labels == ["customer_id": "globex"] && $0.timeUnixNano == resetMinute })
        #expect(counted.count == windowed.count - 1)
        for counts in windowed where !(counts.labels == ["customer_id": "globex"] && counts.timeUnixNano == resetMinute) {
            let other = counterByKey[key(counts)]
            #expect(other?.good == counts.good && other?.total == counts.total, "\(counts) vs \(String(describing: other))")
        }
    }
}
