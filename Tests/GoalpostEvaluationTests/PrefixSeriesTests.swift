import GoalpostModel
import GoalpostTestSupport
import Testing
@testable import GoalpostEvaluation

struct PrefixSeriesTests {
    @Test("range sums are right after late insertions in the middle")
    func lateInsert() {
        var series = PrefixSeries<Counts>(retention: 100)
        series.add(Counts(good: 1, total: 1), at: 10)
        series.add(Counts(good: 0, total: 2), at: 14)
        series.add(Counts(good: 3, total: 3), at: 12)
        series.add(Counts(good: 1, total: 1), at: 12)
        series.add(Counts(good: 5, total: 5), at: 9)
        #expect(series.sum(from: 10, through: 14) == Counts(good: 5, total: 7))
        #expect(series.sum(from: 9, through: 12) == Counts(good: 10, total: 10))
        #expect(series.value(at: 12) == Counts(good: 4, total: 4))
        #expect(series.value(at: 13) == .zero)
        #expect(series.buckets.map(\.index) == [9, 10, 12, 14])
    }

    @Test("a series never holds more buckets than its retention")
    func retention() {
        var series = PrefixSeries<Counts>(retention: 10)
        for index in 0..<1000 { series.add(Counts(good: 1, total: 1), at: Int64(index)) }
        #expect(series.count == 10)
        #expect(series.sum(from: 990, through: 999) == Counts(good: 10, total: 10))
        // Evicted buckets cannot come back.
        let accepted = series.add(Counts(good: 1, total: 1), at: 500)
        #expect(!accepted)
    }

    @Test("a window weighs its oldest bucket by the share it covers")
    func weightedEdges() {
        var series = PrefixSeries<Counts>(retention: 100)
        for minute in Int64(0)..<10 { series.add(Counts(good: 60, total: 60), at: minute) }
        // [0:30, 5:00) in minutes: half of minute 0, minutes 1–4, and none of minute 5 (a window in the past).
        let sum = TieredSeries.weightedSum(series, start: 30 * Clock.second, end: 5 * Clock.minute, bucket: Clock.minute)
        #expect(sum == Counts(good: 30 + 4 * 60, total: 30 + 4 * 60))
        // Ending inside the newest bucket (the live edge), that bucket counts in full.
        let live = TieredSeries.weightedSum(series, start: 30 * Clock.second, end: 9 * Clock.minute + 10 * Clock.second, bucket: Clock.minute)
        #expect(live == Counts(good: 30 + 9 * 60, total: 30 + 9 * 60))
    }

    @Test("window reads and range sums equal a direct sum, on dense, sparse and evicted series", arguments: [1, 2, 3, 7])
    func windowsAgreeWithDirectSums(spacing: Int) {
        var random = SeededRandom(seed: UInt64(spacing))
        var series = PrefixSeries<Counts>(retention: 300)
        var direct: [Int64: Counts] = [:]
        var index: Int64 = 0
        for _ in 0..<400 {
            // Mostly `spacing` apart, sometimes a gap, so the position guess is both right and wrong.
            index += Int64(random.next() % 10 == 0 ? 1 + Int(random.next() % 40) : spacing)
            let counts = Counts(good: Double(random.next() % 5), total: Double(5 + random.next() % 5))
            series.add(counts, at: index)
            direct[index, default: .zero] += counts
        }
        let low = series.buckets.first?.index ?? 0
        func value(_ i: Int64) -> Counts { i > series.evictedThrough ? direct[i] ?? .zero : .zero }
        for _ in 0..<500 {
            let a = low - 5 + Int64(random.next() % UInt64(index - low + 10))
            let b = a + 1 + Int64(random.next() % 80)
            let expectedInner = (a + 1..<b).reduce(Counts.zero) { $0 + value($1) }
            let window = series.window(first: a, last: b)
            #expect(window.oldest == value(a) && window.newest == value(b), "\(a)...\(b)")
            #expect(abs(window.inner.total - expectedInner.total) < 1e-9 && abs(window.inner.good - expectedInner.good) < 1e-9, "\(a)...\(b)")
            let sum = series.sum(from: a, through: b)
            let expected = (a...b).reduce(Counts.zero) { $0 + value($1) }
            #expect(abs(sum.total - expected.total) < 1e-9, "\(a)...\(b)")
        }
    }
}
