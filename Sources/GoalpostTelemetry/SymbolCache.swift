import GoalpostModel

/// Maps the bytes of a string to its `Symbol` without building a `String` when the string was
/// seen before: OTLP repeats the same keys and values in every span.
///
/// Each slot holds a hash tag and a symbol. A hit is confirmed against the `SymbolTable` itself,
/// so a cache never gives a wrong answer, even when the caller passes a different table than
/// last time (it just misses then). It is bounded: it starts over when it gets too full.
struct SymbolCache: Sendable {
    private var slots: [UInt64]
    /// One more than the highest symbol cached; a table smaller than this cannot be the one cached.
    private var highWater: UInt32 = 0
    private var used = 0
    static let initialSlots = 1 << 14
    static let maximumSlots = 1 << 21

    init() { slots = Array(repeating: 0, count: Self.initialSlots) }

    /// A cache with `slotCount` slots, a power of two (0 only for a stand-in that is never used).
    init(slotCount: Int) { slots = Array(repeating: 0, count: slotCount) }

    /// Forgets everything when `table` cannot be the table the cache was filled from.
    mutating func prepare(for table: SymbolTable) {
        if table.count < Int(highWater) { reset(slotCount: slots.count) }
    }

    private mutating func reset(slotCount: Int) {
        slots = Array(repeating: 0, count: slotCount)
        used = 0
        highWater = 0
    }

    /// The symbol of `bytes` in `table`, interning it when it is new.
    @inline(__always)
    mutating func symbol(_ bytes: ByteString, in table: inout SymbolTable) -> Symbol {
        if bytes.count == 0 { return SymbolTable.empty }
        let hash = hashBytes(bytes.start, bytes.count)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        var probes = 0
        while probes < 8 {
            let slot = slots[index]
            if slot == 0 { break }
            if slot & 0xFFFF_FFFF_0000_0000 == tag {
                let symbol = Symbol(rawValue: UInt32(truncatingIfNeeded: slot) &- 1)
                if Self.table(table, holds: symbol, as: bytes) { return symbol }
            }
            index = (index + 1) & mask
            probes += 1
        }
        return insert(bytes, tag: tag, at: probes < 8 ? index : Int(truncatingIfNeeded: hash) & mask, in: &table)
    }

    private mutating func insert(_ bytes: ByteString, tag: UInt64, at index: Int, in table: inout SymbolTable) -> Symbol {
        let symbol = table.intern(bytes.string)
        if slots[index] == 0 { used += 1 }
        slots[index] = tag | UInt64(symbol.rawValue &+ 1)
        highWater = max(highWater, symbol.rawValue &+ 1)
        if used * 2 > slots.count { grow(table) }
        return symbol
    }

    /// Doubles the slots and re-files every entry (hashing its string again), or starts over at
    /// the size limit, so a large vocabulary is not re-interned after each growth.
    private mutating func grow(_ table: SymbolTable) {
        guard slots.count < Self.maximumSlots else {
            reset(slotCount: slots.count)
            return
        }
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        used = 0
        let mask = slots.count - 1
        for slot in old where slot != 0 {
            let symbol = Symbol(rawValue: UInt32(truncatingIfNeeded: slot) &- 1)
            var string = table[symbol]
            let hash = string.withUTF8 { utf8 in
                utf8.baseAddress.map { hashBytes($0, utf8.count) } ?? 0
            }
            guard hash & 0xFFFF_FFFF_0000_0000 == slot & 0xFFFF_FFFF_0000_0000 else { continue }  // Not this table's.
            var index = Int(truncatingIfNeeded: hash) & mask
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = slot
            used += 1
        }
    }

    @inline(__always)
    private static func table(_ table: SymbolTable, holds symbol: Symbol, as bytes: ByteString) -> Bool {
        let string = table[symbol]
        if let same = string.utf8.withContiguousStorageIfAvailable({ stored -> Bool in
            guard stored.count == bytes.count, let start = stored.baseAddress else { return false }
            return bytesEqual(start, bytes.start, bytes.count)
        }) {
            return same
        }
        return string.utf8.elementsEqual(UnsafeBufferPointer(start: bytes.start, count: bytes.count))
    }
}

/// A fast non-cryptographic hash of a short byte string, eight bytes at a time.
@inline(__always)
func hashBytes(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    let k: UInt64 = 0x9E37_79B9_7F4A_7C15
    var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(truncatingIfNeeded: n)
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i + 8 <= n {
        h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* k
        h ^= h >> 29
        i += 8
    }
    if i < n {
        var word: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            word |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ word) &* k
        h ^= h >> 29
    }
    h = (h ^ (h >> 32)) &* 0xD6E8_FEB8_6659_FD93
    return h ^ (h >> 32)
}
