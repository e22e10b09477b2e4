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
    ///
    /// Windows end at or near the newest bucket, so the last few buckets are tried first (the series' last
    /// cache lines, already read to add or to find the newest bucket). A window's start is then found from a
    /// guess: indices strictly increase, so the entry `d` positions before one at index `i` has an index of at
    /// most `i − d`, and the answer lies at or after the position that many buckets back. When the buckets are
    /// dense (a bucket for every minute, the usual case) the guess is the answer and costs one read instead of
    /// a binary search's nine; otherwise the binary search runs over what is left.
    @inline(__always)
    private func position(atOrBefore index: Int64) -> Int {
        var high = entries.count
        var tries = 0
        while high > first, tries < 4 {
            if entries[high - 1].index <= index { return high - 1 }
            high -= 1
            tries += 1
        }
        var low = first
        if high > first {
            // The loop stopped after four tries: entries[high].index > index, and the answer is before high.
            let (gap, overflow) = entries[high].index.subtractingReportingOverflow(index)
            if !overflow, gap <= Int64(high - first) {
                let guess = high - Int(gap)  // entries[guess].index <= index, by the argument above.
                if entries[guess + 1].index > index { return guess }
                low = guess + 1
            }
        }
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

    /// For a window over buckets `first...last` (`last > first`): the sum of the buckets strictly between
    /// them, and the two edge buckets' values. Two position lookups where `sum` and two `value` calls take four.
    @inline(__always)
    func window(first start: Int64, last end: Int64) -> (inner: Value, oldest: Value, newest: Value) {
        let startPosition = position(atOrBefore: start)
        let live = startPosition >= first
        let oldest = live && entries[startPosition].index == start ? entries[startPosition].value : .zero
        let throughStart = live ? entries[startPosition].prefix : baseline
        let endPosition = position(atOrBefore: end)
        var newest = Value.zero
        var innerEnd = endPosition
        if endPosition >= first, entries[endPosition].index == end {
            newest = entries[endPosition].value
            innerEnd = endPosition - 1
        }
        let throughInner = innerEnd >= first ? entries[innerEnd].prefix : baseline
        return (throughInner - throughStart, oldest, newest)
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
/// on demand for reports, never on the evaluation path). Each bucket's index and sketch sit side by side, so
/// adding the newest touches one array.
struct SketchSeries: Sendable {
    private var buckets: [(index: Int64, sketch: LatencySketch)] = []
    private var first = 0
    private(set) var evictedThrough: Int64 = .min
    let retention: Int64

    init(retention: Int64) {
        self.retention = max(1, retention)
    }

    var count: Int { buckets.count - first }

    mutating func add(_ sketch: LatencySketch, at index: Int64) {
        guard !sketch.isEmpty else { return }
        add(.sketch(sketch), at: index)
    }

    /// Adds staged latencies (a few bucket keys, or a sketch) to bucket `index`.
    mutating func add(_ latencies: StagedLatencies, at index: Int64) {
        guard index > evictedThrough else { return }
        if count > 0, let last = buckets.last?.index, last >= index {
            var position = buckets.count - 1
            while position > first, buckets[position - 1].index >= index { position -= 1 }
            if buckets[position].index == index {
                buckets[position].sketch.add(latencies)
            } else {
                buckets.insert((index, LatencySketch(latencies)), at: position)
            }
        } else {
            buckets.append((index, LatencySketch(latencies)))
        }
        if index &- retention > evictedThrough { evict(through: index &- retention) }
    }

    mutating func evict(through index: Int64) {
        guard index > evictedThrough else { return }
        evictedThrough = index
        let n = buckets.count
        while first < n, buckets[first].index <= index {
            buckets[first].sketch = LatencySketch()
            first += 1
        }
        if first == n {
            if n > 0 {
                buckets = []
                first = 0
            }
        } else if first >= 64, first * 2 >= n {
            buckets.removeSubrange(0..<first)
            first = 0
        }
    }

    /// The merged sketch of the buckets from `start` through `end`.
    func merged(from start: Int64, through end: Int64) -> LatencySketch {
        var result = LatencySketch()
        var low = first
        var high = buckets.count
        while low < high {
            let middle = (low + high) >> 1
            if buckets[middle].index < start { low = middle + 1 } else { high = middle }
        }
        var position = low
        while position < buckets.count, buckets[position].index <= end {
            result.merge(buckets[position].sketch)
            position += 1
        }
        return result
    }
}
