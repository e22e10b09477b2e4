import Foundation

/// A measure a deploy check compares before and after a deploy, one value per bucket.
public enum CanaryMetric: String, Hashable, Sendable, Codable, CaseIterable {
    /// Bad ÷ valid events of the bucket (buckets without events give no value).
    case errorRatio = "error_ratio"
    /// Latency percentiles of the bucket, in milliseconds (buckets without latencies give no value).
    case latencyP50 = "latency_p50"
    case latencyP95 = "latency_p95"
    case latencyP99 = "latency_p99"
    /// Valid events per minute.
    case throughput

    /// Which way hurts: up for errors and latency, down for throughput.
    public var harmfulDirection: Direction {
        self == .throughput ? .down : .up
    }

    public enum Direction: String, Hashable, Sendable, Codable { case up, down }

    /// Words for people: "error ratio", "p95 latency".
    public var label: String {
        switch self {
        case .errorRatio: "error ratio"
        case .latencyP50: "p50 latency"
        case .latencyP95: "p95 latency"
        case .latencyP99: "p99 latency"
        case .throughput: "throughput"
        }
    }

    /// The unit of its values.
    public var unit: String {
        switch self {
        case .errorRatio: "ratio"
        case .latencyP50, .latencyP95, .latencyP99: "ms"
        case .throughput: "events/min"
        }
    }

    /// The bucket's value, if it has one.
    public func value(of bucket: BucketMeasure, step: Int64) -> Double? {
        switch self {
        case .errorRatio:
            return bucket.events.total > 0 ? bucket.events.badRatio : nil
        case .throughput:
            return bucket.events.total * Double(Time.nanosPerMinute) / Double(step)
        case .latencyP50, .latencyP95, .latencyP99:
            let q = self == .latencyP50 ? 0.5 : self == .latencyP95 ? 0.95 : 0.99
            return bucket.latency?.quantile(q).map { Double($0) / 1_000_000 }
        }
    }
}

/// How far a metric may move before a check calls it: the larger of a share of the baseline's median and a
/// floor in the metric's unit.
public struct CanaryTolerance: Hashable, Sendable, Codable {
    public var relative: Double
    public var absolute: Double

    public init(relative: Double, absolute: Double) {
        self.relative = relative
        self.absolute = absolute
    }

    /// The defaults: 25% of the baseline with floors of 0.5 percentage point of error ratio, 10 ms of latency
    /// and one event a minute; 10% for latency percentiles.
    public static func defaults(_ metric: CanaryMetric) -> CanaryTolerance {
        switch metric {
        case .errorRatio: CanaryTolerance(relative: 0.25, absolute: 0.005)
        case .latencyP50, .latencyP95, .latencyP99: CanaryTolerance(relative: 0.10, absolute: 10)
        case .throughput: CanaryTolerance(relative: 0.25, absolute: 1)
        }
    }
}

/// The verdict on one metric of one scope.
public enum MetricVerdict: String, Hashable, Sendable, Codable {
    /// No change beyond the tolerance (or not one the test can tell from noise).
    case pass
    /// Moved the harmful way by more than the tolerance, with confidence.
    case regressed
    /// Moved the good way by more than the tolerance, with confidence.
    case improved
    /// Too few buckets with a value before or after.
    case noData = "no_data"
}

/// One metric compared before and after: the verdict and the numbers behind it.
public struct MetricComparison: Hashable, Sendable, Codable {
    public var metric: CanaryMetric
    public var verdict: MetricVerdict
    /// Buckets with a value before (baseline) and after.
    public var baselineBuckets: Int
    public var afterBuckets: Int
    /// Medians of the bucket values.
    public var baselineMedian: Double?
    public var afterMedian: Double?
    /// The Hodges-Lehmann shift after − before and its confidence interval; `nil` without data.
    public var shift: Double?
    public var lower: Double?
    public var upper: Double?
    public var pValue: Double?
    /// The move the tolerance allows either way.
    public var allowance: Double?
    public var confidenceLevel: Double
}

/// Judges a metric before and after a change in the way of Kayenta's Mann-Whitney classifier: a rank test of the
/// two samples of bucket values, the Hodges-Lehmann shift with its confidence interval, and a tolerance band
/// around no change. A metric regressed when the whole interval lies beyond the band in its harmful direction,
/// improved when it lies beyond the band the other way, and passes otherwise. Sources in docs/deploys.md.
public struct CanaryJudge: Hashable, Sendable, Codable {
    public var confidenceLevel: Double
    /// Buckets each side needs before anything is judged.
    public var minimumBuckets: Int
    public var tolerances: [CanaryMetric: CanaryTolerance]

    public init(confidenceLevel: Double = 0.95, minimumBuckets: Int = 5, tolerances: [CanaryMetric: CanaryTolerance] = [:]) {
        self.confidenceLevel = confidenceLevel
        self.minimumBuckets = minimumBuckets
        self.tolerances = tolerances
    }

    public func tolerance(_ metric: CanaryMetric) -> CanaryTolerance {
        tolerances[metric] ?? .defaults(metric)
    }

    /// Compares `after` with `baseline` at `confidenceLevel` (this judge's when nil: callers making many
    /// comparisons at once ask for a higher one).
    public func compare(_ metric: CanaryMetric, baseline: [Double], after: [Double], confidenceLevel level: Double? = nil) -> MetricComparison {
        let level = level ?? confidenceLevel
        var comparison = MetricComparison(
            metric: metric, verdict: .noData, baselineBuckets: baseline.count, afterBuckets: after.count,
            baselineMedian: Self.median(baseline), afterMedian: Self.median(after), confidenceLevel: level
        )
        // Throughput has a value in every bucket; with no event on either side there is nothing to compare.
        let silent = metric == .throughput && baseline.allSatisfy { $0 == 0 } && after.allSatisfy { $0 == 0 }
        guard !silent, baseline.count >= minimumBuckets, after.count >= minimumBuckets,
              let base = comparison.baselineMedian, let test = RankTest.compare(after, baseline, confidenceLevel: level) else {
            return comparison
        }
        let tolerance = tolerance(metric)
        let allowance = max(tolerance.relative * abs(base), tolerance.absolute)
        comparison.shift = test.estimate
        comparison.lower = test.lower
        comparison.upper = test.upper
        comparison.pValue = test.pValue
        comparison.allowance = allowance
        let rose = test.lower > allowance
        let fell = test.upper < -allowance
        switch metric.harmfulDirection {
        case .up: comparison.verdict = rose ? .regressed : fell ? .improved : .pass
        case .down: comparison.verdict = fell ? .regressed : rose ? .improved : .pass
        }
        return comparison
    }

    /// The values of `metric` in `buckets` (buckets of `step` nanoseconds).
    public static func values(_ metric: CanaryMetric, of buckets: [BucketMeasure], step: Int64) -> [Double] {
        buckets.compactMap { metric.value(of: $0, step: step) }
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
