import Foundation
import GoalpostEvaluation
import GoalpostModel

/// One minute of a scope's events: for finding when a degradation started.
public struct MinuteCounts: Hashable, Sendable, Codable {
    /// The minute's start, nanoseconds since the Unix epoch.
    public var start: Int64
    /// Bad events in it.
    public var bad: Double
    /// Valid events in it.
    public var total: Double

    /// One minute's counts.
    public init(start: Int64, bad: Double, total: Double) {
        self.start = start
        self.bad = bad
        self.total = total
    }
}

/// When the degradation started, as opposed to when the alert fired.
public struct Onset: Hashable, Sendable, Codable {
    /// The first minute of the degraded regime, nanoseconds since the Unix epoch.
    public var at: Int64
    /// The bad ratio before it.
    public var badRatioBefore: Double
    /// The bad ratio from it on.
    public var badRatioAfter: Double
    /// The log-likelihood ratio of one change at `at` against no change (natural log); above ~10 is unmistakable.
    public var logLikelihoodRatio: Double

    /// A single change point in the bad ratio of a per-minute series, or `nil` when the ratio did not rise.
    ///
    /// Bad events per minute are modelled as binomial with one ratio before the change and another after it;
    /// the change is put at the split that maximizes the likelihood (the exact maximum over all splits, in
    /// O(n) with prefix sums). This is the binomial form of the single change-point likelihood ratio test
    /// (Hinkley 1970; the building block of binary segmentation and PELT, Killick et al. 2012).
    public static func detect(_ series: [MinuteCounts]) -> Onset? {
        let minutes = series.sorted { $0.start < $1.start }
        guard minutes.count >= 2 else { return nil }
        let allBad = minutes.reduce(0) { $0 + $1.bad }, allTotal = minutes.reduce(0) { $0 + $1.total }
        func loglik(_ b: Double, _ t: Double) -> Double {
            guard t > 0 else { return 0 }
            let p = b / t
            var l = 0.0
            if b > 0 { l += b * log(p) }
            if t - b > 0 { l += (t - b) * log(1 - p) }
            return l
        }
        let none = loglik(allBad, allTotal)
        var best: (index: Int, llr: Double)?
        var bad = 0.0, total = 0.0
        for k in 1..<minutes.count {
            bad += minutes[k - 1].bad
            total += minutes[k - 1].total
            let afterBad = allBad - bad, afterTotal = allTotal - total
            guard total > 0, afterTotal > 0, afterBad / afterTotal > bad / total else { continue }
            let llr = loglik(bad, total) + loglik(afterBad, afterTotal) - none
            if llr > (best?.llr ?? 0) { best = (k, llr) }
        }
        guard let best else { return nil }
        let beforeBad = minutes[..<best.index].reduce(0) { $0 + $1.bad }, beforeTotal = minutes[..<best.index].reduce(0) { $0 + $1.total }
        return Onset(
            at: minutes[best.index].start, badRatioBefore: beforeTotal > 0 ? beforeBad / beforeTotal : 0,
            badRatioAfter: (allBad - beforeBad) / max(1, allTotal - beforeTotal), logLikelihoodRatio: best.llr
        )
    }
}
