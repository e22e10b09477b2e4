import Foundation
import GoalpostModel

/// One scope of an outcome (global, or one customer) with its rolled-up series and alert state.
struct ScopeState: Sendable {
    var scope: Scope
    /// The directory entry of the customer, when it is known.
    var customer: Customer?
    var objective: Double
    var series: TieredSeries
    /// Finalized slice tallies per hour (timeslice budgeting only).
    var slices: PrefixSeries<SliceTally>?
    /// Running counts of the closed slices still in the minute tier (`timeslices` budgeting only), so a rule
    /// window sums its whole slices in O(1) instead of classifying each from minute buckets on every tick.
    var sliceLedger = SliceLedger()
    var machine: AlertStateMachine
    /// The shortest short window among the rules firing at the last evaluation.
    var firingShortWindow: TimeSpan?
}

/// One cell: a customer × the outcome's dimension values (its counts are in the outcome's `CellHistory`).
struct CellState: Sendable {
    /// The customer scope the cell rolls up into, or −1.
    var scope: Int32
}

/// Everything the engine keeps for one outcome: its cells, its scopes, and its open incident.
///
/// Events are counted into a small staging area (one bucket per cell and minute touched since the last tick);
/// a tick adds the staged buckets to the cell, customer and global series at once. An event therefore costs
/// one cell lookup and one increment, and the roll-ups cost one addition per cell-minute, not per event.
struct OutcomeAggregator: Sendable {
    let outcome: Outcome
    let indicator: CompiledIndicator
    let tiers: Tiers
    /// Slice length in minutes (timeslice budgeting), else nil.
    let sliceMinutes: Int64?
    let calendar: CalendarWindow?
    let thresholds: [Double]
    /// The longest rule window: scopes without data in it cannot fire.
    let longestRuleWindow: Int64
    let sketches: Bool

    var cellTable: CellTable
    var cells: [CellState] = []
    var cellHistory: CellHistory
    /// Index 0 is the global scope.
    var scopes: [ScopeState]
    var customerScopes: [AttributeValue: Int32] = [:]
    var staging = Staging()
    /// Every hour at or before this has its slice tallies written (timeslice budgeting).
    var finalizedThroughHour: Int64?
    var firstMinute: Int64 = .max

    // Persistence (see EvaluationEngine+Persistence.swift).
    /// Each cell's key in text, made once when the cell is created.
    var cellKeys: [CellKey] = []
    /// Slice tallies finalized since the last `commit`.
    var finalizedSlices: [SliceDelta] = []
    /// Bad events kept for investigations since the last `commit`, at most `samplesPerMinute` per minute.
    var samples: [EventSample] = []
    var sampleMinute: Int64 = .min
    var sampledInMinute = 0
    let samplesPerMinute: Int
    let persistence: Bool

    // Incident state.
    var incident: Incident?
    var incidentScopes: [Int] = []
    var impactSince: Int64 = 0
    var incidentSequence = 0

    static let missing = AttributeValue.string(SymbolTable.empty)

    init(outcome: Outcome, configuration: EvaluationEngine.Configuration, symbols: inout SymbolTable) throws(EvaluationError) {
        self.outcome = outcome
        let name = outcome.name
        func check(_ objective: Double, _ what: String) throws(EvaluationError) {
            guard objective > 0, objective < 1 else {
                throw EvaluationError(outcome: name, message: "\(what) \(objective) is not between 0 and 1")
            }
        }
        try check(outcome.objective, "objective")
        for (tier, objective) in outcome.customers.tierObjectives.sorted(by: { $0.key < $1.key }) {
            try check(objective, "objective of tier \(tier)")
        }
        indicator = try CompiledIndicator(outcome: outcome, symbols: &symbols)

        switch outcome.budgeting {
        case .occurrences:
            sliceMinutes = nil
        case .timeslices(let slice, let threshold):
            sliceMinutes = try Self.sliceMinutes(slice, outcome: name)
            guard threshold > 0, threshold <= 1 else {
                throw EvaluationError(outcome: name, message: "time slice threshold \(threshold) is not in (0, 1]")
            }
        case .ratioTimeslices(let slice):
            sliceMinutes = try Self.sliceMinutes(slice, outcome: name)
        }

        var budgetLength: TimeSpan
        switch outcome.window {
        case .rolling(let span):
            guard span.nanoseconds >= Time.nanosPerHour else {
                throw EvaluationError(outcome: name, message: "window \(span) is shorter than an hour")
            }
            budgetLength = span
            calendar = nil
        case .calendar(let period, let zone):
            guard let window = CalendarWindow(period, timeZone: zone) else {
                throw EvaluationError(outcome: name, message: "time zone '\(zone)' is not an IANA time zone")
            }
            calendar = window
            budgetLength = CalendarWindow.longestLength(of: period)
        }
        var longest = TimeSpan.zero
        for rule in outcome.alerting.rules {
            guard rule.shortWindow.nanoseconds >= Time.nanosPerMinute, rule.longWindow >= rule.shortWindow else {
                throw EvaluationError(outcome: name, message: "alert rule windows \(rule.longWindow)/\(rule.shortWindow) need a short window of at least 1m and a long one at least as long")
            }
            longest = max(longest, rule.longWindow)
        }
        longestRuleWindow = longest.nanoseconds
        thresholds = outcome.alerting.rules.map { $0.threshold(forWindow: outcome.window.nominalLength) }
        let covered = max(budgetLength, longest)
        tiers = Tiers(
            minuteSlots: configuration.minuteTier.wholeMinutes,
            hourSlots: Time.ceilDiv(covered.nanoseconds, Time.nanosPerHour) + Time.ceilDiv(configuration.hourTierMargin.nanoseconds, Time.nanosPerHour)
        )
        sketches = configuration.latencySketches
        samplesPerMinute = configuration.badSamplesPerMinute
        persistence = configuration.persistence
        cellTable = CellTable(width: 1 + outcome.dimensions.count)
        cellHistory = CellHistory(tiers: tiers)
        let global = ScopeState(
            scope: .global, customer: nil, objective: outcome.objective,
            series: TieredSeries(tiers: tiers, hourSketches: configuration.latencySketches),
            slices: sliceMinutes == nil ? nil : PrefixSeries(retention: tiers.hourSlots),
            machine: AlertStateMachine(resolveAfter: outcome.alerting.resolveAfter)
        )
        scopes = [global]
    }

    private static func sliceMinutes(_ slice: TimeSpan, outcome: String) throws(EvaluationError) -> Int64 {
        let minutes = slice.wholeMinutes
        guard slice.nanoseconds == minutes * Time.nanosPerMinute, minutes >= 1, 60 % minutes == 0 else {
            throw EvaluationError(outcome: outcome, message: "time slice \(slice) must be a whole number of minutes that divides an hour (1m, 5m, 10m, 15m, 30m, 1h…)")
        }
        return minutes
    }

    // MARK: Ingest

    /// Counts an event that routing sent here, if the indicator accepts it. Returns whether it counted.
    @inline(__always)
    mutating func ingest(_ event: Event, minute: Int64, symbols: SymbolTable, directory: [String: Customer]) -> Bool {
        guard indicator.accepts(operation: event.operation) else { return false }
        if let filter = indicator.filter, !filter.matches(event, symbols: symbols) { return false }
        let good = indicator.isGood(event, symbols: symbols)
        let cell = cellIndex(event.attributes, symbols: symbols, directory: directory)
        if minute < firstMinute { firstMinute = minute }
        let timed = sketches && (event.signal == .span || event.durationNanos > 0)
        staging.add(cell: cell, minute: minute, good: good, latency: timed ? event.durationNanos : nil)
        if !good, samplesPerMinute > 0 { sample(event, minute: minute, cell: cell, symbols: symbols) }
        return true
    }

    /// Counts good and total derived from a metric sample.
    mutating func ingest(_ counts: Counts, attributes: [Attribute], minute: Int64, symbols: SymbolTable, directory: [String: Customer]) {
        let cell = cellIndex(attributes, symbols: symbols, directory: directory)
        if minute < firstMinute { firstMinute = minute }
        staging.add(counts, sketch: nil, cell: cell, minute: minute)
    }

    /// The cell of an event's attributes: one pass over them picks the customer and dimension values
    /// (the last value of a key wins, as `Event.attribute(_:)` does).
    @inline(__always)
    private mutating func cellIndex(_ attributes: [Attribute], symbols: SymbolTable, directory: [String: Customer]) -> Int {
        let width = cellTable.width
        let customerKey = indicator.customerKey
        return withUnsafeTemporaryAllocation(of: AttributeValue.self, capacity: width) { key in
            key.initialize(repeating: Self.missing)
            if !indicator.keyPositions.isEmpty {
                // One table read per attribute instead of a comparison with every key.
                indicator.keyPositions.withUnsafeBufferPointer { positions in
                    for attribute in attributes {
                        let raw = Int(attribute.key.rawValue)
                        guard raw < positions.count else { continue }
                        let position = Int(positions[raw])
                        if position != 0 { key[position &- 1] = attribute.value }
                    }
                }
            } else {
                indicator.dimensionKeys.withUnsafeBufferPointer { dimensionKeys in
                    for attribute in attributes {
                        if attribute.key == customerKey { key[0] = attribute.value }
                        for position in dimensionKeys.indices where dimensionKeys[position] == attribute.key {
                            key[position &+ 1] = attribute.value
                        }
                    }
                }
            }
            let (cell, inserted) = cellTable.findOrInsert(UnsafeBufferPointer(key))
            if inserted { addCell(key: Array(key), symbols: symbols, directory: directory) }
            return cell
        }
    }

    /// Creates the state of the cell just inserted with `key`, and its customer scope when new.
    mutating func addCell(key: [AttributeValue], symbols: SymbolTable, directory: [String: Customer]) {
        var scopeIndex: Int32 = -1
        let customerValue = key[0]
        if outcome.customers.enabled, !CellTable.same(customerValue, Self.missing) {
            if let existing = customerScopes[customerValue] {
                scopeIndex = existing
            } else {
                let id = Self.text(customerValue, symbols: symbols)
                let customer = directory[id]
                scopeIndex = Int32(truncatingIfNeeded: scopes.count)
                scopes.append(ScopeState(
                    scope: .customer(id), customer: customer, objective: outcome.objective(forTier: customer?.tier),
                    series: TieredSeries(tiers: tiers, hourSketches: false),
                    slices: sliceMinutes == nil ? nil : PrefixSeries(retention: tiers.hourSlots),
                    machine: AlertStateMachine(resolveAfter: outcome.alerting.resolveAfter)
                ))
                customerScopes[customerValue] = scopeIndex
            }
        }
        cells.append(CellState(scope: scopeIndex))
        cellHistory.addCell()
        cellKeys.append(CellKey(key.map { CellValue($0, symbols: symbols) }))
        staging.addCell()
    }

    /// An attribute value as text (customer ids and dimension values in reports).
    static func text(_ value: AttributeValue, symbols: SymbolTable) -> String {
        switch value {
        case .string(let symbol): symbols[symbol]
        case .int(let int): String(int)
        case .double(let double): String(double)
        case .bool(let bool): bool ? "true" : "false"
        }
    }

    /// Applies a new customer directory: tiers (so objectives) and ARR of existing customer scopes.
    mutating func updateDirectory(_ directory: [String: Customer]) {
        for index in scopes.indices.dropFirst() {
            guard let id = scopes[index].scope.customer else { continue }
            let customer = directory[id]
            scopes[index].customer = customer
            scopes[index].objective = outcome.objective(forTier: customer?.tier)
        }
    }

    // MARK: Roll-up

    /// Adds the staged buckets to the cell, customer and global series.
    mutating func flush() {
        guard !staging.isEmpty else { return }
        // The global scope's latencies are gathered per minute first (usually one or two minutes per tick)
        // and added once, instead of merging every cell's sketch into the minute and the hour sketch. A slot's
        // first few latencies go from its open record to the sketches as bucket keys, with no sketch of its own.
        var globalSketches: [(minute: Int64, sketch: LatencySketch)] = []
        for slot in staging.cells.indices {
            let cell = Int(staging.cells[slot])
            let minute = staging.minutes[slot]
            let (counts, latencies) = staging.content(of: slot)
            // Cells keep counts only: investigations read their counts, latencies are read per scope.
            cellHistory.add(counts, cell: cell, minute: minute)
            let scope = Int(cells[cell].scope)
            if scope > 0 { scopes[scope].series.add(counts, latencies: latencies, minute: minute) }
            scopes[0].series.add(counts, sketch: nil, minute: minute)
            if !latencies.isEmpty {
                if let index = globalSketches.firstIndex(where: { $0.minute == minute }) {
                    globalSketches[index].sketch.add(latencies)
                } else {
                    globalSketches.append((minute, LatencySketch(latencies)))
                }
            }
        }
        for (minute, sketch) in globalSketches { scopes[0].series.add(.zero, sketch: sketch, minute: minute) }
        staging.clear()
    }

    /// Drops buckets the tiers no longer keep (memory follows cells × tiers, not time).
    mutating func trim(frontierMinute: Int64) {
        cellHistory.trim(frontierMinute: frontierMinute)
        let hourLimit = Time.floorDiv(frontierMinute, Time.minutesPerHour) &- tiers.hourSlots
        for index in scopes.indices {
            scopes[index].series.trim(frontierMinute: frontierMinute, tiers: tiers)
            scopes[index].slices?.evict(through: hourLimit)
        }
    }

    /// Buckets held by this outcome's cells and scopes.
    var retainedBuckets: Int {
        cellHistory.retainedBuckets + scopes.reduce(0) { $0 + $1.series.retainedBuckets + ($1.slices?.count ?? 0) }
    }
}
