/// The classified tallies of one scope's closed slices (`timeslices` budgeting), as running counts.
///
/// A slice is closed once its last minute is older than the allowed lateness: its minute buckets, hence its
/// tally, can no longer change. Each tally is `(bad: 0 or 1, count: 1)` or zero, so the running counts are
/// integers and a range of slices sums exactly; `SliceLedger.addOnes` then reproduces, bit for bit, the
/// floating-point sum the slice-by-slice loop would have produced.
struct SliceLedger: Sendable {
    /// The slice index of the first counted slice.
    private(set) var base: Int64 = 0
    /// `bad[i]`: bad slices in `[base, base + i)`; `bad.count − 1` slices are counted.
    private var bad: [Int] = [0]
    /// `traffic[i]`: slices with traffic (non-zero tallies) in `[base, base + i)`.
    private var traffic: [Int] = [0]

    /// One past the newest counted slice.
    var end: Int64 { base &+ Int64(bad.count - 1) }

    /// Starts over, empty, at slice `slice`.
    mutating func reset(at slice: Int64) {
        base = slice
        bad = [0]
        traffic = [0]
    }

    /// Counts the next slice (`end`).
    mutating func append(_ tally: SliceTally) {
        let isBad = tally.bad != 0
        let hasTraffic = tally != .zero
        bad.append(bad[bad.count - 1] + (isBad ? 1 : 0))
        traffic.append(traffic[traffic.count - 1] + (hasTraffic ? 1 : 0))
    }

    /// Forgets the slices before `slice` (keeps the arrays from growing without bound).
    mutating func drop(before slice: Int64) {
        let n = Int(min(max(0, slice &- base), Int64(bad.count - 1)))
        guard n >= 64, n * 2 >= bad.count else { return }
        bad.removeSubrange(0..<n)
        traffic.removeSubrange(0..<n)
        base &+= Int64(n)
    }

    /// Bad slices and slices with traffic in `[from, to)`, which must lie within `[base, end)`.
    func counts(from: Int64, to: Int64) -> (bad: Int, traffic: Int) {
        let lower = Int(from &- base)
        let upper = Int(to &- base)
        return (bad[upper] - bad[lower], traffic[upper] - traffic[lower])
    }

    /// `x + 1.0 + 1.0 + …` (`k` additions, each rounded) without `k` steps: adding 1 is exact while the sum
    /// stays in the binade of `x` (for `1 ≤ x < 2⁵²`), so only the additions crossing a power of two round,
    /// and they are performed one by one.
    static func addOnes(_ x: Double, _ k: Int) -> Double {
        var x = x
        var k = k
        while k > 0 {
            guard x >= 1, x < 0x1p52 else {
                x += 1
                k -= 1
                continue
            }
            let limit = Double(sign: .plus, exponent: x.exponent + 1, significand: 1)
            // `limit − x` is exact (Sterbenz); x + m stays below the limit for m < limit − x.
            let safe = Int((limit - x).rounded(.up)) - 1
            let step = min(safe, k)
            if step > 0 {
                x += Double(step)
                k -= step
            }
            if k > 0 {
                x += 1
                k -= 1
            }
        }
        return x
    }
}
