import Foundation
import GoalpostModel

/// A mergeable latency histogram with bounded relative error: log-spaced buckets, as in DDSketch
/// (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile sketch with relative-error
/// guarantees", VLDB 2019).
///
/// A duration `x` (nanoseconds) goes into bucket `k = ⌈log_γ x⌉` with `γ = (1 + α) / (1 − α)`; the bucket's
/// representative value `2γᵏ / (γ + 1)` is within a relative error `α` of every duration in the bucket, so a
/// quantile read from the sketch is within `α` of the true quantile of the durations added. Sketches merge by
/// adding bucket counts, exactly, which is what lets minutes roll up into scopes and windows.
///
/// Only buckets that hold something are stored (8 bytes each), so a quiet cell's minute costs a few bytes;
/// at most `maximumBins` are kept, and past that the lowest buckets are folded together (the high quantiles,
/// the ones alerts and reports read, keep their accuracy).
public struct LatencySketch: Hashable, Sendable, Codable {
    /// The relative accuracy α: 2%.
    public static let relativeAccuracy = 0.02
    /// The most buckets one sketch keeps: 256 buckets at 2% span durations over a factor of about 27,000
    /// (1 ms to 27 s) before the lowest fold.
    public static let maximumBins = 256

    static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    static let inverseLogGamma = 1 / Foundation.log(gamma)
    private static let countMask: UInt64 = (1 << 48) - 1

    /// Non-empty buckets, sorted: the bucket index in the top 16 bits, its count in the low 48.
    private var bins: [UInt64] = []
    /// Durations of zero (or negative, which OTLP should not send): instant spans.
    public private(set) var zeroCount: UInt64 = 0
    /// Durations added in all.
    public private(set) var count: UInt64 = 0

    /// An empty sketch.
    public init() {}

    /// How many buckets hold something.
    public var binCount: Int { bins.count }

    /// Whether nothing was added.
    public var isEmpty: Bool { count == 0 }

    /// Adds one duration.
    @inline(__always)
    public mutating func add(nanoseconds: Int64) {
        count &+= 1
        guard nanoseconds > 0 else {
            zeroCount &+= 1
            return
        }
        add(key: Self.key(nanoseconds))
    }

    /// A sketch of `zeros` zero durations and `keyCount` positive ones whose bucket keys are packed in
    /// `packedKeys` (16 bits each, the first added in the low bits): the same sketch as adding them one by one.
    init(packedKeys: UInt64, keyCount: Int, zeros: UInt64) {
        bins.reserveCapacity(keyCount)
        add(packedKeys: packedKeys, keyCount: keyCount, zeros: zeros)
    }

    /// A sketch of staged latencies.
    init(_ latencies: StagedLatencies) {
        switch latencies {
        case .none: self.init()
        case .sketch(let sketch): self = sketch
        case .keys(let keys, let count, let zeros): self.init(packedKeys: keys, keyCount: count, zeros: zeros)
        }
    }

    /// Adds `keyCount` bucket keys packed 16 bits each (the first in the low bits) and `zeros` zero latencies.
    mutating func add(packedKeys: UInt64, keyCount: Int, zeros: UInt64) {
        count &+= UInt64(keyCount) &+ zeros
        zeroCount &+= zeros
        var keys = packedKeys
        for _ in 0..<keyCount {
            add(key: keys & 0xFFFF)
            keys >>= 16
        }
    }

    /// Adds staged latencies.
    @inline(__always)
    mutating func add(_ latencies: StagedLatencies) {
        switch latencies {
        case .none: break
        case .sketch(let sketch): merge(sketch)
        case .keys(let keys, let count, let zeros): add(packedKeys: keys, keyCount: count, zeros: zeros)
        }
    }

    /// Adds one to bucket `key` (the count is the caller's).
    @inline(__always)
    private mutating func add(key: UInt64) {
        var low = 0
        var high = bins.count
        while low < high {
            let middle = (low + high) >> 1
            let middleKey = bins[middle] >> 48
            if middleKey < key { low = middle + 1 } else { high = middle }
        }
        if low < bins.count, bins[low] >> 48 == key {
            bins[low] &+= 1
        } else {
            bins.insert(key << 48 | 1, at: low)
            if bins.count > Self.maximumBins { collapseLowest(1) }
        }
    }

    /// Adds every duration of another sketch.
    ///
    /// In place: one walk over both sorted bucket lists, inserting only the buckets this sketch lacks (a
    /// scope's sketch soon holds every bucket its cells use, so roll-ups rarely allocate).
    public mutating func merge(_ other: LatencySketch) {
        guard other.count > 0 else { return }
        count &+= other.count
        zeroCount &+= other.zeroCount
        if bins.isEmpty {
            bins = other.bins
            return
        }
        // A small sketch into a big one (a cell into its scope): binary search; else walk both lists.
        let search = bins.count > 8 * other.bins.count
        var position = 0
        for bin in other.bins {
            let key = bin >> 48
            if search {
                var high = bins.count
                while position < high {
                    let middle = (position + high) >> 1
                    if bins[middle] >> 48 < key { position = middle + 1 } else { high = middle }
                }
            } else {
                while position < bins.count, bins[position] >> 48 < key { position += 1 }
            }
            if position < bins.count, bins[position] >> 48 == key {
                bins[position] &+= bin & Self.countMask
            } else {
                bins.insert(bin, at: position)
            }
            position += 1
        }
        if bins.count > Self.maximumBins { collapseLowest(bins.count - Self.maximumBins) }
    }

    /// The duration at quantile `q` (0 ≤ q ≤ 1) in nanoseconds, within the relative accuracy; `nil` when empty.
    public func quantile(_ q: Double) -> Int64? {
        guard count > 0, q.isFinite else { return nil }
        let rank = min(max(q, 0), 1) * Double(count - 1)
        var seen = Double(zeroCount)
        if rank < seen { return 0 }
        for bin in bins {
            seen += Double(bin & Self.countMask)
            if rank < seen { return Self.value(ofKey: bin >> 48) }
        }
        return bins.last.map { Self.value(ofKey: $0 >> 48) } ?? 0
    }

    // MARK: Bytes

    /// The sketch as bytes, for a store: `count`, `zeroCount`, then each non-empty bucket (index in the top
    /// 16 bits, count in the low 48), all little-endian 64-bit words.
    public var serialized: [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(16 + 8 * bins.count)
        for word in [count, zeroCount] + bins {
            withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Adds two serialized sketches: what a store merging rows of sketch bytes calls (`SQLiteStore`'s
    /// `mergeSketches`); `nil` when either is not a sketch.
    @Sendable public static func mergeSerialized(_ left: [UInt8], _ right: [UInt8]) -> [UInt8]? {
        guard var sketch = LatencySketch(serialized: left), let other = LatencySketch(serialized: right) else { return nil }
        sketch.merge(other)
        return sketch.serialized
    }

    /// Reads `serialized` back; `nil` when the bytes are not a sketch (length, order, or counts that do not add up).
    public init?(serialized bytes: [UInt8]) {
        guard bytes.count >= 16, bytes.count % 8 == 0 else { return nil }
        var words = [UInt64]()
        words.reserveCapacity(bytes.count / 8)
        var offset = 0
        while offset < bytes.count {
            var word: UInt64 = 0
            for position in 0..<8 { word |= UInt64(bytes[offset + position]) << (8 * UInt64(position)) }
            words.append(word)
            offset += 8
        }
        let bins = Array(words.dropFirst(2))
        guard bins.count <= Self.maximumBins else { return nil }
        var sum = words[1]
        for (index, bin) in bins.enumerated() {
            if index > 0, bins[index - 1] >> 48 >= bin >> 48 { return nil }
            let (next, overflow) = sum.addingReportingOverflow(bin & Self.countMask)
            guard !overflow else { return nil }
            sum = next
        }
        guard sum == words[0] else { return nil }
        count = words[0]
        zeroCount = words[1]
        self.bins = bins
    }

    /// The bucket index of a positive duration: `exactKey`, from a table where that is certain.
    ///
    /// `exactKey` is ⌈ln x · c⌉ computed in doubles. Its result can differ from the mathematical one only
    /// where ln x · c is within about 10⁻¹² of an integer, that is for x within a relative 10⁻¹⁴ of a bucket
    /// boundary. `KeyTable.thresholds` holds where `exactKey` itself steps up (found by bisection, so always
    /// inside those narrow bands); a duration clear of every threshold by a relative 10⁻⁹ (and 2 ns) is on
    /// the same side of every boundary for both, so its key is read from the table. Durations closer than that
    /// to a threshold, and every one below 128 ns, are computed by `exactKey`: the key is always the one
    /// `exactKey` gives, bit for bit.
    @inline(__always)
    static func key(_ nanoseconds: Int64) -> UInt64 {
        keyTable.key(nanoseconds) ?? exactKey(nanoseconds)
    }

    /// The bucket index of a positive duration, by definition (one `log` call).
    static func exactKey(_ nanoseconds: Int64) -> UInt64 {
        let raw = (Foundation.log(Double(nanoseconds)) * inverseLogGamma).rounded(.up)
        return UInt64(max(0, min(raw, 65_535)))
    }

    static let keyTable = KeyTable()

    /// Where `exactKey` steps up, and where to start looking in each sixteenth of each power of two.
    struct KeyTable: Sendable {
        /// `thresholds[k]`: the least positive duration whose `exactKey` is at least `k`.
        let thresholds: [Int64]
        /// Per bit length `b` (8...63) and the next four bits below the leading one: the largest `k` with
        /// `thresholds[k]` at most the least duration of that range.
        let starts: [UInt16]

        init() {
            let top = LatencySketch.exactKey(.max)
            var thresholds = [Int64](repeating: 1, count: Int(top) + 1)
            var low: Int64 = 1
            for key in 1...top {
                // Bisection for the least x with exactKey(x) >= key, above the previous threshold.
                var lower = low
                var upper = Int64.max
                while lower < upper {
                    let middle = lower + (upper - lower) / 2
                    if LatencySketch.exactKey(middle) >= key { upper = middle } else { lower = middle + 1 }
                }
                thresholds[Int(key)] = lower
                low = lower
            }
            self.thresholds = thresholds
            var starts = [UInt16](repeating: 0, count: 64 * 16)
            // `key(_:)` reads the table from 128 ns (bit length 8) up.
            for bits in 8...63 {
                for sub in 0..<16 {
                    let least = Int64(16 + sub) << Int64(bits - 5)
                    var key = 0
                    while key + 1 < thresholds.count, thresholds[key + 1] <= least { key += 1 }
                    starts[bits * 16 + sub] = UInt16(key)
                }
            }
            self.starts = starts
        }

        /// The key of a positive duration when the table is certain of it, else `nil`.
        @inline(__always)
        func key(_ nanoseconds: Int64) -> UInt64? {
            guard nanoseconds >= 128 else { return nil }
            let bits = 64 &- nanoseconds.leadingZeroBitCount
            let sub = Int(truncatingIfNeeded: nanoseconds >> Int64(bits &- 5)) & 15
            return thresholds.withUnsafeBufferPointer { thresholds -> UInt64? in
                var key = Int(starts[bits &* 16 &+ sub])
                let last = thresholds.count &- 1
                while key < last, thresholds[key &+ 1] <= nanoseconds { key &+= 1 }
                let below = thresholds[key]
                guard nanoseconds &- below >= (below >> 30) &+ 2 else { return nil }
                if key < last {
                    let above = thresholds[key &+ 1]
                    guard above &- nanoseconds > (above >> 30) &+ 2 else { return nil }
                }
                return UInt64(key)
            }
        }
    }

    /// The representative duration of a bucket: the point of least relative error within it.
    static func value(ofKey key: UInt64) -> Int64 {
        let upper = Foundation.pow(gamma, Double(key))
        let value = 2 * upper / (gamma + 1)
        return value >= Double(Int64.max) ? Int64.max : Int64(value.rounded())
    }

    /// Folds the lowest `excess` buckets into the one above them.
    private mutating func collapseLowest(_ excess: Int) {
        guard excess > 0, bins.count > excess else { return }
        var folded: UInt64 = 0
        for bin in bins[0..<excess] { folded &+= bin & Self.countMask }
        bins[excess] &+= folded
        bins.removeFirst(excess)
    }
}
