import Foundation
import GoalpostModel

// MARK: What a store keeps

/// One value of a cell key: the customer attribute's value, or a dimension's, as text that survives a restart
/// (symbols do not: each process interns anew).
public enum CellValue: Hashable, Sendable, Codable {
    /// The event had no such attribute.
    case missing
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)

    init(_ value: AttributeValue, symbols: SymbolTable) {
        switch value {
        case .string(let symbol): self = symbol == SymbolTable.empty ? .missing : .string(symbols[symbol])
        case .int(let int): self = .int(int)
        case .double(let double): self = .double(double)
        case .bool(let bool): self = .bool(bool)
        }
    }

    /// The value as text (customer ids in samples and reports); `nil` when missing.
    public var text: String? {
        switch self {
        case .missing: nil
        case .string(let string): string
        case .int(let int): String(int)
        case .double(let double): String(double)
        case .bool(let bool): bool ? "true" : "false"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .missing
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let int = try? container.decode(Int64.self) {
            self = .int(int)
        } else {
            self = .double(try container.decode(Double.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .missing: try container.encodeNil()
        case .string(let string): try container.encode(string)
        case .int(let int): try container.encode(int)
        case .double(let double): try container.encode(double)
        case .bool(let bool): try container.encode(bool)
        }
    }

    func attributeValue(symbols: inout SymbolTable) -> AttributeValue {
        switch self {
        case .missing: .string(SymbolTable.empty)
        case .string(let text): .string(symbols.intern(text))
        case .int(let int): .int(int)
        case .double(let double): .double(double)
        case .bool(let bool): .bool(bool)
        }
    }
}

/// A cell's identity across restarts: the customer value, then each dimension's, with a canonical text form
/// (a JSON array: strings quoted, numbers and booleans bare, a missing value `null`) that a store keys rows by.
public struct CellKey: Hashable, Sendable {
    /// The customer value, then one value per dimension of the outcome, in declaration order.
    public let values: [CellValue]
    /// The canonical text form.
    public let text: String

    /// The key of these values.
    public init(_ values: [CellValue]) {
        self.values = values
        var text = "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            switch value {
            case .missing: text += "null"
            case .string(let string): text += JSONText.quoted(string)
            case .int(let int): text += String(int)
            case .double(let double): text += double.isFinite ? "\(double)" : JSONText.quoted("\(double)")
            case .bool(let bool): text += bool ? "true" : "false"
            }
        }
        self.text = text + "]"
    }

    /// Reads the canonical text form back; `nil` when it is not one. A whole-number double comes back as an
    /// integer (JSON does not tell them apart).
    public init?(text: String) {
        guard let values = try? JSONDecoder().decode([CellValue].self, from: Data(text.utf8)) else { return nil }
        self.init(values)
    }
}

/// What one cell gained in one minute (or, restored from a roll-up, one hour) since the last commit.
public struct CellDelta: Hashable, Sendable {
    /// Whether the delta is one minute's or a whole hour's (a store's roll-up of older minutes).
    public enum Resolution: String, Hashable, Sendable, Codable {
        case minute, hour
    }

    /// The outcome's name.
    public var outcome: String
    /// The cell.
    public var key: CellKey
    /// The minute (or hour) index since the Unix epoch.
    public var index: Int64
    public var resolution: Resolution
    /// Good and total events added.
    public var counts: Counts
    /// Latencies added, when any were recorded.
    public var sketch: LatencySketch?

    /// A delta of `counts` (and `sketch`) for `key` at `index`.
    public init(outcome: String, key: CellKey, index: Int64, resolution: Resolution = .minute, counts: Counts, sketch: LatencySketch? = nil) {
        self.outcome = outcome
        self.key = key
        self.index = index
        self.resolution = resolution
        self.counts = counts
        self.sketch = sketch
    }
}

/// The slice tally of one scope for one finished hour (timeslice budgeting): minute data ages out of memory
/// after the minute tier, so the classification of older slices must be kept to survive a restart.
public struct SliceDelta: Hashable, Sendable, Codable {
    public var outcome: String
    public var scope: Scope
    /// The hour index since the Unix epoch.
    public var hour: Int64
    public var tally: SliceTally

    public init(outcome: String, scope: Scope, hour: Int64, tally: SliceTally) {
        self.outcome = outcome
        self.scope = scope
        self.hour = hour
        self.tally = tally
    }
}

/// Everything the engine gained since the last commit: what a store must make durable before the requests
/// that contributed it are acknowledged.
public struct EngineCommit: Sendable {
    public var deltas: [CellDelta] = []
    public var slices: [SliceDelta] = []
    public var samples: [EventSample] = []

    public var isEmpty: Bool { deltas.isEmpty && slices.isEmpty && samples.isEmpty }
}

/// The engine's alert and incident state, small enough to write at every tick: with the stored aggregates it
/// rebuilds the engine after a restart with no gap and no double count.
public struct EvaluationCheckpoint: Hashable, Sendable, Codable {
    /// One scope whose alert is open, or that fired recently.
    public struct ScopeState: Hashable, Sendable, Codable {
        public var scope: Scope
        public var state: AlertStateMachine.State
        public var firingShortWindow: TimeSpan?
    }

    /// One outcome's alert state.
    public struct OutcomeState: Hashable, Sendable, Codable {
        public var outcome: String
        public var incident: Incident?
        public var incidentScopes: [Scope]
        public var impactSince: Int64
        public var incidentSequence: Int
        public var finalizedThroughHour: Int64?
        public var firstMinute: Int64
        public var scopes: [ScopeState]
    }

    public var frontierMinute: Int64
    public var lastTick: Int64?
    public var observedSince: Int64?
    public var outcomes: [OutcomeState]
}

extension AlertStateMachine.State: Codable {
    private enum CodingKeys: String, CodingKey { case state, severity, quietSince }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .state) {
        case "quiet": self = .quiet
        case "firing": self = .firing(try container.decode(Severity.self, forKey: .severity))
        case "holding":
            self = .holding(try container.decode(Severity.self, forKey: .severity), quietSince: try container.decode(Int64.self, forKey: .quietSince))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .state, in: container, debugDescription: "unknown alert state '\(other)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .quiet:
            try container.encode("quiet", forKey: .state)
        case .firing(let severity):
            try container.encode("firing", forKey: .state)
            try container.encode(severity, forKey: .severity)
        case .holding(let severity, let quietSince):
            try container.encode("holding", forKey: .state)
            try container.encode(severity, forKey: .severity)
            try container.encode(quietSince, forKey: .quietSince)
        }
    }
}

// MARK: Commit and restore

extension EvaluationEngine {
    /// Rolls up what was ingested since the last commit and hands it out, for a store to make durable.
    ///
    /// A live server calls this before acknowledging a batch of requests (a group commit); ticks roll up on
    /// their own too, so a replay never needs to call it. Cheap: one entry per (cell, minute) touched.
    public mutating func commit() -> EngineCommit {
        var result = EngineCommit()
        for index in aggregators.indices {
            aggregators[index].commit(into: &result)
        }
        return result
    }

    /// The alert and incident state to write at a tick.
    public func checkpoint() -> EvaluationCheckpoint {
        EvaluationCheckpoint(
            frontierMinute: frontierMinute, lastTick: lastTick, observedSince: observedSince,
            outcomes: aggregators.map { $0.checkpoint() }
        )
    }

    /// Adds stored aggregates and slice tallies back, oldest first, then trims to the tiers: a freshly built
    /// engine restored from everything a store kept evaluates as the engine that wrote it did.
    ///
    /// Deltas of outcomes the catalog no longer has are skipped and counted in the result.
    /// - Returns: How many deltas were skipped.
    @discardableResult
    public mutating func restore(deltas: [CellDelta], slices: [SliceDelta], symbols: inout SymbolTable) -> Int {
        var skipped = 0
        for delta in deltas {
            guard let index = outcomeIndex[delta.outcome], delta.key.values.count == aggregators[index].cellTable.width else {
                skipped += 1
                continue
            }
            let minute = delta.resolution == .hour ? delta.index &* Time.minutesPerHour : delta.index
            if minute > frontierMinute { frontierMinute = minute }
            let time = minute &* Time.nanosPerMinute
            if observedSince.map({ time < $0 }) ?? true { observedSince = time }
            aggregators[index].restore(delta, symbols: &symbols, directory: directory)
        }
        for slice in slices {
            guard let index = outcomeIndex[slice.outcome] else {
                skipped += 1
                continue
            }
            aggregators[index].restore(slice, symbols: &symbols, directory: directory)
        }
        for index in aggregators.indices {
            aggregators[index].flush()
            aggregators[index].trim(frontierMinute: frontierMinute)
        }
        lastTrimHour = Time.floorDiv(frontierMinute, Time.minutesPerHour)
        return skipped
    }

    /// Puts back the alert and incident state of a checkpoint (after `restore(deltas:…)`). Outcomes the
    /// catalog no longer has are ignored.
    public mutating func restore(_ checkpoint: EvaluationCheckpoint, symbols: inout SymbolTable) {
        frontierMinute = max(frontierMinute, checkpoint.frontierMinute)
        lastTick = checkpoint.lastTick
        if let since = checkpoint.observedSince { observedSince = min(observedSince ?? since, since) }
        for state in checkpoint.outcomes {
            guard let index = outcomeIndex[state.outcome] else { continue }
            aggregators[index].restore(state, symbols: &symbols, directory: directory)
        }
    }

    /// Forgets resolved incidents (a long-running server keeps them in its store, not in memory).
    public mutating func forgetResolvedIncidents() {
        closed.removeAll()
    }
}

extension OutcomeAggregator {
    /// Hands out the staged buckets as deltas, then rolls them up.
    mutating func commit(into result: inout EngineCommit) {
        staging.settle()
        for slot in staging.cells.indices {
            let counts = staging.counts[slot]
            let sketch = staging.sketches[slot]
            guard counts.total != 0 || counts.good != 0 || !sketch.isEmpty else { continue }
            result.deltas.append(CellDelta(
                outcome: outcome.name, key: cellKeys[Int(staging.cells[slot])], index: staging.minutes[slot],
                counts: counts, sketch: sketch.isEmpty ? nil : sketch
            ))
        }
        flush()
        result.slices.append(contentsOf: finalizedSlices)
        finalizedSlices.removeAll()
        result.samples.append(contentsOf: samples)
        samples.removeAll()
    }

    /// Keeps a bad event as a sample, up to `samplesPerMinute` per minute.
    mutating func sample(_ event: Event, minute: Int64, cell: Int, symbols: SymbolTable) {
        if minute != sampleMinute {
            // Minutes interleave a little (late events); a new minute restarts the count, which bounds samples
            // per minute of arrival, and so per minute of event time within the allowed lateness.
            sampleMinute = minute
            sampledInMinute = 0
        }
        guard sampledInMinute < samplesPerMinute else { return }
        sampledInMinute += 1
        var attributes = [String: String]()
        for attribute in event.attributes {
            attributes[symbols[attribute.key]] = Self.text(attribute.value, symbols: symbols)
        }
        let customer = cellKeys[cell].values[0].text
        samples.append(EventSample(
            outcome: outcome.name, timeUnixNano: event.timeUnixNano, service: symbols[event.service],
            operation: symbols[event.operation], isError: event.status == .error, durationNanos: event.durationNanos,
            customer: customer, traceID: event.traceID?.hex,
            message: event.message == SymbolTable.empty ? nil : symbols[event.message], attributes: attributes
        ))
    }

    /// The cell of a stored key, created when new.
    private mutating func cell(for key: CellKey, symbols: inout SymbolTable, directory: [String: Customer]) -> Int {
        let values = key.values.map { $0.attributeValue(symbols: &symbols) }
        let (cell, inserted) = cellTable.findOrInsert(values)
        if inserted { addCell(key: values, symbols: symbols, directory: directory) }
        return cell
    }

    mutating func restore(_ delta: CellDelta, symbols: inout SymbolTable, directory: [String: Customer]) {
        let cell = cell(for: delta.key, symbols: &symbols, directory: directory)
        switch delta.resolution {
        case .minute:
            if delta.index < firstMinute { firstMinute = delta.index }
            staging.add(delta.counts, sketch: delta.sketch, cell: cell, minute: delta.index)
        case .hour:
            let minute = delta.index &* Time.minutesPerHour
            if minute < firstMinute { firstMinute = minute }
            cellHistory.addHour(delta.counts, cell: cell, hour: delta.index)
            let scope = Int(cells[cell].scope)
            if scope > 0 { scopes[scope].series.addHour(delta.counts, sketch: nil, hour: delta.index) }
            scopes[0].series.addHour(delta.counts, sketch: delta.sketch, hour: delta.index)
        }
    }

    mutating func restore(_ slice: SliceDelta, symbols: inout SymbolTable, directory: [String: Customer]) {
        guard let scope = scopeIndex(of: slice.scope, symbols: &symbols, directory: directory) else { return }
        scopes[scope].slices?.add(slice.tally, at: slice.hour)
    }

    /// The index of a scope, creating a customer scope that has no cell yet.
    private mutating func scopeIndex(of scope: Scope, symbols: inout SymbolTable, directory: [String: Customer]) -> Int? {
        if let index = scopes.firstIndex(where: { $0.scope == scope }) { return index }
        guard let id = scope.customer, outcome.customers.enabled else { return nil }
        let value = AttributeValue.string(symbols.intern(id))
        let customer = directory[id]
        let index = scopes.count
        scopes.append(ScopeState(
            scope: scope, customer: customer, objective: outcome.objective(forTier: customer?.tier),
            series: TieredSeries(tiers: tiers, hourSketches: false),
            slices: sliceMinutes == nil ? nil : PrefixSeries(retention: tiers.hourSlots),
            machine: AlertStateMachine(resolveAfter: outcome.alerting.resolveAfter)
        ))
        customerScopes[value] = Int32(truncatingIfNeeded: index)
        return index
    }

    func checkpoint() -> EvaluationCheckpoint.OutcomeState {
        let open = scopes.filter { $0.machine.isOpen }.map {
            EvaluationCheckpoint.ScopeState(scope: $0.scope, state: $0.machine.state, firingShortWindow: $0.firingShortWindow)
        }
        return EvaluationCheckpoint.OutcomeState(
            outcome: outcome.name, incident: incident, incidentScopes: incidentScopes.map { scopes[$0].scope },
            impactSince: impactSince, incidentSequence: incidentSequence, finalizedThroughHour: finalizedThroughHour,
            firstMinute: firstMinute, scopes: open
        )
    }

    mutating func restore(_ state: EvaluationCheckpoint.OutcomeState, symbols: inout SymbolTable, directory: [String: Customer]) {
        for saved in state.scopes {
            guard let index = scopeIndex(of: saved.scope, symbols: &symbols, directory: directory) else { continue }
            scopes[index].machine.restore(saved.state)
            scopes[index].firingShortWindow = saved.firingShortWindow
        }
        incident = state.incident
        incidentScopes = state.incidentScopes.compactMap { scopeIndex(of: $0, symbols: &symbols, directory: directory) }
        impactSince = state.impactSince
        incidentSequence = state.incidentSequence
        if let hour = state.finalizedThroughHour { finalizedThroughHour = max(finalizedThroughHour ?? hour, hour) }
        firstMinute = min(firstMinute, state.firstMinute)
    }
}
