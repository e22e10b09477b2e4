/// The outcomes and services of the simulated company, as `goalpost/v1` YAML: the embedded default that
/// `goalpost demo` runs on. Customers come from the `Roster`.
public enum DemoDefinitions {
    /// The YAML text (several documents).
    public static let yaml = """
    apiVersion: goalpost/v1
    kind: Service
    metadata: {name: auth-api}
    spec:
      owner: identity-team
      description: Password and SSO sign-in, sessions and tokens.
      sourcePaths: ["services/auth/**", "libs/jwt/**"]
    ---
    apiVersion: goalpost/v1
    kind: Service
    metadata: {name: checkout-api}
    spec:
      owner: payments-team
      sourcePaths: ["services/checkout/**"]
    ---
    apiVersion: goalpost/v1
    kind: Service
    metadata: {name: search-api}
    spec:
      owner: discovery-team
      sourcePaths: ["services/search/**"]
    ---
    apiVersion: goalpost/v1
    kind: Outcome
    metadata: {name: sign-in, displayName: Customers can sign in}
    spec:
      statement: Every customer can sign in successfully 99.9% of the time.
      owner: identity-team
      journey: sign-in
      criticality: critical
      indicator:
        source: traces
        service: auth-api
        operations: [/login, /sso/callback]
        good:
          latency: 3s
          where: http.response.status_code < 500
      objective: 99.9%
      window: 30d
      customers:
        minEvents: 10
        objectives: {enterprise: 99.95%}
      dimensions: [customer.tier, http.route, service.version, cloud.region, error.type]
    ---
    apiVersion: goalpost/v1
    kind: Outcome
    metadata: {name: checkout-latency, displayName: Checkout is fast}
    spec:
      statement: Checkout completes within 2 seconds for 99% of orders, for every customer.
      owner: payments-team
      journey: checkout
      criticality: high
      indicator:
        source: traces
        service: checkout-api
        operations: [/checkout]
        good: {latency: 2s}
      objective: 99%
      window: 30d
      dimensions: [customer.tier, service.version, cloud.region]
    ---
    apiVersion: goalpost/v1
    kind: Outcome
    metadata: {name: search-availability, displayName: Search answers}
    spec:
      statement: Search returns results without a server error 99.5% of the time.
      owner: discovery-team
      journey: search
      criticality: medium
      indicator:
        source: traces
        service: search-api
        operations: [/search]
        good:
          where: http.response.status_code < 500
      objective: 99.5%
      window: 30d
      customers: {minEvents: 20}
      dimensions: [customer.tier, http.route, service.version, cloud.region, error.type]
    """

    /// Where `goalpost demo` sends what it finds: pages to PagerDuty and Slack when their business impact ranks at
    /// least 0.001, tickets to Slack only when it ranks at least 0.01 (the background noise, a free workspace's
    /// flaky search, stays on the dashboard and wakes nobody, even on a night its few requests burn fast). The URLs
    /// are read from the environment when sending (`GOALPOST_DEMO_PAGERDUTY_URL`, `GOALPOST_DEMO_SLACK_URL`);
    /// the demo points them at its own in-process receiver.
    public static let notificationsYAML = """
    apiVersion: goalpost/v1
    kind: NotificationTarget
    metadata: {name: oncall-pagerduty}
    spec:
      pagerduty:
        routingKey: demo-routing-key
        url: ${GOALPOST_DEMO_PAGERDUTY_URL}
    ---
    apiVersion: goalpost/v1
    kind: NotificationTarget
    metadata: {name: incidents-slack}
    spec:
      slack:
        webhookURL: ${GOALPOST_DEMO_SLACK_URL}
    ---
    apiVersion: goalpost/v1
    kind: EscalationPolicy
    metadata: {name: on-call}
    spec:
      steps:
        - severity: page
          minRank: 0.001
          targets: [oncall-pagerduty, incidents-slack]
        - severity: ticket
          minRank: 0.01
          targets: [incidents-slack]
    """
}
