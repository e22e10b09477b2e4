import GoalpostModel

/// Finds a cell by its key (the customer attribute's value, then each dimension's) without allocating:
/// open addressing over a flat array of keys.
///
/// Attribute values are compared as interned symbols (strings) or bit patterns (numbers), so a key lookup is
/// a hash of a few integers and a comparison of a few integers.
struct CellTable: Sendable {
    /// Values per key: 1 (the customer) + the number of dimensions.
    let width: Int
    /// All keys, `width` values each, in cell order.
    private(set) var keys: [AttributeValue] = []
    /// Full hashes per cell, read only when the table grows.
    private var hashes: [UInt64] = []
    /// Per slot: the hash's top 32 bits and the cell index + 1 (0 is empty), so a probe compares the hash
    /// without touching any other array. A power of two long.
    private var slots: [UInt64]

    init(width: Int) {
        self.width = max(1, width)
        slots = Array(repeating: 0, count: 64)
    }

    /// Cells held.
    var count: Int { hashes.count }

    /// The values of cell `index`'s key.
    func key(of index: Int) -> ArraySlice<AttributeValue> {
        keys[index * width..<(index + 1) * width]
    }

    /// The cell with key `key` (its first `width` values), inserting it when new.
    @inline(__always)
    mutating func findOrInsert(_ key: [AttributeValue]) -> (index: Int, inserted: Bool) {
        var hash: UInt64 = 0x243F_6A88_85A3_08D3
        for position in 0..<width { hash = Self.mix(hash, key[position]) }
        let tag = hash & 0xFFFF_FFFF_0000_0000
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if entry & 0xFFFF_FFFF_0000_0000 == tag {
                let cell = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if equal(cell, key) { return (cell, false) }
            }
            slot = (slot + 1) & mask
        }
        let cell = hashes.count
        hashes.append(hash)
        for position in 0..<width { keys.append(key[position]) }
        slots[slot] = tag | UInt64(cell + 1)
        if hashes.count * 2 > slots.count { grow() }
        return (cell, true)
    }

    @inline(__always)
    private func equal(_ cell: Int, _ key: [AttributeValue]) -> Bool {
        let base = cell * width
        for position in 0..<width where !Self.same(keys[base + position], key[position]) { return false }
        return true
    }

    private mutating func grow() {
        var bigger = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = bigger.count - 1
        for (cell, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while bigger[slot] != 0 { slot = (slot + 1) & mask }
            bigger[slot] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(cell + 1)
        }
        slots = bigger
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
