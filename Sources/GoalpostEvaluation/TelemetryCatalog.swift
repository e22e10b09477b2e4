import GoalpostModel

/// What telemetry exists: every service and operation seen (span routes or names, log event names, business
/// events), with volumes, error and latency profiles and their attributes' value counts; and the metrics. What
/// `goalpost define` matches sentences against, and what `goalpost coverage` compares the outcomes with.
public struct TelemetryCatalog: Hashable, Sendable, Codable {
    /// One attribute of an operation: how many distinct values it took (up to `AttributeProfile.cap`) and the most
    /// frequent ones.
    public struct AttributeProfile: Hashable, Sendable, Codable {
        public var key: String
        public var distinctValues: Int
        /// More values than the catalog counts: `distinctValues` is a lower bound.
        public var capped: Bool
        /// Up to five of the most frequent values.
        public var examples: [String]

        public init(key: String, distinctValues: Int, capped: Bool, examples: [String]) {
            self.key = key
            self.distinctValues = distinctValues
            self.capped = capped
            self.examples = examples
        }
    }

    /// One operation of one service for one signal.
    public struct Operation: Hashable, Sendable, Codable {
        /// `span`, `log` or `event`.
        public var signal: String
        public var service: String
        /// `http.route` when spans have one, else the span name; the log event name; the business event name.
        public var operation: String
        public var events: Double
        public var errors: Double
        public var firstSeen: Int64
        public var lastSeen: Int64
        /// Latency percentiles in milliseconds (spans and timed events).
        public var p50Milliseconds: Double?
        public var p95Milliseconds: Double?
        public var p99Milliseconds: Double?
        /// Attributes seen on a sample of its events, by key.
        public var attributes: [AttributeProfile]

        /// Events per day over the time seen (at least a minute of it).
        public var eventsPerDay: Double {
            events * 86_400_000_000_000 / Double(max(60_000_000_000, lastSeen - firstSeen))
        }

        /// Good ÷ all.
        public var successRatio: Double? { events > 0 ? (events - errors) / events : nil }

        public init(signal: String, service: String, operation: String, events: Double, errors: Double, firstSeen: Int64, lastSeen: Int64,
                    p50Milliseconds: Double? = nil, p95Milliseconds: Double? = nil, p99Milliseconds: Double? = nil, attributes: [AttributeProfile] = []) {
            self.signal = signal
            self.service = service
            self.operation = operation
            self.events = events
            self.errors = errors
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
            self.p50Milliseconds = p50Milliseconds
            self.p95Milliseconds = p95Milliseconds
            self.p99Milliseconds = p99Milliseconds
            self.attributes = attributes
        }
    }

    /// One metric of one service.
    public struct Metric: Hashable, Sendable, Codable {
        public var service: String
        public var name: String
        public var samples: Double

        public init(service: String, name: String, samples: Double) {
            self.service = service
            self.name = name
            self.samples = samples
        }
    }

    /// Busiest first.
    public var operations: [Operation]
    public var metrics: [Metric]

    public init(operations: [Operation] = [], metrics: [Metric] = []) {
        self.operations = operations
        self.metrics = metrics
    }

    /// The services seen, busiest first.
    public var services: [String] {
        var totals: [String: Double] = [:]
        for operation in operations { totals[operation.service, default: 0] += operation.events }
        return totals.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
    }
}

/// Builds a `TelemetryCatalog` from events as they are decoded: exact counts per (signal, service, operation),
/// latencies and attribute values from one event in `sampleEvery` (cheap enough for the ingest path).
public struct TelemetryCatalogBuilder: Sendable {
    struct Key: Hashable, Sendable {
        var signal: Signal
        var service: Symbol
        var operation: Symbol
    }

    struct Entry: Sendable {
        var events: Double = 0
        var errors: Double = 0
        var firstSeen: Int64 = .max
        var lastSeen: Int64 = .min
        var latency = LatencySketch()
        /// Per attribute key: value counts (at most `valueCap` values; more set `capped`).
        var values: [Symbol: [AttributeValue: Int]] = [:]
        var capped: Set<Symbol> = []
        /// What a stored catalog said before this process started: its percentiles and attribute profiles, shown
        /// until events of this process say more.
        var restoredLatency: (p50: Double?, p95: Double?, p99: Double?)?
        var restoredAttributes: [String: TelemetryCatalog.AttributeProfile] = [:]
    }

    /// One event in this many has its latency looked at, and one in four times as many its attributes (the first
    /// of each operation always).
    public var sampleEvery: Int
    /// Values counted per attribute at most.
    public static let valueCap = 200
    /// Operations kept at most (a flood of unbounded span names must not grow memory without bound).
    public static let operationCap = 10_000

    /// Per signal: slot by service and operation symbols packed in 64 bits (one integer hash per event).
    private var index: [[UInt64: Int]] = [[:], [:], [:]]
    private var keys: [Key] = []
    private var entries: [Entry] = []
    /// The last operation seen and its slot: spans of one export request mostly share their service and route.
    private var lastPacked: UInt64 = .max
    private var lastSignal: Signal = .span
    private var lastSlot = -1
    private var metricIndex: [Key: Int] = [:]
    private var metricKeys: [Key] = []
    private var metricSamples: [Double] = []

    public init(sampleEvery: Int = 16) {
        self.sampleEvery = max(1, sampleEvery)
    }

    public var isEmpty: Bool { entries.isEmpty && metricSamples.isEmpty }

    public mutating func add(_ event: Event) {
        let packed = UInt64(event.service.rawValue) << 32 | UInt64(event.operation.rawValue)
        let signal = Int(event.signal.rawValue)
        let slot: Int
        if packed == lastPacked, event.signal == lastSignal {
            slot = lastSlot
        } else if let found = index[signal][packed] {
            slot = found
        } else {
            guard entries.count < Self.operationCap else { return }
            slot = entries.count
            index[signal][packed] = slot
            keys.append(Key(signal: event.signal, service: event.service, operation: event.operation))
            entries.append(Entry())
        }
        lastPacked = packed
        lastSignal = event.signal
        lastSlot = slot
        entries[slot].events += 1
        if event.isError { entries[slot].errors += 1 }
        if event.timeUnixNano < entries[slot].firstSeen { entries[slot].firstSeen = event.timeUnixNano }
        if event.timeUnixNano > entries[slot].lastSeen { entries[slot].lastSeen = event.timeUnixNano }
        let seen = Int(entries[slot].events) - 1
        guard seen % sampleEvery == 0 else { return }
        if event.durationNanos > 0 { entries[slot].latency.add(nanoseconds: event.durationNanos) }
        guard seen % (4 * sampleEvery) == 0 else { return }
        for attribute in event.attributes {
            if entries[slot].capped.contains(attribute.key) { continue }
            // Counted in place: taking the value dictionary out and back would copy it every time.
            if let counts = entries[slot].values[attribute.key], counts.count >= Self.valueCap, counts[attribute.value] == nil {
                entries[slot].capped.insert(attribute.key)
                continue
            }
            entries[slot].values[attribute.key, default: [:]][attribute.value, default: 0] += 1
        }
    }

    public mutating func add(_ sample: MetricSample) {
        let key = Key(signal: .event, service: sample.service, operation: sample.name)
        if let slot = metricIndex[key] {
            metricSamples[slot] += 1
        } else if metricKeys.count < Self.operationCap {
            metricIndex[key] = metricKeys.count
            metricKeys.append(key)
            metricSamples.append(1)
        }
    }

    /// Continues from a catalog kept before (a server's store): its counts go on, its percentiles and attribute
    /// profiles stand until this process's events replace them.
    public mutating func restore(_ catalog: TelemetryCatalog, symbols: inout SymbolTable) {
        for operation in catalog.operations {
            let signal: Signal = operation.signal == "log" ? .log : operation.signal == "event" ? .event : .span
            let service = symbols.intern(operation.service), name = symbols.intern(operation.operation)
            let packed = UInt64(service.rawValue) << 32 | UInt64(name.rawValue)
            let slot: Int
            if let found = index[Int(signal.rawValue)][packed] {
                slot = found
            } else {
                guard entries.count < Self.operationCap else { continue }
                slot = entries.count
                index[Int(signal.rawValue)][packed] = slot
                keys.append(Key(signal: signal, service: service, operation: name))
                entries.append(Entry())
            }
            entries[slot].events += operation.events
            entries[slot].errors += operation.errors
            entries[slot].firstSeen = min(entries[slot].firstSeen, operation.firstSeen)
            entries[slot].lastSeen = max(entries[slot].lastSeen, operation.lastSeen)
            entries[slot].restoredLatency = (operation.p50Milliseconds, operation.p95Milliseconds, operation.p99Milliseconds)
            for profile in operation.attributes { entries[slot].restoredAttributes[profile.key] = profile }
        }
        for metric in catalog.metrics {
            let key = Key(signal: .event, service: symbols.intern(metric.service), operation: symbols.intern(metric.name))
            if let slot = metricIndex[key] {
                metricSamples[slot] += metric.samples
            } else if metricKeys.count < Self.operationCap {
                metricIndex[key] = metricKeys.count
                metricKeys.append(key)
                metricSamples.append(metric.samples)
            }
        }
    }

    /// The catalog so far, strings resolved in `symbols`.
    public func catalog(symbols: SymbolTable) -> TelemetryCatalog {
        func text(_ value: AttributeValue) -> String {
            switch value {
            case .string(let symbol): symbols[symbol]
            case .int(let number): String(number)
            case .double(let number): String(number)
            case .bool(let flag): String(flag)
            }
        }
        var operations: [TelemetryCatalog.Operation] = []
        for (slot, key) in keys.enumerated() {
            let entry = entries[slot]
            let latency = entry.latency.isEmpty ? nil : entry.latency
            var attributes = entry.values.map { attributeKey, counts in
                let before = entry.restoredAttributes[symbols[attributeKey]]
                return TelemetryCatalog.AttributeProfile(
                    key: symbols[attributeKey], distinctValues: max(counts.count, before?.distinctValues ?? 0),
                    capped: entry.capped.contains(attributeKey) || before?.capped == true,
                    examples: counts.sorted { ($0.value, text($1.key)) > ($1.value, text($0.key)) }.prefix(5).map { text($0.key) }
                )
            }
            let fresh = Set(attributes.map(\.key))
            attributes += entry.restoredAttributes.values.filter { !fresh.contains($0.key) }
            operations.append(TelemetryCatalog.Operation(
                signal: "\(key.signal)", service: symbols[key.service], operation: symbols[key.operation], events: entry.events, errors: entry.errors,
                firstSeen: entry.firstSeen, lastSeen: entry.lastSeen,
                p50Milliseconds: latency?.quantile(0.5).map { Double($0) / 1e6 } ?? entry.restoredLatency?.p50,
                p95Milliseconds: latency?.quantile(0.95).map { Double($0) / 1e6 } ?? entry.restoredLatency?.p95,
                p99Milliseconds: latency?.quantile(0.99).map { Double($0) / 1e6 } ?? entry.restoredLatency?.p99, attributes: attributes.sorted { $0.key < $1.key }
            ))
        }
        operations.sort { ($0.events, $1.service, $1.operation) > ($1.events, $0.service, $0.operation) }
        let metrics = metricKeys.enumerated().map { slot, key in
            TelemetryCatalog.Metric(service: symbols[key.service], name: symbols[key.operation], samples: metricSamples[slot])
        }.sorted { ($0.samples, $1.name) > ($1.samples, $0.name) }
        return TelemetryCatalog(operations: operations, metrics: metrics)
    }
}
