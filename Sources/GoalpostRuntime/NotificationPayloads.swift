import Foundation
import GoalpostInvestigation
import GoalpostModel

/// What happened to an incident that people may need to hear about.
public enum IncidentEventKind: String, Sendable, Codable, CaseIterable {
    case opened, escalated, investigated, acknowledged, resolved
}

/// The bodies Goalpost sends, one builder per kind of target. Pure: tests check them against the receivers'
/// published schemas (Slack `text` + `blocks`; PagerDuty Events API v2; Alertmanager API v2 alerts).
public enum NotificationPayloads {
    /// The one-line summary every message leads with.
    public static func summary(_ incident: Incident, _ investigation: Investigation?, event: IncidentEventKind) -> String {
        let verb: String
        switch event {
        case .opened: verb = incident.severity == .page ? "PAGE" : "TICKET"
        case .escalated: verb = "ESCALATED TO PAGE"
        case .investigated: verb = "UPDATE"
        case .acknowledged: verb = "ACKNOWLEDGED"
        case .resolved: verb = "RESOLVED"
        }
        let what = investigation?.summary ?? "\(incident.outcome) is burning its error budget; \(incident.impact.customers.count) customers affected"
        return "[\(verb)] \(incident.id): \(what)"
    }

    static func dashboardLink(_ base: String, _ incident: Incident) -> String {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return "\(trimmed)/incidents/\(incident.id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? incident.id)"
    }

    static func money(_ value: Double) -> String {
        value >= 1_000_000 ? String(format: "$%.2fM", value / 1_000_000) : value >= 1_000 ? String(format: "$%.0fk", value / 1_000) : String(format: "$%.0f", value)
    }

    static func json(_ object: Any) -> [UInt8] {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { [UInt8]($0) } ?? Array("{}".utf8)
    }

    /// A Slack incoming-webhook message: `text` (the fallback and notification line) and Block Kit `blocks`.
    public static func slack(_ incident: Incident, _ investigation: Investigation?, event: IncidentEventKind, dashboard: String, note: String? = nil) -> [UInt8] {
        let line = summary(incident, investigation, event: event)
        var blocks: [[String: Any]] = [
            ["type": "header", "text": ["type": "plain_text", "text": String("\(event == .resolved ? "✅" : incident.severity == .page ? "🚨" : "⚠️") \(incident.outcome): \(event.rawValue)".prefix(150))]],
            ["type": "section", "text": ["type": "mrkdwn", "text": String(line.prefix(3000))]],
            ["type": "section", "fields": [
                ["type": "mrkdwn", "text": "*Severity*\n\(incident.severity.rawValue)"],
                ["type": "mrkdwn", "text": "*Customers*\n\(incident.impact.customers.prefix(8).joined(separator: ", "))\(incident.impact.customers.count > 8 ? " +\(incident.impact.customers.count - 8)" : "")"],
                ["type": "mrkdwn", "text": "*ARR at risk*\n\(money(incident.impact.arrAtRisk))"],
                ["type": "mrkdwn", "text": "*Rank*\n\(String(format: "%.2f", incident.rank))"],
            ]],
        ]
        if let recommendation = investigation?.recommendation.text, event != .resolved {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": "*What to do:* \(recommendation)"]])
        }
        if let note { blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": note]]]) }
        blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": "<\(dashboardLink(dashboard, incident))|Open the investigation in Goalpost>"]]])
        return json(["text": line, "blocks": blocks])
    }

    /// A PagerDuty Events API v2 event; `dedup_key` is the incident id, so one incident is one PagerDuty alert.
    public static func pagerDuty(_ incident: Incident, _ investigation: Investigation?, event: IncidentEventKind, routingKey: String, dashboard: String) -> [UInt8] {
        let action: String
        switch event {
        case .opened, .escalated, .investigated: action = "trigger"
        case .acknowledged: action = "acknowledge"
        case .resolved: action = "resolve"
        }
        var body: [String: Any] = ["routing_key": routingKey, "event_action": action, "dedup_key": incident.id]
        if action == "trigger" {
            var details: [String: Any] = [
                "outcome": incident.outcome, "customers": incident.impact.customers, "arr_at_risk": incident.impact.arrAtRisk,
                "bad_events": incident.impact.badEvents, "rank": incident.rank, "opened_at": Timestamp.format(incident.openedAt),
            ]
            if let investigation {
                details["summary"] = investigation.summary
                details["recommendation"] = investigation.recommendation.text
                if let change = investigation.change { details["change"] = "\(change.service) \(change.version)" }
                if let suspect = investigation.suspects.first {
                    details["where"] = suspect.attributes.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
                }
            }
            body["payload"] = [
                "summary": String(summary(incident, investigation, event: event).prefix(1024)),
                "source": "goalpost", "severity": incident.severity == .page ? "critical" : "warning",
                "timestamp": Timestamp.format(incident.openedAt), "component": incident.outcome, "class": "outcome",
                "custom_details": details,
            ] as [String: Any]
            body["links"] = [["href": dashboardLink(dashboard, incident), "text": "Investigation in Goalpost"]]
            body["client"] = "Goalpost"
            body["client_url"] = dashboardLink(dashboard, incident)
        }
        return json(body)
    }

    /// Alertmanager API v2 (`POST /api/v2/alerts`): one alert per incident; `endsAt` set when it resolves.
    public static func alertmanager(_ incident: Incident, _ investigation: Investigation?, event: IncidentEventKind, dashboard: String, now: Int64) -> [UInt8] {
        var labels: [String: String] = [
            "alertname": "GoalpostOutcomeViolated", "outcome": incident.outcome, "severity": incident.severity.rawValue,
            "incident": incident.id, "source": "goalpost",
        ]
        if let customer = incident.scope.customer { labels["customer"] = customer }
        var annotations: [String: String] = [
            "summary": summary(incident, investigation, event: .opened),
            "customers": incident.impact.customers.joined(separator: ","),
            "arr_at_risk": String(format: "%.0f", incident.impact.arrAtRisk),
            "dashboard": dashboardLink(dashboard, incident),
        ]
        if let investigation { annotations["recommendation"] = investigation.recommendation.text }
        var alert: [String: Any] = [
            "labels": labels, "annotations": annotations, "startsAt": Timestamp.format(incident.openedAt),
            "generatorURL": dashboardLink(dashboard, incident),
        ]
        // While open, the alert is re-sent before Alertmanager's resolve timeout; endsAt in the future keeps it firing.
        alert["endsAt"] = Timestamp.format(event == .resolved ? (incident.resolvedAt ?? now) : now + 10 * 60_000_000_000)
        return json([alert])
    }

    /// The generic webhook: the event, the incident and its investigation, as JSON.
    public static func webhook(_ incident: Incident, _ investigation: Investigation?, event: IncidentEventKind, dashboard: String) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let incidentJSON = (try? encoder.encode(incident)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
        let investigationJSON = investigation.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) } ?? "null"
        let text = "{\"dashboard\":\(String(decoding: json([dashboardLink(dashboard, incident)]), as: UTF8.self).dropFirst().dropLast()),\"event\":\"\(event.rawValue)\",\"incident\":\(incidentJSON),\"investigation\":\(investigationJSON)}"
        return Array(text.utf8)
    }

    /// A Slack message about a deploy check that failed: the summary, then the check as Markdown.
    public static func slack(deployCheck check: DeployCheck, dashboard: String) -> [UInt8] {
        let line = "Deploy check failed: \(check.summary)"
        let blocks: [[String: Any]] = [
            ["type": "header", "text": ["type": "plain_text", "text": String("❌ \(check.deploy): \(check.after) after the deploy".prefix(150))]],
            ["type": "section", "text": ["type": "mrkdwn", "text": String(line.prefix(3000))]],
            ["type": "section", "text": ["type": "mrkdwn", "text": String(check.markdown.prefix(3000))]],
            ["type": "context", "elements": [["type": "mrkdwn", "text": "<\(dashboard)/api/v1/deploys/\(check.deploy)/report|The deploy's plan and checks in Goalpost>"]]],
        ]
        return json(["text": line, "blocks": blocks])
    }

    /// A webhook body about a deploy check: `{"event": "deploy.check", "check": …, "markdown": …}`.
    public static func webhook(deployCheck check: DeployCheck) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let checkJSON = (try? encoder.encode(check)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
        let markdown = String(decoding: json([check.markdown]), as: UTF8.self).dropFirst().dropLast()
        return Array("{\"check\":\(checkJSON),\"event\":\"deploy.check\",\"markdown\":\(markdown)}".utf8)
    }
}
