import GoalpostModel

/// Counts of (cell, minute) pairs gathered since the last tick.
///
/// A slot is one (cell, minute) pair; `cells`, `minutes`, `counts` and `sketches` hold the slots in the order
/// they were opened, which is the order a tick adds them up in. While a cell's slot is open (the cell's newest
/// minute), what its events add is gathered in the cell's `OpenSlot`, one 48-byte record per cell: an event
/// then touches that record only, instead of the slot's counts, its sketch and the sketch's buckets in three
/// arrays. The first four latencies are kept there as bucket keys; a slot with more gets its sketch. `settle()`
/// writes every open record into its slot before a tick or a commit reads the slots, with the same counts and
/// sketches as adding each event to its slot directly.
struct Staging: Sendable {
    /// Per cell: its open slot and what was added to it so far.
    var open: [OpenSlot] = []
    /// Per slot.
    var cells: [Int32] = []
    var minutes: [Int64] = []
    var counts: [Counts] = []
    var sketches: [LatencySketch] = []

    var isEmpty: Bool { cells.isEmpty }

    mutating func addCell() {
        open.append(OpenSlot())
    }

    /// Counts one event for `cell` at `minute`, with its duration when it goes into the latency sketch.
    @inline(__always)
    mutating func add(cell: Int, minute: Int64, good: Bool, latency: Int64?) {
        if open[cell].minute != minute { reopen(cell: cell, minute: minute) }
        open[cell].total += 1
        if good { open[cell].good += 1 }
        if let latency {
            if latency > 0, open[cell].pending < OpenSlot.inlineKeys {
                open[cell].keys |= LatencySketch.key(latency) << (16 &* UInt64(open[cell].pending))
                open[cell].pending &+= 1
            } else if latency <= 0, open[cell].pending != OpenSlot.spilled, open[cell].zeros < UInt32.max {
                open[cell].zeros &+= 1
            } else {
                sketches[spill(cell)].add(nanoseconds: latency)
            }
        }
    }

    /// Adds counts (and a sketch) to `cell` at `minute`: metric samples, restored deltas.
    mutating func add(_ added: Counts, sketch: LatencySketch?, cell: Int, minute: Int64) {
        if open[cell].minute != minute { reopen(cell: cell, minute: minute) }
        open[cell].good += added.good
        open[cell].total += added.total
        if let sketch { sketches[spill(cell)].merge(sketch) }
    }

    /// What slot `slot` holds, without settling it: its counts and latencies, read from the cell's open
    /// record while that record is the slot's (its first latencies then stay bucket keys, no sketch is built).
    @inline(__always)
    func content(of slot: Int) -> (counts: Counts, latencies: StagedLatencies) {
        let record = open[Int(cells[slot])]
        guard record.slot == Int32(truncatingIfNeeded: slot) else {
            return (counts[slot], sketches[slot].isEmpty ? .none : .sketch(sketches[slot]))
        }
        let counts = Counts(good: record.good, total: record.total)
        if record.pending == OpenSlot.spilled { return (counts, sketches[slot].isEmpty ? .none : .sketch(sketches[slot])) }
        if record.pending == 0 && record.zeros == 0 { return (counts, .none) }
        return (counts, .keys(record.keys, count: Int(record.pending), zeros: UInt64(record.zeros)))
    }

    /// Writes every open record into its slot (see the type's note); the slots then hold everything staged.
    mutating func settle() {
        for slot in cells.indices {
            let cell = Int(cells[slot])
            guard open[cell].slot >= 0 else { continue }
            close(cell)
            open[cell] = OpenSlot()
        }
    }

    /// Forgets the slots (after `settle()` and a roll-up).
    mutating func clear() {
        for cell in cells { open[Int(cell)] = OpenSlot() }
        let release = cells.capacity > 65_536
        cells.removeAll(keepingCapacity: !release)
        minutes.removeAll(keepingCapacity: !release)
        counts.removeAll(keepingCapacity: !release)
        sketches.removeAll(keepingCapacity: !release)
    }

    /// Closes the cell's open slot and opens a new one for `minute` (a new minute, or a late event: the
    /// cell then has two slots for one minute, which add up alike).
    @inline(never)
    private mutating func reopen(cell: Int, minute: Int64) {
        close(cell)
        let slot = cells.count
        cells.append(Int32(truncatingIfNeeded: cell))
        minutes.append(minute)
        counts.append(.zero)
        sketches.append(LatencySketch())
        open[cell] = OpenSlot(minute: minute, slot: Int32(truncatingIfNeeded: slot))
    }

    /// Writes the open record's counts and latencies into its slot.
    private mutating func close(_ cell: Int) {
        let record = open[cell]
        guard record.slot >= 0 else { return }
        let slot = Int(record.slot)
        counts[slot] = Counts(good: record.good, total: record.total)
        if record.pending != OpenSlot.spilled, record.pending > 0 || record.zeros > 0 {
            sketches[slot] = LatencySketch(packedKeys: record.keys, keyCount: Int(record.pending), zeros: UInt64(record.zeros))
        }
    }

    /// Moves the open record's latencies into its slot's sketch, which takes every later one; returns the slot.
    @inline(never)
    private mutating func spill(_ cell: Int) -> Int {
        let slot = Int(open[cell].slot)
        if open[cell].pending != OpenSlot.spilled {
            sketches[slot] = LatencySketch(packedKeys: open[cell].keys, keyCount: Int(open[cell].pending), zeros: UInt64(open[cell].zeros))
            open[cell].pending = OpenSlot.spilled
        }
        return slot
    }
}

/// Latencies of a staged slot: none, a few sketch bucket keys (16 bits each, the first in the low bits)
/// with a number of zero latencies, or a sketch.
enum StagedLatencies {
    case none
    case keys(UInt64, count: Int, zeros: UInt64)
    case sketch(LatencySketch)

    var isEmpty: Bool {
        if case .none = self { return true }
        return false
    }
}

/// What a cell's open slot gathered: counts, and its first latencies as sketch bucket keys.
struct OpenSlot: Sendable {
    static let inlineKeys: UInt8 = 4
    /// `pending` once the slot's sketch takes the latencies.
    static let spilled: UInt8 = .max

    /// The minute of the open slot; `.min` when there is none.
    var minute: Int64 = .min
    var good: Double = 0
    var total: Double = 0
    /// Up to `inlineKeys` bucket keys of positive latencies, 16 bits each, the first in the low bits.
    var keys: UInt64 = 0
    var slot: Int32 = -1
    /// Zero latencies added while the keys are pending.
    var zeros: UInt32 = 0
    /// How many keys `keys` holds, or `spilled`.
    var pending: UInt8 = 0
}
