import GoalpostModel

/// What Goalpost keeps across restarts: per-minute aggregates per cell (rolled up to hours as they age),
/// slice tallies, samples of bad events, the alert checkpoint, incidents with their history, deploys and
/// customers.
///
/// The store knows rows, not the engine: cells are keyed by their canonical text, latency sketches are opaque
/// bytes merged by a function the caller supplies (`SQLiteStore.Configuration.mergeSketches`).
public protocol Store: Sendable {
    /// Writes everything in `batch` in one transaction; when it returns, the batch is durable.
    func write(_ batch: StoreBatch) throws(StoreError)

    /// Every aggregate row (hour rows, then minute rows, oldest first) at or after `hour` (hour index).
    func aggregates(fromHour hour: Int64) throws(StoreError) -> [AggregateRecord]

    /// Every slice tally at or after `hour`.
    func slices(fromHour hour: Int64) throws(StoreError) -> [SliceRecord]

    /// The last alert checkpoint written, as the caller encoded it.
    func checkpoint() throws(StoreError) -> [UInt8]?

    /// Replaces the minute rows of one hour by one row per cell of that hour, merged by `merge`, in one
    /// transaction. Returns how many minute rows it replaced.
    @discardableResult
    func rollUp(hour: Int64, merge: @Sendable ([AggregateRecord]) -> [AggregateRecord]) throws(StoreError) -> Int

    /// Deletes hour rows and slices before `hour`, and samples before `sampleTime` (retention).
    func expire(beforeHour hour: Int64, samplesBefore sampleTime: Int64) throws(StoreError)

    /// The oldest hour that still has minute rows, if any.
    func oldestMinuteHour() throws(StoreError) -> Int64?

    /// Sums of good and total per cell of an outcome over every stored row.
    func totals(outcome: String) throws(StoreError) -> [String: (good: Double, total: Double)]

    /// Bad-event samples of an outcome in `[from, to)`, newest first, at most `limit`.
    func samples(outcome: String, from: Int64, to: Int64, limit: Int) throws(StoreError) -> [EventSample]

    /// Deploys in `[from, to)`, oldest first.
    func deploys(from: Int64, to: Int64) throws(StoreError) -> [Deploy]

    /// Incidents opened in `[from, to)`, newest first.
    func incidents(from: Int64, to: Int64) throws(StoreError) -> [Incident]

    /// One incident by id.
    func incident(id: String) throws(StoreError) -> Incident?

    /// The customers recorded through the API (merged with the definitions by the caller).
    func customers() throws(StoreError) -> [Customer]

    /// The latest investigation of an incident: its JSON and Markdown forms.
    func investigation(incident id: String) throws(StoreError) -> StoredInvestigation?

    /// What people recorded about incidents (acknowledged, customer-reported, resolved by hand), by incident id.
    func notes() throws(StoreError) -> [String: IncidentNote]

    /// Every API token (hashed), revoked ones included.
    func tokens() throws(StoreError) -> [StoredToken]

    /// Adds a token; its id must be new.
    func add(token: StoredToken) throws(StoreError)

    /// Revokes a token by id; false when there is none.
    func revoke(token id: String, at time: Int64) throws(StoreError) -> Bool

    /// Keeps what became of one notification (sent, failed and retried, dead, suppressed and why).
    func record(notification: NotificationRecord) throws(StoreError)

    /// Notifications, newest first: of one incident, or all; at most `limit`.
    func notifications(incident: String?, limit: Int) throws(StoreError) -> [NotificationRecord]

    /// Keeps a runbook's run (or its proposal) for an incident.
    func record(runbook: RunbookRecord) throws(StoreError)

    /// Runbook runs and proposals of one incident, oldest first.
    func runbooks(incident: String) throws(StoreError) -> [RunbookRecord]

    /// Adds a silence.
    func add(silence: Silence) throws(StoreError)

    /// Silences that end after `time` (all with `time` = .min), newest first.
    func silences(endingAfter time: Int64) throws(StoreError) -> [Silence]

    /// Ends a silence now; false when there is no such silence still running.
    func expire(silence id: String, at time: Int64) throws(StoreError) -> Bool

    /// Keeps a change's monitoring plan, replacing one with the same id.
    func add(plan: StoredPlan) throws(StoreError)

    /// Every plan, oldest first.
    func plans() throws(StoreError) -> [StoredPlan]

    /// The plans stored (or replaced) after the one at `row`, in the order they were written; `row` 0 gives all.
    func plans(after row: Int64) throws(StoreError) -> [StoredPlan]

    /// One plan by id.
    func plan(id: String) throws(StoreError) -> StoredPlan?

    /// The telemetry catalog last kept, as JSON.
    func telemetryCatalog() throws(StoreError) -> String?

    /// The checks of deploys made at or after `from` (nanoseconds), oldest deploy and earliest check first; of one
    /// deploy (`service@version`) when given.
    func deployChecks(deploy: String?, from: Int64) throws(StoreError) -> [StoredDeployCheck]
}

/// A change's monitoring plan, as JSON and Markdown.
public struct StoredPlan: Hashable, Sendable {
    public var id: String
    public var commit: String?
    public var createdAt: Int64
    public var json: String
    public var markdown: String
    /// Where it stands in the order plans were written (set by the store when read; 0 for a plan not yet stored).
    public var row: Int64

    public init(id: String, commit: String?, createdAt: Int64, json: String, markdown: String, row: Int64 = 0) {
        self.row = row
        self.id = id
        self.commit = commit
        self.createdAt = createdAt
        self.json = json
        self.markdown = markdown
    }
}

/// One check of a deploy, as JSON and Markdown.
public struct StoredDeployCheck: Hashable, Sendable {
    /// `service@version`.
    public var deploy: String
    public var deployedAt: Int64
    /// Seconds after the deploy.
    public var afterSeconds: Int64
    public var verdict: String
    public var json: String
    public var markdown: String

    public init(deploy: String, deployedAt: Int64, afterSeconds: Int64, verdict: String, json: String, markdown: String) {
        self.deploy = deploy
        self.deployedAt = deployedAt
        self.afterSeconds = afterSeconds
        self.verdict = verdict
        self.json = json
        self.markdown = markdown
    }
}

/// Notifications about an outcome, or about one customer (in one outcome or all), held back for a while.
public struct Silence: Hashable, Sendable, Codable {
    public var id: String
    public var outcome: String?
    public var customer: String?
    public var startsAt: Int64
    public var endsAt: Int64
    public var reason: String
    public var createdBy: String?

    public init(id: String, outcome: String?, customer: String?, startsAt: Int64, endsAt: Int64, reason: String, createdBy: String?) {
        self.id = id
        self.outcome = outcome
        self.customer = customer
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
        self.createdBy = createdBy
    }

    /// Whether it holds back notifications about `incident` at `time`: the outcome matches (or none is given), and
    /// the customer is one of the incident's scopes or affected customers (or none is given).
    public func covers(_ incident: Incident, at time: Int64) -> Bool {
        guard time >= startsAt, time < endsAt else { return false }
        if let outcome, outcome != incident.outcome { return false }
        if let customer, !incident.scopes.contains(.customer(customer)), !incident.impact.customers.contains(customer) { return false }
        return true
    }
}

/// One notification and what became of it.
public struct NotificationRecord: Hashable, Sendable, Codable {
    public enum Status: String, Hashable, Sendable, Codable {
        /// The target answered 2xx.
        case sent
        /// Every attempt failed; kept as a dead letter.
        case dead
        /// Not sent, on purpose: a silence, a parent incident, quiet hours, the rate limit.
        case suppressed
    }

    public var at: Int64
    public var incident: String
    public var target: String
    public var event: String
    public var status: Status
    /// Why (suppressed), the last error (dead), or the answer's status (sent).
    public var detail: String
    public var attempts: Int

    public init(at: Int64, incident: String, target: String, event: String, status: Status, detail: String, attempts: Int) {
        self.at = at
        self.incident = incident
        self.target = target
        self.event = event
        self.status = status
        self.detail = detail
        self.attempts = attempts
    }
}

/// A runbook run for an incident, or its proposal when it is not automatic.
public struct RunbookRecord: Hashable, Sendable, Codable {
    public enum Status: String, Hashable, Sendable, Codable {
        case proposed, succeeded, failed, dryRun
    }

    public var at: Int64
    public var incident: String
    public var runbook: String
    public var status: Status
    /// What was run or would be, and its output (cut to 4 KiB).
    public var detail: String

    public init(at: Int64, incident: String, runbook: String, status: Status, detail: String) {
        self.at = at
        self.incident = incident
        self.runbook = runbook
        self.status = status
        self.detail = detail
    }
}

/// An API token as stored: never the secret itself, only its SHA-256.
public struct StoredToken: Hashable, Sendable, Codable {
    /// The public part, shown in listings (`gp_<id>_…`).
    public var id: String
    public var name: String
    /// `ingest`, `read`, `admin`.
    public var scopes: [String]
    /// SHA-256 of the whole token text, hex.
    public var hash: String
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(id: String, name: String, scopes: [String], hash: String, createdAt: Int64, revokedAt: Int64? = nil) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// What people recorded about one incident. A field left `nil` in a write keeps what was stored.
public struct IncidentNote: Hashable, Sendable, Codable {
    public var incident: String
    public var acknowledgedAt: Int64?
    public var acknowledgedBy: String?
    /// When a customer told the team before (or after) Goalpost did: the incidents a team wants to learn from.
    public var customerReportedAt: Int64?
    public var customerReportedBy: String?
    public var resolvedAt: Int64?
    public var resolvedBy: String?

    public init(incident: String, acknowledgedAt: Int64? = nil, acknowledgedBy: String? = nil, customerReportedAt: Int64? = nil,
                customerReportedBy: String? = nil, resolvedAt: Int64? = nil, resolvedBy: String? = nil) {
        self.incident = incident
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.customerReportedAt = customerReportedAt
        self.customerReportedBy = customerReportedBy
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
    }
}

/// An investigation as stored: the report in both forms the API serves.
public struct StoredInvestigation: Hashable, Sendable {
    public var incident: String
    /// When it was made, nanoseconds since the Unix epoch.
    public var at: Int64
    public var json: String
    public var markdown: String

    public init(incident: String, at: Int64, json: String, markdown: String) {
        self.incident = incident
        self.at = at
        self.json = json
        self.markdown = markdown
    }
}

/// One transaction's worth of writes.
public struct StoreBatch: Sendable {
    /// Aggregate deltas: added to the row of their (outcome, cell, resolution, index).
    public var aggregates: [AggregateRecord] = []
    /// Slice tallies: replace the row of their (outcome, scope, hour).
    public var slices: [SliceRecord] = []
    public var samples: [EventSample] = []
    /// Incidents, inserted or replaced by id.
    public var incidents: [Incident] = []
    public var deploys: [Deploy] = []
    /// Customers, inserted or replaced by id.
    public var customers: [Customer] = []
    /// The alert checkpoint, replacing the previous one.
    public var checkpoint: [UInt8]?
    /// Investigations, each replacing the previous one of its incident.
    public var investigations: [StoredInvestigation] = []
    /// Acknowledgements and other notes on incidents (merged field by field with what is stored).
    public var notes: [IncidentNote] = []
    /// Deploy checks, each replacing the previous one of its deploy and offset.
    public var deployChecks: [StoredDeployCheck] = []
    /// The telemetry catalog as JSON, replacing the one kept.
    public var telemetryCatalog: String?

    public init() {}

    public var isEmpty: Bool {
        aggregates.isEmpty && slices.isEmpty && samples.isEmpty && incidents.isEmpty && deploys.isEmpty && customers.isEmpty
            && checkpoint == nil && investigations.isEmpty && notes.isEmpty && deployChecks.isEmpty && telemetryCatalog == nil
    }
}

/// One cell's good and total (and latency sketch) for one minute or one hour.
public struct AggregateRecord: Hashable, Sendable {
    public enum Resolution: Int, Hashable, Sendable {
        case minute = 0
        case hour = 1
    }

    public var outcome: String
    /// The cell key's canonical text.
    public var cell: String
    public var resolution: Resolution
    /// Minute or hour index since the Unix epoch.
    public var index: Int64
    public var good: Double
    public var total: Double
    public var sketch: [UInt8]?

    public init(outcome: String, cell: String, resolution: Resolution, index: Int64, good: Double, total: Double, sketch: [UInt8]? = nil) {
        self.outcome = outcome
        self.cell = cell
        self.resolution = resolution
        self.index = index
        self.good = good
        self.total = total
        self.sketch = sketch
    }
}

/// One scope's slice tally for one hour.
public struct SliceRecord: Hashable, Sendable {
    public var outcome: String
    public var scope: Scope
    public var hour: Int64
    public var bad: Double
    public var count: Double

    public init(outcome: String, scope: Scope, hour: Int64, bad: Double, count: Double) {
        self.outcome = outcome
        self.scope = scope
        self.hour = hour
        self.bad = bad
        self.count = count
    }
}

/// A store operation that failed: which one, and the database's message.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { "store: \(operation): \(message)" }
}
