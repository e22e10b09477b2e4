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
    private(set) var indices: [Int64] = []
    private var values: [Value] = []
    private var prefix: [Value] = []
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
    var count: Int { indices.count - first }

    /// The newest bucket index, if any.
    var lastIndex: Int64? { count > 0 ? indices.last : nil }

    /// Adds `value` to bucket `index`; returns false (and keeps nothing) when that bucket was already evicted.
    @discardableResult
    mutating func add(_ value: Value, at index: Int64) -> Bool {
        guard index > evictedThrough else { return false }
        let n = indices.count
        if n > first, let last = indices.last {
            if index == last {
                values[n - 1] += value
                prefix[n - 1] += value
            } else if index > last {
                indices.append(index)
                values.append(value)
                prefix.append(prefix[n - 1] + value)
            } else {
                insertLate(value, at: index)
            }
        } else {
            indices.append(index)
            values.append(value)
            prefix.append(baseline + value)
        }
        if index &- retention > evictedThrough { evict(through: index &- retention) }
        return true
    }

    private mutating func insertLate(_ value: Value, at index: Int64) {
        var position = indices.count - 1
        while position > first, indices[position - 1] >= index { position -= 1 }
        if indices[position] == index {
            values[position] += value
        } else {
            let before = position > first ? prefix[position - 1] : baseline
            indices.insert(index, at: position)
            values.insert(value, at: position)
            prefix.insert(before, at: position)
        }
        for later in position..<indices.count { prefix[later] += value }
    }

    /// Drops every bucket at or before `index`.
    mutating func evict(through index: Int64) {
        guard index > evictedThrough else { return }
        evictedThrough = index
        let n = indices.count
        while first < n, indices[first] <= index {
            baseline = prefix[first]
            first += 1
        }
        if first == n {
            if n > 0 {
                indices = []
                values = []
                prefix = []
                first = 0
            }
        } else if first >= 64, first * 2 >= n {
            indices.removeSubrange(0..<first)
            values.removeSubrange(0..<first)
            prefix.removeSubrange(0..<first)
            first = 0
        }
    }

    /// The last live position whose index is at most `index`, or `first − 1`.
    @inline(__always)
    private func position(atOrBefore index: Int64) -> Int {
        var low = first
        var high = indices.count
        while low < high {
            let middle = (low + high) >> 1
            if indices[middle] <= index { low = middle + 1 } else { high = middle }
        }
        return low - 1
    }

    /// The sum of every bucket ever added at or before `index` (evicted ones included).
    func cumulative(through index: Int64) -> Value {
        let position = position(atOrBefore: index)
        return position >= first ? prefix[position] : baseline
    }

    /// The sum of the retained buckets from `start` through `end`, both included.
    func sum(from start: Int64, through end: Int64) -> Value {
        guard end >= start else { return .zero }
        return cumulative(through: end) - cumulative(through: start &- 1)
    }

    /// The value of bucket `index` (zero when empty or evicted).
    func value(at index: Int64) -> Value {
        let position = position(atOrBefore: index)
        return position >= first && indices[position] == index ? values[position] : .zero
    }

    /// The retained buckets, oldest first.
    var buckets: [(index: Int64, value: Value)] {
        (first..<indices.count).map { (indices[$0], values[$0]) }
    }
}

/// Latency sketches per bucket, sparse like `PrefixSeries` but without running totals (sketches are merged
/// on demand for reports, never on the evaluation path).
struct SketchSeries: Sendable {
    private(set) var indices: [Int64] = []
    private var sketches: [LatencySketch] = []
    private(set) var evictedThrough: Int64 = .min
    let retention: Int64

    init(retention: Int64) {
        self.retention = max(1, retention)
    }

    var count: Int { indices.count }

    mutating func add(_ sketch: LatencySketch, at index: Int64) {
        guard index > evictedThrough, !sketch.isEmpty else { return }
        if let last = indices.last, last >= index {
            var position = indices.count - 1
            while position > 0, indices[position - 1] >= index { position -= 1 }
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
        var drop = 0
        while drop < indices.count, indices[drop] <= index { drop += 1 }
        if drop == indices.count {
            if drop > 0 {
                indices = []
                sketches = []
            }
        } else if drop > 0 {
            indices.removeSubrange(0..<drop)
            sketches.removeSubrange(0..<drop)
        }
    }

    /// The merged sketch of the buckets from `start` through `end`.
    func merged(from start: Int64, through end: Int64) -> LatencySketch {
        var result = LatencySketch()
        var low = 0
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
