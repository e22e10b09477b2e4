import GoalpostModel

/// One point of an outcome's history for one scope: the bucket ending at `time`, and the budget and burn as
/// they stood at that moment.
public struct SeriesPoint: Hashable, Sendable, Codable {
    /// The end of the bucket (nanoseconds since the Unix epoch); the bucket is `[time − step, time)`.
    public var time: Int64
    /// Good and valid events in the bucket.
    public var events: Counts
    /// Good ÷ valid in the bucket; `nil` without events.
    public var sli: Double?
    /// The share of the error budget left over the budget window ending at `time` (can go below 0).
    public var budgetRemaining: Double
    /// The burn rate over the hour ending at `time`.
    public var burnRate1h: Double
}

/// Bad ratios of one customer over consecutive buckets, for a heatmap row.
public struct HeatmapRow: Hashable, Sendable, Codable {
    public var customer: String
    /// Bad events over the whole range (rows are ordered by it, worst first).
    public var bad: Double
    /// Valid events over the whole range.
    public var total: Double
    /// Per bucket: bad ÷ valid, `nil` for a bucket without events.
    public var badRatios: [Double?]
}

extension OutcomeAggregator {
    /// The history of one scope from `start` to `end` in buckets of `step`; `nil` for a scope without traffic.
    func series(scope: Scope, from start: Int64, to end: Int64, step: Int64) -> [SeriesPoint]? {
        guard let index = scopes.firstIndex(where: { $0.scope == scope }) else { return nil }
        let objective = scopes[index].objective
        var points = [SeriesPoint]()
        var time = start &+ step
        while time <= end {
            let events = scopes[index].series.counts(from: time &- step, to: time, liveEdge: false)
            let budget = budget(index, at: time)
            let hour = ruleMeasure(index, window: .hours(1), at: time)
            points.append(SeriesPoint(
                time: time, events: events, sli: events.ratio,
                budgetRemaining: BudgetMath.budgetRemaining(bad: budget.measure.bad, base: budget.allowedBase, objective: objective),
                burnRate1h: BudgetMath.burnRate(badRatio: hour.badRatio, objective: objective)
            ))
            time = time &+ step
        }
        return points
    }

    /// Each customer's bad ratio per bucket of `step` from `start` to `end`, worst customers (most bad events)
    /// first, at most `limit` rows.
    func heatmap(from start: Int64, to end: Int64, step: Int64, limit: Int) -> [HeatmapRow] {
        var rows = [HeatmapRow]()
        for index in scopes.indices.dropFirst() {
            guard let customer = scopes[index].scope.customer else { continue }
            var ratios = [Double?]()
            var bad = 0.0
            var total = 0.0
            var time = start &+ step
            while time <= end {
                let counts = scopes[index].series.counts(from: time &- step, to: time, liveEdge: false)
                ratios.append(counts.total > 0 ? counts.bad / counts.total : nil)
                bad += counts.bad
                total += counts.total
                time = time &+ step
            }
            guard total > 0 else { continue }
            rows.append(HeatmapRow(customer: customer, bad: bad, total: total, badRatios: ratios))
        }
        rows.sort { ($0.bad / $0.total, $0.bad, $1.customer) > ($1.bad / $1.total, $1.bad, $0.customer) }
        return Array(rows.prefix(limit))
    }
}

extension EvaluationEngine {
    /// The history of one outcome's scope in buckets of `step` (at least a minute) ending at `end`; `nil` for an
    /// unknown outcome or a scope without traffic. Minute buckets where the minute tier still holds them, hour
    /// buckets (weighted at the edges) further back.
    public func series(outcome: String, scope: Scope, from start: Int64, to end: Int64, step: Int64) -> [SeriesPoint]? {
        guard let index = outcomeIndex[outcome], step >= Time.nanosPerMinute, end > start else { return nil }
        return aggregators[index].series(scope: scope, from: start, to: end, step: step)
    }

    /// Customers × buckets of an outcome's bad ratio, worst customers first (`limit` rows); `nil` for an unknown
    /// outcome.
    public func heatmap(outcome: String, from start: Int64, to end: Int64, step: Int64, limit: Int = 50) -> [HeatmapRow]? {
        guard let index = outcomeIndex[outcome], step >= Time.nanosPerMinute, end > start else { return nil }
        return aggregators[index].heatmap(from: start, to: end, step: step, limit: limit)
    }

    /// Every outcome's status for one customer at `now` (outcomes where the customer has no traffic are left out).
    public func customerStatus(_ customer: String, now: Int64) -> [(outcome: String, status: ScopeStatus)] {
        aggregators.compactMap { aggregator in
            guard let index = aggregator.scopes.firstIndex(where: { $0.scope == .customer(customer) }) else { return nil }
            return (aggregator.outcome.name, aggregator.status(index, at: now))
        }
    }
}

/// One bucket of a scope's history with what a deploy check compares: the events and their latencies.
public struct BucketMeasure: Hashable, Sendable {
    /// The end of the bucket (nanoseconds since the Unix epoch); the bucket is `[time − step, time)`.
    public var time: Int64
    public var events: Counts
    /// The bucket's latencies; `nil` when none were recorded (events without durations, or sketches off).
    public var latency: LatencySketch?

    public init(time: Int64, events: Counts, latency: LatencySketch?) {
        self.time = time
        self.events = events
        self.latency = latency
    }
}

extension OutcomeAggregator {
    func buckets(scope: Scope, from start: Int64, to end: Int64, step: Int64, latencies: Bool) -> [BucketMeasure]? {
        guard let index = scopes.firstIndex(where: { $0.scope == scope }) else { return nil }
        var buckets = [BucketMeasure]()
        var time = start &+ step
        while time <= end {
            let events = scopes[index].series.counts(from: time &- step, to: time, liveEdge: false)
            // Whole buckets: the sketch series is indexed by minute (or hour), `end` is exclusive.
            let sketch = latencies ? scopes[index].series.latencies(from: time &- step, to: time &- 1) : LatencySketch()
            buckets.append(BucketMeasure(time: time, events: events, latency: sketch.isEmpty ? nil : sketch))
            time = time &+ step
        }
        return buckets
    }
}

extension EvaluationEngine {
    /// One scope's events and latencies in buckets of `step` (a whole number of minutes) from `start` to `end`;
    /// `nil` for an unknown outcome or a scope without traffic. Minute buckets where the minute tier still holds
    /// them, hour buckets (weighted at the edges) further back. Without `latencies`, the events only (no sketch is
    /// merged).
    public func buckets(outcome: String, scope: Scope, from start: Int64, to end: Int64, step: Int64, latencies: Bool = true) -> [BucketMeasure]? {
        guard let index = outcomeIndex[outcome], step >= Time.nanosPerMinute, end > start else { return nil }
        return aggregators[index].buckets(scope: scope, from: start, to: end, step: step, latencies: latencies)
    }

    /// The scopes of an outcome that have had traffic: the global scope first, then customers.
    public func scopes(outcome: String) -> [Scope] {
        guard let index = outcomeIndex[outcome] else { return [] }
        return aggregators[index].scopes.map(\.scope)
    }
}
