import GoalpostEvaluation
import GoalpostModel

/// What to watch after a change ships, and why: the outcomes at risk, the customers who carry their traffic,
/// the metrics to compare, when, and the effect the change says it has.
public struct ChangePlan: Hashable, Sendable, Codable {
    /// A service the change touches, and how it was found.
    public struct ServiceMatch: Hashable, Sendable, Codable {
        public var service: String
        public var reasons: [String]
    }

    /// A customer to watch first: its share of the traffic the change touches.
    public struct WatchedCustomer: Hashable, Sendable, Codable {
        public var customer: String
        public var tier: String?
        public var arr: Double?
        /// Valid events in the traffic the plan looked at.
        public var events: Double
        public var share: Double
    }

    /// An outcome the change can move.
    public struct OutcomeAtRisk: Hashable, Sendable, Codable {
        public var outcome: String
        public var statement: String
        public var reasons: [String]
        /// Operations of the outcome the change names (empty: the whole outcome).
        public var operations: [String]
        public var metrics: [CanaryMetric]
        /// Customers by their share of the touched traffic, most first.
        public var watch: [WatchedCustomer]
    }

    /// What the change says it will do, as a metric expected to move.
    public struct IntendedEffect: Hashable, Sendable, Codable {
        public var outcome: String
        public var metric: CanaryMetric
        public var expected: CanaryMetric.Direction
        /// The words it was read from.
        public var phrase: String
    }

    /// `plan-` and the first 12 hex digits of the SHA-256 of the change's title, description, files and commit.
    public var id: String
    public var change: ChangeRequest
    public var services: [ServiceMatch]
    public var outcomes: [OutcomeAtRisk]
    /// When checks run after the deploy.
    public var checks: [TimeSpan]
    public var intendedEffects: [IntendedEffect]
    /// What the plan could not do (no outcome covers a service, no traffic seen yet).
    public var notes: [String]

    /// The environment the change is planned for (nil: any).
    public var environment: String? { change.environment }
}

/// Builds a change's monitoring plan from the catalog and the traffic seen, with no language model: file paths
/// against each service's source paths, service and operation names in the title and description, outcomes that
/// select those services or operations, and intended-effect phrases ("reduces checkout latency").
public struct ChangePlanner: Sendable {
    public var catalog: Catalog
    /// Per outcome: cell counts over a recent period (a day), to find who carries the touched traffic.
    public var traffic: [String: [CellCounts]]
    public var checks: [TimeSpan]
    /// Customers listed per outcome at most.
    public var watchLimit: Int

    public static let defaultChecks: [TimeSpan] = [.minutes(10), .minutes(30), .hours(1), .hours(2), .hours(24), .hours(72)]

    public init(catalog: Catalog, traffic: [String: [CellCounts]] = [:], checks: [TimeSpan] = ChangePlanner.defaultChecks, watchLimit: Int = 10) {
        self.catalog = catalog
        self.traffic = traffic
        self.checks = checks
        self.watchLimit = watchLimit
    }

    public func plan(_ change: ChangeRequest) -> ChangePlan {
        let text = [change.title, change.description ?? ""].joined(separator: "\n")
        let textWords = Set(Self.words(text))
        let fileWords = Set(change.files.flatMap { Self.words($0) })

        // Services: owned paths, the deploy's own service, names in the text.
        var services: [ChangePlan.ServiceMatch] = []
        for service in catalog.services {
            var reasons: [String] = []
            if change.service == service.name { reasons.append("it is the deployed service") }
            for file in change.files {
                if let pattern = service.sourcePath(owning: file) { reasons.append("\(file) is under its source path \(pattern)") }
            }
            if let word = Self.nameWords(service.name).first(where: textWords.contains) {
                reasons.append("the change names '\(word)'")
            }
            if !reasons.isEmpty { services.append(.init(service: service.name, reasons: reasons)) }
        }
        if let named = change.service, !services.contains(where: { $0.service == named }) {
            services.append(.init(service: named, reasons: ["it is the deployed service"]))
        }
        let touched = Set(services.map(\.service))

        // Outcomes: those selecting a touched service, or an operation the change names.
        var outcomes: [ChangePlan.OutcomeAtRisk] = []
        for outcome in catalog.outcomes {
            var reasons: [String] = []
            if let service = outcome.indicator.service, touched.contains(service) {
                reasons.append("it measures \(service)")
            }
            let named = outcome.indicator.operations.filter { operation in
                Self.operationWords(operation).contains { textWords.contains($0) || fileWords.contains($0) }
            }
            if !named.isEmpty { reasons.append("the change names \(named.joined(separator: ", "))") }
            guard !reasons.isEmpty else { continue }
            outcomes.append(ChangePlan.OutcomeAtRisk(
                outcome: outcome.name, statement: outcome.statement, reasons: reasons, operations: named,
                metrics: Self.metrics(for: outcome), watch: watch(outcome, operations: named)
            ))
        }

        var notes: [String] = []
        for service in touched.sorted() where !catalog.outcomes.contains(where: { $0.indicator.service == service }) {
            notes.append("No outcome measures \(service): nothing will tell whether this change hurt its customers.")
        }
        if services.isEmpty { notes.append("No service's source paths or name match the change; give --files or name the service.") }
        if !outcomes.isEmpty && outcomes.allSatisfy({ $0.watch.isEmpty }) {
            notes.append("No traffic seen yet for these outcomes: the customers to watch come once telemetry arrives.")
        }
        return ChangePlan(
            id: Self.id(change), change: change, services: services, outcomes: outcomes, checks: checks,
            intendedEffects: Self.intendedEffects(text, outcomes: outcomes, catalog: catalog), notes: notes
        )
    }

    /// The customers carrying most of the outcome's traffic on `operations` (all traffic when none is named or
    /// the outcome does not keep a route dimension).
    func watch(_ outcome: Outcome, operations: [String]) -> [ChangePlan.WatchedCustomer] {
        let cells = traffic[outcome.name] ?? []
        let routeDimensions = outcome.dimensions.filter { ["http.route", "url.path", "span.name", "operation"].contains($0) }
        let restrict = !operations.isEmpty && !routeDimensions.isEmpty
        let wanted = Set(operations.flatMap { [$0, Self.path(of: $0)] })
        var events: [String: Double] = [:]
        for cell in cells {
            guard let customer = cell.customer else { continue }
            if restrict, !routeDimensions.contains(where: { cell.dimensions[$0].map(wanted.contains) ?? false }) { continue }
            events[customer, default: 0] += cell.counts.total
        }
        let total = events.values.reduce(0, +)
        guard total > 0 else { return [] }
        let directory = Dictionary(catalog.customers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return events.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(watchLimit).map { customer, count in
            ChangePlan.WatchedCustomer(customer: customer, tier: directory[customer]?.tier, arr: directory[customer]?.arr,
                                       events: count, share: count / total)
        }
    }

    static func metrics(for outcome: Outcome) -> [CanaryMetric] {
        switch outcome.indicator.source {
        case .traces: [.errorRatio, .latencyP50, .latencyP95, .latencyP99, .throughput]
        case .logs, .events, .metrics, .prometheus, .sql, .external: [.errorRatio, .throughput]
        }
    }

    /// Phrases that state an effect: a verb of change near a measure, in one sentence.
    static func intendedEffects(_ text: String, outcomes: [ChangePlan.OutcomeAtRisk], catalog: Catalog) -> [ChangePlan.IntendedEffect] {
        var effects: [ChangePlan.IntendedEffect] = []
        let lowering: Set<String> = ["reduce", "reduces", "reducing", "lower", "lowers", "cut", "cuts", "decrease", "decreases", "shrink", "shrinks", "fix", "fixes", "prevent", "prevents", "eliminate", "eliminates", "halve", "halves"]
        let raising: Set<String> = ["increase", "increases", "raise", "raises", "grow", "grows", "boost", "boosts", "double", "doubles"]
        let fast: Set<String> = ["faster", "quicker", "speed", "speeds", "speedup"]
        let latencyWords: Set<String> = ["latency", "latencies", "slow", "slowness", "duration", "response", "p50", "p95", "p99", "time", "times"]
        let errorWords: Set<String> = ["error", "errors", "failure", "failures", "failing", "timeout", "timeouts", "crash", "crashes", "5xx", "500s"]
        let volumeWords: Set<String> = ["throughput", "conversion", "conversions", "volume", "traffic", "signups", "orders"]
        for sentence in text.split(whereSeparator: { ".!?;\n".contains($0) }) {
            let set = Set(words(String(sentence)))
            guard !set.isEmpty else { continue }
            // The outcomes this sentence is about: those whose operations or service it names, else all at risk.
            var about = outcomes.filter { risk in
                guard let outcome = catalog.outcomes.first(where: { $0.name == risk.outcome }) else { return false }
                return outcome.indicator.operations.contains { operationWords($0).contains(where: set.contains) }
                    || (outcome.indicator.service.map { nameWords($0).contains(where: set.contains) } ?? false)
            }
            if about.isEmpty { about = outcomes }
            let phrase = String(sentence.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            var found: [(CanaryMetric, CanaryMetric.Direction)] = []
            let percentile: CanaryMetric = set.contains("p99") ? .latencyP99 : set.contains("p50") ? .latencyP50 : .latencyP95
            if !set.isDisjoint(with: fast) || (!set.isDisjoint(with: lowering) && !set.isDisjoint(with: latencyWords)) {
                found.append((percentile, .down))
            }
            if !set.isDisjoint(with: lowering) && !set.isDisjoint(with: errorWords) { found.append((.errorRatio, .down)) }
            if !set.isDisjoint(with: raising) && !set.isDisjoint(with: volumeWords) { found.append((.throughput, .up)) }
            for (metric, direction) in found {
                for risk in about where risk.metrics.contains(metric) {
                    let effect = ChangePlan.IntendedEffect(outcome: risk.outcome, metric: metric, expected: direction, phrase: phrase)
                    if !effects.contains(where: { $0.outcome == effect.outcome && $0.metric == effect.metric }) { effects.append(effect) }
                }
            }
        }
        return effects
    }

    static func id(_ change: ChangeRequest) -> String {
        let canonical = [change.title, change.description ?? "", change.files.joined(separator: "\n"), change.commit ?? "", change.service ?? ""]
            .joined(separator: "\u{1F}")
        return "plan-" + SHA256.hex(canonical).prefix(12)
    }

    /// Lowercased words of a name (`NameWords`).
    static func words(_ text: String) -> [String] { NameWords.split(text) }

    /// A service name's distinctive words: `auth-api` → auth.
    static func nameWords(_ name: String) -> [String] {
        let generic: Set<String> = ["api", "service", "svc", "server", "app", "web", "backend", "frontend", "worker"]
        let words = words(name)
        let distinct = words.filter { !generic.contains($0) && $0.count >= 3 }
        return distinct.isEmpty ? [name.lowercased()] : distinct
    }

    /// An operation's distinctive words: `POST /sso/callback` → sso, callback.
    static func operationWords(_ operation: String) -> [String] {
        let generic: Set<String> = ["get", "post", "put", "patch", "delete", "head", "options", "api", "v1", "v2", "v3", "http", "https"]
        return words(operation).filter { !generic.contains($0) && $0.count >= 3 }
    }

    /// `POST /login` → `/login`.
    static func path(of operation: String) -> String {
        operation.split(separator: " ").last.map(String.init) ?? operation
    }
}
