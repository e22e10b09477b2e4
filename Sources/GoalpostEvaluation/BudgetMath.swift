import Foundation
import GoalpostModel

/// The error-budget arithmetic, as pure functions (docs/evaluation.md has the derivations and sources).
public enum BudgetMath {
    /// The burn rate: how many times faster than "exactly spend the budget over the window" the budget burns.
    ///
    /// `(bad / total) / (1 − objective)`; 0 without events. A burn rate of 1 spends the whole budget in
    /// exactly the outcome's window; 14.4 spends 2% of a 30-day budget in one hour (SRE Workbook, ch. 5).
    ///
    /// - Parameters:
    ///   - bad: Bad events (or bad slices) in the window.
    ///   - total: Valid events (or slices) in the window.
    ///   - objective: The objective, in (0, 1).
    /// - Returns: The burn rate, never negative.
    public static func burnRate(bad: Double, total: Double, objective: Double) -> Double {
        guard total > 0 else { return 0 }
        return burnRate(badRatio: bad / total, objective: objective)
    }

    /// The burn rate of a bad ratio: `badRatio / (1 − objective)`.
    public static func burnRate(badRatio: Double, objective: Double) -> Double {
        let allowed = 1 - objective
        guard allowed > 0 else { return badRatio > 0 ? .infinity : 0 }
        return max(0, badRatio) / allowed
    }

    /// The share of the error budget left: `1 − bad / ((1 − objective) × base)`.
    ///
    /// `base` is what the budget is a share of: the valid events of the window (occurrences), or the slices
    /// of the whole window (timeslices). At most 1; negative once the budget is overspent.
    ///
    /// - Returns: 1 when nothing is allowed yet and nothing was bad.
    public static func budgetRemaining(bad: Double, base: Double, objective: Double) -> Double {
        let allowed = (1 - objective) * base
        guard allowed > 0 else { return bad > 0 ? -.infinity : 1 }
        return 1 - max(0, bad) / allowed
    }

    /// How long until the budget is gone at a constant burn rate: `remaining × window / burnRate`.
    ///
    /// Burning at rate 1 spends the whole budget in `window`, so at rate `b` a share `r` lasts `r × window / b`.
    ///
    /// - Returns: `nil` when the budget is not burning (rate 0), zero when it is already spent.
    public static func timeToExhaustion(remaining: Double, burnRate: Double, window: TimeSpan) -> TimeSpan? {
        guard remaining > 0 else { return .zero }
        guard burnRate > 0, burnRate.isFinite else { return burnRate.isInfinite ? .zero : nil }
        let nanos = remaining * Double(window.nanoseconds) / burnRate
        guard nanos < Double(Int64.max) else { return nil }
        return TimeSpan(nanoseconds: Int64(nanos.rounded()))
    }

    /// The share of the budget that burning at `burnRate` for `duration` spends: `burnRate × duration / window`
    /// (14.4 for 1 hour of a 30-day window is 2%).
    public static func budgetConsumed(burnRate: Double, duration: TimeSpan, window: TimeSpan) -> Double {
        guard window.nanoseconds > 0 else { return 0 }
        return burnRate * Double(duration.nanoseconds) / Double(window.nanoseconds)
    }

    /// The significance a customer's failures must reach to count as hurt by an incident it did not fire for.
    public static let hurtSignificance = 0.001

    /// Whether `bad` failures of `total` events are more than the objective allows by more than chance: at
    /// least `minimumBad` of them, and unlikely (`hurtSignificance`) under the allowed failure rate. The test is
    /// one-sided on a Poisson count with mean `total × (1 − objective)` (the rare-event limit of the binomial):
    /// 5 failures of 4,884 events at 99.9 % (4.9 allowed) are not evidence of harm, 117 of 1,381 are.
    public static func exceedsAllowance(bad: Double, total: Double, objective: Double, minimumBad: Double = 3) -> Bool {
        guard bad >= minimumBad, total > 0 else { return false }
        let allowed = max(0, total * (1 - objective))
        guard bad > allowed else { return false }
        // Far out in the tail the answer is plain; this also bounds the sum below.
        if bad >= allowed + 10 * allowed.squareRoot() + 20 { return true }
        return poissonUpperTail(atLeast: Int(bad.rounded(.up)), mean: allowed) < hurtSignificance
    }

    /// P(X ≥ k) for X ~ Poisson(mean), summed in log space (k is small here: at most mean + 10√mean + 20).
    static func poissonUpperTail(atLeast k: Int, mean: Double) -> Double {
        guard k > 0 else { return 1 }
        guard mean > 0 else { return 0 }
        var logTerm = -mean  // log P(X = 0)
        var below = exp(logTerm)
        for i in 1..<k {
            logTerm += log(mean) - log(Double(i))
            below += exp(logTerm)
        }
        return max(0, 1 - below)
    }
}
