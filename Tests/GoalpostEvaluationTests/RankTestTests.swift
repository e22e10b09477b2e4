import Foundation
import Testing
@testable import GoalpostEvaluation

/// The rank test against R's `wilcox.test(x, y, conf.int = TRUE)`. Reference values come from
/// scripts/reference/wilcox.py, which recomputes them independently of RankTest.swift: the U distribution by
/// brute-force enumeration of the pooled positions of x, the normal interval by bisection on R's z statistic of
/// the shift with ranks and ties recomputed at every step.
@Suite("Rank test")
struct RankTestTests {
    /// |a − b| ≤ `tolerance` · |b| (absolute when b is 0).
    private static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        abs(a - b) <= tolerance * max(abs(b), b == 0 ? 1 : 0)
    }

    /// SplitMix64 mapped to `scale` · U[0, 1) + `shift`; the script's `splitmix_uniform` makes the same doubles.
    private static func uniform(seed: UInt64, count: Int, scale: Double, shift: Double) -> [Double] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) * 0x1p-53 * scale + shift
        }
    }

    // MARK: Exact method

    @Test("R's documented example (Hollander & Wolfe p. 111) gives W 35, exact p 0.2544 and the exact interval")
    func hollanderWolfe() throws {
        let x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
        let y = [1.15, 0.88, 0.90, 0.74, 1.21]
        let test = try #require(RankTest.compare(x, y))
        #expect(test.method == .exact)
        #expect(test.u == 35)
        // R's ?wilcox.test prints p = 0.1272 for alternative = "greater": P(U ≥ 35) = 382/3003. Two-sided doubles it.
        #expect(Self.close(test.pValue, 2 * 382 / 3003))
        // 50 differences; qwilcox(0.025, 10, 5) = 9, so the interval is [d(9), d(42)]; the estimate the mean of d(25), d(26).
        #expect(Self.close(test.estimate, 0.305))
        #expect(Self.close(test.lower, -0.15))
        #expect(Self.close(test.upper, 0.76))
        #expect(test.confidenceLevel == 0.95)

        // 90%: qwilcox(0.05, 10, 5) = 12, the interval [d(12), d(39)].
        let ninety = try #require(RankTest.compare(x, y, confidenceLevel: 0.90))
        #expect(Self.close(ninety.lower, -0.08))
        #expect(Self.close(ninety.upper, 0.72))
        #expect(ninety.confidenceLevel == 0.90)
    }

    @Test("three values all below three others: W 0, p 0.1, the interval the range of the differences")
    func separatedTriples() throws {
        // C(6, 3) = 20 equally likely orderings; only one has U = 0, so P(U ≤ 0) = 1/20 and p = 2/20 = 0.1.
        // P(U ≤ 0) = 0.05 ≥ 0.025 makes qwilcox 0, raised to 1: the interval [d(1), d(9)] = [1 − 6, 3 − 4] = [−5, −1].
        // Differences −5, −4, −4, −3, −3, −3, −2, −2, −1: median −3.
        let test = try #require(RankTest.compare([1, 2, 3], [4, 5, 6]))
        #expect(test.method == .exact)
        #expect(test.u == 0)
        #expect(Self.close(test.pValue, 0.1))
        #expect(test.estimate == -3)
        #expect(test.lower == -5)
        #expect(test.upper == -1)
    }

    @Test("the null distribution of U is the Gaussian binomial coefficients, summing to C(m + n, m)")
    func nullFrequencies() {
        // U for m = n = 3: the coefficients of [6 choose 3]_q (script: exact_distribution(3, 3)).
        #expect(RankTest.nullFrequencies(m: 3, n: 3) == [1, 1, 2, 3, 3, 3, 3, 2, 1, 1])
        #expect(RankTest.nullFrequencies(m: 1, n: 4) == [1, 1, 1, 1, 1])
        let largest = RankTest.nullFrequencies(m: 49, n: 49)
        #expect(largest.count == 49 * 49 + 1)
        // C(98, 49) = 25477612258980856902730428600.
        #expect(Self.close(largest.reduce(0, +), 2.5477612258980856902730428600e28, 1e-12))
        #expect(largest.first == 1 && largest.last == 1)
    }

    // MARK: Normal method

    @Test("ties force the normal method; W, p and the interval match the script's recomputation of R's roots")
    func tiedSamples() throws {
        let x: [Double] = [1, 2, 2, 3, 4, 4, 5, 7]
        let y: [Double] = [2, 3, 3, 5, 6, 6, 7, 8, 9]
        let test = try #require(RankTest.compare(x, y))
        #expect(test.method == .normal)
        #expect(test.u == 19)
        // σ = 10.315607820476812 (ties 2³−2 four times, 3³−3 once), z = (19 − 36 + 0.5) / σ = −1.599517962213237.
        #expect(Self.close(test.pValue, 0.10970556071066581, 1e-6))
        #expect(Self.close(test.estimate, -2))
        #expect(Self.close(test.lower, -4))
        #expect(Self.close(test.upper, 1))

        let eighty = try #require(RankTest.compare(x, y, confidenceLevel: 0.80))
        #expect(Self.close(eighty.lower, -4))
        #expect(Self.close(eighty.upper, -1))
    }

    @Test("a sample of 50 without ties takes the normal method, two of 49 the exact one")
    func methodBoundary() throws {
        let fifty = Self.uniform(seed: 7, count: 50, scale: 1, shift: 0)
        let fortyNine = Self.uniform(seed: 8, count: 49, scale: 1, shift: 0)
        #expect(try #require(RankTest.compare(fifty, fortyNine)).method == .normal)
        #expect(try #require(RankTest.compare(Array(fifty.prefix(49)), fortyNine)).method == .exact)
    }

    @Test("when the statistic never reaches the quantile the interval is the range of the differences, as in R")
    func rangeEnds() throws {
        // R's comment: wilcox.test(1, 2:60, conf.int = TRUE) returns the end points.
        let test = try #require(RankTest.compare([1], (2...60).map(Double.init)))
        #expect(test.method == .normal)
        #expect(test.u == 0)
        #expect(Self.close(test.pValue, 0.0940228759025391, 1e-6))
        #expect(test.lower == -59)
        #expect(test.upper == -1)
        #expect(test.estimate == -30)
    }

    @Test("200 against 300 values shifted by 5: the interval holds 5, not 0, and the estimate; swapping negates")
    func largeShift() throws {
        let x = Self.uniform(seed: 1, count: 200, scale: 10, shift: 5)
        let y = Self.uniform(seed: 2, count: 300, scale: 10, shift: 0)
        // Script: first x 10.66561575172281, first y 5.911897341980794.
        #expect(x.first == 10.66561575172281)
        #expect(y.first == 5.911897341980794)
        let test = try #require(RankTest.compare(x, y))
        #expect(test.method == .normal)
        #expect(test.u == 52670)
        #expect(Self.close(test.pValue, 1.5688401850578729e-46, 1e-6))
        #expect(Self.close(test.estimate, 4.984637530268033))
        #expect(Self.close(test.lower, 4.460270566167329))
        #expect(Self.close(test.upper, 5.51469135827676))
        #expect(test.lower < 5 && 5 < test.upper)
        #expect(test.lower > 0)
        #expect(test.lower <= test.estimate && test.estimate <= test.upper)

        let swapped = try #require(RankTest.compare(y, x))
        #expect(swapped.u == 200 * 300 - test.u)
        #expect(swapped.pValue == test.pValue)
        #expect(swapped.estimate == -test.estimate)
        #expect(swapped.lower == -test.upper)
        #expect(swapped.upper == -test.lower)
    }

    // MARK: Edges and parts

    @Test("an empty sample (or one of only non-finite values) gives no test")
    func emptyInput() {
        #expect(RankTest.compare([], [1, 2]) == nil)
        #expect(RankTest.compare([1, 2], []) == nil)
        #expect(RankTest.compare([.nan, .infinity], [1, 2]) == nil)
        #expect(RankTest.compare([1, 2], [3], confidenceLevel: 1) == nil)
    }

    @Test("identical constant samples give p 1 and a zero shift")
    func constantSamples() throws {
        let test = try #require(RankTest.compare([3, 3, 3], [3, 3]))
        #expect(test.method == .normal)
        #expect(test.u == 3)
        #expect(test.pValue == 1)
        #expect(test.estimate == 0)
        #expect(test.lower == 0)
        #expect(test.upper == 0)
    }

    @Test("order statistics of the differences equal those of the sorted m·n differences (seeded, with ties)")
    func orderStatistics() {
        for seed in UInt64(1)...20 {
            let m = 1 + Int(seed * 7 % 45), n = 1 + Int(seed * 11 % 60)
            // Rounded to quarters in odd seeds, so differences repeat.
            let round = { (v: Double) in seed % 2 == 1 ? (v * 4).rounded() / 4 : v }
            let x = Self.uniform(seed: seed, count: m, scale: 10, shift: 0).map(round).sorted()
            let y = Self.uniform(seed: seed + 100, count: n, scale: 10, shift: 0).map(round).sorted()
            let all = x.flatMap { xi in y.map { xi - $0 } }.sorted()
            let differences = RankTest.Differences(x: x, y: y)
            for k in Set([1, all.count, (all.count + 1) / 2, 1 + Int(seed) * 37 % all.count]) {
                #expect(differences.orderStatistic(k) == all[k - 1], "seed \(seed), k \(k)")
            }
        }
    }

    @Test("the normal quantile matches known values to 1e-14")
    func normalQuantile() {
        #expect(Self.close(RankTest.standardNormalQuantile(0.025), -1.959963984540054, 1e-14))
        #expect(Self.close(RankTest.standardNormalQuantile(0.005), -2.5758293035489004, 1e-14))
        #expect(Self.close(RankTest.standardNormalQuantile(0.05), -1.6448536269514722, 1e-14))
        #expect(RankTest.standardNormalQuantile(0.5) == 0)
    }

    @Test("a result survives a JSON round trip")
    func codable() throws {
        let test = try #require(RankTest.compare([1, 2, 3], [4, 5, 6]))
        let decoded = try JSONDecoder().decode(RankTest.self, from: JSONEncoder().encode(test))
        #expect(decoded == test)
    }
}
