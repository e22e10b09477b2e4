import GoalpostModel

/// Finds a cell by its key (the customer attribute's value, then each dimension's) without allocating:
/// open addressing over a flat array of keys.
///
/// Attribute values are compared as interned symbols (strings) or bit patterns (numbers), so a key lookup is
/// a hash of a few integers and a comparison of a few integers. A key of at most six strings (a customer and
/// up to five dimensions, the usual case) also fits in three 64-bit words, kept in its slot: looking it up then
/// reads one slot and no other array, which matters because the table is far larger than the caches and every
/// event looks a cell up.
struct CellTable: Sendable {
    /// One slot: `meta`, the hash's top 31 bits, the packed flag and the cell index + 1 (0 is empty), and the
    /// packed key when `meta` has the packed flag (32 bytes).
    struct Slot: Sendable {
        var meta: UInt64
        var packed: PackedKey
    }

    /// Up to six strings' symbols, two per word, the first in the low half of the first word.
    struct PackedKey: Sendable, Equatable {
        var a: UInt64 = 0
        var b: UInt64 = 0
        var c: UInt64 = 0
    }

    /// Values per key: 1 (the customer) + the number of dimensions.
    let width: Int
    /// All keys, `width` values each, in cell order.
    private(set) var keys: [AttributeValue] = []
    /// Full hashes per cell, read only when the table grows.
    private var hashes: [UInt64] = []
    /// Per cell, its packed key (or nil), read only when the table grows.
    private var packedKeys: [PackedKey?] = []
    /// A power of two long.
    private var slots: [Slot]

    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000
    private static let packedFlag: UInt64 = 0x1_0000_0000
    /// The widest key that packs.
    static let packedWidth = 6

    init(width: Int) {
        self.width = max(1, width)
        slots = Array(repeating: Slot(meta: 0, packed: PackedKey()), count: 64)
    }

    /// Cells held.
    var count: Int { hashes.count }

    /// The values of cell `index`'s key.
    func key(of index: Int) -> ArraySlice<AttributeValue> {
        keys[index * width..<(index + 1) * width]
    }

    /// The cell with key `key` (its first `width` values), inserting it when new.
    mutating func findOrInsert(_ key: [AttributeValue]) -> (index: Int, inserted: Bool) {
        key.withUnsafeBufferPointer { findOrInsert($0) }
    }

    /// The cell with key `key` (its first `width` values), inserting it when new.
    @inline(__always)
    mutating func findOrInsert(_ key: UnsafeBufferPointer<AttributeValue>) -> (index: Int, inserted: Bool) {
        precondition(key.count >= width)
        var hash: UInt64 = 0x243F_6A88_85A3_08D3
        for position in 0..<width { hash = Self.mix(hash, key[position]) }
        let packed = Self.pack(key, width: width)
        let tag = hash & (Self.tagMask ^ Self.packedFlag) | (packed == nil ? 0 : Self.packedFlag)
        let found: Int? = slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while true {
                let meta = slots[slot].meta
                if meta == 0 { return nil }
                if meta & Self.tagMask == tag {
                    let cell = Int(truncatingIfNeeded: meta & 0xFFFF_FFFF) &- 1
                    if let packed {
                        if slots[slot].packed == packed { return cell }
                    } else if equal(cell, key) {
                        return cell
                    }
                }
                slot = (slot &+ 1) & mask
            }
        }
        if let found { return (found, false) }
        return (insert(key, hash: hash, tag: tag, packed: packed), true)
    }

    @inline(never)
    private mutating func insert(_ key: UnsafeBufferPointer<AttributeValue>, hash: UInt64, tag: UInt64, packed: PackedKey?) -> Int {
        let cell = hashes.count
        hashes.append(hash)
        packedKeys.append(packed)
        for position in 0..<width { keys.append(key[position]) }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while slots[slot].meta != 0 { slot = (slot + 1) & mask }
        slots[slot] = Slot(meta: tag | UInt64(cell + 1), packed: packed ?? PackedKey())
        if hashes.count * 2 > slots.count { grow() }
        return cell
    }

    @inline(__always)
    private func equal(_ cell: Int, _ key: UnsafeBufferPointer<AttributeValue>) -> Bool {
        let base = cell * width
        for position in 0..<width where !Self.same(keys[base + position], key[position]) { return false }
        return true
    }

    private mutating func grow() {
        var bigger = [Slot](repeating: Slot(meta: 0, packed: PackedKey()), count: slots.count * 2)
        let mask = bigger.count - 1
        for (cell, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while bigger[slot].meta != 0 { slot = (slot + 1) & mask }
            let packed = packedKeys[cell]
            let tag = hash & (Self.tagMask ^ Self.packedFlag) | (packed == nil ? 0 : Self.packedFlag)
            bigger[slot] = Slot(meta: tag | UInt64(cell + 1), packed: packed ?? PackedKey())
        }
        slots = bigger
    }

    /// The key in three words when it is at most six strings, else nil.
    @inline(__always)
    static func pack(_ key: UnsafeBufferPointer<AttributeValue>, width: Int) -> PackedKey? {
        guard width <= packedWidth else { return nil }
        var words = PackedKey()
        for position in 0..<width {
            guard case .string(let symbol) = key[position] else { return nil }
            let bits = UInt64(symbol.rawValue) << (32 &* UInt64(position & 1))
            switch position >> 1 {
            case 0: words.a |= bits
            case 1: words.b |= bits
            default: words.c |= bits
            }
        }
        return words
    }

    /// Equality by symbol or bit pattern (so a NaN attribute finds its cell again).
    @inline(__always)
    static func same(_ a: AttributeValue, _ b: AttributeValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x.bitPattern == y.bitPattern
        case (.bool(let x), .bool(let y)): x == y
        default: false
        }
    }

    @inline(__always)
    static func mix(_ hash: UInt64, _ value: AttributeValue) -> UInt64 {
        let bits: UInt64
        switch value {
        case .string(let symbol): bits = UInt64(symbol.rawValue)
        case .int(let int): bits = UInt64(bitPattern: int) ^ 0x1000_0000_0000_0000
        case .double(let double): bits = double.bitPattern ^ 0x2000_0000_0000_0000
        case .bool(let bool): bits = bool ? 0x3000_0000_0000_0001 : 0x3000_0000_0000_0000
        }
        var h = (hash ^ bits) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 32
        return h
    }
}
