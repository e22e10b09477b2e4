import Foundation
import GoalpostModel
import GoalpostTestSupport
import Testing
@testable import GoalpostEvaluation

struct LatencySketchTests {
    @Test("quantiles stay within the 2% relative accuracy (seeded)", arguments: [1 as UInt64, 2, 3])
    func accuracy(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var sketch = LatencySketch()
        var values = [Int64]()
        for _ in 0..<5000 {
            // Log-uniform between 1 ms and 2 s.
            let value = Int64(exp(Double.random(in: log(1e6)...log(2e9), using: &random)))
            values.append(value)
            sketch.add(nanoseconds: value)
        }
        values.sort()
        for q in [0.5, 0.9, 0.99] {
            let exact = Double(values[Int(q * Double(values.count - 1))])
            let estimate = Double(try #require(sketch.quantile(q)))
            #expect(abs(estimate - exact) / exact <= LatencySketch.relativeAccuracy + 1e-9, "q\(q): \(estimate) vs \(exact)")
        }
    }

    @Test("the bucket key read from the table is the one log gives, at every threshold and for seeded durations")
    func tableKey() {
        let table = LatencySketch.keyTable
        #expect(table.thresholds.count > 1000)
        var checked = 0
        for threshold in table.thresholds {
            for offset in Int64(-3)...Int64(3) where threshold > -offset && threshold + offset > 0 {
                let value = threshold + offset
                #expect(LatencySketch.key(value) == LatencySketch.exactKey(value), "\(value)")
                checked += 1
            }
        }
        for value in Int64(1)...Int64(5000) { #expect(LatencySketch.key(value) == LatencySketch.exactKey(value)) }
        var random = SeededGenerator(seed: 11)
        for _ in 0..<200_000 {
            // Log-uniform over the whole range of positive durations.
            let value = Int64(exp(Double.random(in: 0..<43.6, using: &random)))
            #expect(LatencySketch.key(value) == LatencySketch.exactKey(value), "\(value)")
        }
        for value: Int64 in [.max, .max - 1, 1 << 62, (1 << 62) - 1] {
            #expect(LatencySketch.key(value) == LatencySketch.exactKey(value))
        }
        #expect(checked > 7000)
    }

    @Test("a sketch built from packed keys equals adding the same durations one by one")
    func packedKeys() {
        var random = SeededGenerator(seed: 5)
        for _ in 0..<500 {
            let count = Int.random(in: 0...4, using: &random)
            let zeros = UInt64.random(in: 0...2, using: &random)
            var added = LatencySketch()
            var packed: UInt64 = 0
            for position in 0..<count {
                let value = Int64.random(in: 1...5_000_000_000, using: &random)
                added.add(nanoseconds: value)
                packed |= LatencySketch.key(value) << (16 * UInt64(position))
            }
            for _ in 0..<zeros { added.add(nanoseconds: 0) }
            #expect(LatencySketch(packedKeys: packed, keyCount: count, zeros: zeros) == added)
        }
    }

    @Test("merging sketches equals adding every value to one")
    func merge() {
        var random = SeededGenerator(seed: 7)
        var whole = LatencySketch()
        var left = LatencySketch()
        var right = LatencySketch()
        for index in 0..<2000 {
            let value = Int64.random(in: 0...3_000_000_000, using: &random)
            whole.add(nanoseconds: value)
            if index % 3 == 0 { left.add(nanoseconds: value) } else { right.add(nanoseconds: value) }
        }
        left.merge(right)
        #expect(left == whole)
        #expect(left.count == 2000)
    }

    @Test("a sketch keeps at most its maximum number of buckets")
    func bounded() {
        var sketch = LatencySketch()
        var value = 1.0
        while value < 9e18 {
            sketch.add(nanoseconds: Int64(value))
            value *= 1.01
        }
        #expect(sketch.binCount <= LatencySketch.maximumBins)
        // The high quantiles keep their accuracy when the lowest buckets fold.
        let top = Double(sketch.quantile(1) ?? 0)
        #expect(abs(top - value / 1.01) / (value / 1.01) <= LatencySketch.relativeAccuracy + 1e-9)
    }
}
