import Foundation
import GoalpostModel

/// Which metric of an indicator a sample is.
enum MetricRole: UInt8, Hashable, Sendable {
    case good, bad, total, histogram
}

/// An outcome's indicator prepared for routing: strings interned, filters compiled, the latency bound in
/// nanoseconds, the customer attribute and dimensions as symbols.
struct CompiledIndicator: Sendable {
    /// The signal whose events it counts; `nil` when events do not feed it (metrics, prometheus, sql).
    var signal: Signal?
    /// The service, or `nil` for any.
    var service: Symbol?
    /// Accepted operations, sorted; empty accepts every operation.
    var operations: [Symbol]
    var filter: CompiledFilter?
    var goodFilter: CompiledFilter?
    /// A valid event is good only if it lasted at most this (`Int64.max` when there is no bound).
    var latencyNanos: Int64
    /// The customer attribute key.
    var customerKey: Symbol
    /// The dimension keys, in the outcome's order.
    var dimensionKeys: [Symbol]
    /// Indexed by an attribute key's symbol: 0 when the key is neither the customer attribute nor a dimension,
    /// else 1 + its position in a cell key (0 the customer, 1… the dimensions). Empty when a key repeats or a
    /// key's symbol is too large for a small table; cells then compare every key.
    var keyPositions: [UInt8] = []
    /// For metric indicators, the metric name of each role.
    var metricNames: [(role: MetricRole, name: Symbol)]
    /// Which roles are present, for turning counter increases into good and total.
    var hasGood = false, hasBad = false, hasTotal = false

    init(outcome: Outcome, symbols: inout SymbolTable) throws(EvaluationError) {
        let indicator = outcome.indicator
        switch indicator.source {
        case .traces: signal = .span
        case .logs: signal = .log
        case .events: signal = .event
        case .metrics, .prometheus, .sql, .external: signal = nil
        }
        service = indicator.service.map { symbols.intern($0) }
        operations = indicator.operations.map { symbols.intern($0) }.sorted()
        filter = indicator.filter.map { CompiledFilter($0.expression, symbols: &symbols) }
        goodFilter = indicator.goodFilter.map { CompiledFilter($0.expression, symbols: &symbols) }
        if let latency = indicator.latency {
            guard latency.nanoseconds > 0 else {
                throw EvaluationError(outcome: outcome.name, message: "latency \(latency) is not positive")
            }
            latencyNanos = latency.nanoseconds
        } else {
            latencyNanos = .max
        }
        customerKey = symbols.intern(outcome.customers.attribute)
        dimensionKeys = outcome.dimensions.map { symbols.intern($0) }
        let keys = [customerKey] + dimensionKeys
        if Set(keys).count == keys.count, keys.count < Int(UInt8.max), let largest = keys.map(\.rawValue).max(), largest < 1 << 16 {
            keyPositions = [UInt8](repeating: 0, count: Int(largest) + 1)
            for (position, key) in keys.enumerated() { keyPositions[Int(key.rawValue)] = UInt8(position + 1) }
        }
        metricNames = []
        if indicator.source == .metrics {
            guard let metrics = indicator.metrics else {
                throw EvaluationError(outcome: outcome.name, message: "a metrics indicator needs metrics: good/bad/total counters or a histogram")
            }
            if let histogram = metrics.histogram {
                metricNames = [(.histogram, symbols.intern(histogram))]
                hasTotal = true
                hasGood = true
            } else {
                hasGood = metrics.good != nil
                hasBad = metrics.bad != nil
                hasTotal = metrics.total != nil
                let present = [hasGood, hasBad, hasTotal].filter { $0 }.count
                guard present >= 2 else {
                    throw EvaluationError(outcome: outcome.name, message: "metrics needs two of good, bad and total counters (or a histogram)")
                }
                if let good = metrics.good { metricNames.append((.good, symbols.intern(good))) }
                // With good and total both present, a bad counter would count twice: it is ignored.
                if let bad = metrics.bad, !(hasGood && hasTotal) { metricNames.append((.bad, symbols.intern(bad))) }
                if let total = metrics.total { metricNames.append((.total, symbols.intern(total))) }
            }
        }
    }

    /// Whether the operation is one the indicator accepts.
    @inline(__always)
    func accepts(operation: Symbol) -> Bool {
        if operations.isEmpty { return true }
        if operations.count <= 8 {
            for candidate in operations where candidate == operation { return true }
            return false
        }
        var low = 0
        var high = operations.count
        while low < high {
            let middle = (low + high) >> 1
            if operations[middle] < operation { low = middle + 1 } else { high = middle }
        }
        return low < operations.count && operations[low] == operation
    }

    /// Whether a valid event is good: not an error, not an ERROR log, within the latency bound, and
    /// meeting the good filter.
    @inline(__always)
    func isGood(_ event: Event, symbols: SymbolTable) -> Bool {
        if event.status == .error { return false }
        if event.signal == .log, event.severityNumber >= 17 { return false }
        if event.durationNanos > latencyNanos { return false }
        if let goodFilter, !goodFilter.matches(event, symbols: symbols) { return false }
        return true
    }

    /// How a counter increase of `role` adds to good and total (see docs/evaluation.md, "Metric indicators").
    func contribution(of role: MetricRole, increase: Double) -> Counts {
        switch role {
        case .good:
            return hasTotal ? Counts(good: increase, total: 0) : Counts(good: increase, total: increase)
        case .bad:
            return hasTotal ? Counts(good: -increase, total: 0) : Counts(good: 0, total: increase)
        case .total:
            return hasGood ? Counts(good: 0, total: increase) : Counts(good: increase, total: increase)
        case .histogram:
            return Counts(good: increase, total: increase)
        }
    }
}
