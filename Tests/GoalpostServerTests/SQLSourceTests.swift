import Foundation
import GoalpostTestSupport
import Testing

/// An outcome measured from business tables in a real PostgreSQL 15 (scripts/test starts one on
/// 127.0.0.1:54329 and sets GOALPOST_TEST_POSTGRES_URL).
@Suite("SQL source", .serialized)
struct SQLSourceTests {
    func psql(_ url: String, _ sql: String) throws -> CommandResult {
        try runCommand(URL(fileURLWithPath: "/usr/bin/psql"), [url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
    }


    /// An outcome's customers' 1-hour burn rates in `GET /api/v1/outcomes`.
    func burnRates(_ goalpost: ServerProcess, outcome: String) async throws -> [String: Double] {
        let all = try JSONSerialization.jsonObject(with: try await goalpost.request("GET", "/api/v1/outcomes").body) as? [[String: Any]] ?? []
        let status = all.first { $0["outcome"] as? String == outcome }
        return (status?["customers"] as? [[String: Any]] ?? []).reduce(into: [:]) { rates, entry in
            if let customer = (entry["scope"] as? [String: Any])?["customer"] as? String, let rate = entry["burnRate1h"] as? Double { rates[customer] = rate }
        }
    }

    @Test("an SQL outcome is quiet while payments are captured, then pages for the one customer whose payments start failing; a query without the required columns is reported, not guessed")
    func paymentsPage() async throws {
        let server = try #require(ProcessInfo.processInfo.environment["GOALPOST_TEST_POSTGRES_URL"],
                                  "run through scripts/test, which starts PostgreSQL and sets GOALPOST_TEST_POSTGRES_URL")
        let database = "billing_\(UInt32.random(in: 0...UInt32.max))"
        let created = try psql(server, "CREATE DATABASE \(database)")
        #expect(created.status == 0, "\(created.stderr)")
        defer { _ = try? psql(server, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        var components = try #require(URLComponents(string: server))
        components.path = "/\(database)"
        let url = try #require(components.string)

        // Over the last six minutes, 20 payments a minute each, all captured (one customer name with a quote, to
        // show values are never spliced into SQL).
        let table = try psql(url, """
            CREATE TABLE payments (created_at timestamptz NOT NULL, customer_id text NOT NULL, status text NOT NULL);
            INSERT INTO payments
            SELECT date_trunc('minute', now()) - make_interval(secs => 360 - s * 3), c, 'captured'
            FROM generate_series(0, 119) AS s, unnest(ARRAY['acme', 'globex', 'o''brien']) AS c;
            """)
        #expect(table.status == 0, "\(table.stderr)")

        let work = try temporaryDirectory("goalpost-sql")
        defer { try? FileManager.default.removeItem(at: work) }
        let definitions = work.appendingPathComponent("defs")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        try """
        apiVersion: goalpost/v1
        kind: Outcome
        metadata: {name: payment-capture}
        spec:
          statement: Every customer's payments are captured 99.9% of the time.
          indicator:
            source: sql
            sql:
              connection: \(url)
              query: |
                SELECT date_trunc('minute', created_at) AS bucket, customer_id AS customer,
                       count(*) FILTER (WHERE status = 'captured') AS good, count(*) AS total
                FROM payments WHERE created_at >= $1 AND created_at < $2
                GROUP BY 1, 2
          objective: 99.9%
          customers: {minEvents: 1}
        ---
        apiVersion: goalpost/v1
        kind: Outcome
        metadata: {name: payment-broken-query}
        spec:
          statement: A query that forgets the good column.
          indicator:
            source: sql
            sql:
              connection: \(url)
              query: SELECT date_trunc('minute', created_at) AS bucket, count(*) AS total FROM payments WHERE created_at >= $1 AND created_at < $2 GROUP BY 1
          objective: 99.5%
        """.write(to: definitions.appendingPathComponent("payments.yaml"), atomically: true, encoding: .utf8)
        let goalpost = try ServerProcess.start(config: definitions, data: work.appendingPathComponent("data"), arguments: ["--tick-interval", "1s", "--source-delay", "0s"])
        defer { _ = goalpost.stop() }

        var sources: [[String: Any]] = []
        try await waitFor("the SQL source to deliver") {
            sources = try JSONSerialization.jsonObject(with: try await goalpost.request("GET", "/api/v1/sources").body) as? [[String: Any]] ?? []
            return sources.contains { $0["outcome"] as? String == "payment-capture" && $0["up"] as? Bool == true && ($0["minutes"] as? Int ?? 0) >= 2 }
        }
        let good = try #require(sources.first { $0["outcome"] as? String == "payment-capture" })
        #expect(good["kind"] as? String == "sql" && good["series"] as? Int == 3, "\(good)")
        let broken = try #require(sources.first { $0["outcome"] as? String == "payment-broken-query" })
        #expect(broken["up"] as? Bool == false)
        #expect((broken["lastError"] as? String)?.contains("the query must return the columns bucket, good and total") == true, "\(broken)")

        // Healthy first: every customer evaluated, none burning, nothing open.
        var healthy: [String: Double] = [:]
        try await waitFor("the healthy minutes to be evaluated for every customer") {
            healthy = try await burnRates(goalpost, outcome: "payment-capture")
            return healthy.count == 3
        }
        #expect(healthy == ["acme": 0, "globex": 0, "o'brien": 0])
        let quiet = try JSONSerialization.jsonObject(with: try await goalpost.request("GET", "/api/v1/incidents").body) as? [[String: Any]] ?? []
        #expect(quiet.isEmpty, "\(quiet)")

        // Then acme's failed payments rise: in this minute (not fetched yet: each minute is read once it has ended)
        // acme has 40 payments of which 30 fail, the others 20 captured ones. With the hour before the first
        // observed minute counted as healthy at the observed rate (docs/evaluation.md, cold start), that is a 1-hour
        // burn of about 21 (30 failed of about 1400 payments an hour against a 0.1% budget), above the page's 14.4.
        if Int(Date().timeIntervalSince1970) % 60 >= 57 { try await Task.sleep(for: .seconds(4)) }
        let rise = Date().timeIntervalSince1970
        let failing = try psql(url, """
            INSERT INTO payments
            SELECT now(), c, CASE WHEN c = 'acme' AND s < 30 THEN 'failed' ELSE 'captured' END
            FROM unnest(ARRAY['acme', 'globex', 'o''brien']) AS c, generate_series(0, CASE WHEN c = 'acme' THEN 39 ELSE 19 END) AS s;
            """)
        #expect(failing.status == 0, "\(failing.stderr)")

        try await waitFor("a page for acme's failing payments", seconds: 120) {
            let incidents = try JSONSerialization.jsonObject(with: try await goalpost.request("GET", "/api/v1/incidents?outcome=payment-capture").body) as? [[String: Any]] ?? []
            return incidents.contains { $0["severity"] as? String == "page" && (($0["impact"] as? [String: Any])?["customers"] as? [String]) == ["acme"] }
        }
        let incidents = try JSONSerialization.jsonObject(with: try await goalpost.request("GET", "/api/v1/incidents").body) as? [[String: Any]] ?? []
        #expect(incidents.allSatisfy { (($0["impact"] as? [String: Any])?["customers"] as? [String]) == ["acme"] }, "only acme fails: \(incidents)")
        // Opened after the failures began (the minute they are in is read when it ends), not during the healthy minutes.
        for incident in incidents {
            let opened = (incident["openedAt"] as? String).flatMap { ISO8601DateFormatter.goalpost.date(from: $0) ?? ISO8601DateFormatter().date(from: $0) }
            #expect((opened?.timeIntervalSince1970 ?? 0) >= rise, "\(incident)")
        }
        let rates = try await burnRates(goalpost, outcome: "payment-capture")
        #expect((rates["acme"] ?? 0) > 14.4 && rates["globex"] == 0 && rates["o'brien"] == 0, "\(rates)")
        // The customer with a quote in its name was counted like the others.
        let status = try JSONSerialization.jsonObject(with: try await goalpost.request("GET", "/api/v1/outcomes/payment-capture").body) as? [String: Any] ?? [:]
        let customers = ((status["status"] as? [String: Any])?["customers"] as? [[String: Any]] ?? []).compactMap { ($0["scope"] as? [String: Any])?["customer"] as? String }
        #expect(Set(customers) == ["acme", "globex", "o'brien"], "\(customers)")
    }
}

extension ISO8601DateFormatter {
    /// RFC 3339 with a fraction of a second, as the API writes times that have one.
    static var goalpost: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
