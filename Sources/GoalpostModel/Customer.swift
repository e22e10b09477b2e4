/// A customer of the business, as Goalpost weighs it.
public struct Customer: Hashable, Sendable, Codable {
    /// The external id: the value of the outcome's customer attribute in telemetry (`acme`).
    public var id: String
    /// The customer's name (`Acme Corp`).
    public var name: String?
    /// The tier (`enterprise`, `business`, `free`); per-tier objectives key on it.
    public var tier: String?
    /// Annual recurring revenue, in the account currency.
    public var arr: Double?
    /// Where the customer is served (`eu-west-1`).
    public var region: String?
    /// Who to talk to (an e-mail address or a channel).
    public var contact: String?
    /// A link to this customer's runbook.
    public var runbook: String?
    /// Free-form labels.
    public var labels: [String: String]

    public init(
        id: String, name: String? = nil, tier: String? = nil, arr: Double? = nil, region: String? = nil,
        contact: String? = nil, runbook: String? = nil, labels: [String: String] = [:]
    ) {
        self.id = id
        self.name = name
        self.tier = tier
        self.arr = arr
        self.region = region
        self.contact = contact
        self.runbook = runbook
        self.labels = labels
    }
}

/// A service that emits telemetry, with the source paths it is built from (to map deploys and changes to it).
public struct Service: Hashable, Sendable, Codable {
    /// The `service.name` it reports.
    public var name: String
    /// The owning team.
    public var owner: String?
    /// What it does.
    public var description: String?
    /// The repository it is built from.
    public var repository: String?
    /// Path prefixes or globs within the repository (`services/auth/**`).
    public var sourcePaths: [String]
    /// Where it was imported from (an OpenSLO Service), kept for export.
    public var origin: SpecOrigin?

    public init(name: String, owner: String? = nil, description: String? = nil, repository: String? = nil, sourcePaths: [String] = [],
                origin: SpecOrigin? = nil) {
        self.origin = origin
        self.name = name
        self.owner = owner
        self.description = description
        self.repository = repository
        self.sourcePaths = sourcePaths
    }
}

/// A change shipped to production.
public struct Deploy: Hashable, Sendable, Codable {
    /// The deployed service.
    public var service: String
    /// The version now running (`2.3.1`), matched against `service.version`.
    public var version: String
    /// When it went out, in nanoseconds since the Unix epoch.
    public var timeUnixNano: Int64
    /// A one-line title.
    public var title: String?
    /// What the change says it does.
    public var description: String?
    /// Paths the change touched.
    public var changedFiles: [String]
    /// The commit deployed.
    public var commit: String?
    /// The environment (`production`).
    public var environment: String?

    public init(
        service: String, version: String, timeUnixNano: Int64, title: String? = nil, description: String? = nil,
        changedFiles: [String] = [], commit: String? = nil, environment: String? = nil
    ) {
        self.service = service
        self.version = version
        self.timeUnixNano = timeUnixNano
        self.title = title
        self.description = description
        self.changedFiles = changedFiles
        self.commit = commit
        self.environment = environment
    }
}

/// Everything defined in an outcomes folder, validated: outcomes, customers and services by name.
public struct Catalog: Hashable, Sendable, Codable {
    public var outcomes: [Outcome]
    public var customers: [Customer]
    public var services: [Service]
    public var notificationTargets: [NotificationTarget]
    public var escalationPolicies: [EscalationPolicy]
    public var runbooks: [Runbook]
    /// Documents of other specifications kept as written (OpenSLO kinds with no Goalpost equivalent).
    public var foreignDocuments: [ForeignDocument]

    public init(outcomes: [Outcome] = [], customers: [Customer] = [], services: [Service] = [],
                notificationTargets: [NotificationTarget] = [], escalationPolicies: [EscalationPolicy] = [], runbooks: [Runbook] = [],
                foreignDocuments: [ForeignDocument] = []) {
        self.foreignDocuments = foreignDocuments
        self.outcomes = outcomes
        self.customers = customers
        self.services = services
        self.notificationTargets = notificationTargets
        self.escalationPolicies = escalationPolicies
        self.runbooks = runbooks
    }

    /// The outcome with this name.
    public func outcome(named name: String) -> Outcome? { outcomes.first { $0.name == name } }
    /// The customer with this external id.
    public func customer(id: String) -> Customer? { customers.first { $0.id == id } }
    /// The service with this name.
    public func service(named name: String) -> Service? { services.first { $0.name == name } }
}
