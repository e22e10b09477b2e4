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
    /// Ids of the monitoring plans of the changes it ships, when given explicitly (`plan-…`).
    public var plans: [String]

    public init(
        service: String, version: String, timeUnixNano: Int64, title: String? = nil, description: String? = nil,
        changedFiles: [String] = [], commit: String? = nil, environment: String? = nil, plans: [String] = []
    ) {
        self.plans = plans
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

extension Service {
    /// The first of `sourcePaths` that `path` falls under, if any. A pattern is a glob over `/`-separated
    /// segments (`*` any run within a segment, `?` one character, `**` any number of segments), or a plain
    /// prefix (`services/auth` and `services/auth/` own everything below them).
    public func sourcePath(owning path: String) -> String? {
        let trimmed = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        return sourcePaths.first { Self.glob($0, matches: trimmed) }
    }

    static func glob(_ pattern: String, matches path: String) -> Bool {
        let pattern = pattern.hasPrefix("./") ? String(pattern.dropFirst(2)) : pattern
        if !pattern.contains(where: { $0 == "*" || $0 == "?" }) {
            let prefix = pattern.hasSuffix("/") ? String(pattern.dropLast()) : pattern
            return path == prefix || path.hasPrefix(prefix + "/")
        }
        return segments(pattern.split(separator: "/", omittingEmptySubsequences: true)[...],
                        path.split(separator: "/", omittingEmptySubsequences: true)[...])
    }

    private static func segments(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            var remaining = path
            while true {
                if segments(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        }
        guard let segment = path.first, wildcard(Array(first.utf8)[...], Array(segment.utf8)[...]) else { return false }
        return segments(pattern.dropFirst(), path.dropFirst())
    }

    private static func wildcard(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        switch first {
        case UInt8(ascii: "*"):
            var remaining = text
            while true {
                if wildcard(pattern.dropFirst(), remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        case UInt8(ascii: "?"):
            return !text.isEmpty && wildcard(pattern.dropFirst(), text.dropFirst())
        default:
            return text.first == first && wildcard(pattern.dropFirst(), text.dropFirst())
        }
    }
}

extension Deploy {
    private enum CodingKeys: String, CodingKey {
        case service, version, timeUnixNano, title, description, changedFiles, commit, environment, plans
    }

    /// Decodes a deploy; `plans` may be absent (deploys stored before plans existed).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            service: try container.decode(String.self, forKey: .service), version: try container.decode(String.self, forKey: .version),
            timeUnixNano: try container.decode(Int64.self, forKey: .timeUnixNano),
            title: try container.decodeIfPresent(String.self, forKey: .title),
            description: try container.decodeIfPresent(String.self, forKey: .description),
            changedFiles: try container.decodeIfPresent([String].self, forKey: .changedFiles) ?? [],
            commit: try container.decodeIfPresent(String.self, forKey: .commit),
            environment: try container.decodeIfPresent(String.self, forKey: .environment),
            plans: try container.decodeIfPresent([String].self, forKey: .plans) ?? []
        )
    }
}

/// A change about to ship, as a pull request or a deploy describes it.
public struct ChangeRequest: Hashable, Sendable, Codable {
    public var title: String
    public var description: String?
    /// Paths the change touches, relative to the repository root.
    public var files: [String]
    /// The change's commit (the pull request's head, or the deployed commit).
    public var commit: String?
    /// The service it ships in, when known (a deploy names it).
    public var service: String?
    /// The environment it is planned for (nil: any).
    public var environment: String?

    public init(title: String, description: String? = nil, files: [String] = [], commit: String? = nil, service: String? = nil,
                environment: String? = nil) {
        self.environment = environment
        self.title = title
        self.description = description
        self.files = files
        self.commit = commit
        self.service = service
    }

    /// The change a deploy record describes.
    public init(_ deploy: Deploy) {
        self.init(title: deploy.title ?? "\(deploy.service) \(deploy.version)", description: deploy.description,
                  files: deploy.changedFiles, commit: deploy.commit, service: deploy.service, environment: deploy.environment)
    }
}
