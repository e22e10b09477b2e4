import GoalpostDefinitions
import GoalpostModel
import Testing

/// NotificationTarget, EscalationPolicy and Runbook documents: what they decode to, and the errors lint gives.
struct NotificationDefinitionTests {
    let outcome = """
    apiVersion: goalpost/v1
    kind: Outcome
    metadata: {name: sign-in}
    spec:
      statement: Customers can sign in.
      indicator: {source: traces, service: auth-api, operations: [POST /login]}
      objective: 99.9%
      window: 30d

    """

    @Test("targets, a policy and a runbook decode to the model")
    func decodes() throws {
        let yaml = outcome + """
        ---
        apiVersion: goalpost/v1
        kind: NotificationTarget
        metadata: {name: oncall}
        spec: {pagerduty: {routingKey: "${PD_KEY}"}, maxPerMinute: 5}
        ---
        apiVersion: goalpost/v1
        kind: NotificationTarget
        metadata: {name: chat}
        spec: {slack: {webhookURL: "https://hooks.slack.com/services/T/B/X"}}
        ---
        apiVersion: goalpost/v1
        kind: EscalationPolicy
        metadata: {name: identity}
        spec:
          outcomes: [sign-in]
          steps:
            - {severity: page, targets: [oncall, chat]}
            - {severity: page, after: 15m, targets: [chat]}
            - {severity: ticket, minRank: 0.5, targets: chat}
          quietHours: {from: "22:00", to: "07:00", timeZone: Europe/Berlin}
        ---
        apiVersion: goalpost/v1
        kind: Runbook
        metadata: {name: roll-back}
        spec:
          match: {outcome: sign-in, suspect: {http.route: /sso/callback}, changeConfinedToVersion: true}
          action: {command: {program: /usr/local/bin/rollback, args: ["{service}", "{version}"]}}
          automatic: true
        """
        let result = DefinitionLoader.load(sources: [("n.yaml", yaml)])
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let catalog = result.catalog
        #expect(catalog.notificationTargets.map(\.name) == ["oncall", "chat"])
        #expect(catalog.notificationTargets.first?.kind == .pagerDuty(routingKey: "${PD_KEY}", url: NotificationTarget.pagerDutyEventsURL))
        #expect(catalog.notificationTargets.first?.maximumPerMinute == 5)
        let policy = try #require(catalog.escalationPolicies.first)
        #expect(policy.steps.count == 3)
        #expect(policy.steps[1].after == .minutes(15))
        #expect(policy.steps[2] == EscalationPolicy.Step(severity: .ticket, minimumRank: 0.5, targets: ["chat"]))
        #expect(policy.quietHours == EscalationPolicy.QuietHours(startMinute: 22 * 60, endMinute: 7 * 60, timeZone: "Europe/Berlin"))
        let runbook = try #require(catalog.runbooks.first)
        #expect(runbook.match == Runbook.Match(outcome: "sign-in", suspect: ["http.route": "/sso/callback"], changeConfinedToVersion: true))
        #expect(runbook.action == .command(program: "/usr/local/bin/rollback", arguments: ["{service}", "{version}"]))
        #expect(runbook.automatic && !runbook.dryRun)
    }

    @Test("lint names each mistake with its place", arguments: [
        ("kind: NotificationTarget\nmetadata: {name: t}\nspec: {slack: {webhookURL: x}, webhook: {url: https://a.b}}",
         "spec: give exactly one of slack, pagerduty, webhook, alertmanager (found slack and webhook)"),
        ("kind: NotificationTarget\nmetadata: {name: t}\nspec: {slack: {webhookURL: \"ftp://a.b\"}}", "spec.slack.webhookURL: 'ftp://a.b' is not an http or https URL"),
        ("kind: EscalationPolicy\nmetadata: {name: p}\nspec: {steps: [{severity: page, targets: [pager]}]}", "notification target 'pager' is not defined"),
        ("kind: EscalationPolicy\nmetadata: {name: p}\nspec: {outcomes: [sign-on], steps: [{targets: []}]}", "outcome 'sign-on' is not defined (did you mean 'sign-in'?)"),
        ("kind: EscalationPolicy\nmetadata: {name: p}\nspec: {steps: [{severity: urgent, targets: []}]}", "spec.steps[0].severity: 'urgent' is not page or ticket"),
        ("kind: EscalationPolicy\nmetadata: {name: p}\nspec: {steps: [], quietHours: {from: \"25:00\", to: \"07:00\"}}", "spec.steps: expected a non-empty list of steps"),
        ("kind: EscalationPolicy\nmetadata: {name: p}\nspec: {steps: [{targets: []}], quietHours: {from: \"25:00\", to: \"07:00\"}}", "spec.quietHours.from: '25:00' is not a time of day such as 22:00"),
        ("kind: Runbook\nmetadata: {name: r}\nspec: {match: {outcome: nope}, action: {webhook: {url: https://a.b}}}", "spec.match.outcome: outcome 'nope' is not defined"),
        ("kind: Runbook\nmetadata: {name: r}\nspec: {action: {webhook: {url: https://a.b}, command: {program: x}}}", "spec.action: give exactly one of webhook, command"),
    ])
    func errors(document: String, message: String) {
        let yaml = outcome + "---\napiVersion: goalpost/v1\n" + document + "\n"
        let result = DefinitionLoader.load(sources: [("bad.yaml", yaml)])
        #expect(result.errors.contains { $0.message.contains(message) && $0.file == "bad.yaml" && $0.line > 9 }, "\(result.diagnostics)")
    }
}
