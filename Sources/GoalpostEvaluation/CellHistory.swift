import GoalpostModel

/// The counts of an outcome's cells over time, for investigations: one flat log of (minute, cell, counts)
/// records and one of (hour, cell, counts) records for the whole outcome, instead of a series per cell.
///
/// A roll-up then appends records one after another (and adds to one small per-cell record), where a series
/// per cell touched two arrays of its own, scattered over the heap, and grew them one bucket at a time. A
/// read walks the records of its window once. The buckets kept, and what a read returns, are those of a
/// `TieredSeries` per cell (minute buckets for `Tiers.minuteSlots`, hour buckets for `Tiers.hourSlots`, the
/// same weighting of partly covered buckets), with one difference: the minute tier's horizon is the
/// outcome's, not each cell's.
struct CellHistory: Sendable {
    struct Record: Sendable {
        var bucket: Int64
        var cell: Int32
        var counts: Counts
    }

    /// Per cell: its newest minute and that minute's record, and its open hour's counts (a record once a
    /// newer hour begins).
    struct Tail: Sendable {
        var lastMinute: Int64 = .min
        /// Position of the newest minute's record, counted from the first record ever appended.
        var lastRecord = -1
        var hour: Int64 = .min
        var hourCounts = Counts.zero
    }

    let tiers: Tiers
    private var tails: [Tail] = []
    /// Minute records, nearly in minute order (late events add records for earlier minutes).
    private var minutes: [Record] = []
    /// Records dropped from the front of `minutes` since the start (positions in `Tail` count them).
    private var minuteBase = 0
    /// Live minute records start here; the ones before are evicted and wait to be compacted away.
    private var minuteFirst = 0
    /// Hour records, nearly in hour order; each cell's open hour is in its tail.
    private var hours: [Record] = []
    private var hourFirst = 0
    /// Minute buckets at or before this are gone (records still held are skipped by reads).
    private(set) var minuteEvictedThrough: Int64 = .min
    private(set) var hourEvictedThrough: Int64 = .min

    init(tiers: Tiers) {
        self.tiers = tiers
    }

    /// Makes room for one more cell.
    mutating func addCell() {
        tails.append(Tail())
    }

    /// Adds one minute's counts of `cell` to both tiers.
    mutating func add(_ counts: Counts, cell: Int, minute: Int64) {
        guard counts.total != 0 || counts.good != 0 else { return }
        if minute > minuteEvictedThrough {
            let last = tails[cell].lastRecord - minuteBase
            if tails[cell].lastMinute == minute, last >= minuteFirst {
                minutes[last].counts += counts
            } else {
                if minute > tails[cell].lastMinute {
                    tails[cell].lastMinute = minute
                    tails[cell].lastRecord = minuteBase + minutes.count
                }
                minutes.append(Record(bucket: minute, cell: Int32(truncatingIfNeeded: cell), counts: counts))
            }
            if minute &- tiers.minuteSlots > minuteEvictedThrough { minuteEvictedThrough = minute &- tiers.minuteSlots }
        }
        addHour(counts, cell: cell, hour: Time.floorDiv(minute, Time.minutesPerHour))
    }

    /// Adds a whole hour's counts of `cell` (restored from a store's roll-up) to the hour tier.
    mutating func addHour(_ counts: Counts, cell: Int, hour: Int64) {
        guard hour > hourEvictedThrough, counts.total != 0 || counts.good != 0 else { return }
        let open = tails[cell].hour
        if hour == open {
            tails[cell].hourCounts += counts
        } else if hour > open {
            if open != .min, open > hourEvictedThrough {
                hours.append(Record(bucket: open, cell: Int32(truncatingIfNeeded: cell), counts: tails[cell].hourCounts))
            }
            tails[cell].hour = hour
            tails[cell].hourCounts = counts
        } else {
            hours.append(Record(bucket: hour, cell: Int32(truncatingIfNeeded: cell), counts: counts))
        }
        if hour &- tiers.hourSlots > hourEvictedThrough { hourEvictedThrough = hour &- tiers.hourSlots }
    }

    /// Drops buckets the tiers no longer keep, relative to `frontierMinute` (the newest accepted minute).
    mutating func trim(frontierMinute: Int64) {
        minuteEvictedThrough = max(minuteEvictedThrough, frontierMinute &- tiers.minuteSlots)
        hourEvictedThrough = max(hourEvictedThrough, Time.floorDiv(frontierMinute, Time.minutesPerHour) &- tiers.hourSlots)
        while minuteFirst < minutes.count, minutes[minuteFirst].bucket <= minuteEvictedThrough { minuteFirst += 1 }
        if minuteFirst == minutes.count || (minuteFirst >= 4096 && minuteFirst * 2 >= minutes.count) {
            minutes.removeSubrange(0..<minuteFirst)
            minuteBase += minuteFirst
            minuteFirst = 0
        }
        while hourFirst < hours.count, hours[hourFirst].bucket <= hourEvictedThrough { hourFirst += 1 }
        if hourFirst == hours.count || (hourFirst >= 4096 && hourFirst * 2 >= hours.count) {
            hours.removeSubrange(0..<hourFirst)
            hourFirst = 0
        }
        for cell in tails.indices where tails[cell].hour <= hourEvictedThrough && tails[cell].hourCounts.total != 0 {
            tails[cell].hourCounts = .zero
        }
    }

    /// Buckets held: minute and hour records, and open hours.
    var retainedBuckets: Int {
        (minutes.count - minuteFirst) + (hours.count - hourFirst)
            + tails.reduce(0) { $0 + ($1.hour > hourEvictedThrough && ($1.hourCounts.total != 0 || $1.hourCounts.good != 0) ? 1 : 0) }
    }

    /// Each cell's counts over `[start, end)`, indexed by cell: from minute buckets while the minute tier
    /// covers `start`, else from hour buckets. The bucket containing `start` is weighted by how much of it the
    /// window covers; the one containing `end` counts in full when it is the cell's newest (it holds what has
    /// arrived so far), else it is weighted by overlap too, as `TieredSeries.counts(from:to:)` does.
    func counts(from start: Int64, to end: Int64) -> [Counts] {
        var result = [Counts](repeating: .zero, count: tails.count)
        guard end > start else { return result }
        if Time.floorDiv(start, Time.nanosPerMinute) > minuteEvictedThrough {
            add(minutes[minuteFirst...], into: &result, start: start, end: end, bucket: Time.nanosPerMinute, evictedThrough: minuteEvictedThrough) {
                $0.lastMinute
            }
        } else {
            add(hours[hourFirst...], into: &result, start: start, end: end, bucket: Time.nanosPerHour, evictedThrough: hourEvictedThrough) {
                $0.hour
            }
            let open = tails.enumerated().map { cell, tail in
                Record(bucket: tail.hour, cell: Int32(truncatingIfNeeded: cell), counts: tail.hourCounts)
            }
            add(open[...], into: &result, start: start, end: end, bucket: Time.nanosPerHour, evictedThrough: hourEvictedThrough) { $0.hour }
        }
        return result
    }

    private func add(
        _ records: ArraySlice<Record>, into result: inout [Counts], start: Int64, end: Int64, bucket: Int64,
        evictedThrough: Int64, newest: (Tail) -> Int64
    ) {
        let first = Time.floorDiv(start, bucket)
        let last = Time.floorDiv(end, bucket)
        let startWeight = Double((first &+ 1) &* bucket &- start) / Double(bucket)
        let endWeight = Double(end &- last &* bucket) / Double(bucket)
        let singleWeight = Double(end - start) / Double(bucket)
        for record in records where record.bucket >= first && record.bucket <= last && record.bucket > evictedThrough {
            let cell = Int(record.cell)
            let live = newest(tails[cell]) <= last
            let weight: Double
            if last == first {
                weight = live ? 1 : singleWeight
            } else if record.bucket == first {
                weight = startWeight
            } else if record.bucket == last {
                weight = live ? 1 : endWeight
            } else {
                weight = 1
            }
            result[cell] += weight >= 1 ? record.counts : record.counts.scaled(by: weight)
        }
    }
}
