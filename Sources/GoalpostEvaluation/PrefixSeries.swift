import GoalpostModel

/// Buckets of one resolution (minutes or hours) for one cell or scope: only the buckets that hold something,
/// in time order, each with the running total up to and including it.
///
/// The running totals make the sum over any range two binary searches and a subtraction, so evaluating a
/// window never walks its buckets. Adding to a bucket that is not the newest (a late event) adds to the
/// running totals after it too; lateness is bounded, so that touches a handful of buckets.
///
/// Retention is a number of bucket indices: adding bucket `i` drops every bucket at or before
/// `i − retention`, and so does `evict(through:)`. A series never holds more than `retention` buckets.
struct PrefixSeries<Value: SeriesValue>: Sendable {
    struct Entry: Sendable {
        var index: Int64
        var value: Value
        /// The running total through this bucket (evicted buckets included).
        var prefix: Value
    }

    private var entries: [Entry] = []
    /// Position of the first live bucket; the ones before it are evicted and wait to be compacted away.
    private var first = 0
    /// The running total of everything evicted.
    private var baseline = Value.zero
    /// Every bucket index at or before this may have been dropped.
    private(set) var evictedThrough: Int64 = .min
    /// How many bucket indices are kept.
    let retention: Int64

    init(retention: Int64) {
        self.retention = max(1, retention)
    }

    /// Buckets held.
    var count: Int { entries.count - first }

    /// The newest bucket index, if any.
    var lastIndex: Int64? { count > 0 ? entries.last?.index : nil }

    /// Adds `value` to bucket `index`; returns false (and keeps nothing) when that bucket was already evicted.
    @discardableResult
    mutating func add(_ value: Value, at index: Int64) -> Bool {
        guard index > evictedThrough else { return false }
        let n = entries.count
        if n > first {
            let last = entries[n - 1].index
            if index == last {
                entries[n - 1].value += value
                entries[n - 1].prefix += value
            } else if index > last {
                entries.append(Entry(index: index, value: value, prefix: entries[n - 1].prefix + value))
            } else {
                insertLate(value, at: index)
            }
        } else {
            entries.append(Entry(index: index, value: value, prefix: baseline + value))
        }
        if index &- retention > evictedThrough { evict(through: index &- retention) }
        return true
    }

    private mutating func insertLate(_ value: Value, at index: Int64) {
        var position = entries.count - 1
        while position > first, entries[position - 1].index >= index { position -= 1 }
        if entries[position].index == index {
            entries[position].value += value
        } else {
            let before = position > first ? entries[position - 1].prefix : baseline
            entries.insert(Entry(index: index, value: value, prefix: before), at: position)
        }
        for later in position..<entries.count { entries[later].prefix += value }
    }

    /// Drops every bucket at or before `index`.
    mutating func evict(through index: Int64) {
        guard index > evictedThrough else { return }
        evictedThrough = index
        let n = entries.count
        while first < n, entries[first].index <= index {
            baseline = entries[first].prefix
            first += 1
        }
        if first == n {
            if n > 0 {
                entries = []
                first = 0
            }
        } else if first >= 64, first * 2 >= n {
            entries.removeSubrange(0..<first)
            first = 0
        }
    }

    /// The last live position whose index is at most `index`, or `first − 1`.
    @inline(__always)
    private func position(atOrBefore index: Int64) -> Int {
        var low = first
        var high = entries.count
        while low < high {
            let middle = (low + high) >> 1
            if entries[middle].index <= index { low = middle + 1 } else { high = middle }
        }
        return low - 1
    }

    /// The sum of every bucket ever added at or before `index` (evicted ones included).
    func cumulative(through index: Int64) -> Value {
        let position = position(atOrBefore: index)
        return position >= first ? entries[position].prefix : baseline
    }

    /// The sum of the retained buckets from `start` through `end`, both included.
    func sum(from start: Int64, through end: Int64) -> Value {
        guard end >= start else { return .zero }
        return cumulative(through: end) - cumulative(through: start &- 1)
    }

    /// The value of bucket `index` (zero when empty or evicted).
    func value(at index: Int64) -> Value {
        let position = position(atOrBefore: index)
        return position >= first && entries[position].index == index ? entries[position].value : .zero
    }

    /// The retained buckets, oldest first.
    var buckets: [(index: Int64, value: Value)] {
        entries[first...].map { ($0.index, $0.value) }
    }
}

/// Latency sketches per bucket, sparse like `PrefixSeries` but without running totals (sketches are merged
/// on demand for reports, never on the evaluation path).
struct SketchSeries: Sendable {
    private var indices: [Int64] = []
    private var sketches: [LatencySketch] = []
    private var first = 0
    private(set) var evictedThrough: Int64 = .min
    let retention: Int64

    init(retention: Int64) {
        self.retention = max(1, retention)
    }

    var count: Int { indices.count - first }

    mutating func add(_ sketch: LatencySketch, at index: Int64) {
        guard index > evictedThrough, !sketch.isEmpty else { return }
        if count > 0, let last = indices.last, last >= index {
            var position = indices.count - 1
            while position > first, indices[position - 1] >= index { position -= 1 }
            if indices[position] == index {
                sketches[position].merge(sketch)
            } else {
                indices.insert(index, at: position)
                sketches.insert(sketch, at: position)
            }
        } else {
            indices.append(index)
            sketches.append(sketch)
        }
        if index &- retention > evictedThrough { evict(through: index &- retention) }
    }

    mutating func evict(through index: Int64) {
        guard index > evictedThrough else { return }
        evictedThrough = index
        let n = indices.count
        while first < n, indices[first] <= index {
            sketches[first] = LatencySketch()
            first += 1
        }
        if first == n {
            if n > 0 {
                indices = []
                sketches = []
                first = 0
            }
        } else if first >= 64, first * 2 >= n {
            indices.removeSubrange(0..<first)
            sketches.removeSubrange(0..<first)
            first = 0
        }
    }

    /// The merged sketch of the buckets from `start` through `end`.
    func merged(from start: Int64, through end: Int64) -> LatencySketch {
        var result = LatencySketch()
        var low = first
        var high = indices.count
        while low < high {
            let middle = (low + high) >> 1
            if indices[middle] < start { low = middle + 1 } else { high = middle }
        }
        var position = low
        while position < indices.count, indices[position] <= end {
            result.merge(sketches[position])
            position += 1
        }
        return result
    }
}
