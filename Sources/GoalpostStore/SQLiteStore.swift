import Foundation
import GRDB
import GRDBSQLite
import GoalpostModel

/// The default `Store`: one SQLite file in WAL mode through GRDB, one `DatabasePool` per process.
///
/// Durability: every `write` is one transaction, committed with `synchronous = FULL` by default, so a batch
/// that `write` returned for survives a process kill and a power loss; callers group many requests into one
/// batch (group commit) to amortize the sync. `NORMAL` survives a process kill but not a power loss.
public final class SQLiteStore: Store {
    /// Options, validated when the store opens.
    public struct Configuration: Sendable {
        /// Whether each commit waits for the disk (`FULL`) or only for the WAL write (`NORMAL`).
        public enum Synchronous: String, Sendable {
            case full = "FULL"
            case normal = "NORMAL"
        }

        public var synchronous: Synchronous
        /// Adds two latency sketches' bytes; used to add a delta's sketch to its row. Keeps the first when nil.
        public var mergeSketches: (@Sendable ([UInt8], [UInt8]) -> [UInt8]?)?

        public init(synchronous: Synchronous = .full, mergeSketches: (@Sendable ([UInt8], [UInt8]) -> [UInt8]?)? = nil) {
            self.synchronous = synchronous
            self.mergeSketches = mergeSketches
        }
    }

    private let pool: DatabasePool
    /// Where the database lives.
    public let path: String

    /// Opens (creating when needed) the database at `path` and migrates it.
    ///
    /// - Throws: `StoreError` naming the file when it cannot be opened, is not a Goalpost database, or was
    ///   written by a newer Goalpost (an unknown migration).
    public init(path: String, configuration: Configuration = Configuration()) throws(StoreError) {
        self.path = path
        var config = GRDB.Configuration()
        let synchronous = configuration.synchronous.rawValue
        let merge = configuration.mergeSketches
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            db.add(function: DatabaseFunction("goalpost_merge_sketch", argumentCount: 2, pure: true) { values in
                let old = values[0].storage, new = values[1].storage
                switch (old, new) {
                case (.blob(let left), .blob(let right)):
                    return (merge?([UInt8](left), [UInt8](right))).map { Data($0) } ?? Data(left)
                case (.blob(let left), _): return Data(left)
                case (_, .blob(let right)): return Data(right)
                default: return nil
                }
            })
        }
        config.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError(operation: "open \(path)", message: "\(error)")
        }
    }

    // MARK: Schema

    /// The schema's history. Migrations are never edited once shipped; a change is a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: aggregates, slices, samples, checkpoint, incidents, deploys, customers") { db in
            try db.execute(sql: """
                CREATE TABLE aggregate (
                    outcome TEXT NOT NULL,
                    cell TEXT NOT NULL,
                    resolution INTEGER NOT NULL,
                    idx INTEGER NOT NULL,
                    good REAL NOT NULL,
                    total REAL NOT NULL,
                    sketch BLOB,
                    PRIMARY KEY (resolution, idx, outcome, cell)
                ) WITHOUT ROWID;
                CREATE TABLE slice (
                    outcome TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    hour INTEGER NOT NULL,
                    bad REAL NOT NULL,
                    count REAL NOT NULL,
                    PRIMARY KEY (hour, outcome, scope)
                ) WITHOUT ROWID;
                CREATE TABLE sample (
                    id INTEGER PRIMARY KEY,
                    outcome TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    customer TEXT,
                    body TEXT NOT NULL
                );
                CREATE INDEX sample_by_outcome_time ON sample (outcome, time);
                CREATE TABLE checkpoint (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    body BLOB NOT NULL
                );
                CREATE TABLE incident (
                    id TEXT PRIMARY KEY,
                    outcome TEXT NOT NULL,
                    opened_at INTEGER NOT NULL,
                    resolved_at INTEGER,
                    severity TEXT NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX incident_by_opened ON incident (opened_at);
                CREATE TABLE deploy (
                    id INTEGER PRIMARY KEY,
                    service TEXT NOT NULL,
                    version TEXT NOT NULL,
                    time INTEGER NOT NULL,
                    body TEXT NOT NULL,
                    UNIQUE (service, version, time)
                );
                CREATE INDEX deploy_by_time ON deploy (time);
                CREATE TABLE customer (
                    id TEXT PRIMARY KEY,
                    body TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2: investigations") { db in
            try db.execute(sql: """
                CREATE TABLE investigation (
                    incident_id TEXT PRIMARY KEY,
                    at INTEGER NOT NULL,
                    json TEXT NOT NULL,
                    markdown TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3: incident notes") { db in
            try db.execute(sql: """
                CREATE TABLE incident_note (
                    incident_id TEXT PRIMARY KEY,
                    acknowledged_at INTEGER,
                    acknowledged_by TEXT,
                    customer_reported_at INTEGER,
                    customer_reported_by TEXT,
                    resolved_at INTEGER,
                    resolved_by TEXT
                );
                """)
        }
        migrator.registerMigration("v4: tokens") { db in
            try db.execute(sql: """
                CREATE TABLE token (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                """)
        }
        migrator.registerMigration("v5: notifications and runbook runs") { db in
            try db.execute(sql: """
                CREATE TABLE notification (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    incident_id TEXT NOT NULL,
                    target TEXT NOT NULL,
                    event TEXT NOT NULL,
                    status TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    attempts INTEGER NOT NULL
                );
                CREATE INDEX notification_incident ON notification (incident_id, at);
                CREATE TABLE runbook_run (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at INTEGER NOT NULL,
                    incident_id TEXT NOT NULL,
                    runbook TEXT NOT NULL,
                    status TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE INDEX runbook_run_incident ON runbook_run (incident_id, at);
                """)
        }
        migrator.registerMigration("v6: silences") { db in
            try db.execute(sql: """
                CREATE TABLE silence (
                    id TEXT PRIMARY KEY,
                    outcome TEXT,
                    customer TEXT,
                    starts_at INTEGER NOT NULL,
                    ends_at INTEGER NOT NULL,
                    reason TEXT NOT NULL,
                    created_by TEXT
                );
                """)
        }
        migrator.registerMigration("v7: plans and deploy checks") { db in
            try db.execute(sql: """
                CREATE TABLE plan (
                    id TEXT PRIMARY KEY,
                    commit_id TEXT,
                    created_at INTEGER NOT NULL,
                    json TEXT NOT NULL,
                    markdown TEXT NOT NULL
                );
                CREATE TABLE deploy_check (
                    deploy TEXT NOT NULL,
                    deployed_at INTEGER NOT NULL,
                    after_seconds INTEGER NOT NULL,
                    verdict TEXT NOT NULL,
                    json TEXT NOT NULL,
                    markdown TEXT NOT NULL,
                    PRIMARY KEY (deploy, deployed_at, after_seconds)
                );
                CREATE INDEX deploy_check_by_time ON deploy_check (deployed_at);
                """)
        }
        migrator.registerMigration("v8: telemetry catalog") { db in
            try db.execute(sql: "CREATE TABLE telemetry_catalog (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)")
        }
        return migrator
    }

    // MARK: Writing

    public func write(_ batch: StoreBatch) throws(StoreError) {
        guard !batch.isEmpty else { return }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try pool.write { db in
                if !batch.aggregates.isEmpty {
                    let statement = try db.cachedStatement(sql: """
                        INSERT INTO aggregate (outcome, cell, resolution, idx, good, total, sketch) VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (resolution, idx, outcome, cell) DO UPDATE SET
                            good = good + excluded.good,
                            total = total + excluded.total,
                            sketch = goalpost_merge_sketch(sketch, excluded.sketch)
                        """)
                    for row in batch.aggregates {
                        try Self.insert(row, resolution: row.resolution.rawValue, index: row.index, with: statement, in: db)
                    }
                }
                if !batch.slices.isEmpty {
                    let statement = try db.cachedStatement(sql: "INSERT OR REPLACE INTO slice (outcome, scope, hour, bad, count) VALUES (?, ?, ?, ?, ?)")
                    for slice in batch.slices {
                        try statement.execute(arguments: [slice.outcome, Self.text(slice.scope), slice.hour, slice.bad, slice.count])
                    }
                }
                if !batch.samples.isEmpty {
                    let statement = try db.cachedStatement(sql: "INSERT INTO sample (outcome, time, customer, body) VALUES (?, ?, ?, ?)")
                    for sample in batch.samples {
                        let body = String(decoding: try encoder.encode(sample), as: UTF8.self)
                        try statement.execute(arguments: [sample.outcome, sample.timeUnixNano, sample.customer, body])
                    }
                }
                for incident in batch.incidents {
                    let body = String(decoding: try encoder.encode(incident), as: UTF8.self)
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO incident (id, outcome, opened_at, resolved_at, severity, body) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [incident.id, incident.outcome, incident.openedAt, incident.resolvedAt, incident.severity.rawValue, body]
                    )
                }
                for deploy in batch.deploys {
                    let body = String(decoding: try encoder.encode(deploy), as: UTF8.self)
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO deploy (service, version, time, body) VALUES (?, ?, ?, ?)",
                        arguments: [deploy.service, deploy.version, deploy.timeUnixNano, body]
                    )
                }
                for customer in batch.customers {
                    let body = String(decoding: try encoder.encode(customer), as: UTF8.self)
                    try db.execute(sql: "INSERT OR REPLACE INTO customer (id, body) VALUES (?, ?)", arguments: [customer.id, body])
                }
                for investigation in batch.investigations {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO investigation (incident_id, at, json, markdown) VALUES (?, ?, ?, ?)",
                        arguments: [investigation.incident, investigation.at, investigation.json, investigation.markdown]
                    )
                }
                if let catalog = batch.telemetryCatalog {
                    try db.execute(sql: "INSERT OR REPLACE INTO telemetry_catalog (id, json) VALUES (1, ?)", arguments: [catalog])
                }
                for check in batch.deployChecks {
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO deploy_check (deploy, deployed_at, after_seconds, verdict, json, markdown) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [check.deploy, check.deployedAt, check.afterSeconds, check.verdict, check.json, check.markdown]
                    )
                }
                for note in batch.notes {
                    try db.execute(
                        sql: """
                            INSERT INTO incident_note (incident_id, acknowledged_at, acknowledged_by, customer_reported_at,
                                customer_reported_by, resolved_at, resolved_by) VALUES (?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (incident_id) DO UPDATE SET
                                acknowledged_at = COALESCE(excluded.acknowledged_at, acknowledged_at),
                                acknowledged_by = COALESCE(excluded.acknowledged_by, acknowledged_by),
                                customer_reported_at = COALESCE(excluded.customer_reported_at, customer_reported_at),
                                customer_reported_by = COALESCE(excluded.customer_reported_by, customer_reported_by),
                                resolved_at = COALESCE(excluded.resolved_at, resolved_at),
                                resolved_by = COALESCE(excluded.resolved_by, resolved_by)
                            """,
                        arguments: [note.incident, note.acknowledgedAt, note.acknowledgedBy, note.customerReportedAt,
                                    note.customerReportedBy, note.resolvedAt, note.resolvedBy]
                    )
                }
                if let checkpoint = batch.checkpoint {
                    try db.execute(sql: "INSERT OR REPLACE INTO checkpoint (id, body) VALUES (1, ?)", arguments: [Data(checkpoint)])
                }
            }
        } catch {
            throw StoreError(operation: "write", message: "\(error)")
        }
    }

    @discardableResult
    public func rollUp(hour: Int64, merge: @Sendable ([AggregateRecord]) -> [AggregateRecord]) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                let first = hour * 60, last = hour * 60 + 59
                let rows = try Self.records(db, sql: "SELECT * FROM aggregate WHERE resolution = 0 AND idx BETWEEN ? AND ?", arguments: [first, last])
                guard !rows.isEmpty else { return 0 }
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO aggregate (outcome, cell, resolution, idx, good, total, sketch) VALUES (?, ?, 1, ?, ?, ?, ?)
                    ON CONFLICT (resolution, idx, outcome, cell) DO UPDATE SET
                        good = good + excluded.good,
                        total = total + excluded.total,
                        sketch = goalpost_merge_sketch(sketch, excluded.sketch)
                    """)
                for row in merge(rows) {
                    try Self.insert(row, resolution: nil, index: hour, with: statement, in: db)
                }
                try db.execute(sql: "DELETE FROM aggregate WHERE resolution = 0 AND idx BETWEEN ? AND ?", arguments: [first, last])
                return rows.count
            }
        } catch {
            throw StoreError(operation: "roll up hour \(hour)", message: "\(error)")
        }
    }

    public func expire(beforeHour hour: Int64, samplesBefore sampleTime: Int64) throws(StoreError) {
        do {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM aggregate WHERE resolution = 1 AND idx < ?", arguments: [hour])
                try db.execute(sql: "DELETE FROM aggregate WHERE resolution = 0 AND idx < ?", arguments: [hour * 60])
                try db.execute(sql: "DELETE FROM slice WHERE hour < ?", arguments: [hour])
                try db.execute(sql: "DELETE FROM sample WHERE time < ?", arguments: [sampleTime])
            }
        } catch {
            throw StoreError(operation: "expire", message: "\(error)")
        }
    }

    // MARK: Reading

    public func aggregates(fromHour hour: Int64) throws(StoreError) -> [AggregateRecord] {
        try read("read aggregates") { db in
            try Self.records(db, sql: """
                SELECT * FROM aggregate WHERE (resolution = 1 AND idx >= ?) OR (resolution = 0 AND idx >= ?)
                ORDER BY resolution DESC, idx
                """, arguments: [hour, hour * 60])
        }
    }

    public func slices(fromHour hour: Int64) throws(StoreError) -> [SliceRecord] {
        try read("read slices") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM slice WHERE hour >= ? ORDER BY hour", arguments: [hour]).compactMap { row in
                guard let scope = Self.scope(row["scope"]) else { return nil }
                return SliceRecord(outcome: row["outcome"], scope: scope, hour: row["hour"], bad: row["bad"], count: row["count"])
            }
        }
    }

    public func checkpoint() throws(StoreError) -> [UInt8]? {
        try read("read checkpoint") { db in
            try Data.fetchOne(db, sql: "SELECT body FROM checkpoint WHERE id = 1").map { [UInt8]($0) }
        }
    }

    public func oldestMinuteHour() throws(StoreError) -> Int64? {
        try read("read oldest minute") { db in
            try Int64.fetchOne(db, sql: "SELECT min(idx) FROM aggregate WHERE resolution = 0").map { minute in
                minute >= 0 ? minute / 60 : (minute - 59) / 60
            }
        }
    }

    public func totals(outcome: String) throws(StoreError) -> [String: (good: Double, total: Double)] {
        try read("read totals") { db in
            var result = [String: (good: Double, total: Double)]()
            for row in try Row.fetchAll(db, sql: "SELECT cell, sum(good) AS good, sum(total) AS total FROM aggregate WHERE outcome = ? GROUP BY cell", arguments: [outcome]) {
                result[row["cell"]] = (row["good"], row["total"])
            }
            return result
        }
    }

    public func samples(outcome: String, from: Int64, to: Int64, limit: Int) throws(StoreError) -> [EventSample] {
        try read("read samples") { db in
            try String.fetchAll(
                db, sql: "SELECT body FROM sample WHERE outcome = ? AND time >= ? AND time < ? ORDER BY time DESC LIMIT ?",
                arguments: [outcome, from, to, limit]
            ).map { try JSONDecoder().decode(EventSample.self, from: Data($0.utf8)) }
        }
    }

    public func deploys(from: Int64, to: Int64) throws(StoreError) -> [Deploy] {
        try read("read deploys") { db in
            try String.fetchAll(db, sql: "SELECT body FROM deploy WHERE time >= ? AND time < ? ORDER BY time, id", arguments: [from, to])
                .map { try JSONDecoder().decode(Deploy.self, from: Data($0.utf8)) }
        }
    }

    public func incidents(from: Int64, to: Int64) throws(StoreError) -> [Incident] {
        try read("read incidents") { db in
            try String.fetchAll(db, sql: "SELECT body FROM incident WHERE opened_at >= ? AND opened_at < ? ORDER BY opened_at DESC, id", arguments: [from, to])
                .map { try JSONDecoder().decode(Incident.self, from: Data($0.utf8)) }
        }
    }

    public func incident(id: String) throws(StoreError) -> Incident? {
        try read("read incident \(id)") { db in
            try String.fetchOne(db, sql: "SELECT body FROM incident WHERE id = ?", arguments: [id])
                .map { try JSONDecoder().decode(Incident.self, from: Data($0.utf8)) }
        }
    }

    public func customers() throws(StoreError) -> [Customer] {
        try read("read customers") { db in
            try String.fetchAll(db, sql: "SELECT body FROM customer ORDER BY id").map { try JSONDecoder().decode(Customer.self, from: Data($0.utf8)) }
        }
    }

    public func investigation(incident id: String) throws(StoreError) -> StoredInvestigation? {
        try read("read the investigation of \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM investigation WHERE incident_id = ?", arguments: [id]).map {
                StoredInvestigation(incident: $0["incident_id"], at: $0["at"], json: $0["json"], markdown: $0["markdown"])
            }
        }
    }

    public func notes() throws(StoreError) -> [String: IncidentNote] {
        try read("read incident notes") { db in
            let notes = try Row.fetchAll(db, sql: "SELECT * FROM incident_note").map { row in
                IncidentNote(
                    incident: row["incident_id"], acknowledgedAt: row["acknowledged_at"], acknowledgedBy: row["acknowledged_by"],
                    customerReportedAt: row["customer_reported_at"], customerReportedBy: row["customer_reported_by"],
                    resolvedAt: row["resolved_at"], resolvedBy: row["resolved_by"]
                )
            }
            return Dictionary(notes.map { ($0.incident, $0) }, uniquingKeysWith: { _, last in last })
        }
    }

    public func tokens() throws(StoreError) -> [StoredToken] {
        try read("read tokens") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM token ORDER BY created_at, id").map { row in
                let scopes: String = row["scopes"]
                return StoredToken(
                    id: row["id"], name: row["name"], scopes: scopes.split(separator: ",").map(String.init), hash: row["hash"],
                    createdAt: row["created_at"], revokedAt: row["revoked_at"]
                )
            }
        }
    }

    public func add(token: StoredToken) throws(StoreError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO token (id, name, scopes, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [token.id, token.name, token.scopes.joined(separator: ","), token.hash, token.createdAt, token.revokedAt]
                )
            }
        } catch {
            throw StoreError(operation: "add token \(token.id)", message: "\(error)")
        }
    }

    public func revoke(token id: String, at time: Int64) throws(StoreError) -> Bool {
        do {
            return try pool.write { db in
                try db.execute(sql: "UPDATE token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [time, id])
                return db.changesCount > 0
            }
        } catch {
            throw StoreError(operation: "revoke token \(id)", message: "\(error)")
        }
    }

    public func record(notification: NotificationRecord) throws(StoreError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO notification (at, incident_id, target, event, status, detail, attempts) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [notification.at, notification.incident, notification.target, notification.event, notification.status.rawValue,
                                notification.detail, notification.attempts]
                )
            }
        } catch {
            throw StoreError(operation: "record a notification", message: "\(error)")
        }
    }

    public func notifications(incident: String?, limit: Int) throws(StoreError) -> [NotificationRecord] {
        try read("read notifications") { db in
            let rows = incident == nil
                ? try Row.fetchAll(db, sql: "SELECT * FROM notification ORDER BY at DESC, id DESC LIMIT ?", arguments: [limit])
                : try Row.fetchAll(db, sql: "SELECT * FROM notification WHERE incident_id = ? ORDER BY at DESC, id DESC LIMIT ?", arguments: [incident, limit])
            return rows.map { row in
                let status: String = row["status"]
                return NotificationRecord(
                    at: row["at"], incident: row["incident_id"], target: row["target"], event: row["event"],
                    status: NotificationRecord.Status(rawValue: status) ?? .dead, detail: row["detail"], attempts: row["attempts"]
                )
            }
        }
    }

    public func record(runbook: RunbookRecord) throws(StoreError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO runbook_run (at, incident_id, runbook, status, detail) VALUES (?, ?, ?, ?, ?)",
                    arguments: [runbook.at, runbook.incident, runbook.runbook, runbook.status.rawValue, runbook.detail]
                )
            }
        } catch {
            throw StoreError(operation: "record a runbook run", message: "\(error)")
        }
    }

    public func runbooks(incident: String) throws(StoreError) -> [RunbookRecord] {
        try read("read runbook runs") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runbook_run WHERE incident_id = ? ORDER BY at, id", arguments: [incident]).map { row in
                let status: String = row["status"]
                return RunbookRecord(at: row["at"], incident: row["incident_id"], runbook: row["runbook"],
                                     status: RunbookRecord.Status(rawValue: status) ?? .failed, detail: row["detail"])
            }
        }
    }

    public func add(silence: Silence) throws(StoreError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO silence (id, outcome, customer, starts_at, ends_at, reason, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [silence.id, silence.outcome, silence.customer, silence.startsAt, silence.endsAt, silence.reason, silence.createdBy]
                )
            }
        } catch {
            throw StoreError(operation: "add silence \(silence.id)", message: "\(error)")
        }
    }

    public func add(plan: StoredPlan) throws(StoreError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO plan (id, commit_id, created_at, json, markdown) VALUES (?, ?, ?, ?, ?)",
                    arguments: [plan.id, plan.commit, plan.createdAt, plan.json, plan.markdown]
                )
            }
        } catch {
            throw StoreError(operation: "add plan \(plan.id)", message: "\(error)")
        }
    }

    public func plans() throws(StoreError) -> [StoredPlan] {
        try read("read plans") { db in
            try Row.fetchAll(db, sql: "SELECT rowid, * FROM plan ORDER BY created_at, id").map(Self.plan)
        }
    }

    public func plans(after row: Int64) throws(StoreError) -> [StoredPlan] {
        try read("read plans") { db in
            try Row.fetchAll(db, sql: "SELECT rowid, * FROM plan WHERE rowid > ? ORDER BY rowid", arguments: [row]).map(Self.plan)
        }
    }

    public func plan(id: String) throws(StoreError) -> StoredPlan? {
        try read("read plan \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT rowid, * FROM plan WHERE id = ?", arguments: [id]).map(Self.plan)
        }
    }

    private static func plan(_ row: Row) -> StoredPlan {
        StoredPlan(id: row["id"], commit: row["commit_id"], createdAt: row["created_at"], json: row["json"], markdown: row["markdown"], row: row["rowid"])
    }

    public func telemetryCatalog() throws(StoreError) -> String? {
        try read("read the telemetry catalog") { db in try String.fetchOne(db, sql: "SELECT json FROM telemetry_catalog WHERE id = 1") }
    }

    public func deployChecks(deploy: String?, from: Int64) throws(StoreError) -> [StoredDeployCheck] {
        try read("read deploy checks") { db in
            let rows: [Row]
            if let deploy {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM deploy_check WHERE deploy = ? AND deployed_at >= ? ORDER BY deployed_at, after_seconds", arguments: [deploy, from])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM deploy_check WHERE deployed_at >= ? ORDER BY deployed_at, after_seconds", arguments: [from])
            }
            return rows.map { row in
                StoredDeployCheck(deploy: row["deploy"], deployedAt: row["deployed_at"], afterSeconds: row["after_seconds"], verdict: row["verdict"],
                                  json: row["json"], markdown: row["markdown"])
            }
        }
    }

    public func silences(endingAfter time: Int64) throws(StoreError) -> [Silence] {
        try read("read silences") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM silence WHERE ends_at > ? ORDER BY starts_at DESC, id", arguments: [time]).map { row in
                Silence(id: row["id"], outcome: row["outcome"], customer: row["customer"], startsAt: row["starts_at"], endsAt: row["ends_at"],
                        reason: row["reason"], createdBy: row["created_by"])
            }
        }
    }

    public func expire(silence id: String, at time: Int64) throws(StoreError) -> Bool {
        do {
            return try pool.write { db in
                try db.execute(sql: "UPDATE silence SET ends_at = ? WHERE id = ? AND ends_at > ?", arguments: [time, id, time])
                return db.changesCount > 0
            }
        } catch {
            throw StoreError(operation: "expire silence \(id)", message: "\(error)")
        }
    }

    // MARK: Helpers

    private func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError(operation: operation, message: "\(error)")
        }
    }

    // Aggregate rows are the store's bulk (one per cell and minute): they are bound and read through SQLite's
    // C interface on GRDB's statements, which skips building `StatementArguments` and `Row`s per row.

    /// Executes an aggregate upsert `statement` for `row` at `index`; with `resolution` nil the statement has the
    /// resolution in its SQL and takes six values, else seven.
    private static func insert(_ row: AggregateRecord, resolution: Int?, index: Int64, with statement: Statement, in db: Database) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        var position: Int32 = 1
        func text(_ value: String) {
            _ = value.withCString { sqlite3_bind_text(handle, position, $0, -1, transientDestructor) }
            position += 1
        }
        text(row.outcome)
        text(row.cell)
        if let resolution {
            sqlite3_bind_int64(handle, position, Int64(resolution))
            position += 1
        }
        sqlite3_bind_int64(handle, position, index)
        sqlite3_bind_double(handle, position + 1, row.good)
        sqlite3_bind_double(handle, position + 2, row.total)
        if let sketch = row.sketch {
            _ = sketch.withUnsafeBytes { sqlite3_bind_blob(handle, position + 3, $0.baseAddress, Int32($0.count), transientDestructor) }
        } else {
            sqlite3_bind_null(handle, position + 3)
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
    }

    /// The aggregate rows a `SELECT * FROM aggregate …` returns.
    private static func records(_ db: Database, sql: String, arguments: StatementArguments) throws -> [AggregateRecord] {
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        var columns = [String: Int32]()
        for column in 0..<sqlite3_column_count(handle) { columns[String(cString: sqlite3_column_name(handle, column))] = column }
        guard let outcome = columns["outcome"], let cell = columns["cell"], let resolution = columns["resolution"],
              let index = columns["idx"], let good = columns["good"], let total = columns["total"], let sketch = columns["sketch"]
        else {
            throw DatabaseError(message: "aggregate query without the aggregate table's columns", sql: sql)
        }
        func text(_ column: Int32) -> String {
            guard let start = sqlite3_column_text(handle, column) else { return "" }
            return String(decoding: UnsafeBufferPointer(start: start, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
        }
        var records = [AggregateRecord]()
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
            }
            var bytes: [UInt8]?
            if sqlite3_column_type(handle, sketch) != SQLITE_NULL {
                let count = Int(sqlite3_column_bytes(handle, sketch))
                if let blob = sqlite3_column_blob(handle, sketch) {
                    bytes = [UInt8](UnsafeRawBufferPointer(start: blob, count: count))
                } else {
                    bytes = []
                }
            }
            records.append(AggregateRecord(
                outcome: text(outcome), cell: text(cell), resolution: sqlite3_column_int64(handle, resolution) == 1 ? .hour : .minute,
                index: sqlite3_column_int64(handle, index), good: sqlite3_column_double(handle, good),
                total: sqlite3_column_double(handle, total), sketch: bytes
            ))
        }
        return records
    }

    /// A scope as stored: `global`, or `customer:` and the id.
    static func text(_ scope: Scope) -> String {
        switch scope {
        case .global: "global"
        case .customer(let id): "customer:" + id
        }
    }

    static func scope(_ text: String) -> Scope? {
        if text == "global" { return .global }
        guard text.hasPrefix("customer:") else { return nil }
        return .customer(String(text.dropFirst("customer:".count)))
    }
}

/// SQLite's `SQLITE_TRANSIENT`: it copies a bound value before the call returns.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
