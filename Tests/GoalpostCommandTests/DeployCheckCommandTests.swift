import Foundation
import GoalpostTestSupport
import Testing

/// Deploy checks as a user gets them from `goalpost simulate` and `goalpost backtest`: three deploys of
/// checkout-api at 11:00 into a simulated morning (08:00–13:00), checked at 10 min, 30 min, 1 h and 2 h.
@Suite("Deploy checks from simulated deploys", .serialized)
struct DeployCheckCommandTests {
    func goalpost() throws -> URL {
        try #require(TestPaths.builtProduct("goalpost"), "build the goalpost product first (swift build --build-tests builds it)")
    }

    /// The backtest report's checks of checkout-api 5.14.0 after simulating `fault`.
    func checks(fault: String) throws -> [[String: Any]] {
        let work = try temporaryDirectory("goalpost-deploy-checks")
        defer { try? FileManager.default.removeItem(at: work) }
        let telemetry = work.appendingPathComponent("\(fault).jsonl").path
        let simulated = try runCommand(try goalpost(), ["simulate", "--out", telemetry, "--fault", fault, "--start", "2026-11-16T08:00:00Z", "--duration", "5h"])
        try #require(simulated.status == 0, "\(simulated.stderr)")
        let definitions = work.appendingPathComponent("definitions")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        for file in ["services.yaml", "customers.yaml", "sign-in.yaml", "checkout-latency.yaml", "search-availability.yaml"] {
            try FileManager.default.copyItem(at: TestPaths.repositoryRoot.appendingPathComponent("examples/\(file)"), to: definitions.appendingPathComponent(file))
        }
        let report = try runCommand(try goalpost(), [
            "backtest", "--config", definitions.path, "--telemetry", telemetry, "--deploys", telemetry + ".deploys.json",
            "--customers", telemetry + ".customers.json", "--format", "json", "--no-investigate",
        ])
        try #require(report.status == 0, "\(report.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let deploys = try #require(json["deploys"] as? [[String: Any]])
        let deploy = try #require(deploys.first { $0["version"] as? String == "5.14.0" })
        let checks = try #require(deploy["checks"] as? [[String: Any]])
        #expect(checks.compactMap { $0["after"] as? String } == ["10m", "30m", "1h", "2h"])
        // No page of checkout-latency in any of these runs but the broken customer's.
        let pages = (json["incidents"] as? [[String: Any]] ?? []).filter { $0["outcome"] as? String == "checkout-latency" }
        if fault != "customer-break-deploy" { #expect(pages.isEmpty, "\(pages)") }
        return checks
    }

    static func outcome(_ check: [String: Any], _ name: String) -> [String: Any]? {
        (check["outcomes"] as? [[String: Any]])?.first { $0["outcome"] as? String == name }
    }

    static func metric(_ outcome: [String: Any]?, _ name: String) -> [String: Any]? {
        (outcome?["aggregate"] as? [[String: Any]])?.first { $0["metric"] as? String == name }
    }

    @Test("200 ms more on every checkout: latency regressed, errors passed, no page — marginal")
    func slowerCheckout() throws {
        for check in try checks(fault: "checkout-slow-deploy") {
            let checkout = Self.outcome(check, "checkout-latency")
            #expect(check["verdict"] as? String == "marginal", "\(check["summary"] ?? "")")
            #expect(Self.metric(checkout, "latency_p50")?["verdict"] as? String == "regressed")
            #expect(Self.metric(checkout, "latency_p95")?["verdict"] as? String == "regressed")
            #expect(Self.metric(checkout, "error_ratio")?["verdict"] as? String == "pass")
            let shift = Self.metric(checkout, "latency_p50")?["shift"] as? Double ?? 0
            #expect(shift > 150 && shift < 260, "the simulator adds 160–240 ms: \(shift)")
            #expect((checkout?["pages"] as? [String])?.isEmpty == true)
        }
    }

    @Test("a copy-only change: every check passes, for the aggregate and for every customer")
    func textOnly() throws {
        for check in try checks(fault: "text-deploy") {
            #expect(check["verdict"] as? String == "pass", "\(check["summary"] ?? "")")
            let checkout = Self.outcome(check, "checkout-latency")
            #expect((checkout?["customers"] as? [[String: Any]])?.isEmpty == true, "\(checkout?["customers"] ?? "")")
            #expect(checkout?["customersCompared"] as? Int == 48)
        }
    }

    @Test("one workspace's checkouts all fail: the deploy fails and names free-12, while the aggregate alone passes")
    func oneCustomerBroken() throws {
        let checks = try checks(fault: "customer-break-deploy")
        // Ten minutes hold too few of free-12's checkouts (one every two minutes) to judge it; from 30 minutes on:
        for check in checks.dropFirst() {
            #expect(check["verdict"] as? String == "fail")
            let checkout = Self.outcome(check, "checkout-latency")
            #expect(checkout?["aggregateVerdict"] as? String == "pass")
            #expect(Self.metric(checkout, "error_ratio")?["verdict"] as? String == "pass")
            let customers = checkout?["customers"] as? [[String: Any]] ?? []
            #expect(customers.compactMap { $0["customer"] as? String } == ["free-12"])
            #expect((customers.first?["comparisons"] as? [[String: Any]])?.first?["metric"] as? String == "error_ratio")
            #expect((check["summary"] as? String)?.contains("regressed for free-12 (the aggregate passes)") == true, "\(check["summary"] ?? "")")
        }
    }
}
