import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostRuntime
import GoalpostStore

/// What the demo found, in the order a person wants to hear it; text for people, JSON for tests and tools.
struct DemoStory: Encodable {
    /// How long each investigation took (not part of the story's output).
    var investigationDurations: [Duration] = []

    var seed: UInt64
    var catalog: Catalog
    var deploys: [Deploy]
    var onset: KnownOnset?
    var report: BacktestReport
    var atDetection: OutcomeStatus?
    /// The fault's outcome cells from its onset to the incident's resolution.
    var incidentCells: [CellCounts]
    /// What went through the pipeline.
    var pipeline: DemoLoader.Summary
    /// What the notifier recorded (sent, suppressed, dead), oldest first.
    var notifications: [NotificationRecord]
    /// What the PagerDuty and Slack stand-ins received, in order.
    var received: [DemoReceiver.Request]
    /// Every deploy check the pipeline made, in the order they ran.
    var deployChecks: [DeployCheck] = []

    /// Each affected customer's good and valid events during the incident, worst first.
    func customerCounts(_ incident: Incident) -> [(id: String, counts: Counts)] {
        var byCustomer: [String: Counts] = [:]
        for cell in incidentCells {
            guard let id = cell.customer else { continue }
            let sum = byCustomer[id] ?? Counts(good: 0, total: 0)
            byCustomer[id] = Counts(good: sum.good + cell.counts.good, total: sum.total + cell.counts.total)
        }
        return incident.impact.customers.map { ($0, byCustomer[$0] ?? Counts(good: 0, total: 0)) }
            .sorted { ($0.counts.badRatio, $0.id) > ($1.counts.badRatio, $1.id) }
    }

    /// The incident that caught the injected fault.
    var detection: BacktestReport.Entry? {
        guard let onset else { return nil }
        return report.incidents.first { $0.onset == 0 && $0.incident.outcome == onset.outcome }
    }

    /// Incidents other than the fault's, most impactful first.
    var background: [Incident] {
        report.incidents.filter { $0.onset == nil }.map(\.incident).sorted { $0.rank > $1.rank }
    }

    func customer(_ id: String) -> Customer? { catalog.customer(id: id) }

    // MARK: Text

    var text: String {
        var lines: [String] = []
        let tiers = Dictionary(grouping: catalog.customers, by: { $0.tier ?? "untiered" }).mapValues(\.count)
        lines.append("Goalpost demo — two simulated days of a B2B SaaS (seed \(seed)): \(catalog.customers.count) customers "
            + "(\(tiers.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))), "
            + "\(catalog.services.count) services, \(Format.count(Double(report.replay.spans))) spans.")
        lines.append("Sent as \(Format.count(Double(pipeline.requests))) OTLP protobuf export requests through the server's pipeline: "
            + "decoder, SQLite store, evaluator every simulated minute, investigator, notifier.")
        lines.append("")
        lines.append("What must be true for customers:")
        for outcome in catalog.outcomes {
            lines.append("  \(outcome.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(outcome.statement)")
        }
        lines.append("")
        lines.append("Deploys:")
        for deploy in deploys {
            lines.append("  \(Format.clock(deploy.timeUnixNano))  \(deploy.service) \(deploy.version)  \(deploy.title ?? "")")
        }
        guard let onset, let detection else {
            lines.append("")
            lines.append("The injected fault was NOT detected.")
            return lines.joined(separator: "\n")
        }
        let incident = detection.incident
        lines.append("")
        lines.append("\(Format.clock(onset.startUnixNano))  The fault begins: \(onset.description ?? onset.outcome).")
        lines.append("\(Format.clock(incident.openedAt))  Goalpost \(incident.severity == .page ? "pages" : "opens a ticket"): "
            + "\(incident.outcome) is failing for \(failingText(incident)) — \(Format.duration(seconds: detection.detectionDelaySeconds ?? 0)) after onset.")
        if let global = atDetection?.global {
            let threshold = global.rules.first?.threshold ?? 14.4
            let hourShare = global.rules.first.map { 1 - $0.long.badRatio } ?? 1
            lines.append("        Globally \(incident.outcome) still looks healthy: \(Format.ratio(hourShare)) good over the last hour, "
                + "burn rate \(String(format: "%.1f", global.burnRate1h)) (pages at \(String(format: "%.1f", threshold))): no global alert.")
        }
        lines.append("        Per customer, the picture is different (from the deploy to the rollback):")
        for (id, counts) in customerCounts(incident) {
            let info = customer(id)
            lines.append("          \((info?.name ?? id).padding(toLength: 18, withPad: " ", startingAt: 0)) \((info?.tier ?? "").padding(toLength: 11, withPad: " ", startingAt: 0))"
                + "\(Format.money(info?.arr ?? 0).padding(toLength: 7, withPad: " ", startingAt: 0))  "
                + "\(Format.percent(counts.badRatio)) of sign-ins failing (\(Format.count(counts.bad)) of \(Format.count(counts.total)))")
        }
        let impact = incident.impact
        lines.append("")
        lines.append("Impact: \(impact.customers.count) customers, \(Format.count(impact.badEvents)) failed sign-ins of \(Format.count(impact.totalEvents)), "
            + "ARR at risk \(Format.money(impact.arrAtRisk)), \(Format.percent(impact.budgetBurned)) of their error budget burned.")
        if let investigation = detection.investigation {
            lines.append("")
            lines.append("Investigation (attached to the incident, docs/investigation.md):")
            if let onsetFound = investigation.onset {
                lines.append("  Started:  \(Format.clock(onsetFound.at)) (bad ratio \(Format.percent(onsetFound.badRatioBefore)) before, \(Format.percent(onsetFound.badRatioAfter)) after)")
            }
            if let top = investigation.suspects.first {
                let attributes = top.attributes.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
                lines.append("  Where:    \(attributes)")
            }
            if let change = investigation.change {
                lines.append("  Change:   \(change.service) \(change.version) (score \(String(format: "%.2f", change.score)))")
            } else {
                lines.append("  Change:   no recorded change explains it")
            }
        }
        lines.append("")
        lines.append("Ranked by business impact:")
        let ranked = ([incident] + background).sorted { $0.rank > $1.rank }
        for (index, item) in ranked.prefix(5).enumerated() {
            let scope = item.scopes.compactMap(\.customer)
            let who = scope.isEmpty ? "everyone" : (scope.count == 1 ? scope[0] : "\(scope.count) customers")
            lines.append("  \(index + 1). \(item.severity.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \(item.outcome) (\(who)) rank \(String(format: "%.4f", item.rank))")
        }
        if let investigation = detection.investigation {
            lines.append("")
            lines.append("Recommendation: \(investigation.recommendation.text)")
        }
        if let page = pagePayload {
            let payload = page["payload"] as? [String: Any] ?? [:]
            lines.append("")
            lines.append("The page Goalpost sent (PagerDuty Events API v2, received by the demo's stand-in on a loopback port; docs/notifications.md):")
            lines.append("  event_action: \(page["event_action"] as? String ?? "")   dedup_key: \(page["dedup_key"] as? String ?? "")")
            lines.append("  severity:     \(payload["severity"] as? String ?? "")   source: \(payload["source"] as? String ?? "")   component: \(payload["component"] as? String ?? "")")
            lines.append("  summary:      \(payload["summary"] as? String ?? "")")
            if let link = (page["links"] as? [[String: Any]])?.first?["href"] as? String { lines.append("  link:         \(link)") }
            let updates = pagerDutyEvents.dropFirst().filter { $0["event_action"] as? String == "trigger" }
            if let last = updates.last, let summary = (last["payload"] as? [String: Any])?["summary"] as? String {
                lines.append("  It pages on what the first minute showed; \(updates.count) updates with the same dedup_key follow as the investigation sees more. The last:")
                lines.append("  summary:      \(summary)")
            }
            if pagerDutyEvents.contains(where: { $0["event_action"] as? String == "resolve" }) {
                lines.append("  On resolution, a resolve event with the same dedup_key closes the PagerDuty alert.")
            }
        }
        let sent = notifications.filter { $0.status == .sent }
        if !notifications.isEmpty {
            lines.append("")
            lines.append("Notifications (\(sent.count) sent, \(notifications.count - sent.count) not), as the notifier recorded them:")
            // One line per moment and event: the targets told, and how each delivery ended.
            var groups: [(at: Int64, event: String, incident: String, deliveries: [String])] = []
            for record in notifications {
                let delivery = "\(record.target) \(record.status.rawValue) (\(record.detail))"
                if let last = groups.last, last.at == record.at, last.event == record.event, last.incident == record.incident {
                    groups[groups.count - 1].deliveries.append(delivery)
                } else {
                    groups.append((record.at, record.event, record.incident, [delivery]))
                }
            }
            for group in groups {
                lines.append("  \(Format.clock(group.at))  \(group.event.padding(toLength: 12, withPad: " ", startingAt: 0)) \(group.incident) → "
                    + group.deliveries.joined(separator: ", "))
            }
        }
        let quiet = background.filter { item in !notifications.contains { $0.incident == item.id && $0.status == .sent } }
        if !quiet.isEmpty {
            lines.append("  Not sent: \(quiet.map { "\($0.severity.rawValue) \($0.outcome) (rank \(String(format: "%.4f", $0.rank)))" }.joined(separator: ", ")) "
                + "— below the on-call policy's minimum rank; it stays on the dashboard.")
        }
        if !deployChecks.isEmpty {
            lines.append("")
            lines.append("Deploy checks (each deploy before and after, in aggregate and per customer; docs/deploys.md):")
            for deploy in deploys {
                let checks = deployChecks.filter { $0.deploy == DeployVerifier.id(deploy) && $0.deployedAt == deploy.timeUnixNano }
                guard let last = checks.last else { continue }
                let verdicts = checks.map { "\($0.after) \($0.verdict.rawValue)" }.joined(separator: ", ")
                lines.append("  \(deploy.service) \(deploy.version): \(verdicts)")
                let detail = last.summary.split(separator: "—", maxSplits: 1).dropFirst().first.map { String($0).trimmingCharacters(in: .whitespaces) }
                if let detail { lines.append("      \(detail)") }
                for effect in last.intendedEffects {
                    lines.append("      intended: \(effect.effect.outcome) \(effect.effect.metric.label) \(effect.effect.expected == .down ? "falls" : "rises") — \(effect.status.rawValue.replacingOccurrences(of: "_", with: " "))")
                }
            }
        }
        lines.append("")
        let rollback = deploys.first { $0.service == (deploys.first { $0.timeUnixNano == onset.startUnixNano }?.service ?? "") && $0.timeUnixNano > onset.startUnixNano }
        if let rollback { lines.append("\(Format.clock(rollback.timeUnixNano))  \(rollback.service) \(rollback.version): \(rollback.title ?? "deployed").") }
        if let resolved = incident.resolvedAt {
            lines.append("\(Format.clock(resolved))  Resolved: every rule has been quiet for the hold period (the 3-day/6-hour ticket rule "
                + "keeps watching until its 6-hour window no longer holds the failures).")
        } else {
            // Scopes whose last word in the history is not "resolved" still burn budget when the simulation ends.
            var last: [String: IncidentChange.Kind] = [:]
            for event in incident.history { if let customer = event.scope?.customer { last[customer] = event.kind } }
            let open = last.filter { $0.value != .scopeResolved }.keys.sorted()
            lines.append("Still open when the simulation ends: \(open.isEmpty ? "the incident" : open.joined(separator: ", ")) — "
                + "a few stray errors after the rollback keep its 3-day/6-hour ticket rule above the objective (docs/evaluation.md).")
        }
        return lines.joined(separator: "\n")
    }

    func failingText(_ incident: Incident) -> String {
        let customers = incident.impact.customers
        let tiers = Set(customers.compactMap { customer($0)?.tier })
        let tierText = tiers.count == 1 ? " \(tiers.first ?? "")" : ""
        return "\(customers.count)\(tierText) customer\(customers.count == 1 ? "" : "s")"
    }

    /// The PagerDuty trigger for the fault's incident, as the stand-in received it.
    var pagePayload: [String: Any]? { pagerDutyEvents.first { $0["event_action"] as? String == "trigger" } }

    /// Every PagerDuty event about the fault's incident, in the order sent: the trigger, updates as the
    /// investigation learned more (triggers with the same `dedup_key`), the resolve.
    var pagerDutyEvents: [[String: Any]] {
        guard let id = detection?.incident.id else { return [] }
        return received.filter { $0.path == "/pagerduty" }.compactMap { $0.json as? [String: Any] }.filter { $0["dedup_key"] as? String == id }
    }

    /// The Slack message announcing the fault's incident, as the stand-in received it.
    var slackMessage: [String: Any]? {
        guard let id = detection?.incident.id else { return nil }
        return received.first { $0.path == "/slack" && String(decoding: $0.body, as: UTF8.self).contains(id) }?.json as? [String: Any]
    }

    // MARK: JSON

    private enum CodingKeys: String, CodingKey {
        case seed, spans, pipeline, outcomes, deploys, onset, detection, globalAtDetection, failingCustomers, impact, ranking, incidents, page, pagerDuty, slack,
             notifications, deployChecks, deployCheckSlack
    }

    /// The Slack message announcing the first failing deploy check, as the stand-in received it.
    var deployCheckSlack: [String: Any]? {
        received.lazy.filter { $0.path == "/slack" }.compactMap { $0.json as? [String: Any] }
            .first { ($0["text"] as? String)?.hasPrefix("Deploy check failed") == true }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seed, forKey: .seed)
        try container.encode(report.replay.spans, forKey: .spans)
        try container.encode(catalog.outcomes.map { ["name": $0.name, "statement": $0.statement] }, forKey: .outcomes)
        try container.encode(deploys.map { ["service": $0.service, "version": $0.version, "time": Timestamp.format($0.timeUnixNano), "title": $0.title ?? ""] }, forKey: .deploys)
        if let onset {
            try container.encode(OnsetJSON(outcome: onset.outcome, customers: onset.customers, start: Timestamp.format(onset.startUnixNano),
                                           end: onset.endUnixNano.map(Timestamp.format), description: onset.description), forKey: .onset)
        }
        if let detection {
            try container.encode(DetectionJSON(incident: detection.incident.id, outcome: detection.incident.outcome, severity: detection.incident.severity,
                                               openedAt: Timestamp.format(detection.incident.openedAt), delaySeconds: detection.detectionDelaySeconds ?? 0),
                                 forKey: .detection)
            try container.encode(detection.incident.impact, forKey: .impact)
            let failing = detection.incident.impact.customers.sorted().map { id in
                CustomerJSON(id: id, name: customer(id)?.name, tier: customer(id)?.tier, arr: customer(id)?.arr)
            }
            try container.encode(failing, forKey: .failingCustomers)
        } else {
            try container.encodeNil(forKey: .detection)
        }
        if let global = atDetection?.global {
            try container.encode(GlobalJSON(objective: global.objective, goodLastHour: global.rules.first.map { 1 - $0.long.badRatio },
                                            burnRate1h: global.burnRate1h, pageThreshold: global.rules.first?.threshold, firing: global.firing),
                                 forKey: .globalAtDetection)
        }
        let ranked = report.incidents.map(\.incident).sorted { $0.rank > $1.rank }
        try container.encode(ranked.map { RankJSON(incident: $0.id, outcome: $0.outcome, scope: $0.scope, customers: $0.impact.customers, severity: $0.severity, rank: $0.rank) },
                             forKey: .ranking)
        try container.encode(report.incidents, forKey: .incidents)
        if let page = pagePayload { try container.encode(JSONValue(page), forKey: .page) }
        try container.encode(pagerDutyEvents.map(JSONValue.init), forKey: .pagerDuty)
        if let slack = slackMessage { try container.encode(JSONValue(slack), forKey: .slack) }
        if let slack = deployCheckSlack { try container.encode(JSONValue(slack), forKey: .deployCheckSlack) }
        try container.encode(notifications.map {
            NotificationJSON(at: Timestamp.format($0.at), incident: $0.incident, target: $0.target, event: $0.event, status: $0.status.rawValue, detail: $0.detail)
        }, forKey: .notifications)
        try container.encode(deployChecks.map { DeployCheckJSON(deploy: $0.deploy, after: $0.after.description, verdict: $0.verdict.rawValue, summary: $0.summary) },
                             forKey: .deployChecks)
        try container.encode(PipelineJSON(spans: pipeline.spans, requests: pipeline.requests, rejected: pipeline.rejected, failedRequests: pipeline.failedRequests),
                             forKey: .pipeline)
    }

    struct NotificationJSON: Encodable { var at: String; var incident: String; var target: String; var event: String; var status: String; var detail: String }
    struct DeployCheckJSON: Encodable { var deploy: String; var after: String; var verdict: String; var summary: String }
    struct PipelineJSON: Encodable { var spans: Int; var requests: Int; var rejected: Int; var failedRequests: Int }
    struct OnsetJSON: Encodable { var outcome: String; var customers: [String]; var start: String; var end: String?; var description: String? }
    struct DetectionJSON: Encodable { var incident: String; var outcome: String; var severity: Severity; var openedAt: String; var delaySeconds: Double }
    struct CustomerJSON: Encodable { var id: String; var name: String?; var tier: String?; var arr: Double? }
    struct GlobalJSON: Encodable { var objective: Double; var goodLastHour: Double?; var burnRate1h: Double; var pageThreshold: Double?; var firing: Severity? }
    struct RankJSON: Encodable { var incident: String; var outcome: String; var scope: Scope; var customers: [String]; var severity: Severity; var rank: Double }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension Format {
    /// `99.41%` with two decimals, for SLIs near 100%.
    static func ratio(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }
}

/// A value `JSONSerialization` produced, encodable again (the demo's JSON carries the page payload as sent).
struct JSONValue: Encodable {
    let value: Any

    init(_ value: Any) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case let text as String: try container.encode(text)
        case let number as NSNumber where JSONText.isBool(number): try container.encode(number.boolValue)
        case let number as NSNumber: try container.encode(number.doubleValue)
        case let array as [Any]: try container.encode(array.map(JSONValue.init))
        case let object as [String: Any]: try container.encode(object.mapValues(JSONValue.init))
        default: try container.encodeNil()
        }
    }
}
