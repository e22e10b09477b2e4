import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostModel
import GoalpostRuntime
import GoalpostTestSupport
import Testing

/// Notifications end to end: a real Alertmanager (Debian's prometheus-alertmanager, installed by scripts/test),
/// and a local receiver standing in for Slack, PagerDuty and a webhook, whose recorded payloads are checked
/// against the published shapes.
@Suite("Notifications and runbooks", .serialized)
struct NotificationTests {
    static let alertmanagerBinary = ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"].first { FileManager.default.isExecutableFile(atPath: $0) }


    func records(_ log: URL) -> [[String: Any]] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func bodies(_ log: URL, path: String) -> [[String: Any]] {
        records(log).filter { ($0["path"] as? String) == path }.compactMap { record in
            (record["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    /// The stand-in receiver (scripts/testing/fake_receiver.py) on a free port; it exits when `stop` closes its stdin.
    struct Receiver {
        let process: Process
        let input: Pipe
        let port: Int
        let log: URL

        var base: String { "http://127.0.0.1:\(port)" }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.terminate()
        }
    }

    func startReceiver(in work: URL) throws -> Receiver {
        let log = work.appendingPathComponent("received.jsonl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestPaths.repositoryRoot.appendingPathComponent("scripts/testing/fake_receiver.py").path, log.path]
        let output = Pipe(), input = Pipe()  // It exits when `input` closes (a pyenv shim may stand between it and terminate()).
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        let port = try #require(Int(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        return Receiver(process: process, input: input, port: port, log: log)
    }

    /// A Slack target and a policy that sends it every incident (tickets and pages).
    static func slackForEveryone(port: Int) -> String {
        """
        apiVersion: goalpost/v1
        kind: NotificationTarget
        metadata: {name: team-slack}
        spec: {slack: {webhookURL: "http://127.0.0.1:\(port)/slack"}}
        ---
        apiVersion: goalpost/v1
        kind: EscalationPolicy
        metadata: {name: everyone}
        spec: {steps: [{severity: ticket, targets: [team-slack]}]}
        """
    }

    /// A definitions folder: the server fixtures' outcomes plus `yaml` (targets, policies, runbooks).
    func definitions(in work: URL, _ yaml: String) throws -> URL {
        let config = work.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: serverConfig.appendingPathComponent("outcomes.yaml"), to: config.appendingPathComponent("outcomes.yaml"))
        try yaml.write(to: config.appendingPathComponent("notify.yaml"), atomically: true, encoding: .utf8)
        return config
    }


    @Test("an incident pages Slack, PagerDuty, a signed webhook and a real Alertmanager once; resolving resolves them; a failing target becomes a dead letter; runbooks run once or are proposed")
    func endToEnd() async throws {
        let alertmanager = try #require(Self.alertmanagerBinary, "scripts/test installs prometheus-alertmanager")
        let work = try temporaryDirectory("goalpost-notify")
        defer { try? FileManager.default.removeItem(at: work) }

        let receiver = try startReceiver(in: work)
        defer { receiver.stop() }
        let log = receiver.log
        let hooks = receiver.base

        // A real Alertmanager on loopback, gossip off.
        let amPort = try freeLoopbackPort()
        let amConfig = work.appendingPathComponent("alertmanager.yml")
        try "route:\n  receiver: devnull\nreceivers:\n  - name: devnull\n".write(to: amConfig, atomically: true, encoding: .utf8)
        let am = Process()
        am.executableURL = URL(fileURLWithPath: alertmanager)
        am.arguments = ["--config.file=\(amConfig.path)", "--storage.path=\(work.appendingPathComponent("am").path)",
                        "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address="]
        am.standardOutput = FileHandle.nullDevice
        am.standardError = FileHandle.nullDevice
        try am.run()
        defer { am.terminate() }
        let amBase = "http://127.0.0.1:\(amPort)"
        try await waitFor("Alertmanager to start") {
            (try? await URLSession.shared.data(from: URL(string: amBase + "/-/ready")!).1 as? HTTPURLResponse)?.statusCode == 200
        }

        // Definitions: the server fixtures plus targets, a policy and runbooks.
        let config = try definitions(in: work, """
        apiVersion: goalpost/v1
        kind: NotificationTarget
        metadata: {name: team-slack}
        spec: {slack: {webhookURL: "\(hooks)/slack"}}
        ---
        apiVersion: goalpost/v1
        kind: NotificationTarget
        metadata: {name: oncall}
        spec: {pagerduty: {routingKey: "${TEST_PD_ROUTING_KEY}", url: "\(hooks)/pagerduty"}}
        ---
        apiVersion: goalpost/v1
        kind: NotificationTarget
        metadata: {name: audit-hook}
        spec: {webhook: {url: "\(hooks)/hook", secret: "s3cret", headers: {X-Team: payments}}}
        ---
        apiVersion: goalpost/v1
        kind: NotificationTarget
        metadata: {name: alertmanager}
        spec: {alertmanager: {url: "\(amBase)"}}
        ---
        apiVersion: goalpost/v1
        kind: NotificationTarget
        metadata: {name: broken}
        spec: {webhook: {url: "\(hooks)/fail"}}
        ---
        apiVersion: goalpost/v1
        kind: EscalationPolicy
        metadata: {name: checkout-oncall}
        spec:
          outcomes: [checkout]
          steps:
            - severity: page
              targets: [team-slack, oncall, audit-hook, alertmanager, broken]
            - severity: page
              after: 1h
              targets: [team-slack]
        ---
        apiVersion: goalpost/v1
        kind: Runbook
        metadata: {name: acme-failover}
        spec:
          match: {outcome: checkout, suspect: {customer.id: acme}}
          action: {webhook: {url: "\(hooks)/runbook"}}
          automatic: true
        ---
        apiVersion: goalpost/v1
        kind: Runbook
        metadata: {name: page-account-owner}
        spec:
          match: {outcome: checkout}
          action: {command: {program: /bin/echo, args: ["notify owner of", "{incident}"]}}
        ---
        apiVersion: goalpost/v1
        kind: Runbook
        metadata: {name: echo-incident}
        spec:
          match: {outcome: checkout}
          action: {command: {program: echo, args: ["handled", "{incident}", "{outcome}"]}}
          automatic: true
        """)

        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let lint = try runCommand(binary, ["lint", config.path])
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")

        let data = work.appendingPathComponent("data")
        let server = try ServerProcess.start(
            config: config, data: data,
            arguments: ["--tick-interval", "1s", "--runbook-command", "/bin/echo", "--notification-retry-delay", "50ms", "--public-url", "https://goalpost.example"],
            environment: ["TEST_PD_ROUTING_KEY": "routing-123"]
        )
        for customer in ["globex", "initech"] {
            _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(30, customer: customer)))
        }
        _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(40, customer: "acme", errors: 40)))
        var incidentID = ""
        try await waitFor("the incident and its notifications") {
            let list = try JSONSerialization.jsonObject(with: await server.request("GET", "/api/v1/incidents").body) as? [[String: Any]] ?? []
            incidentID = list.first?["id"] as? String ?? ""
            return !incidentID.isEmpty && bodies(log, path: "/pagerduty").count >= 1 && bodies(log, path: "/slack").count >= 1
        }
        let id = incidentID

        // Slack: text + blocks (Block Kit), with the summary and a link to the incident.
        let slack = try #require(bodies(log, path: "/slack").first)
        #expect((slack["text"] as? String)?.contains(id) == true)
        let blocks = try #require(slack["blocks"] as? [[String: Any]])
        #expect(blocks.allSatisfy { ["header", "section", "context"].contains($0["type"] as? String ?? "") })
        #expect(String(describing: blocks).contains("https://goalpost.example/incidents/\(id)"))

        // PagerDuty Events v2: routing_key (from the environment), event_action, dedup_key, payload.summary/source/severity.
        let trigger = try #require(bodies(log, path: "/pagerduty").first)
        #expect(trigger["routing_key"] as? String == "routing-123")
        #expect(trigger["event_action"] as? String == "trigger")
        #expect(trigger["dedup_key"] as? String == id)
        let payload = try #require(trigger["payload"] as? [String: Any])
        #expect((payload["summary"] as? String).map { !$0.isEmpty && $0.count <= 1024 } == true)
        #expect(payload["source"] as? String == "goalpost")
        #expect(["critical", "error", "warning", "info"].contains(payload["severity"] as? String ?? ""))
        #expect(payload["severity"] as? String == "critical")

        // The webhook is signed: sha256=HMAC(secret, body), and carries the configured header.
        let hook = try #require(records(log).first { ($0["path"] as? String) == "/hook" })
        let headers = (hook["headers"] as? [String: String] ?? [:]).reduce(into: [String: String]()) { $0[$1.key.lowercased()] = $1.value }
        let signature = try runCommand(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c",
            "import hmac,hashlib,sys; print(hmac.new(b's3cret', sys.argv[1].encode(), hashlib.sha256).hexdigest())", hook["body"] as? String ?? ""])
        #expect(headers["x-goalpost-signature"] == "sha256=" + signature.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(headers["x-team"] == "payments")
        #expect(headers["x-goalpost-event"] == "opened")

        // The real Alertmanager holds the alert with Goalpost's labels and annotations.
        var alert: [String: Any] = [:]
        try await waitFor("the alert in Alertmanager") {
            let (body, _) = try await URLSession.shared.data(from: URL(string: amBase + "/api/v2/alerts")!)
            let alerts = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] ?? []
            alert = alerts.first { ($0["labels"] as? [String: String])?["incident"] == id } ?? [:]
            return !alert.isEmpty
        }
        let labels = alert["labels"] as? [String: String] ?? [:]
        #expect(labels["alertname"] == "GoalpostOutcomeViolated" && labels["outcome"] == "checkout" && labels["severity"] == "page")
        #expect((alert["annotations"] as? [String: String])?["summary"]?.contains(id) == true)
        #expect((alert["status"] as? [String: Any])?["state"] as? String == "active")

        // Once per incident, not per tick: a few more evaluations send nothing new.
        try await Task.sleep(for: .seconds(3))
        #expect(bodies(log, path: "/pagerduty").count == 1, "one trigger for one incident")
        #expect(bodies(log, path: "/slack").count == 1)

        // Runbooks: the automatic webhook ran once; the allowed command ran with its output kept; the one
        // that is not automatic was proposed, not run.
        #expect(records(log).filter { ($0["path"] as? String) == "/runbook" }.count == 1)
        let detail = try JSONSerialization.jsonObject(with: await server.request("GET", "/api/v1/incidents/\(id)").body) as? [String: Any] ?? [:]
        let runbooks = detail["runbooks"] as? [[String: Any]] ?? []
        let byName = Dictionary(runbooks.map { ($0["runbook"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["acme-failover"]?["status"] as? String == "succeeded", "\(runbooks)")
        #expect(byName["echo-incident"]?["status"] as? String == "succeeded", "\(runbooks)")
        #expect((byName["echo-incident"]?["detail"] as? String)?.contains("handled \(id) checkout") == true, "\(runbooks)")
        #expect(byName["page-account-owner"]?["status"] as? String == "proposed", "\(runbooks)")
        #expect(runbooks.count == 3)

        // The failing target is a dead letter after its retries, visible in the API.
        try await waitFor("the dead letter") {
            let list = try JSONSerialization.jsonObject(with: await server.request("GET", "/api/v1/notifications?incident=\(id)").body) as? [[String: Any]] ?? []
            return list.contains { $0["target"] as? String == "broken" && $0["status"] as? String == "dead" && $0["attempts"] as? Int == 5 }
        }
        let sent = try JSONSerialization.jsonObject(with: await server.request("GET", "/api/v1/notifications?incident=\(id)").body) as? [[String: Any]] ?? []
        #expect(Set(sent.filter { $0["status"] as? String == "sent" }.compactMap { $0["target"] as? String }) == ["team-slack", "oncall", "audit-hook", "alertmanager"])

        // Resolving resolves everywhere: PagerDuty resolve with the same dedup_key, a Slack message, the alert's end.
        _ = try await server.request("POST", "/api/v1/incidents/\(id)/resolve", headers: json, body: Data(#"{"by":"ana"}"#.utf8))
        // The outcome may still be burning: a new incident can open right after, so look for this one's events.
        try await waitFor("the resolve events") {
            bodies(log, path: "/pagerduty").contains { $0["event_action"] as? String == "resolve" && $0["dedup_key"] as? String == id }
                && bodies(log, path: "/slack").contains { ($0["text"] as? String)?.hasPrefix("[RESOLVED]") == true && ($0["text"] as? String)?.contains(id) == true }
        }
        let triggers = bodies(log, path: "/pagerduty").filter { $0["dedup_key"] as? String == id }
        #expect(triggers.map { $0["event_action"] as? String } == ["trigger", "resolve"],
                "\(bodies(log, path: "/pagerduty").map { ($0["event_action"] as? String ?? "?") + " " + (($0["payload"] as? [String: Any])?["summary"] as? String ?? "") })")
        try await waitFor("the alert to resolve in Alertmanager") {
            let (body, _) = try await URLSession.shared.data(from: URL(string: amBase + "/api/v2/alerts?active=true")!)
            let alerts = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] ?? []
            return !alerts.contains { ($0["labels"] as? [String: String])?["incident"] == id }
        }
        #expect(server.stop() == 0)
    }

    @Test("a silence made with `goalpost silence` holds back an incident's notifications and says why; expiring it is recorded")
    func silence() async throws {
        let work = try temporaryDirectory("goalpost-silence")
        defer { try? FileManager.default.removeItem(at: work) }
        let receiver = try startReceiver(in: work)
        defer { receiver.stop() }
        let log = receiver.log
        let port = receiver.port
        let config = try definitions(in: work, Self.slackForEveryone(port: port))
        let server = try ServerProcess.start(config: config, data: work.appendingPathComponent("data"), arguments: ["--tick-interval", "1s"])
        let binary = try #require(TestPaths.builtProduct("goalpost"))
        let created = try runCommand(binary, ["silence", "create", "--server", server.baseURL, "--customer", "acme", "--for", "2h",
                                              "--reason", "acme is migrating its SSO", "--by", "ana"])
        #expect(created.status == 0, "\(created.stderr)")
        let silenceID = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(silenceID.hasPrefix("s-"))
        let refused = try runCommand(binary, ["silence", "create", "--server", server.baseURL, "--for", "2h", "--reason", "everything"])
        #expect(refused.status != 0 && refused.stderr.contains("give at least one"), "\(refused.stderr)")
        let listed = try runCommand(binary, ["silence", "list", "--server", server.baseURL])
        #expect(listed.stdout.contains(silenceID) && listed.stdout.contains("customer acme"), "\(listed.stdout)")

        _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(40, customer: "acme", errors: 40)))
        var records: [[String: Any]] = []
        try await waitFor("the suppressed notification") {
            records = try JSONSerialization.jsonObject(with: await server.request("GET", "/api/v1/notifications").body) as? [[String: Any]] ?? []
            return !records.isEmpty
        }
        #expect(records.first?["status"] as? String == "suppressed")
        #expect((records.first?["detail"] as? String)?.contains("silenced by \(silenceID)") == true, "\(records)")
        #expect((records.first?["detail"] as? String)?.contains("acme is migrating its SSO") == true)
        try await Task.sleep(for: .seconds(1.5))
        #expect(self.records(log).isEmpty, "nothing reached Slack")

        let expired = try runCommand(binary, ["silence", "expire", "--server", server.baseURL, silenceID])
        #expect(expired.status == 0, "\(expired.stderr)")
        #expect(try runCommand(binary, ["silence", "list", "--server", server.baseURL]).stdout.isEmpty)
        #expect(try await server.request("DELETE", "/api/v1/silences/\(silenceID)").status == 404, "already expired")
        #expect(server.stop() == 0)
    }

    @Test("quiet hours span midnight in the policy's time zone")
    func quietHours() {
        let quiet = EscalationPolicy.QuietHours(startMinute: 22 * 60, endMinute: 7 * 60, timeZone: "Europe/Berlin")
        func at(_ text: String) -> Int64 { Timestamp.parse(text) ?? 0 }
        // Berlin is UTC+1 in November.
        #expect(Notifier.isQuiet(quiet, at: at("2026-11-23T21:30:00Z")))   // 22:30 in Berlin
        #expect(Notifier.isQuiet(quiet, at: at("2026-11-24T05:59:00Z")))   // 06:59
        #expect(!Notifier.isQuiet(quiet, at: at("2026-11-24T06:00:00Z")))  // 07:00
        #expect(!Notifier.isQuiet(quiet, at: at("2026-11-23T20:59:00Z")))  // 21:59
        let daytime = EscalationPolicy.QuietHours(startMinute: 12 * 60, endMinute: 13 * 60)
        #expect(Notifier.isQuiet(daytime, at: at("2026-11-23T12:30:00Z")) && !Notifier.isQuiet(daytime, at: at("2026-11-23T13:00:00Z")))
    }

    @Test("a child outcome's page folds into its parent's open incident: one message, and the child's suppression says why")
    func parentFolding() async throws {
        let work = try temporaryDirectory("goalpost-fold")
        defer { try? FileManager.default.removeItem(at: work) }
        let receiver = try startReceiver(in: work)
        defer { receiver.stop() }
        let log = receiver.log
        let port = receiver.port
        let config = work.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        // The journey (every shop route) is the parent of checkout; both fail together.
        try ("""
        apiVersion: goalpost/v1
        kind: Outcome
        metadata: {name: shop-journey}
        spec:
          statement: Customers can shop.
          indicator: {source: traces, service: shop}
          objective: 99.9%
          window: 30d
        ---
        apiVersion: goalpost/v1
        kind: Outcome
        metadata: {name: checkout}
        spec:
          statement: Customers can check out.
          parent: shop-journey
          indicator: {source: traces, service: shop, operations: ["/checkout"]}
          objective: 99.9%
          window: 30d
        ---
        """ + "\n" + Self.slackForEveryone(port: port)).write(to: config.appendingPathComponent("journey.yaml"), atomically: true, encoding: .utf8)
        let server = try ServerProcess.start(config: config, data: work.appendingPathComponent("data"), arguments: ["--tick-interval", "1s"])
        _ = try await server.request("POST", "/v1/traces", headers: json, body: Requests.tracesJSON(Requests.spans(40, customer: "acme", errors: 40)))
        var records: [[String: Any]] = []
        try await waitFor("both outcomes' notifications") {
            records = try JSONSerialization.jsonObject(with: await server.request("GET", "/api/v1/notifications").body) as? [[String: Any]] ?? []
            return records.count >= 2
        }
        try await Task.sleep(for: .seconds(1))
        let slack = bodies(log, path: "/slack")
        #expect(slack.count == 1, "one message, for the journey: \(slack)")
        #expect((slack.first?["text"] as? String)?.contains("shop-journey") == true)
        let folded = records.first { ($0["incident"] as? String)?.hasPrefix("checkout-") == true }
        #expect(folded?["status"] as? String == "suppressed")
        #expect((folded?["detail"] as? String)?.contains("folded into the incident of the parent outcome shop-journey") == true, "\(records)")
        #expect(server.stop() == 0)
    }
}
