import Foundation

/// The Mann-Whitney U (Wilcoxon rank-sum) test of two independent samples, with the Hodges-Lehmann estimate of the
/// shift and its confidence interval — as R's `wilcox.test(x, y, conf.int = TRUE)` computes them (two-sided,
/// `mu = 0`, `correct = TRUE`).
///
/// Both samples under 50 values and no ties in the pooled sample: the exact null distribution of U and the
/// order-statistic interval of Bauer (1972). Otherwise: the normal approximation with tie and continuity
/// corrections, and the interval R finds with `uniroot` on that statistic as a function of the shift.
public struct RankTest: Hashable, Sendable, Codable {
    /// How the p-value and the interval were computed.
    public enum Method: String, Hashable, Sendable, Codable {
        /// The exact null distribution of U: both samples under 50 values, no ties in the pooled sample.
        case exact
        /// The normal approximation with tie and continuity corrections.
        case normal
    }

    /// W = U statistic of `x`: the number of pairs (x_i, y_j) with x_i > y_j, plus half the ties (R's W).
    public var u: Double
    /// Two-sided p-value.
    public var pValue: Double
    /// Hodges-Lehmann estimate of the shift x − y: the median of all differences x_i − y_j.
    public var estimate: Double
    /// Lower end of the confidence interval of the shift at `confidenceLevel`.
    public var lower: Double
    /// Upper end of the confidence interval of the shift at `confidenceLevel`.
    public var upper: Double
    /// The confidence level asked for (R's exact interval may achieve a little more).
    public var confidenceLevel: Double
    /// Which distribution of U gave the p-value and the interval.
    public var method: Method

    /// A result as given; `compare` is how one is computed.
    public init(u: Double, pValue: Double, estimate: Double, lower: Double, upper: Double, confidenceLevel: Double, method: Method) {
        self.u = u
        self.pValue = pValue
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.confidenceLevel = confidenceLevel
        self.method = method
    }

    /// Samples with this many values or more use the normal approximation (R's rule).
    static let exactLimit = 50

    /// Tests `x` against `y` and estimates the shift x − y. Non-finite values are dropped, as R drops them.
    /// nil when either sample is empty (after dropping) or `confidenceLevel` is not strictly between 0 and 1.
    public static func compare(_ x: [Double], _ y: [Double], confidenceLevel: Double = 0.95) -> RankTest? {
        let xs = x.filter(\.isFinite).sorted()
        let ys = y.filter(\.isFinite).sorted()
        guard !xs.isEmpty, !ys.isEmpty, confidenceLevel > 0, confidenceLevel < 1 else { return nil }
        let pooled = PooledRanks(x: xs, y: ys)
        let differences = Differences(x: xs, y: ys)
        let alpha = 1 - confidenceLevel
        let exact = xs.count < exactLimit && ys.count < exactLimit && pooled.tieSum == 0
        var test = exact
            ? exactTest(pooled: pooled, differences: differences, alpha: alpha)
            : normalTest(pooled: pooled, differences: differences, alpha: alpha)
        test.confidenceLevel = confidenceLevel
        return test
    }

    // MARK: Exact

    /// The exact test: p-value from the null distribution of U, interval [d₍q₎, d₍mn−q+1₎] with q R's
    /// `qwilcox(alpha/2, m, n)` (at least 1), estimate the median difference.
    static func exactTest(pooled: PooledRanks, differences: Differences, alpha: Double) -> RankTest {
        let m = pooled.m, n = pooled.n, mn = m * n
        let frequencies = nullFrequencies(m: m, n: n)
        let total = frequencies.reduce(0, +)
        // No ties, so W is a whole number in 0...mn.
        let w = min(max(Int(pooled.w.rounded()), 0), mn)
        let tail: Double
        if pooled.w > Double(mn) / 2 {
            tail = frequencies[w...].reduce(0, +) / total
        } else {
            tail = frequencies[...w].reduce(0, +) / total
        }
        // R's qwilcox: the smallest q with P(U ≤ q) ≥ p, p lowered by 10 ε against rounding.
        let target = alpha / 2 - 10 * Double.ulpOfOne
        var cumulative = 0.0
        var q = 0
        while q < mn {
            cumulative += frequencies[q] / total
            if cumulative >= target { break }
            q += 1
        }
        let qu = max(q, 1)
        let ql = mn - qu
        return RankTest(
            u: pooled.w, pValue: min(1, 2 * tail), estimate: differences.median,
            lower: differences.orderStatistic(qu), upper: differences.orderStatistic(ql + 1),
            confidenceLevel: 1 - alpha, method: .exact
        )
    }

    /// How many of the C(m+n, m) orderings of the pooled sample give U = 0, 1, …, mn (R's `dwilcox` times C(m+n, m)), by
    /// dynamic programming over the pooled order: placing the next item in `x` adds the number of `y` items
    /// already placed. Counts are doubles (C(98, 49) ≈ 2.5e28); only additions, so no cancellation.
    static func nullFrequencies(m: Int, n: Int) -> [Double] {
        let mn = m * n, width = mn + 1
        // ways[c · width + u]: orderings of the items placed so far with c of them from x and U so far u.
        var ways = [Double](repeating: 0, count: (m + 1) * width)
        ways[0] = 1
        for placed in 0..<(m + n) {
            // Take x-counts downwards so each item is placed once; `placed - c` y items precede the new one.
            let highest = min(placed, m - 1)
            let lowest = max(0, placed - n)
            guard highest >= lowest else { continue }
            for c in stride(from: highest, through: lowest, by: -1) {
                let gain = placed - c
                let from = c * width, to = (c + 1) * width + gain
                for u in 0...(c * gain) {
                    ways[to + u] += ways[from + u]
                }
            }
        }
        return Array(ways[(m * width)...])
    }

    // MARK: Normal

    /// The normal approximation: z with tie-corrected σ and continuity correction; the interval ends and the
    /// estimate are where R's `uniroot` on that z as a function of the shift converges.
    ///
    /// For a shift μ that is not one of the differences, the statistic of (x − μ, y) depends only on
    /// k = #{d ≤ μ}: W = mn − k, and the only ties are those within x and within y, so σ is the constant σ₀.
    /// It changes only where μ crosses a difference, so the root of z(μ) − z_q is the k*-th smallest difference
    /// with k* the first k where the statistic reaches z_q — the point bisection converges to, found exactly.
    static func normalTest(pooled: PooledRanks, differences: Differences, alpha: Double) -> RankTest {
        let mn = Double(pooled.m * pooled.n)
        let sigma = pooled.sigma(tieSum: pooled.tieSum)
        let centered = pooled.w - mn / 2
        let pValue: Double
        if sigma > 0 {
            let z = (centered - 0.5 * sign(centered)) / sigma
            // 2·min(Φ(z), 1 − Φ(z)) = 2Φ(−|z|) = erfc(|z|/√2).
            pValue = min(1, erfc(abs(z) / 2.squareRoot()))
        } else {
            // Every value the same: no evidence either way.
            pValue = 1
        }
        let sigma0 = pooled.sigma(tieSum: pooled.withinTieSum)
        let zq = -standardNormalQuantile(alpha / 2)
        return RankTest(
            u: pooled.w, pValue: pValue, estimate: differences.median,
            lower: root(differences: differences, sigma: sigma0, zq: zq),
            upper: root(differences: differences, sigma: sigma0, zq: -zq),
            confidenceLevel: 1 - alpha, method: .normal
        )
    }

    /// The shift where the continuity-corrected z of (x − μ, y) falls to `zq`: the k*-th smallest difference for
    /// the least k* with z ≤ zq once k* differences lie at or below μ (z only falls as k grows); the smallest
    /// difference when z starts at or below `zq` and the largest when it never gets there, as R's `root` does.
    static func root(differences: Differences, sigma: Double, zq: Double) -> Double {
        let mn = differences.count
        guard sigma > 0 else { return differences.median }
        let center = Double(mn) / 2
        func reached(_ k: Int) -> Bool {
            let dz = center - Double(k)
            return (dz - 0.5 * sign(dz)) / sigma - zq <= 0
        }
        var low = 0, high = mn + 1  // reached(high) stands for "never": the answer lies in low...high.
        while low < high {
            let middle = (low + high) / 2
            if reached(middle) { high = middle } else { low = middle + 1 }
        }
        return differences.orderStatistic(min(max(low, 1), mn))
    }

    static func sign(_ value: Double) -> Double {
        value > 0 ? 1 : value < 0 ? -1 : 0
    }

    // MARK: Normal distribution

    /// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error below 1.15e-9), refined by one
    /// Halley step on Φ(x) = erfc(−x/√2)/2, which brings it to about machine precision.
    static func standardNormalQuantile(_ p: Double) -> Double {
        guard p > 0 else { return -.infinity }
        guard p < 1 else { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let tail = 0.02425
        var x: Double
        if p < tail {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - tail {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // Halley: e = Φ(x) − p, u = e / φ(x), x ← x − u / (1 + x u / 2). In the upper half the error is taken
        // as p's complement minus the upper tail, so p near 1 keeps its precision.
        let e = x <= 0 ? 0.5 * erfc(-x / 2.squareRoot()) - p : (1 - p) - 0.5 * erfc(x / 2.squareRoot())
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

}

extension RankTest {
    /// The pooled sample's statistics: W, and the Σ(t³ − t) of its tie groups (all, and within each sample).
    struct PooledRanks {
        let m: Int
        let n: Int
        /// #{x_i > y_j} + ½ #{x_i = y_j}.
        let w: Double
        /// Σ(t³ − t) over tie groups of the pooled sample.
        let tieSum: Double
        /// Σ(t³ − t) over tie groups within x plus those within y: the pooled ties once x is shifted off y.
        let withinTieSum: Double

        /// From ascending samples, by one merge.
        init(x: [Double], y: [Double]) {
            m = x.count
            n = y.count
            var w = 0.0, pooledTies = 0.0, withinTies = 0.0
            var i = 0, j = 0
            while i < m || j < n {
                let value = j == n || (i < m && x[i] <= y[j]) ? x[i] : y[j]
                var inX = 0, inY = 0
                while i + inX < m && x[i + inX] == value { inX += 1 }
                while j + inY < n && y[j + inY] == value { inY += 1 }
                // y items below `value` are the j already passed; equal ones count half.
                w += Double(inX) * (Double(j) + 0.5 * Double(inY))
                pooledTies += Self.tieTerm(inX + inY)
                withinTies += Self.tieTerm(inX) + Self.tieTerm(inY)
                i += inX
                j += inY
            }
            self.w = w
            self.tieSum = pooledTies
            self.withinTieSum = withinTies
        }

        static func tieTerm(_ t: Int) -> Double {
            let t = Double(t)
            return t * t * t - t
        }

        /// σ of W under the null with ties summing to `tieSum`: √(mn/12 · ((N + 1) − Σ(t³ − t) / (N(N − 1)))).
        func sigma(tieSum: Double) -> Double {
            let mn = Double(m * n), total = Double(m + n)
            let variance = mn / 12 * ((total + 1) - tieSum / (total * (total - 1)))
            return variance > 0 ? variance.squareRoot() : 0
        }
    }

    /// The m·n differences x_i − y_j of two ascending samples, never materialized: order statistics come from
    /// bisection on the value with a linear count per step, then a sort of the few candidates left.
    struct Differences {
        /// Ascending, not empty.
        let x: [Double]
        /// Ascending, not empty.
        let y: [Double]

        var count: Int { x.count * y.count }

        /// The median difference (mean of the middle two for an even count), the Hodges-Lehmann estimate.
        var median: Double {
            let count = count
            if count % 2 == 1 { return orderStatistic((count + 1) / 2) }
            return (orderStatistic(count / 2) + orderStatistic(count / 2 + 1)) / 2
        }

        /// For each x_i, the first j with x_i − y_j ≤ `value` (from there on every difference of the row is ≤
        /// `value`); non-decreasing in i, so one pass finds them all.
        private func rowStarts(atMost value: Double) -> [Int] {
            var starts = [Int]()
            starts.reserveCapacity(x.count)
            var j = 0
            for xi in x {
                while j < y.count && xi - y[j] > value { j += 1 }
                starts.append(j)
            }
            return starts
        }

        /// #{(i, j) : x_i − y_j ≤ `value`}.
        func count(atMost value: Double) -> Int {
            var total = 0, j = 0
            for xi in x {
                while j < y.count && xi - y[j] > value { j += 1 }
                total += y.count - j
            }
            return total
        }

        /// The k-th smallest difference, k in 1...count (clamped).
        func orderStatistic(_ k: Int) -> Double {
            let k = min(max(k, 1), count)
            let first = x.first ?? 0, last = x.last ?? 0
            var low = first - (y.last ?? 0)  // the smallest difference
            var high = last - (y.first ?? 0)  // the largest
            var countLow = count(atMost: low)
            if countLow >= k { return low }
            var countHigh = count
            // Invariant: countLow < k ≤ countHigh, so the answer lies in (low, high].
            let candidateLimit = max(x.count + y.count, 1024)
            while countHigh - countLow > candidateLimit {
                let middle = low / 2 + high / 2
                // No double strictly between: high is the only double in (low, high], so it is the answer.
                guard middle > low, middle < high else { return high }
                let below = count(atMost: middle)
                if below >= k {
                    high = middle
                    countHigh = below
                } else {
                    low = middle
                    countLow = below
                }
            }
            let startsHigh = rowStarts(atMost: high)
            let startsLow = rowStarts(atMost: low)
            var candidates = [Double]()
            candidates.reserveCapacity(countHigh - countLow)
            for (i, xi) in x.enumerated() where startsHigh[i] < startsLow[i] {
                for j in startsHigh[i]..<startsLow[i] { candidates.append(xi - y[j]) }
            }
            candidates.sort()
            let index = k - countLow - 1
            guard candidates.indices.contains(index) else { return high }
            return candidates[index]
        }
    }
}
