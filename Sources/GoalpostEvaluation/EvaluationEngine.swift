import GoalpostModel

/// The evaluation engine: routes events and metric samples to outcomes, aggregates them per cell and minute,
/// and at each tick evaluates every scope's SLI, budget and burn rates and opens, updates and resolves
/// incidents.
///
/// Pure and value-typed: it never reads a clock (`now` is a parameter of `tick` and `status`) and never
/// performs I/O; a replay (backtest) and a live server drive the same engine. A replay ticks once per minute
/// of event time (and may tick more often); a server ticks on its scheduler.
///
/// Events may arrive late by up to `Configuration.allowedLateness` behind the newest minute seen; they are
/// counted into their own minute. Later ones are dropped and counted in `statistics`.
///
/// ```swift
/// var symbols = SymbolTable()
/// var engine = try EvaluationEngine(catalog: catalog, symbols: &symbols)
/// engine.ingest(event, symbols: symbols)
/// for action in engine.tick(now: minuteBoundary) { … }
/// ```
///
/// To feed it from a `TelemetrySink` (GoalpostTelemetry), wrap it with the symbol table the decoder interned
/// into: `struct EngineSink: TelemetrySink { var engine: EvaluationEngine; var symbols: SymbolTable; … }`.
public struct EvaluationEngine: Sendable {
    /// Options, with defaults that suit both a replay and a server.
    public struct Configuration: Hashable, Sendable {
        /// How far behind the newest minute seen an event may be and still count (5 minutes).
        public var allowedLateness: TimeSpan
        /// How far ahead of the last tick an event may be (clock skew) and still count (2 minutes).
        public var maximumClockSkew: TimeSpan
        /// How long minute buckets are kept (8 hours: the 6h and 30m windows are summed exactly from them).
        public var minuteTier: TimeSpan
        /// Hour buckets kept beyond the longest window (budget or alert), for late reads (2 hours).
        public var hourTierMargin: TimeSpan
        /// The least rank weight of a customer (its ARR share otherwise): 0.01, an average customer among 100.
        public var customerWeightFloor: Double
        /// Whether to keep latency sketches (percentiles in status and reports).
        public var latencySketches: Bool
        /// Bad events kept per outcome per minute as samples for investigations (`commit()` hands them
        /// out); 0 keeps none, as a replay that never stores them should.
        public var badSamplesPerMinute: Int
        /// Whether the caller persists what the engine gains through `commit()`: the engine then also keeps the
        /// slice tallies it finalizes until the next commit. Off for a replay, which never commits.
        public var persistence: Bool
        /// Whether to keep a catalog of all telemetry received, matched by an outcome or not (`telemetry`).
        public var telemetryCatalog: Bool

        /// Options; every one has a default.
        public init(
            allowedLateness: TimeSpan = .minutes(5), maximumClockSkew: TimeSpan = .minutes(2),
            minuteTier: TimeSpan = .hours(8), hourTierMargin: TimeSpan = .hours(2),
            customerWeightFloor: Double = 0.01, latencySketches: Bool = true, badSamplesPerMinute: Int = 0,
            persistence: Bool = false, telemetryCatalog: Bool = false
        ) {
            self.telemetryCatalog = telemetryCatalog
            self.badSamplesPerMinute = badSamplesPerMinute
            self.persistence = persistence
            self.allowedLateness = allowedLateness
            self.maximumClockSkew = maximumClockSkew
            self.minuteTier = minuteTier
            self.hourTierMargin = hourTierMargin
            self.customerWeightFloor = customerWeightFloor
            self.latencySketches = latencySketches
        }

        func validate() throws(EvaluationError) {
            guard allowedLateness.nanoseconds >= 0, maximumClockSkew.nanoseconds >= 0 else {
                throw EvaluationError(outcome: nil, message: "allowed lateness and clock skew cannot be negative")
            }
            guard minuteTier.nanoseconds % Time.nanosPerMinute == 0,
                  minuteTier >= .hours(1) + allowedLateness + maximumClockSkew else {
                throw EvaluationError(outcome: nil, message: "minute tier \(minuteTier) must be whole minutes and at least 1h plus the allowed lateness and clock skew")
            }
            guard hourTierMargin.nanoseconds >= 0, customerWeightFloor >= 0, badSamplesPerMinute >= 0 else {
                throw EvaluationError(outcome: nil, message: "hour tier margin, customer weight floor and samples per minute cannot be negative")
            }
        }
    }

    /// What the engine received and what it did not count.
    public struct Statistics: Hashable, Sendable, Codable {
        /// Events passed to `ingest`.
        public var eventsReceived = 0
        /// Events that counted for at least one outcome.
        public var eventsMatched = 0
        /// Events older than the allowed lateness.
        public var eventsDroppedLate = 0
        /// Events further ahead of the last tick than the allowed clock skew.
        public var eventsDroppedFuture = 0
        /// Metric samples passed to `ingest`.
        public var samplesReceived = 0
        /// Samples that counted for at least one outcome.
        public var samplesMatched = 0
        /// Samples dropped as too late or too far ahead.
        public var samplesDropped = 0
        /// Cumulative series that restarted (their counts were taken from zero).
        public var counterResets = 0

        /// Nothing received yet.
        public init() {}
    }

    /// The options it was built with.
    public let configuration: Configuration
    /// What was received and dropped.
    public private(set) var statistics = Statistics()
    /// Every service, operation, attribute and metric received (with `Configuration.telemetryCatalog`).
    public private(set) var telemetry = TelemetryCatalogBuilder()

    /// Continues the telemetry catalog from one kept before (a server's store).
    public mutating func restoreTelemetry(_ catalog: TelemetryCatalog, symbols: inout SymbolTable) {
        telemetry.restore(catalog, symbols: &symbols)
    }

    var aggregators: [OutcomeAggregator]
    let outcomeIndex: [String: Int]
    private let routes: EventRoutes
    private let metricRoutes: [UInt64: [MetricRoute]]
    private var metricSeries: [MetricSeriesKey: MetricSeriesState] = [:]
    var directory: [String: Customer]
    var ranking: ImpactRanking
    var closed: [Incident] = []
    /// The newest minute accepted or ticked; events before `frontier − lateness` are too late. Starts far in
    /// the past (not at `Int64.min`, so subtracting the lateness cannot wrap around).
    var frontierMinute: Int64 = -(1 << 62)
    var lastTick: Int64?
    var lastTrimHour: Int64 = .min
    /// When the engine first saw anything: cumulative series that started before are a baseline.
    var observedSince: Int64?
    let latenessMinutes: Int64
    private let skewNanos: Int64

    /// Builds the engine for a catalog, compiling every indicator once.
    ///
    /// - Parameters:
    ///   - catalog: The outcomes, and the customer directory (tiers for per-tier objectives, ARR for impact).
    ///   - configuration: Options.
    ///   - symbols: The table events will be interned in; indicator strings are added to it.
    /// - Throws: `EvaluationError` naming the outcome whose objective, window, slices, time zone, rules or
    ///   metric indicator cannot be evaluated.
    public init(catalog: Catalog, configuration: Configuration = Configuration(), symbols: inout SymbolTable) throws(EvaluationError) {
        try configuration.validate()
        self.configuration = configuration
        var aggregators = [OutcomeAggregator]()
        var index = [String: Int]()
        for outcome in catalog.outcomes {
            guard index[outcome.name] == nil else {
                throw EvaluationError(outcome: outcome.name, message: "is defined twice")
            }
            index[outcome.name] = aggregators.count
            aggregators.append(try OutcomeAggregator(outcome: outcome, configuration: configuration, symbols: &symbols))
        }
        self.aggregators = aggregators
        outcomeIndex = index
        routes = EventRoutes(aggregators.map(\.indicator))
        var metricRoutes = [UInt64: [MetricRoute]]()
        for (outcome, aggregator) in aggregators.enumerated() {
            for (role, name) in aggregator.indicator.metricNames {
                metricRoutes[Self.metricKey(service: aggregator.indicator.service, name: name), default: []]
                    .append(MetricRoute(outcome: outcome, role: role))
            }
        }
        self.metricRoutes = metricRoutes
        directory = Dictionary(catalog.customers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        ranking = ImpactRanking(customers: Array(directory.values), floor: configuration.customerWeightFloor)
        latenessMinutes = Time.ceilDiv(configuration.allowedLateness.nanoseconds, Time.nanosPerMinute)
        skewNanos = configuration.maximumClockSkew.nanoseconds
    }

    private static func metricKey(service: Symbol?, name: Symbol) -> UInt64 {
        (service.map { UInt64($0.rawValue) + 1 } ?? 0) << 32 | UInt64(name.rawValue)
    }

    // MARK: Ingest

    /// Whether an item at `time` (minute `minute`) is within lateness and skew; moves the frontier.
    @inline(__always)
    private mutating func admit(time: Int64, minute: Int64) -> Bool {
        if minute < frontierMinute &- latenessMinutes { return false }
        if let lastTick, time > lastTick &+ skewNanos { return false }
        if minute > frontierMinute { frontierMinute = minute }
        if observedSince == nil { observedSince = time }
        return true
    }

    /// Counts one event for every outcome whose indicator accepts it.
    ///
    /// - Parameters:
    ///   - event: An event interned in `symbols`.
    ///   - symbols: The table the event and the engine's indicators are interned in.
    public mutating func ingest(_ event: Event, symbols: SymbolTable) {
        statistics.eventsReceived += 1
        if configuration.telemetryCatalog { telemetry.add(event) }
        let minute = Time.floorDiv(event.timeUnixNano, Time.nanosPerMinute)
        if minute < frontierMinute &- latenessMinutes {
            statistics.eventsDroppedLate += 1
            return
        }
        guard admit(time: event.timeUnixNano, minute: minute) else {
            statistics.eventsDroppedFuture += 1
            return
        }
        var matched = false
        for position in routes.range(signal: event.signal, service: event.service) {
            let outcome = routes.target(position)
            if aggregators[outcome].ingest(event, minute: minute, symbols: symbols, directory: directory) { matched = true }
        }
        if matched { statistics.eventsMatched += 1 }
    }

    /// Counts one metric sample for every metric indicator that reads its metric.
    ///
    /// Cumulative counters become per-minute increases per series (a restart, seen as a new start time or a
    /// smaller value, counts from zero); delta (and unspecified) samples count as they are. Histograms give
    /// their count as total and the counts of buckets whose upper bound (in seconds) is within the latency
    /// bound as good.
    public mutating func ingest(_ sample: MetricSample, symbols: SymbolTable) {
        statistics.samplesReceived += 1
        if configuration.telemetryCatalog { telemetry.add(sample) }
        let minute = Time.floorDiv(sample.timeUnixNano, Time.nanosPerMinute)
        guard admit(time: sample.timeUnixNano, minute: minute) else {
            statistics.samplesDropped += 1
            return
        }
        let specific = metricRoutes[Self.metricKey(service: sample.service, name: sample.name)] ?? []
        let any = metricRoutes[Self.metricKey(service: nil, name: sample.name)] ?? []
        var matched = false
        for route in specific + any {
            let indicator = aggregators[route.outcome].indicator
            if let filter = indicator.filter {
                let view = Event(
                    timeUnixNano: sample.timeUnixNano, signal: .event, service: sample.service, operation: sample.name,
                    status: .unset, attributes: sample.attributes
                )
                guard filter.matches(view, symbols: symbols) else { continue }
            }
            guard let counts = increase(of: sample, route: route, indicator: indicator) else { continue }
            aggregators[route.outcome].ingest(counts, attributes: sample.attributes, minute: minute, symbols: symbols, directory: directory)
            matched = true
        }
        if matched { statistics.samplesMatched += 1 }
    }

    /// Counts measured elsewhere for one minute of one outcome: a PromQL or SQL source's answer for a series
    /// (`attributes`: its labels or columns, the customer among them under the outcome's customer attribute).
    ///
    /// - Returns: false when the minute is outside the accepted time range (too late or too far ahead), or the
    ///   outcome is not the engine's.
    @discardableResult
    public mutating func ingest(external counts: Counts, outcome: String, attributes: [Attribute], timeUnixNano: Int64, symbols: SymbolTable) -> Bool {
        statistics.samplesReceived += 1
        let minute = Time.floorDiv(timeUnixNano, Time.nanosPerMinute)
        guard let index = outcomeIndex[outcome], admit(time: timeUnixNano, minute: minute) else {
            statistics.samplesDropped += 1
            return false
        }
        aggregators[index].ingest(counts, attributes: attributes, minute: minute, symbols: symbols, directory: directory)
        statistics.samplesMatched += 1
        return true
    }

    /// The good and total a sample adds for one route, or `nil` when it adds nothing (a baseline, a
    /// duplicate, or a value of the wrong kind).
    private mutating func increase(of sample: MetricSample, route: MetricRoute, indicator: CompiledIndicator) -> Counts? {
        var total: Double
        var good: Double
        switch (sample.value, route.role) {
        case (.count(let value), .good), (.count(let value), .bad), (.count(let value), .total):
            total = value
            good = 0
        case (.histogram(let count, let bounds, let counts), .histogram):
            total = Double(count)
            let limit = indicator.latencyNanos == .max ? Double.infinity : Double(indicator.latencyNanos) / 1e9
            good = 0
            for (index, bound) in bounds.enumerated() where bound <= limit && index < counts.count {
                good += Double(counts[index])
            }
            if limit.isInfinite { good = total }
        default:
            return nil
        }
        guard total.isFinite, good.isFinite else { return nil }
        if sample.temporality == .cumulative {
            let key = MetricSeriesKey(
                outcome: Int32(truncatingIfNeeded: route.outcome), role: route.role, service: sample.service,
                name: sample.name, attributes: sample.attributes
            )
            let current = MetricSeriesState(start: sample.startTimeUnixNano, total: total, good: good, lastSeen: sample.timeUnixNano)
            if let previous = metricSeries[key] {
                guard sample.timeUnixNano > previous.lastSeen else { return nil }
                metricSeries[key] = current
                if sample.startTimeUnixNano == previous.start, total >= previous.total {
                    good = max(0, good - previous.good)
                    total -= previous.total
                } else {
                    statistics.counterResets += 1
                }
            } else {
                metricSeries[key] = current
                // A series that started before the engine was watching is a baseline, not an increase.
                guard sample.startTimeUnixNano > 0, sample.startTimeUnixNano >= (observedSince ?? .max) else { return nil }
            }
        }
        if route.role == .histogram { return Counts(good: good, total: total) }
        return indicator.contribution(of: route.role, increase: total)
    }

    // MARK: Tick

    /// Evaluates every outcome at `now`: rolls up what was ingested, computes every scope's burn rates, steps
    /// the alert state machines and opens, escalates, updates or resolves incidents.
    ///
    /// - Parameter now: The evaluation time, nanoseconds since the Unix epoch (event time in a replay).
    /// - Returns: What the incident manager should do, in outcome order.
    public mutating func tick(now: Int64) -> [IncidentAction] {
        let nowMinute = Time.floorDiv(now, Time.nanosPerMinute)
        if nowMinute > frontierMinute { frontierMinute = nowMinute }
        lastTick = max(lastTick ?? now, now)
        if observedSince == nil { observedSince = now }
        let context = TickContext(frontierMinute: frontierMinute, latenessMinutes: latenessMinutes, ranking: ranking)
        let hour = Time.floorDiv(frontierMinute, Time.minutesPerHour)
        let trimming = hour > lastTrimHour
        var actions = [IncidentAction]()
        for index in aggregators.indices {
            let produced = aggregators[index].tick(now: now, context: context)
            for action in produced {
                if case .resolve(let incident) = action { closed.append(incident) }
            }
            actions.append(contentsOf: produced)
            if trimming { aggregators[index].trim(frontierMinute: frontierMinute) }
        }
        if trimming {
            lastTrimHour = hour
            let forgetBefore = now &- configuration.minuteTier.nanoseconds
            metricSeries = metricSeries.filter { $0.value.lastSeen >= forgetBefore }
        }
        return actions
    }

    /// Replaces the customer directory (tiers and ARR); objectives of existing customer scopes follow.
    public mutating func updateDirectory(_ customers: [Customer]) {
        directory = Dictionary(customers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        ranking = ImpactRanking(customers: Array(directory.values), floor: configuration.customerWeightFloor)
        for index in aggregators.indices { aggregators[index].updateDirectory(directory) }
    }

    // MARK: Reading

    /// Every incident, resolved and open, in the order they opened.
    public var incidents: [Incident] {
        (closed + aggregators.compactMap(\.incident)).sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
    }

    /// The incidents still open.
    public var openIncidents: [Incident] { aggregators.compactMap(\.incident) }

    /// Every outcome's status at `now`, as of the last tick's roll-up (call `tick` first to include what was
    /// ingested since).
    public func status(now: Int64) -> [OutcomeStatus] {
        aggregators.map { $0.status(at: now) }
    }

    /// One outcome's status at `now`; `nil` for an unknown outcome.
    public func status(outcome: String, now: Int64) -> OutcomeStatus? {
        outcomeIndex[outcome].map { aggregators[$0].status(at: now) }
    }

    /// Each cell of an outcome with events in `[start, end)`, for investigation; empty for an unknown outcome.
    public func cells(outcome: String, from start: Int64, to end: Int64, symbols: SymbolTable) -> [CellCounts] {
        outcomeIndex[outcome].map { aggregators[$0].cellCounts(from: start, to: end, symbols: symbols) } ?? []
    }

    /// One scope's good and total events in each minute of `[start, end)` (whole minutes, from the minute tier),
    /// for an investigation's onset search; empty for an unknown outcome or scope.
    public func minuteCounts(outcome: String, scope: Scope, from start: Int64, to end: Int64) -> [Counts] {
        guard let index = outcomeIndex[outcome], let state = aggregators[index].scopes.first(where: { $0.scope == scope }) else { return [] }
        var result = [Counts]()
        var minute = Time.floorDiv(start, Time.nanosPerMinute)
        let last = Time.floorDiv(end - 1, Time.nanosPerMinute)
        while minute <= last {
            result.append(state.series.minutes.value(at: minute))
            minute += 1
        }
        return result
    }

    /// Buckets held in memory across all cells and scopes (minute, hour, sketch and slice buckets). Bounded by
    /// (cells + scopes) × (minute slots + hour slots) × 2, whatever the number of events.
    public var retainedBuckets: Int { aggregators.reduce(0) { $0 + $1.retainedBuckets } }

    /// Cells across all outcomes.
    public var cellCount: Int { aggregators.reduce(0) { $0 + $1.cells.count } }

    /// Scopes across all outcomes (one global each, plus customers with traffic).
    public var scopeCount: Int { aggregators.reduce(0) { $0 + $1.scopes.count } }

    /// One outcome's aggregator (tests compare its incremental slice tallies with the direct computation).
    func aggregator(outcome: String) -> OutcomeAggregator? { outcomeIndex[outcome].map { aggregators[$0] } }

    /// The retention of one outcome: minute and hour buckets kept per series; `nil` for an unknown outcome.
    public func retention(outcome: String) -> (minuteBuckets: Int, hourBuckets: Int)? {
        outcomeIndex[outcome].map { (Int(aggregators[$0].tiers.minuteSlots), Int(aggregators[$0].tiers.hourSlots)) }
    }
}
