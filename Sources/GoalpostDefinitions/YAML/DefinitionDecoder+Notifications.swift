import Foundation
import GoalpostModel
import Yams

/// `NotificationTarget`, `EscalationPolicy` and `Runbook` documents (docs/notifications.md).
extension DefinitionDecoder {
    static let targetKinds = ["slack", "pagerduty", "webhook", "alertmanager"]

    /// An http(s) URL, or a `${VARIABLE}` the server fills in from its environment when it sends.
    static func checkURL(_ text: String, _ field: Field, context: inout DecodingContext) -> Bool {
        if isEnvironmentReference(text) { return true }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            context.error("\(field.path): '\(text)' is not an http or https URL (or a ${VARIABLE} to read from the server's environment)", at: field)
            return false
        }
        return true
    }

    static func isEnvironmentReference(_ text: String) -> Bool {
        text.hasPrefix("${") && text.hasSuffix("}") && text.count > 3
    }

    static func decodeNotificationTarget(_ spec: Mapping, header: Header, context: inout DecodingContext) -> NotificationTarget? {
        spec.rejectUnknownKeys(allowed: targetKinds + ["maxPerMinute"], context: &context)
        let given = targetKinds.filter { spec.value($0) != nil }
        guard given.count == 1, let kindName = given.first, let field = spec.value(kindName) else {
            context.error("spec: give exactly one of \(targetKinds.joined(separator: ", "))\(given.count > 1 ? " (found \(given.joined(separator: " and ")))" : "")", at: spec.field)
            return nil
        }
        guard let mapping = context.mapping(field) else { return nil }
        let kind: NotificationTarget.Kind
        switch kindName {
        case "slack":
            mapping.rejectUnknownKeys(allowed: ["webhookURL"], context: &context)
            guard let url = context.requiredString("webhookURL", in: mapping), let urlField = mapping.value("webhookURL"),
                  checkURL(url, urlField, context: &context) else { return nil }
            kind = .slack(webhookURL: url)
        case "pagerduty":
            mapping.rejectUnknownKeys(allowed: ["routingKey", "url"], context: &context)
            guard let key = context.requiredString("routingKey", in: mapping) else { return nil }
            let url = context.optionalString("url", in: mapping) ?? NotificationTarget.pagerDutyEventsURL
            if let urlField = mapping.value("url"), !checkURL(url, urlField, context: &context) { return nil }
            kind = .pagerDuty(routingKey: key, url: url)
        case "webhook":
            mapping.rejectUnknownKeys(allowed: ["url", "secret", "headers"], context: &context)
            guard let url = context.requiredString("url", in: mapping), let urlField = mapping.value("url"),
                  checkURL(url, urlField, context: &context) else { return nil }
            let headers = mapping.present("headers").flatMap { context.stringMap($0) } ?? [:]
            kind = .webhook(url: url, secret: context.optionalString("secret", in: mapping), headers: headers)
        default:
            mapping.rejectUnknownKeys(allowed: ["url"], context: &context)
            guard let url = context.requiredString("url", in: mapping), let urlField = mapping.value("url"),
                  checkURL(url, urlField, context: &context) else { return nil }
            kind = .alertmanager(url: url)
        }
        var target = NotificationTarget(name: header.name, kind: kind)
        if let field = spec.present("maxPerMinute"), let limit = context.int(field) {
            if limit < 1 { context.error("\(field.path): must be at least 1", at: field) } else { target.maximumPerMinute = limit }
        }
        return target
    }

    static func decodeEscalationPolicy(_ spec: Mapping, header: Header, references: inout [String: Field], context: inout DecodingContext) -> EscalationPolicy? {
        spec.rejectUnknownKeys(allowed: ["outcomes", "steps", "quietHours"], context: &context)
        var outcomes: [String] = []
        if let field = spec.present("outcomes") {
            outcomes = context.stringList(field) ?? []
            references["outcomes"] = field
        }
        guard let stepsField = spec.value("steps") else {
            context.error("spec.steps: is required", at: spec.field)
            return nil
        }
        guard case Node.sequence(let list) = stepsField.node, !list.isEmpty else {
            context.error("\(stepsField.path): expected a non-empty list of steps", at: stepsField)
            return nil
        }
        var steps: [EscalationPolicy.Step] = []
        for (index, node) in list.enumerated() {
            let field = stepsField.element(index, node)
            guard let step = context.mapping(field) else { continue }
            step.rejectUnknownKeys(allowed: ["severity", "minRank", "targets", "after"], context: &context)
            var severity = Severity.ticket
            if let severityField = step.present("severity"), let text = context.string(severityField) {
                guard let parsed = Severity(rawValue: text) else {
                    context.error("\(severityField.path): '\(text)' is not page or ticket", at: severityField)
                    continue
                }
                severity = parsed
            }
            guard let targetsField = step.value("targets") else {
                context.error("\(field.path).targets: is required", at: field)
                continue
            }
            let targets = context.stringList(targetsField) ?? []
            references["steps[\(index)].targets"] = targetsField
            var minimumRank = 0.0
            if let rankField = step.present("minRank"), let rank = context.number(rankField) {
                if rank < 0 { context.error("\(rankField.path): cannot be negative", at: rankField) } else { minimumRank = rank }
            }
            var after = TimeSpan.seconds(0)
            if let afterField = step.present("after"), let span = context.duration(afterField) { after = span }
            steps.append(EscalationPolicy.Step(severity: severity, minimumRank: minimumRank, targets: targets, after: after))
        }
        var quiet: EscalationPolicy.QuietHours?
        if let field = spec.present("quietHours"), let mapping = context.mapping(field) {
            mapping.rejectUnknownKeys(allowed: ["from", "to", "timeZone"], context: &context)
            func minute(_ key: String) -> Int? {
                guard let text = context.requiredString(key, in: mapping), let valueField = mapping.value(key) else { return nil }
                let parts = text.split(separator: ":")
                guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute) else {
                    context.error("\(valueField.path): '\(text)' is not a time of day such as 22:00", at: valueField)
                    return nil
                }
                return hour * 60 + minute
            }
            let timeZone = context.optionalString("timeZone", in: mapping) ?? "UTC"
            if TimeZone(identifier: timeZone) == nil, let zoneField = mapping.value("timeZone") {
                context.error("\(zoneField.path): '\(timeZone)' is not an IANA time zone such as Europe/Berlin", at: zoneField)
            }
            if let start = minute("from"), let end = minute("to") {
                quiet = EscalationPolicy.QuietHours(startMinute: start, endMinute: end, timeZone: timeZone)
            }
        }
        return EscalationPolicy(name: header.name, outcomes: outcomes, steps: steps, quietHours: quiet)
    }

    static func decodeRunbook(_ spec: Mapping, header: Header, references: inout [String: Field], context: inout DecodingContext) -> Runbook? {
        spec.rejectUnknownKeys(allowed: ["match", "action", "automatic", "dryRun"], context: &context)
        var match = Runbook.Match()
        if let field = spec.present("match"), let mapping = context.mapping(field) {
            mapping.rejectUnknownKeys(allowed: ["outcome", "suspect", "changeConfinedToVersion"], context: &context)
            match.outcome = context.optionalString("outcome", in: mapping)
            if let outcomeField = mapping.value("outcome") { references["outcome"] = outcomeField }
            match.suspect = mapping.present("suspect").flatMap { context.stringMap($0) } ?? [:]
            if let flag = mapping.present("changeConfinedToVersion"), let value = context.bool(flag) { match.changeConfinedToVersion = value }
        }
        guard let actionField = spec.value("action"), let action = context.mapping(actionField) else {
            if spec.value("action") == nil { context.error("spec.action: is required", at: spec.field) }
            return nil
        }
        action.rejectUnknownKeys(allowed: ["webhook", "command"], context: &context)
        let decoded: Runbook.Action
        if let field = action.value("webhook"), action.value("command") == nil {
            guard let mapping = context.mapping(field) else { return nil }
            mapping.rejectUnknownKeys(allowed: ["url"], context: &context)
            guard let url = context.requiredString("url", in: mapping), let urlField = mapping.value("url"), checkURL(url, urlField, context: &context) else { return nil }
            decoded = .webhook(url: url)
        } else if let field = action.value("command"), action.value("webhook") == nil {
            guard let mapping = context.mapping(field) else { return nil }
            mapping.rejectUnknownKeys(allowed: ["program", "args"], context: &context)
            guard let program = context.requiredString("program", in: mapping) else { return nil }
            let arguments = mapping.present("args").flatMap { context.stringList($0) } ?? []
            decoded = .command(program: program, arguments: arguments)
        } else {
            context.error("\(actionField.path): give exactly one of webhook, command", at: actionField)
            return nil
        }
        var runbook = Runbook(name: header.name, match: match, action: decoded)
        if let field = spec.present("automatic"), let value = context.bool(field) { runbook.automatic = value }
        if let field = spec.present("dryRun"), let value = context.bool(field) { runbook.dryRun = value }
        return runbook
    }
}
