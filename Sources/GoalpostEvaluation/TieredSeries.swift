import GoalpostModel

/// How much history a series keeps, at which resolution.
///
/// See docs/evaluation.md, "Retention tiers": minute buckets for the recent hours (every alert window up to
/// `minuteSlots − skew` minutes long is summed exactly from them) and hour buckets for the rest of the
/// outcome's window.
struct Tiers: Hashable, Sendable {
    /// Minute buckets kept.
    var minuteSlots: Int64
    /// Hour buckets kept.
    var hourSlots: Int64
}

/// The buckets of one cell or one scope: counts per minute and per hour, latency sketches per minute
/// (and per hour for the global scope).
///
/// Every addition goes to both tiers at once, so the hour tier is always complete up to the newest minute and
/// no roll-up step can fall behind.
struct TieredSeries: Sendable {
    private(set) var minutes: PrefixSeries<Counts>
    private(set) var hours: PrefixSeries<Counts>
    private(set) var minuteSketches: SketchSeries
    private(set) var hourSketches: SketchSeries?
    /// The newest minute that received data.
    private(set) var lastMinute: Int64 = .min

    init(tiers: Tiers, hourSketches: Bool) {
        minutes = PrefixSeries(retention: tiers.minuteSlots)
        hours = PrefixSeries(retention: tiers.hourSlots)
        minuteSketches = SketchSeries(retention: tiers.minuteSlots)
        self.hourSketches = hourSketches ? SketchSeries(retention: tiers.hourSlots) : nil
    }

    /// Adds one minute's counts and latencies.
    mutating func add(_ counts: Counts, sketch: LatencySketch?, minute: Int64) {
        let hour = Time.floorDiv(minute, Time.minutesPerHour)
        if counts.total != 0 || counts.good != 0 {
            minutes.add(counts, at: minute)
            hours.add(counts, at: hour)
        }
        if let sketch, !sketch.isEmpty {
            minuteSketches.add(sketch, at: minute)
            hourSketches?.add(sketch, at: hour)
        }
        if minute > lastMinute { lastMinute = minute }
    }

    /// Adds one minute's counts and its staged latencies (a roll-up of a staged slot).
    mutating func add(_ counts: Counts, latencies: StagedLatencies, minute: Int64) {
        let hour = Time.floorDiv(minute, Time.minutesPerHour)
        if counts.total != 0 || counts.good != 0 {
            minutes.add(counts, at: minute)
            hours.add(counts, at: hour)
        }
        if !latencies.isEmpty {
            minuteSketches.add(latencies, at: minute)
            hourSketches?.add(latencies, at: hour)
        }
        if minute > lastMinute { lastMinute = minute }
    }

    /// Adds a whole hour's counts (restored from a store's roll-up) to the hour tier only.
    mutating func addHour(_ counts: Counts, sketch: LatencySketch?, hour: Int64) {
        if counts.total != 0 || counts.good != 0 { hours.add(counts, at: hour) }
        if let sketch, !sketch.isEmpty { hourSketches?.add(sketch, at: hour) }
        let minute = hour &* Time.minutesPerHour
        if minute > lastMinute { lastMinute = minute }
    }

    /// Drops buckets older than the tiers keep, relative to `frontierMinute` (the newest accepted minute).
    mutating func trim(frontierMinute: Int64, tiers: Tiers) {
        let minuteLimit = frontierMinute &- tiers.minuteSlots
        let hourLimit = Time.floorDiv(frontierMinute, Time.minutesPerHour) &- tiers.hourSlots
        minutes.evict(through: minuteLimit)
        minuteSketches.evict(through: minuteLimit)
        hours.evict(through: hourLimit)
        hourSketches?.evict(through: hourLimit)
    }

    /// Buckets held, in both tiers, sketches included.
    var retainedBuckets: Int { minutes.count + hours.count + minuteSketches.count + (hourSketches?.count ?? 0) }

    /// Whether the minute tier still holds every minute from the one containing `start` on.
    func minutesCover(_ start: Int64) -> Bool {
        Time.floorDiv(start, Time.nanosPerMinute) > minutes.evictedThrough
    }

    /// The counts over `[start, end)`: the bucket containing `start` is weighted by how much of it the
    /// window covers; the bucket containing `end` counts in full when it is the newest bucket (it holds what
    /// has arrived so far), else it is weighted by overlap too.
    ///
    /// From minute buckets when the minute tier still covers `start` (exact when `start` falls on a minute
    /// boundary), else from hour buckets, where the weighting of the oldest hour is the only approximation:
    /// its error is at most that hour's events (docs/evaluation.md).
    ///
    /// With `liveEdge` false the bucket containing `end` is always weighted by overlap, so consecutive windows of
    /// a history (`[t − step, t)`, `[t, t + step)`) never count the newest bucket twice.
    func counts(from start: Int64, to end: Int64, liveEdge: Bool = true) -> Counts {
        guard end > start else { return .zero }
        if minutesCover(start) {
            return Self.weightedSum(minutes, start: start, end: end, bucket: Time.nanosPerMinute, liveEdge: liveEdge)
        }
        return Self.weightedSum(hours, start: start, end: end, bucket: Time.nanosPerHour, liveEdge: liveEdge)
    }

    /// The latencies recorded over `[start, end)`, whole buckets (minutes where kept, else hours if kept).
    func latencies(from start: Int64, to end: Int64) -> LatencySketch {
        let firstMinute = Time.floorDiv(start, Time.nanosPerMinute)
        let lastMinute = Time.floorDiv(end, Time.nanosPerMinute)
        if firstMinute > minuteSketches.evictedThrough || hourSketches == nil {
            return minuteSketches.merged(from: firstMinute, through: lastMinute)
        }
        return hourSketches?.merged(from: Time.floorDiv(start, Time.nanosPerHour), through: Time.floorDiv(end, Time.nanosPerHour)) ?? LatencySketch()
    }

    static func weightedSum<Value: SeriesValue>(_ series: PrefixSeries<Value>, start: Int64, end: Int64, bucket: Int64, liveEdge: Bool = true) -> Value {
        let first = Time.floorDiv(start, bucket)
        let last = Time.floorDiv(end, bucket)
        // The bucket containing `end` counts in full when it is the newest (the live edge: it holds what has
        // arrived so far); a window ending in the past weighs it by overlap like the oldest one.
        let live = liveEdge && (series.lastIndex ?? .min) <= last
        guard last > first else {
            let value = series.value(at: first)
            return live ? value : value.scaled(by: Double(end - start) / Double(bucket))
        }
        let startWeight = Double((first &+ 1) &* bucket &- start) / Double(bucket)
        let endWeight = live ? 1 : Double(end &- last &* bucket) / Double(bucket)
        let (inner, oldest, newest) = series.window(first: first, last: last)
        var result = inner
        result += startWeight >= 1 ? oldest : oldest.scaled(by: startWeight)
        if endWeight > 0 { result += endWeight >= 1 ? newest : newest.scaled(by: endWeight) }
        return result
    }
}
