import Testing
@testable import GoalpostEvaluation

@Suite("Canary judge")
struct CanaryJudgeTests {
    /// Deterministic noise around `center`: a triangle wave of `spread`.
    static func noisy(_ center: Double, spread: Double, count: Int, phase: Int = 0) -> [Double] {
        (0..<count).map { center + spread * (Double((($0 + phase) * 7) % 11) / 10 - 0.5) }
    }

    @Test("latency up by 200 ms regresses, down by 200 ms improves, a 2 ms wobble passes")
    func latency() {
        let judge = CanaryJudge()
        let baseline = Self.noisy(420, spread: 40, count: 60)
        let slower = judge.compare(.latencyP50, baseline: baseline, after: Self.noisy(620, spread: 40, count: 30, phase: 3))
        #expect(slower.verdict == .regressed)
        #expect(slower.shift.map { abs($0 - 200) < 10 } == true, "\(slower)")
        #expect(slower.lower.map { $0 > 42 } == true)
        let faster = judge.compare(.latencyP50, baseline: baseline, after: Self.noisy(220, spread: 40, count: 30, phase: 3))
        #expect(faster.verdict == .improved)
        let same = judge.compare(.latencyP50, baseline: baseline, after: Self.noisy(422, spread: 40, count: 30, phase: 5))
        #expect(same.verdict == .pass)
    }

    @Test("a real shift smaller than the tolerance passes; the tolerance is the larger of share and floor")
    func tolerance() {
        let judge = CanaryJudge()
        // +30 ms on 420 ms is certain (no overlap) but under 10% of the baseline: a pass.
        let small = judge.compare(.latencyP50, baseline: Self.noisy(420, spread: 4, count: 40), after: Self.noisy(450, spread: 4, count: 40))
        #expect(small.lower.map { $0 > 0 } == true)
        #expect(small.allowance == 42)
        #expect(small.verdict == .pass)
        // Error ratios near zero: the 0.5-point floor holds, so 0.1% → 0.3% passes and 0.1% → 5% regresses.
        let errors = Self.noisy(0.001, spread: 0.001, count: 40)
        #expect(judge.compare(.errorRatio, baseline: errors, after: Self.noisy(0.003, spread: 0.001, count: 40)).verdict == .pass)
        #expect(judge.compare(.errorRatio, baseline: errors, after: Self.noisy(0.05, spread: 0.01, count: 40)).verdict == .regressed)
        let strict = CanaryJudge(tolerances: [.errorRatio: CanaryTolerance(relative: 0, absolute: 0.0005)])
        #expect(strict.compare(.errorRatio, baseline: errors, after: Self.noisy(0.003, spread: 0.001, count: 40)).verdict == .regressed)
    }

    @Test("throughput hurts when it falls; too few buckets on either side is no data")
    func throughputAndNoData() {
        let judge = CanaryJudge()
        let baseline = Self.noisy(100, spread: 10, count: 30)
        #expect(judge.compare(.throughput, baseline: baseline, after: Self.noisy(50, spread: 10, count: 30)).verdict == .regressed)
        #expect(judge.compare(.throughput, baseline: baseline, after: Self.noisy(200, spread: 10, count: 30)).verdict == .improved)
        let sparse = judge.compare(.throughput, baseline: baseline, after: [10, 12, 11, 9])
        #expect(sparse.verdict == .noData)
        #expect(sparse.afterBuckets == 4 && sparse.shift == nil)
        // A scope without any event before or after (a deploy older than the data) is no data, not a pass.
        #expect(judge.compare(.throughput, baseline: Array(repeating: 0, count: 30), after: Array(repeating: 0, count: 30)).verdict == .noData)
        #expect(judge.compare(.throughput, baseline: baseline, after: Array(repeating: 0, count: 30)).verdict == .regressed)
    }

    @Test("bucket values: error ratio only where there were events, latency in milliseconds, throughput per minute")
    func values() {
        var sketch = LatencySketch()
        for ms in [100, 200, 300, 400, 500] as [Int64] { sketch.add(nanoseconds: ms * 1_000_000) }
        let buckets = [
            BucketMeasure(time: 60_000_000_000, events: Counts(good: 9, total: 10), latency: sketch),
            BucketMeasure(time: 120_000_000_000, events: Counts(good: 0, total: 0), latency: nil),
        ]
        let minute: Int64 = 60_000_000_000
        #expect(CanaryJudge.values(.errorRatio, of: buckets, step: minute).count == 1)
        #expect(abs((CanaryJudge.values(.errorRatio, of: buckets, step: minute).first ?? 0) - 0.1) < 1e-12)
        #expect(CanaryJudge.values(.throughput, of: buckets, step: minute) == [10, 0])
        #expect(CanaryJudge.values(.throughput, of: buckets, step: 60 * minute) == [10.0 / 60, 0])
        let p50 = CanaryJudge.values(.latencyP50, of: buckets, step: minute)
        #expect(p50.count == 1 && abs((p50.first ?? 0) - 300) < 300 * LatencySketch.relativeAccuracy * 2, "\(p50)")
    }
}
