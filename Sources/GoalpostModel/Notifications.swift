/// Where Goalpost sends what it found: a chat channel, a pager, a generic webhook, or an Alertmanager.
public struct NotificationTarget: Hashable, Sendable, Codable {
    public enum Kind: Hashable, Sendable, Codable {
        /// A Slack incoming webhook: messages with `text` and `blocks`.
        case slack(webhookURL: String)
        /// PagerDuty Events API v2: trigger, acknowledge and resolve events deduplicated by incident.
        case pagerDuty(routingKey: String, url: String)
        /// Any HTTP endpoint: the incident and its investigation as JSON, signed with HMAC-SHA256 when a secret is set.
        case webhook(url: String, secret: String?, headers: [String: String])
        /// An Alertmanager (v2 API): one alert per incident, resolved when the incident resolves.
        case alertmanager(url: String)
    }

    public var name: String
    public var kind: Kind
    /// At most this many notifications a minute to this target; more are recorded as suppressed.
    public var maximumPerMinute: Int

    public init(name: String, kind: Kind, maximumPerMinute: Int = 30) {
        self.name = name
        self.kind = kind
        self.maximumPerMinute = maximumPerMinute
    }

    /// The default PagerDuty Events API v2 endpoint.
    public static let pagerDutyEventsURL = "https://events.pagerduty.com/v2/enqueue"
}

/// Who is told about which incidents, and when.
public struct EscalationPolicy: Hashable, Sendable, Codable {
    public struct Step: Hashable, Sendable, Codable {
        /// The least severity this step is for (`ticket` covers pages too).
        public var severity: Severity
        /// The least business-impact rank this step is for (0: any).
        public var minimumRank: Double
        /// Target names.
        public var targets: [String]
        /// How long the incident must stay unacknowledged before this step notifies (0: at once).
        public var after: TimeSpan

        public init(severity: Severity, minimumRank: Double = 0, targets: [String], after: TimeSpan = .seconds(0)) {
            self.severity = severity
            self.minimumRank = minimumRank
            self.targets = targets
            self.after = after
        }
    }

    /// Hours when tickets wait (pages never do): `start`–`end` in minutes after midnight, in `timeZone`.
    public struct QuietHours: Hashable, Sendable, Codable {
        public var startMinute: Int
        public var endMinute: Int
        public var timeZone: String

        public init(startMinute: Int, endMinute: Int, timeZone: String = "UTC") {
            self.startMinute = startMinute
            self.endMinute = endMinute
            self.timeZone = timeZone
        }
    }

    public var name: String
    /// The outcomes this policy covers; empty means every outcome.
    public var outcomes: [String]
    public var steps: [Step]
    public var quietHours: QuietHours?

    public init(name: String, outcomes: [String] = [], steps: [Step], quietHours: QuietHours? = nil) {
        self.name = name
        self.outcomes = outcomes
        self.steps = steps
        self.quietHours = quietHours
    }

    public func covers(outcome: String) -> Bool { outcomes.isEmpty || outcomes.contains(outcome) }
}

/// A known pattern and what to do about it.
public struct Runbook: Hashable, Sendable, Codable {
    /// When a runbook applies; every condition given must hold.
    public struct Match: Hashable, Sendable, Codable {
        public var outcome: String?
        /// Attributes the top suspect must carry (`http.route: /sso/callback`, `customer.id: acme`).
        public var suspect: [String: String]
        /// Only when the investigation names a change whose bad events are confined to its new version.
        public var changeConfinedToVersion: Bool

        public init(outcome: String? = nil, suspect: [String: String] = [:], changeConfinedToVersion: Bool = false) {
            self.outcome = outcome
            self.suspect = suspect
            self.changeConfinedToVersion = changeConfinedToVersion
        }
    }

    public enum Action: Hashable, Sendable, Codable {
        /// POST the incident and its investigation as JSON.
        case webhook(url: String)
        /// Run a program the server allows (`--runbook-command`), with arguments; `{incident}`, `{outcome}`,
        /// `{service}` and `{version}` are filled in.
        case command(program: String, arguments: [String])
    }

    public var name: String
    public var match: Match
    public var action: Action
    /// Runs by itself once per incident; otherwise it is proposed on the incident and someone runs it.
    public var automatic: Bool
    /// Records what it would do without doing it.
    public var dryRun: Bool

    public init(name: String, match: Match, action: Action, automatic: Bool = false, dryRun: Bool = false) {
        self.name = name
        self.match = match
        self.action = action
        self.automatic = automatic
        self.dryRun = dryRun
    }
}
