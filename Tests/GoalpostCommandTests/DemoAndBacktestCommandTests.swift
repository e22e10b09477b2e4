import Foundation
import GoalpostTestSupport
import Testing

/// `goalpost demo`, `simulate` and `backtest` as a user runs them.
struct DemoAndBacktestCommandTests {
    func goalpost() throws -> URL {
        try #require(TestPaths.builtProduct("goalpost"), "build the goalpost product first (swift build --build-tests builds it)")
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("the demo detects the bad deploy within 2 minutes, for exactly the six SSO customers, and pages for nothing else")
    func demoStory() throws {
        let result = try runCommand(try goalpost(), ["demo", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let story = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let detection = try #require(story["detection"] as? [String: Any])
        #expect(detection["outcome"] as? String == "sign-in")
        #expect(detection["severity"] as? String == "page")
        let delay = try #require(detection["delaySeconds"] as? Double)
        #expect(delay > 0 && delay <= 120)
        let failing = try #require(story["failingCustomers"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(failing == ["acme", "globex", "initech", "soylent", "stark", "umbrella"])
        // The global SLI hides it: the 1-hour burn at detection is far below the 14.4 page threshold.
        let global = try #require(story["globalAtDetection"] as? [String: Any])
        #expect((global["burnRate1h"] as? Double ?? 99) < 2)
        #expect(global["firing"] == nil || global["firing"] is NSNull)
        // The sign-in incident ranks first; every other incident is the background noise, as a ticket.
        let ranking = try #require(story["ranking"] as? [[String: Any]])
        #expect(ranking.first?["outcome"] as? String == "sign-in")
        let others = ranking.dropFirst()
        #expect(others.allSatisfy { $0["severity"] as? String == "ticket" })
        let impact = try #require(story["impact"] as? [String: Any])
        // acme 480k + globex 360k + initech 250k + soylent 310k + stark 540k + umbrella 620k.
        #expect(impact["arrAtRisk"] as? Double == 2_560_000)

        // The investigation attached to the sign-in incident names the route and the new version, the deploy, and
        // the six enterprise customers with their ARR; the unrelated deploys nearby are not blamed.
        let incidents = try #require(story["incidents"] as? [[String: Any]])
        let signIn = try #require(incidents.first { $0["outcome"] as? String == "sign-in" })
        let investigation = try #require(signIn["investigation"] as? [String: Any])
        let suspects = try #require(investigation["suspects"] as? [[String: Any]])
        #expect(suspects.first?["attributes"] as? [String: String] == ["http.route": "/sso/callback", "service.version": "2.3.1"])
        let change = try #require(investigation["change"] as? [String: Any])
        #expect(change["service"] as? String == "auth-api")
        #expect(change["version"] as? String == "2.3.1")
        let affected = try #require((investigation["impact"] as? [String: Any])?["customers"] as? [[String: Any]])
        #expect(affected.compactMap { $0["id"] as? String }.sorted() == ["acme", "globex", "initech", "soylent", "stark", "umbrella"])
        #expect(affected.compactMap { $0["arr"] as? Double }.reduce(0, +) == 2_560_000)
        #expect((investigation["recommendation"] as? [String: Any])?["action"] as? String == "rollback")
        // The net excess can exceed 100% when other cells did better than in the baseline: it reads "all of" then.
        #expect((investigation["summary"] as? String)?.contains("/sso/callback, service.version=2.3.1 (all of the excess bad events); after auth-api 2.3.1 was deployed") == true)
        // The background ticket on free-07's search errors has no change to blame (search-api 1.49.0 shipped at 13:40).
        let search = incidents.first { $0["outcome"] as? String == "search-availability" }
        let searchInvestigation = search?["investigation"] as? [String: Any]
        #expect(searchInvestigation?["change"] == nil || searchInvestigation?["change"] is NSNull)

        // Everything went through the server's pipeline as OTLP protobuf, and none of it was refused.
        let pipeline = try #require(story["pipeline"] as? [String: Any])
        #expect((pipeline["spans"] as? Int ?? 0) > 1_000_000 && pipeline["spans"] as? Int == story["spans"] as? Int)
        #expect((pipeline["requests"] as? Int ?? 0) > 1_000)
        #expect(pipeline["rejected"] as? Int == 0 && pipeline["failedRequests"] as? Int == 0)

        // The page the notifier sent, as the PagerDuty stand-in received it: an Events v2 trigger, deduplicated by
        // the incident, then updates under the same key, then the resolve.
        let page = try #require(story["page"] as? [String: Any])
        #expect(page["event_action"] as? String == "trigger")
        #expect(page["dedup_key"] as? String == detection["incident"] as? String)
        #expect(page["routing_key"] as? String == "demo-routing-key")
        let payload = try #require(page["payload"] as? [String: Any])
        #expect(payload["severity"] as? String == "critical" && payload["source"] as? String == "goalpost")
        #expect((payload["summary"] as? String)?.hasPrefix("[PAGE] ") == true)
        #expect((payload["summary"] as? String)?.contains("after auth-api 2.3.1 was deployed") == true)
        let events = try #require(story["pagerDuty"] as? [[String: Any]])
        #expect(events.allSatisfy { $0["dedup_key"] as? String == detection["incident"] as? String })
        #expect(events.last?["event_action"] as? String == "resolve")
        let lastUpdate = events.last { $0["event_action"] as? String == "trigger" }
        let lastSummary = (lastUpdate?["payload"] as? [String: Any])?["summary"] as? String ?? ""
        #expect(lastSummary.contains("http.route=/sso/callback") && lastSummary.contains("6 customers affected"), "\(lastSummary)")
        let slack = try #require(story["slack"] as? [String: Any])
        #expect((slack["text"] as? String)?.contains(detection["incident"] as? String ?? "?") == true)

        // Every notification was about the SSO incident and was delivered; the background ticket woke nobody. The
        // bad deploy's first failing check (10 minutes after it) told Slack once; the later failing checks did not.
        let all = try #require(story["notifications"] as? [[String: Any]])
        let deployNotices = all.filter { $0["event"] as? String == "deploy.check" }
        #expect(deployNotices.count == 1)
        #expect(deployNotices.first?["incident"] as? String == "deploy:auth-api@2.3.1")
        #expect(deployNotices.first?["target"] as? String == "incidents-slack" && deployNotices.first?["status"] as? String == "sent")
        #expect((deployNotices.first?["at"] as? String)?.hasSuffix("T14:15:00Z") == true, "\(deployNotices)")
        // What the Slack stand-in received for it: the summary, and the check as Markdown naming the customers.
        let deploySlack = try #require(story["deployCheckSlack"] as? [String: Any])
        #expect((deploySlack["text"] as? String)?.hasPrefix("Deploy check failed: auth-api@2.3.1 after 10m: fail — sign-in: error ratio regressed overall") == true,
                "\(deploySlack)")
        let blockText = (deploySlack["blocks"] as? [[String: Any]] ?? []).compactMap { ($0["text"] as? [String: Any])?["text"] as? String }.joined(separator: "\n")
        #expect(blockText.contains("#### auth-api@2.3.1, 10m after the deploy: **FAIL**") && blockText.contains("| sign-in | fail | fail |"), "\(blockText)")
        let checks = try #require(story["deployChecks"] as? [[String: Any]])
        let bad = checks.filter { $0["deploy"] as? String == "auth-api@2.3.1" }
        #expect(bad.compactMap { $0["after"] as? String } == ["10m", "30m", "1h", "2h"] && bad.allSatisfy { $0["verdict"] as? String == "fail" })
        #expect(checks.filter { $0["deploy"] as? String != "auth-api@2.3.1" }.allSatisfy { $0["verdict"] as? String == "pass" }, "\(checks)")
        let notifications = all.filter { $0["event"] as? String != "deploy.check" }
        #expect(Set(notifications.compactMap { $0["target"] as? String }) == ["oncall-pagerduty", "incidents-slack"])
        #expect(notifications.allSatisfy { $0["incident"] as? String == detection["incident"] as? String && $0["status"] as? String == "sent" })
        #expect(notifications.first?["at"] as? String == detection["openedAt"] as? String)
        #expect(Set(notifications.compactMap { $0["event"] as? String }) == ["opened", "investigated", "resolved"])
    }

    @Test("other seeds tell the same story: six SSO customers paged within 2 minutes, the cause named, nobody woken for the noise", arguments: [1, 3])
    func demoOtherSeeds(seed: Int) throws {
        let result = try runCommand(try goalpost(), ["demo", "--seed", String(seed), "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let story = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(story["seed"] as? Int == seed)
        let detection = try #require(story["detection"] as? [String: Any])
        #expect(detection["outcome"] as? String == "sign-in" && detection["severity"] as? String == "page")
        let delay = try #require(detection["delaySeconds"] as? Double)
        #expect(delay > 0 && delay <= 120)
        let failing = try #require(story["failingCustomers"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(failing == ["acme", "globex", "initech", "soylent", "stark", "umbrella"])
        let incidents = try #require(story["incidents"] as? [[String: Any]])
        let signIn = try #require(incidents.first { $0["outcome"] as? String == "sign-in" })
        let investigation = try #require(signIn["investigation"] as? [String: Any])
        let suspects = try #require(investigation["suspects"] as? [[String: Any]])
        #expect(suspects.first?["attributes"] as? [String: String] == ["http.route": "/sso/callback", "service.version": "2.3.1"])
        #expect((investigation["change"] as? [String: Any])?["version"] as? String == "2.3.1")
        let ranking = try #require(story["ranking"] as? [[String: Any]])
        #expect(ranking.first?["outcome"] as? String == "sign-in")
        // Whatever the noise did this time, it reached nobody: every notification sent is about the SSO incident
        // or the bad deploy's check.
        let sent = try #require(story["notifications"] as? [[String: Any]]).filter { $0["status"] as? String == "sent" }
        #expect(sent.allSatisfy { $0["incident"] as? String == detection["incident"] as? String || $0["incident"] as? String == "deploy:auth-api@2.3.1" }, "\(sent)")
        #expect(try #require(story["pagerDuty"] as? [[String: Any]]).allSatisfy { $0["dedup_key"] as? String == detection["incident"] as? String })
    }

    @Test("the same seed tells the same story, byte for byte")
    func demoDeterministic() throws {
        let first = try runCommand(try goalpost(), ["demo", "--seed", "3", "--format", "json"])
        let second = try runCommand(try goalpost(), ["demo", "--seed", "3", "--format", "json"])
        #expect(first.status == 0 && second.status == 0)
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.count > 10_000)
    }

    @Test("the demo's text tells the story in order: outcomes, the deploy, detection, the hidden failure, impact, investigation, rank, recommendation, notification")
    func demoText() throws {
        let result = try runCommand(try goalpost(), ["demo"])
        #expect(result.status == 0)
        let text = result.stdout
        let markers = ["Every customer can sign in successfully 99.9% of the time.", "auth-api 2.3.1", "Goalpost pages: sign-in",
                       "still looks healthy", "Per customer", "Impact: 6 customers", "Investigation (", "Where:    http.route=/sso/callback",
                       "Ranked by business impact", "1. page   sign-in", "2. ticket", "Recommendation: Roll back auth-api 2.3.1",
                       "The page Goalpost sent", "Notifications (", "Deploy checks (", "auth-api 2.3.1: 10m fail"]
        let positions = markers.map { text.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil }, "\(text)")
        let found = positions.compactMap { $0 }
        #expect(found == found.sorted())
    }

    @Test("simulate --fault-after moves the fault and the day's deploys with it; --customers grows the company it writes")
    func faultAfterAndCustomers() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("short.jsonl").path
        let simulate = try runCommand(try goalpost(), [
            "simulate", "--out", file, "--start", "2026-11-16T09:00:00Z", "--duration", "30m", "--fault-after", "10m", "--customers", "120",
        ])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let onsets = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file + ".onsets.json"))) as? [[String: Any]])
        // 2026-11-16T09:10:00Z, and the rollback 90 minutes on.
        #expect(onsets.first?["start_unix_nano"] as? String == "1794820200000000000", "\(onsets)")
        #expect(onsets.first?["end_unix_nano"] as? String == "1794825600000000000")
        let deploys = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file + ".deploys.json"))) as? [[String: Any]])
        #expect(deploys.contains { $0["version"] as? String == "2.3.1" && $0["time_unix_nano"] as? String == "1794820200000000000" })
        let customers = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file + ".customers.json"))) as? [[String: Any]])
        #expect(customers.count == 120)
        let telemetry = try String(contentsOfFile: file, encoding: .utf8)
        // 112 beyond the enterprise eight: 37 business (16 standard, then business-017…) and 75 free.
        #expect(telemetry.contains(#""stringValue":"free-075""#) && telemetry.contains(#""stringValue":"business-037""#))
    }

    @Test("simulate writes OTLP/JSON and its ground truth; backtest of it finds the fault with its detection delay")
    func simulateThenBacktest() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("day.jsonl").path
        let simulate = try runCommand(try goalpost(), ["simulate", "--out", file, "--start", "2026-11-16T12:00:00Z", "--duration", "4h"])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let backtest = try runCommand(try goalpost(), [
            "backtest", "--config", TestPaths.examples.path, "--telemetry", file, "--deploys", file + ".deploys.json",
            "--onsets", file + ".onsets.json", "--customers", file + ".customers.json", "--format", "json",
        ])
        #expect(backtest.status == 0, "\(backtest.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(backtest.stdout.utf8)) as? [String: Any])
        let quality = try #require(report["quality"] as? [String: Any])
        let onsets = try #require(quality["onsets"] as? [[String: Any]])
        #expect(onsets.count == 1)
        let delay = try #require(onsets.first?["detectionDelaySeconds"] as? Double)
        #expect(delay > 0 && delay <= 180)
        let incidents = try #require(report["incidents"] as? [[String: Any]])
        let signIn = try #require(incidents.first { $0["outcome"] as? String == "sign-in" })
        // The stable schema of docs/backtest.md.
        for key in ["outcome", "scope", "severity", "openedAt", "resolvedAt", "impact", "rank"] {
            #expect(signIn.keys.contains(key), "missing \(key)")
        }
        let impact = try #require(signIn["impact"] as? [String: Any])
        for key in ["customers", "badEvents", "totalEvents", "arrAtRisk", "budgetBurned"] {
            #expect(impact.keys.contains(key), "missing impact.\(key)")
        }
        let investigation = try #require(signIn["investigation"] as? [String: Any])
        for key in ["onset", "suspects", "change", "evidence", "impact", "recommendation"] {
            #expect(investigation.keys.contains(key), "missing investigation.\(key)")
        }
        let suspect = try #require((investigation["suspects"] as? [[String: Any]])?.first?["attributes"] as? [String: String])
        #expect(suspect["http.route"] == "/sso/callback", "\(suspect)")
        // The simulated day's deploys, in time order (checkout 09:30 and search 13:40 precede the window).
        let deploys = try #require(report["deploys"] as? [[String: Any]]).map { "\($0["service"] ?? "") \($0["version"] ?? "") \($0["time"] ?? "")" }
        #expect(deploys == [
            "checkout-api 5.13.0 2026-11-16T09:30:00Z", "search-api 1.49.0 2026-11-16T13:40:00Z",
            "auth-api 2.3.1 2026-11-16T14:05:00Z", "auth-api 2.3.0 2026-11-16T15:35:00Z",
        ])
        let replay = try #require(report["replay"] as? [String: Any])
        #expect((replay["spans"] as? Int ?? 0) > 100_000)
        #expect(replay["skippedLines"] as? Int == 0)
    }

    @Test("a bad line is reported with file and line number and skipped; --strict stops at it")
    func badLines() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("mixed.jsonl").path
        _ = try runCommand(try goalpost(), ["simulate", "--out", file, "--start", "2026-11-16T12:00:00Z", "--duration", "3m"])
        var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count >= 8)
        lines.insert(String(lines[1].prefix(100)), at: 2)                    // line 3: truncated
        lines.insert(#"{"hello":"world","resourceSpans":7}"#, at: 4)          // line 5: a wrong type
        lines.insert("GET /healthz 200 OK", at: 6)                            // line 7: not OTLP, not even JSON
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)

        let lenient = try runCommand(try goalpost(), ["backtest", "--config", TestPaths.examples.path, "--telemetry", file, "--format", "json"])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stderr.contains("\(file):3:"))
        #expect(lenient.stderr.contains("\(file):5:"))
        #expect(lenient.stderr.contains("\(file):7:"))
        #expect(lenient.stderr.contains("resourceSpans"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(lenient.stdout.utf8)) as? [String: Any])
        let replay = try #require(report["replay"] as? [String: Any])
        #expect(replay["skippedLines"] as? Int == 3)
        #expect(replay["decodedLines"] as? Int == lines.count - 3)

        let strict = try runCommand(try goalpost(), ["backtest", "--config", TestPaths.examples.path, "--telemetry", file, "--strict"])
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("\(file):3:"))
    }

    @Test("backtest names a definitions folder with errors and exits non-zero")
    func badConfig() throws {
        let bad = TestPaths.repositoryRoot.appendingPathComponent("Tests/GoalpostDefinitionsTests/Fixtures/validate/bad/objective-above-one.yaml").path
        let result = try runCommand(try goalpost(), ["backtest", "--config", bad, "--telemetry", "/nonexistent.jsonl"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("objective-above-one.yaml:10:14: error:"))
    }

    @Test("simulate names the file it cannot create and why")
    func simulateUnwritable() throws {
        let result = try runCommand(try goalpost(), ["simulate", "--out", "/nonexistent-goalpost-dir/day.jsonl", "--duration", "1m"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent-goalpost-dir/day.jsonl: cannot create the file (its folder does not exist)"))
    }

    @Test("simulate refuses an unknown fault by name, listing the known ones")
    func simulateUnknownFault() throws {
        let result = try runCommand(try goalpost(), ["simulate", "--out", "/tmp/unused.jsonl", "--fault", "meteor"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--fault 'meteor' is not one of sso-deploy, customer-latency, region-outage, checkout-slow-deploy, text-deploy, customer-break-deploy, none"))
    }
}
