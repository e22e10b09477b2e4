import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostStore
import GoalpostTelemetry
import Logging
import Metrics
import ServiceLifecycle

/// The live path from request bodies to durable aggregates: a bounded queue in front of one worker thread that
/// owns the evaluation engine, decodes and routes each request, and commits what a group of requests added to
/// the store in one transaction before any of them is acknowledged (group commit).
///
/// - Bounded memory: callers `reserve` the bytes of a body before reading it and the reservation is released
///   when the job is done, so queued and in-flight bodies never exceed `maximumQueuedBytes`; a refused
///   reservation is the caller's 429.
/// - Durability: `submit` returns `.accepted` only after the store's transaction for the job committed. If
///   the process dies before, the client saw no acknowledgement and retries; on restart the engine is rebuilt
///   from the store (aggregates, slice tallies, the last checkpoint), so nothing acknowledged is lost and
///   nothing is counted twice.
/// - Evaluation: every `tickInterval` of the injected clock the engine ticks; incidents and the alert
///   checkpoint are written in the same transaction as that round's aggregates.
///
/// One worker thread rather than a task: decoding and SQLite are blocking work that must not hold one of the
/// few threads of Swift's cooperative pool.
public final class IngestPipeline: ServiceLifecycle.Service, @unchecked Sendable {
    /// Options; every one has a default.
    public struct Configuration: Sendable {
        /// The engine's options (bad-event samples on, for investigations).
        public var engine: EvaluationEngine.Configuration
        /// Bytes of request bodies reserved, queued or being processed, at most (64 MiB).
        public var maximumQueuedBytes: Int
        /// Jobs waiting, at most.
        public var maximumQueuedJobs: Int
        /// How often the engine evaluates (10 s).
        public var tickInterval: TimeSpan
        /// Body bytes one group commit takes at most, so acknowledgements keep flowing under load (8 MiB).
        public var maximumBatchBytes: Int
        /// How long bad-event samples are kept (7 days).
        public var sampleRetention: TimeSpan
        /// When each deploy is checked after it ships (10m, 30m, 1h, 2h, 24h, 72h); empty: never.
        public var deployChecks: [TimeSpan]
        /// A local git repository: a plan whose commit is an ancestor of a deployed commit is that deploy's plan.
        public var repository: String?

        public init(
            engine: EvaluationEngine.Configuration = EvaluationEngine.Configuration(badSamplesPerMinute: 10, persistence: true, telemetryCatalog: true),
            maximumQueuedBytes: Int = 64 << 20, maximumQueuedJobs: Int = 10_000, tickInterval: TimeSpan = .seconds(10),
            maximumBatchBytes: Int = 8 << 20, sampleRetention: TimeSpan = .days(7),
            deployChecks: [TimeSpan] = ChangePlanner.defaultChecks, repository: String? = nil
        ) {
            self.deployChecks = deployChecks
            self.repository = repository
            self.engine = engine
            self.maximumQueuedBytes = maximumQueuedBytes
            self.maximumQueuedJobs = maximumQueuedJobs
            self.tickInterval = tickInterval
            self.maximumBatchBytes = maximumBatchBytes
            self.sampleRetention = sampleRetention
        }
    }

    /// The encoding of an OTLP body.
    public enum Format: String, Sendable {
        case json, protobuf
    }

    /// What a job carries.
    public enum Payload: Sendable {
        /// An OTLP export request body (already decompressed).
        case otlp(signal: OTLPResponse.Signal, format: Format, body: [UInt8])
        /// A `POST /api/v1/events` body.
        case events([UInt8])
        case deploys([Deploy])
        case customers([Customer])
        /// Counts a pull source (PromQL, SQL) measured for an outcome, per minute and series.
        case external(outcome: String, counts: [ExternalCounts])
        /// Every outcome's status now.
        case status
        /// A read of the engine's state on the worker thread (see `read(_:)`).
        case read(@Sendable (EngineView) -> any Sendable)
        /// A note on an incident (acknowledged, customer-reported), stored as it comes.
        case note(IncidentNote)
        /// Resolves an open incident by hand; the reply's value is the resolved `Incident`, or `nil` when no open
        /// incident has that id.
        case resolve(incident: String, by: String?)
    }

    /// What a read sees: the engine as of its last tick, the symbols it interned, the customer directory and the
    /// pipeline's clock. Consistent with every job acknowledged before the read was submitted.
    public struct EngineView {
        public let engine: EvaluationEngine
        public let symbols: SymbolTable
        public let catalog: Catalog
        public let directory: [Customer]
        public let now: Int64
        /// The latest investigation of each open incident, and of those the latest tick resolved.
        public let investigations: [String: Investigation]
        /// How long each investigation so far took (for `goalpost demo --timings`).
        public let investigationDurations: [Duration]
    }

    /// How a job ended.
    public enum Reply: Sendable {
        /// Durable: `accepted` items counted or stored, `rejected` not (with why).
        case accepted(accepted: Int, rejected: Int, message: String)
        /// The body is malformed; nothing of it was kept.
        case invalid(String)
        /// Not processed (the store failed, or the pipeline is stopping); the client should retry.
        case unavailable(String)
        case statuses([OutcomeStatus])
        /// What a `read` returned.
        case value(any Sendable)
    }

    public let configuration: Configuration
    /// What the pull sources (PromQL, SQL) last did.
    public let sources = SourceHealth()
    private let store: any Store
    private let logger: Logger
    private let clock: @Sendable () -> Int64

    // Shared state, under `condition`.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var reservedBytes = 0
    private var stopping = false
    private var finished = false
    /// Bumped when what reads see may have changed: after each evaluation, and after deploys, customers and
    /// incident notes or resolutions are stored. Ingest alone does not bump it: reads are as of the last evaluation.
    private var generation = 0
    private var exitContinuation: CheckedContinuation<Void, Never>?

    // Worker-thread state.
    /// The engine lives in a box so decoders can feed it through a sink without copying it.
    private let box: EngineBox
    private var engine: EvaluationEngine {
        get { box.engine }
        _modify { yield &box.engine }
    }
    private var symbols: SymbolTable
    private var jsonDecoder = OTLPJSONDecoder()
    private var protobufDecoder = OTLPProtobufDecoder()
    private let eventDecoder = BusinessEventDecoder()
    private var nextTick: Int64
    private var lastMaintenanceHour: Int64 = .min
    private let catalog: Catalog
    private var directory: [Customer]
    private let retainedHours: Int64
    private let minuteTierHours: Int64
    /// Investigates incidents as they open, are refreshed and resolve (deploys come from the store).
    private var investigations: IncidentInvestigations
    /// The last investigations of the incidents the latest tick resolved.
    private var justResolved: [String: Investigation] = [:]
    private var deploysLoadedAt: Int64?
    /// Checks deploys on their schedule (plans and deploys come from the store).
    private var verifications: DeployVerifications
    private var verifiedAt: Int64?
    private var catalogKeptAt: Int64?
    /// The last plan row read from the store, and the ids of the plans stored.
    private var plansReadThrough: Int64 = 0
    private var storedPlans: Set<String> = []
    /// Tells people about incidents, after they are stored.
    private let notifier: Notifier?
    /// What the batch being processed will tell the notifier once it is stored.
    private var pendingNotices: [Notifier.Input] = []

    // Metrics.
    private let queueBytes = Gauge(label: "goalpost_ingest_queue_bytes")
    private let queueJobs = Gauge(label: "goalpost_ingest_queue_jobs")
    private let evaluationDuration = Metrics.Timer(label: "goalpost_evaluation_duration_seconds")
    private let storeWriteDuration = Metrics.Timer(label: "goalpost_store_write_duration_seconds")
    private let openIncidents = Gauge(label: "goalpost_open_incidents")

    private struct Job {
        var payload: Payload
        var bytes: Int
        var continuation: CheckedContinuation<Reply, Never>
    }

    /// Builds the pipeline and restores the engine from what `store` kept.
    ///
    /// - Parameters:
    ///   - catalog: The outcomes and customers (customers recorded through the API are merged in).
    ///   - store: Where aggregates, incidents, deploys and customers live.
    ///   - clock: Now, in nanoseconds since the Unix epoch.
    /// - Throws: `EvaluationError` when an outcome cannot be evaluated, `StoreError` when the store cannot be read.
    public init(
        catalog: Catalog, store: any Store, configuration: Configuration = Configuration(), logger: Logger,
        clock: @escaping @Sendable () -> Int64 = IngestPipeline.systemClock, notifier: Notifier? = nil
    ) throws {
        self.notifier = notifier
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.clock = clock
        self.catalog = catalog
        let started = ContinuousClock.now
        let recorded = try store.customers()
        directory = RecordFiles.merge(recorded, into: catalog.customers)
        var merged = catalog
        merged.customers = directory
        var symbols = SymbolTable()
        var engine = try EvaluationEngine(catalog: merged, configuration: configuration.engine, symbols: &symbols)
        retainedHours = catalog.outcomes.compactMap { engine.retention(outcome: $0.name)?.hourBuckets }.max().map(Int64.init) ?? 1
        minuteTierHours = configuration.engine.minuteTier.nanoseconds / Self.nanosPerHour
        let now = clock()
        let fromHour = Self.hour(of: now) - retainedHours
        let rows = try store.aggregates(fromHour: fromHour)
        var deltas = [CellDelta]()
        deltas.reserveCapacity(rows.count)
        var unreadable = 0
        for row in rows {
            guard let key = CellKey(text: row.cell) else {
                unreadable += 1
                continue
            }
            deltas.append(CellDelta(
                outcome: row.outcome, key: key, index: row.index, resolution: row.resolution == .hour ? .hour : .minute,
                counts: Counts(good: row.good, total: row.total), sketch: row.sketch.flatMap { LatencySketch(serialized: $0) }
            ))
        }
        let slices = try store.slices(fromHour: fromHour).map {
            SliceDelta(outcome: $0.outcome, scope: $0.scope, hour: $0.hour, tally: SliceTally(bad: $0.bad, count: $0.count))
        }
        let skipped = engine.restore(deltas: deltas, slices: slices, symbols: &symbols)
        if configuration.engine.telemetryCatalog, let json = try store.telemetryCatalog() {
            do {
                engine.restoreTelemetry(try JSONDecoder().decode(TelemetryCatalog.self, from: Data(json.utf8)), symbols: &symbols)
            } catch {
                logger.warning("the stored telemetry catalog is unreadable; it starts afresh", metadata: ["error": "\(error)"])
            }
        }
        if let bytes = try store.checkpoint() {
            do {
                engine.restore(try JSONDecoder().decode(EvaluationCheckpoint.self, from: Data(bytes)), symbols: &symbols)
            } catch {
                logger.warning("the stored alert checkpoint is unreadable; alerts start quiet", metadata: ["error": "\(error)"])
            }
        }
        box = EngineBox(engine)
        self.symbols = symbols
        nextTick = now
        investigations = IncidentInvestigations(catalog: merged, deploys: [])
        verifications = DeployVerifications(catalog: merged, schedule: configuration.deployChecks)
        if let repository = configuration.repository {
            verifications.isAncestor = { ancestor, descendant in GitHistory.isAncestor(ancestor, of: descendant, in: repository) }
        }
        let longest = configuration.deployChecks.max()?.nanoseconds ?? 0
        for check in try store.deployChecks(deploy: nil, from: now - longest - 86_400_000_000_000) {
            verifications.remember(deploy: check.deploy, deployedAt: check.deployedAt, after: .seconds(check.afterSeconds),
                                   verdict: DeployVerdict(rawValue: check.verdict))
        }
        logger.info("restored the engine from the store", metadata: [
            "store.rows": "\(rows.count)", "store.slices": "\(slices.count)", "store.skipped": "\(skipped + unreadable)",
            "engine.cells": "\(engine.cellCount)", "restore.duration": "\(ContinuousClock.now - started)",
        ])
    }

    /// The store options the pipeline needs: latency sketches merged as `LatencySketch`s when deltas of the same
    /// cell and minute meet in a row (without it a store keeps the first sketch and loses the rest).
    public static func storeConfiguration(synchronous: SQLiteStore.Configuration.Synchronous = .full) -> SQLiteStore.Configuration {
        SQLiteStore.Configuration(synchronous: synchronous, mergeSketches: LatencySketch.mergeSerialized)
    }

    /// The wall clock in nanoseconds since the Unix epoch.
    public static let systemClock: @Sendable () -> Int64 = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    // MARK: Admission

    /// Reserves room for a body of `bytes` bytes before it is read; `false` means the queue is full (429).
    public func reserve(bytes: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, reservedBytes + bytes <= configuration.maximumQueuedBytes, jobs.count < configuration.maximumQueuedJobs else {
            return false
        }
        reservedBytes += bytes
        queueBytes.record(reservedBytes)
        return true
    }

    /// Gives back a reservation that will not be submitted (the body was refused).
    public func release(bytes: Int) {
        condition.lock()
        reservedBytes -= bytes
        queueBytes.record(reservedBytes)
        condition.unlock()
    }

    /// Whether the pipeline takes jobs (false once shutdown began).
    public var isAccepting: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !stopping
    }

    /// Queues a job whose `reserved` bytes were reserved, and waits until it is durable (or refused).
    public func submit(_ payload: Payload, reserved: Int) async -> Reply {
        await withCheckedContinuation { continuation in
            condition.lock()
            if stopping {
                reservedBytes -= reserved
                condition.unlock()
                continuation.resume(returning: .unavailable("the server is shutting down"))
                return
            }
            jobs.append(Job(payload: payload, bytes: reserved, continuation: continuation))
            queueJobs.record(jobs.count)
            condition.signal()
            condition.unlock()
        }
    }

    /// Runs `body` on the worker thread with the engine's state and returns its result; `nil` when the pipeline is
    /// stopping. For the API and the dashboard: reads queue behind the jobs submitted before them.
    public func read<T: Sendable>(_ body: @escaping @Sendable (EngineView) -> T) async -> T? {
        switch await submit(.read { body($0) }, reserved: 0) {
        case .value(let value): return value as? T
        default: return nil
        }
    }

    // MARK: Lifecycle

    /// Runs the worker until graceful shutdown, then drains: every queued job is processed and committed.
    public func run() async throws {
        let thread = Thread { [self] in workerLoop() }
        thread.name = "goalpost-ingest"
        thread.stackSize = 8 << 20
        thread.start()
        try? await gracefulShutdown()
        await stop()
    }

    /// Stops taking jobs, processes the ones queued, and returns when the worker has exited.
    public func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            stopping = true
            if finished {
                condition.unlock()
                continuation.resume()
                return
            }
            exitContinuation = continuation
            condition.signal()
            condition.unlock()
        }
    }

    private func workerLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty, !stopping {
                let wait = nextTick - clock()
                if wait <= 0 { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(wait) / 1e9))
            }
            var batch = [Job]()
            var batchBytes = 0
            while !jobs.isEmpty, batch.isEmpty || batchBytes + jobs[0].bytes <= configuration.maximumBatchBytes {
                let job = jobs.removeFirst()
                batchBytes += job.bytes
                batch.append(job)
            }
            let done = stopping && batch.isEmpty
            queueJobs.record(jobs.count)
            condition.unlock()
            if done { break }
            process(batch)
            if !batch.isEmpty {
                condition.lock()
                reservedBytes -= batchBytes
                queueBytes.record(reservedBytes)
                condition.unlock()
            }
        }
        // A last checkpoint, so a restart resumes the alert state of the moment the server stopped, and the
        // telemetry catalog as it stands.
        var last = StoreBatch()
        last.checkpoint = encodedCheckpoint()
        catalogKeptAt = nil
        keepCatalog(now: clock(), into: &last)
        do {
            try store.write(last)
        } catch {
            logger.error("could not write the last checkpoint", metadata: ["error": "\(error)"])
        }
        condition.lock()
        finished = true
        let continuation = exitContinuation
        exitContinuation = nil
        condition.unlock()
        continuation?.resume()
        logger.info("ingest pipeline stopped")
    }

    // MARK: Processing

    private func process(_ batch: [Job]) {
        var replies = [Reply]()
        replies.reserveCapacity(batch.count)
        var write = StoreBatch()
        for job in batch {
            replies.append(handle(job.payload, into: &write))
        }
        let commit = engine.commit()
        append(commit, to: &write)
        let now = clock()
        investigations.keep(commit.samples, now: now)
        var maintenanceDue = false
        let ticked = now >= nextTick
        if ticked {
            let start = ContinuousClock.now
            let actions = engine.tick(now: now)
            evaluationDuration.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - start))
            for action in actions {
                write.incidents.append(action.incident)
                log(action)
            }
            let afterTick = engine.commit()
            append(afterTick, to: &write)
            let investigated = investigate(after: actions, samples: afterTick.samples, now: now, into: &write)
            if notifier != nil { collectNotices(actions: actions, investigated: investigated, now: now) }
            verifyDeploys(now: now, into: &write)
            keepCatalog(now: now, into: &write)
            write.checkpoint = encodedCheckpoint()
            engine.forgetResolvedIncidents()
            openIncidents.record(engine.openIncidents.count)
            nextTick = now + configuration.tickInterval.nanoseconds
            maintenanceDue = Self.hour(of: now) != lastMaintenanceHour
        }
        let start = ContinuousClock.now
        do {
            try store.write(write)
            storeWriteDuration.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - start))
        } catch {
            logger.error("store write failed; the batch is refused and the engine reloads from the store", metadata: ["error": "\(error)"])
            for index in replies.indices {
                if case .accepted = replies[index] { replies[index] = .unavailable("the store could not write: \(error.description)") }
            }
            reloadAfterFailedWrite()
        }
        if let notifier {
            if replies.contains(where: { if case .unavailable = $0 { true } else { false } }) {
                pendingNotices = []  // Nothing of this batch was stored; nothing is announced.
            } else {
                for notice in pendingNotices { notifier.send(notice) }
                pendingNotices = []
                if ticked { notifier.send(.tick(now: now, open: engine.openIncidents)) }
            }
        }
        let changesReads = ticked || batch.contains { job in
            switch job.payload {
            case .deploys, .customers, .note, .resolve: true
            case .otlp, .events, .external, .status, .read: false
            }
        }
        if changesReads {
            condition.lock()
            generation += 1
            condition.unlock()
        }
        for (job, reply) in zip(batch, replies) { job.continuation.resume(returning: reply) }
        if maintenanceDue { maintain(now: now) }
    }

    /// Changes whenever what the API and the dashboard show may have changed (see `generation`): a response
    /// computed at one value can be served again while it holds.
    public var readGeneration: Int {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    private func handle(_ payload: Payload, into write: inout StoreBatch) -> Reply {
        switch payload {
        case .otlp(let signal, let format, let body):
            let before = engine.statistics
            var sink = EngineSink(box: box)
            let summary: DecodeSummary
            do {
                summary = try body.withUnsafeBytes { (bytes) throws(TelemetryDecodingError) -> DecodeSummary in
                    switch format {
                    case .json: try jsonDecoder.decode(bytes, symbols: &symbols, into: &sink)
                    case .protobuf: try protobufDecoder.decode(bytes, kind: signal.kind, symbols: &symbols, into: &sink)
                    }
                }
            } catch let error as TelemetryDecodingError {
                return .invalid(error.description)
            } catch {
                return .invalid("\(error)")
            }
            let after = engine.statistics
            let late = after.eventsDroppedLate - before.eventsDroppedLate
            let future = after.eventsDroppedFuture - before.eventsDroppedFuture
            let droppedSamples = after.samplesDropped - before.samplesDropped
            let items = summary.spans + summary.logRecords + summary.metricSamples
            let rejected = late + future + droppedSamples + summary.skippedDataPoints
            var reasons = [String]()
            if late > 0 { reasons.append("\(late) older than the allowed lateness (\(configuration.engine.allowedLateness)) behind the newest minute") }
            if future > 0 { reasons.append("\(future) more than \(configuration.engine.maximumClockSkew) ahead of the server clock") }
            if droppedSamples > 0 { reasons.append("\(droppedSamples) data points outside the accepted time range") }
            if summary.skippedDataPoints > 0 { reasons.append("\(summary.skippedDataPoints) data points of kinds Goalpost does not read (exponential histograms, summaries, no recorded value)") }
            Counter(label: "goalpost_otlp_items_total", dimensions: [("signal", signal.rawValue), ("result", "accepted")]).increment(by: max(0, items - rejected))
            if rejected > 0 {
                Counter(label: "goalpost_otlp_items_total", dimensions: [("signal", signal.rawValue), ("result", "rejected")]).increment(by: rejected)
            }
            return .accepted(accepted: max(0, items - rejected), rejected: rejected, message: reasons.joined(separator: "; "))
        case .events(let body):
            let events: [Event]
            do {
                events = try eventDecoder.decode(body, symbols: &symbols)
            } catch {
                return .invalid(error.message)
            }
            let before = engine.statistics
            for event in events { engine.ingest(event, symbols: symbols) }
            let after = engine.statistics
            let rejected = (after.eventsDroppedLate - before.eventsDroppedLate) + (after.eventsDroppedFuture - before.eventsDroppedFuture)
            return .accepted(
                accepted: events.count - rejected, rejected: rejected,
                message: rejected > 0 ? "\(rejected) events outside the accepted time range (\(configuration.engine.allowedLateness) late to \(configuration.engine.maximumClockSkew) ahead)" : ""
            )
        case .deploys(let deploys):
            write.deploys.append(contentsOf: deploys)
            return .accepted(accepted: deploys.count, rejected: 0, message: "")
        case .customers(let customers):
            directory = RecordFiles.merge(customers, into: directory)
            engine.updateDirectory(directory)
            investigations.catalog.customers = directory  // Tiers and ARR in the impact of the next investigation.
            write.customers.append(contentsOf: customers)
            return .accepted(accepted: customers.count, rejected: 0, message: "")
        case .external(let outcome, let counts):
            var accepted = 0
            for item in counts {
                var attributes: [Attribute] = []
                attributes.reserveCapacity(item.labels.count)
                for (key, value) in item.labels {  // Keys are distinct, so their order does not change the cell.
                    attributes.append(Attribute(key: symbols.intern(key), value: .string(symbols.intern(value))))
                }
                if engine.ingest(external: Counts(good: item.good, total: item.total), outcome: outcome, attributes: attributes,
                                 timeUnixNano: item.timeUnixNano, symbols: symbols) {
                    accepted += 1
                }
            }
            let rejected = counts.count - accepted
            return .accepted(accepted: accepted, rejected: rejected,
                             message: rejected > 0 ? "\(rejected) minutes outside the accepted time range (\(configuration.engine.allowedLateness) late to \(configuration.engine.maximumClockSkew) ahead)" : "")
        case .status:
            return .statuses(engine.status(now: clock()))
        case .read(let body):
            return .value(body(EngineView(
                engine: engine, symbols: symbols, catalog: catalog, directory: directory, now: clock(),
                investigations: investigations.results.merging(justResolved) { open, _ in open }, investigationDurations: investigations.durations)))
        case .note(let note):
            write.notes.append(note)
            if note.acknowledgedAt != nil, let incident = engine.openIncidents.first(where: { $0.id == note.incident }) {
                pendingNotices.append(.event(.acknowledged, incident, investigations.results[incident.id], by: note.acknowledgedBy, at: clock()))
            }
            return .accepted(accepted: 1, rejected: 0, message: "")
        case .resolve(let id, let by):
            let now = clock()
            guard let action = engine.resolve(incident: id, now: now), case .resolve(let incident) = action else {
                return .value(Optional<Incident>.none)
            }
            write.incidents.append(incident)
            write.notes.append(IncidentNote(incident: id, resolvedAt: now, resolvedBy: by))
            log(action)
            let latest = investigations.results[id]
            investigate(after: [action], samples: [], now: now, into: &write)
            if notifier != nil { pendingNotices.append(.event(.resolved, incident, latest, by: by, at: now)) }
            write.checkpoint = encodedCheckpoint()
            engine.forgetResolvedIncidents()
            openIncidents.record(engine.openIncidents.count)
            return .value(Optional(incident))
        }
    }

    /// Runs the investigations a tick calls for and adds them to the batch.
    /// What the notifier hears about a tick's actions: openings and escalations with their investigation,
    /// resolutions, and new investigations of incidents that stay open.
    private func collectNotices(actions: [IncidentAction], investigated: [String: Investigation], now: Int64) {
        var announced = Set<String>()
        for action in actions {
            switch action {
            case .open(let incident):
                pendingNotices.append(.event(.opened, incident, investigated[incident.id], by: nil, at: now))
                announced.insert(incident.id)
            case .escalate(let incident, _):
                pendingNotices.append(.event(.escalated, incident, investigated[incident.id], by: nil, at: now))
                announced.insert(incident.id)
            case .resolve(let incident):
                pendingNotices.append(.event(.resolved, incident, investigated[incident.id], by: nil, at: now))
                announced.insert(incident.id)
            case .update: break
            }
        }
        for (id, investigation) in investigated where !announced.contains(id) {
            guard let incident = engine.openIncidents.first(where: { $0.id == id }) else { continue }
            pendingNotices.append(.event(.investigated, incident, investigation, by: nil, at: now))
        }
        // Parents before children, so a child opening in the same evaluation as its parent folds into it.
        let depth = outcomeDepths
        pendingNotices = pendingNotices.enumerated().sorted { lhs, rhs in
            func level(_ notice: Notifier.Input) -> Int {
                if case .event(_, let incident, _, _, _) = notice { return depth[incident.outcome] ?? 0 }
                return 0
            }
            return (level(lhs.element), lhs.offset) < (level(rhs.element), rhs.offset)
        }.map(\.element)
    }

    /// How many parents above each outcome (0 for a top-level outcome); the catalog does not change.
    private lazy var outcomeDepths: [String: Int] = {
        let parents = Dictionary(catalog.outcomes.compactMap { o in o.parent.map { (o.name, $0) } }, uniquingKeysWith: { a, _ in a })
        var depths: [String: Int] = [:]
        for outcome in catalog.outcomes {
            var level = 0
            var current = parents[outcome.name]
            while let next = current, level < catalog.outcomes.count {
                level += 1
                current = parents[next]
            }
            depths[outcome.name] = level
        }
        return depths
    }()

    /// Investigates as the tick's actions call for; returns the investigations that changed.
    @discardableResult
    private func investigate(after actions: [IncidentAction], samples: [EventSample], now: Int64, into write: inout StoreBatch) -> [String: Investigation] {
        investigations.keep(samples, now: now)
        justResolved = [:]
        guard !actions.isEmpty || !engine.openIncidents.isEmpty else { return [:] }
        if deploysLoadedAt.map({ now - $0 >= 60_000_000_000 }) ?? true || actions.contains(where: { if case .open = $0 { true } else { false } }) {
            // Deploys near any onset: the last day is plenty for an onset search that reads two hours back.
            investigations.deploys = (try? store.deploys(from: now - 86_400_000_000_000, to: .max)) ?? investigations.deploys
            deploysLoadedAt = now
        }
        let before = investigations.results
        investigations.update(after: actions, engine: engine, symbols: symbols, now: now)
        var changed: [String: Investigation] = [:]
        for (id, investigation) in investigations.results where before[id] != investigation {
            changed[id] = investigation
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let json = try? encoder.encode(investigation) else { continue }
            write.investigations.append(StoredInvestigation(incident: id, at: now, json: String(decoding: json, as: UTF8.self), markdown: investigation.markdown))
            logger.info("incident investigated", metadata: ["incident.id": "\(id)", "investigation.summary": "\(investigation.summary)"])
        }
        // Resolved incidents' last investigations are in the store; reads see them until the next tick.
        for action in actions {
            guard case .resolve(let incident) = action else { continue }
            justResolved[incident.id] = investigations.results[incident.id]
            investigations.forget(incident.id)
        }
        return changed
    }

    /// Keeps the telemetry catalog in the store every 10 minutes, so a restart continues it.
    private func keepCatalog(now: Int64, into write: inout StoreBatch) {
        guard configuration.engine.telemetryCatalog, catalogKeptAt.map({ now - $0 >= 600_000_000_000 }) ?? true, !engine.telemetry.isEmpty else { return }
        catalogKeptAt = now
        guard let json = try? JSONEncoder().encode(engine.telemetry.catalog(symbols: symbols)) else { return }
        write.telemetryCatalog = String(decoding: json, as: UTF8.self)
    }

    /// Runs the deploy checks that came due, at most once a minute; a failed check is announced.
    private func verifyDeploys(now: Int64, into write: inout StoreBatch) {
        guard let longest = configuration.deployChecks.max(), verifiedAt.map({ now - $0 >= 60_000_000_000 }) ?? true else { return }
        verifiedAt = now
        do {
            let deploys = try store.deploys(from: now - longest.nanoseconds - 3_600_000_000_000, to: now + 1)
            // Plans and incidents are read only when a check is due (most minutes none is).
            guard verifications.hasDue(deploys, now: now) else { return }
            // Plans written since the last look (through the API, or by this pipeline).
            let decoder = JSONDecoder()
            for stored in try store.plans(after: plansReadThrough) {
                plansReadThrough = max(plansReadThrough, stored.row)
                storedPlans.insert(stored.id)
                if let plan = try? decoder.decode(ChangePlan.self, from: Data(stored.json.utf8)) { verifications.plans[plan.id] = plan }
            }
            let incidents = engine.openIncidents + (try store.incidents(from: now - longest.nanoseconds - 3_600_000_000_000, to: now + 1))
            let made = verifications.update(deploys: deploys, engine: engine, symbols: symbols, incidents: incidents, now: now)
            let checks = made.map(\.check)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            // The plans made from deploys themselves are kept too, for the deploy's report.
            for id in Set(checks.map(\.plan)) where !storedPlans.contains(id) {
                guard let plan = verifications.used[id], let json = try? encoder.encode(plan) else { continue }
                try store.add(plan: StoredPlan(id: id, commit: plan.change.commit, createdAt: now, json: String(decoding: json, as: UTF8.self), markdown: plan.markdown))
                storedPlans.insert(id)
            }
            for check in checks {
                guard let json = try? encoder.encode(check) else { continue }
                write.deployChecks.append(StoredDeployCheck(
                    deploy: check.deploy, deployedAt: check.deployedAt, afterSeconds: check.after.nanoseconds / 1_000_000_000,
                    verdict: check.verdict.rawValue, json: String(decoding: json, as: UTF8.self), markdown: check.markdown
                ))
                logger.info("deploy checked", metadata: ["deploy": "\(check.deploy)", "deploy.after": "\(check.after)", "deploy.verdict": "\(check.verdict.rawValue)"])
            }
            // A deploy's failure is announced once, when a check first finds it.
            for item in made where item.announce && notifier != nil { pendingNotices.append(.deployCheck(item.check)) }
        } catch {
            logger.error("deploy checks could not read the store; they run at the next minute", metadata: ["error": "\(error)"])
        }
    }

    private func append(_ commit: EngineCommit, to write: inout StoreBatch) {
        for delta in commit.deltas {
            write.aggregates.append(AggregateRecord(
                outcome: delta.outcome, cell: delta.key.text, resolution: delta.resolution == .hour ? .hour : .minute,
                index: delta.index, good: delta.counts.good, total: delta.counts.total, sketch: delta.sketch?.serialized
            ))
        }
        for slice in commit.slices {
            write.slices.append(SliceRecord(outcome: slice.outcome, scope: slice.scope, hour: slice.hour, bad: slice.tally.bad, count: slice.tally.count))
        }
        write.samples.append(contentsOf: commit.samples)
    }

    private func encodedCheckpoint() -> [UInt8]? {
        try? Array(JSONEncoder().encode(engine.checkpoint()))
    }

    /// After a failed write the engine holds counts the store does not: rebuild it from the store, so the
    /// client's retry is not counted twice.
    private func reloadAfterFailedWrite() {
        do {
            let fresh = try IngestPipeline(catalog: catalog, store: store, configuration: configuration, logger: logger, clock: clock)
            box.engine = fresh.box.engine
            symbols = fresh.symbols
            directory = fresh.directory
        } catch {
            logger.critical("could not reload the engine from the store", metadata: ["error": "\(error)"])
        }
    }

    /// Rolls minute rows older than the minute tier up into hour rows, and expires what no window needs.
    private func maintain(now: Int64) {
        let hour = Self.hour(of: now)
        lastMaintenanceHour = hour
        let boundary = hour - minuteTierHours - 1
        do {
            while let oldest = try store.oldestMinuteHour(), oldest < boundary {
                let rows = try store.rollUp(hour: oldest, merge: Self.mergeHour)
                logger.debug("rolled up an hour of minute rows", metadata: ["store.hour": "\(oldest)", "store.rows": "\(rows)"])
            }
            try store.expire(beforeHour: hour - retainedHours - 1, samplesBefore: now - configuration.sampleRetention.nanoseconds)
        } catch {
            logger.error("store maintenance failed; it is retried next hour", metadata: ["error": "\(error)"])
        }
    }

    /// One row per (outcome, cell) of an hour's minute rows: counts added, sketches merged.
    @Sendable static func mergeHour(_ rows: [AggregateRecord]) -> [AggregateRecord] {
        var merged = [String: (row: AggregateRecord, sketch: LatencySketch?)]()
        for row in rows {
            let key = row.outcome + "\u{0}" + row.cell
            let sketch = row.sketch.flatMap { LatencySketch(serialized: $0) }
            if var existing = merged[key] {
                existing.row.good += row.good
                existing.row.total += row.total
                if let sketch {
                    if existing.sketch == nil { existing.sketch = sketch } else { existing.sketch?.merge(sketch) }
                }
                merged[key] = existing
            } else {
                merged[key] = (row, sketch)
            }
        }
        return merged.values.map { entry in
            var row = entry.row
            row.resolution = .hour
            row.sketch = entry.sketch?.serialized
            return row
        }
    }

    private func log(_ action: IncidentAction) {
        let incident = action.incident
        var metadata: Logger.Metadata = [
            "incident.id": "\(incident.id)", "outcome.id": "\(incident.outcome)", "incident.scope": "\(incident.scope)",
            "incident.severity": "\(incident.severity.rawValue)",
        ]
        if let customer = incident.scope.customer { metadata["customer.id"] = "\(customer)" }
        switch action {
        case .open: logger.warning("incident opened", metadata: metadata)
        case .escalate: logger.warning("incident escalated", metadata: metadata)
        case .update: logger.info("incident updated", metadata: metadata)
        case .resolve: logger.notice("incident resolved", metadata: metadata)
        }
    }

    static let nanosPerHour: Int64 = 3_600_000_000_000

    /// The hour index of a time, rounding down for times before 1970 too.
    static func hour(of nanos: Int64) -> Int64 {
        let quotient = nanos / nanosPerHour
        return nanos % nanosPerHour < 0 ? quotient - 1 : quotient
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// The worker's engine, held by reference so a sink can feed it in place.
final class EngineBox {
    var engine: EvaluationEngine

    init(_ engine: EvaluationEngine) { self.engine = engine }
}

/// Feeds decoded telemetry straight into the engine.
struct EngineSink: TelemetrySink {
    let box: EngineBox

    mutating func receive(_ event: Event, symbols: SymbolTable) { box.engine.ingest(event, symbols: symbols) }
    mutating func receive(_ sample: MetricSample, symbols: SymbolTable) { box.engine.ingest(sample, symbols: symbols) }
}

extension OTLPResponse.Signal {
    /// The decoder's name for the request kind.
    var kind: OTLPSignalKind {
        switch self {
        case .traces: .traces
        case .logs: .logs
        case .metrics: .metrics
        }
    }
}

