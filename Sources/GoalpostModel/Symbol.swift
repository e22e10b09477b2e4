/// An interned string: attribute keys and string values travel as small integers past the decoder.
///
/// Comparing two symbols is an integer comparison; a string is stored once per `SymbolTable`.
public struct Symbol: Hashable, Sendable, Codable, Comparable {
    /// The index in the owning `SymbolTable`.
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static func < (lhs: Symbol, rhs: Symbol) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Interns strings to `Symbol`s. Not shared: each pipeline owns one and passes it where needed.
///
/// The empty string is always symbol 0, so a zeroed symbol is a valid "nothing".
///
/// The index is keyed by the strings' UTF-8 bytes: an open-addressing table of 64-bit slots (the hash's top
/// 32 bits beside the symbol), so decoders intern straight from their input's bytes without building a
/// `String` for a string seen before, and a new string costs one hash of its bytes rather than the
/// standard dictionary's SipHash (twice: to miss, then to insert) and its growth.
///
/// Strings are equal as Swift's `String`s are, by canonical equivalence: "café" with a precomposed é and with
/// an e and a combining accent are one symbol. For ASCII, bytes and canonical equality agree; strings with
/// other characters that the byte index misses are looked up by `String` in `canonical` before they are added.
public struct SymbolTable: Sendable {
    private var strings: [String] = [""]
    /// Per symbol, the hash of its bytes (re-filed from here when the slots grow).
    private var hashes: [UInt64] = [0]
    /// `tag | (symbol + 1)`, 0 when empty; a power of two long, at most half full.
    private var slots: [UInt64] = Array(repeating: 0, count: 64)
    /// The strings that are not all ASCII, by canonical equivalence.
    private var canonical: [String: Symbol] = [:]

    private static let tagMask: UInt64 = 0xFFFF_FFFF_0000_0000

    public init() {}

    /// The symbol of the empty string.
    public static let empty = Symbol(rawValue: 0)

    /// How many distinct strings are interned.
    public var count: Int { strings.count }

    /// The symbol for `string`, adding it if it is new.
    public mutating func intern(_ string: String) -> Symbol {
        Self.withUTF8(of: string) { intern(utf8: $0) }
    }

    /// Calls `body` with the string's UTF-8 bytes, from its own storage when it has one, else from a copy.
    private static func withUTF8<R>(of string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = string
        return copy.withUTF8(body)
    }

    /// The symbol for the string whose UTF-8 bytes are `utf8`, adding it if it is new. Bytes that are not
    /// valid UTF-8 intern the string they decode to (invalid sequences replaced by U+FFFD).
    @inlinable
    public mutating func intern(utf8 start: UnsafePointer<UInt8>, count: Int) -> Symbol {
        intern(utf8: UnsafeBufferPointer(start: start, count: count))
    }

    /// The symbol for the string whose UTF-8 bytes are `utf8`, adding it if it is new (see `intern(utf8:count:)`).
    public mutating func intern(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Symbol {
        guard let start = bytes.baseAddress, bytes.count > 0 else { return Self.empty }
        let hash = Self.hash(start, bytes.count)
        switch find(start, bytes.count, hash: hash) {
        case .found(let symbol): return symbol
        case .vacant(let slot): return insert(bytes, hash: hash, slot: slot)
        }
    }

    /// The symbol for `string` if it was interned, without adding it.
    public func lookup(_ string: String) -> Symbol? {
        if string.isEmpty { return Self.empty }
        if !string.utf8.allSatisfy({ $0 < 0x80 }) { return canonical[string] }
        return Self.withUTF8(of: string) { bytes -> Symbol? in
            guard let start = bytes.baseAddress else { return nil }
            if case .found(let symbol) = find(start, bytes.count, hash: Self.hash(start, bytes.count)) { return symbol }
            return nil
        }
    }

    /// The string of a symbol from this table; the empty string for a symbol it never issued.
    public subscript(symbol: Symbol) -> String {
        let index = Int(symbol.rawValue)
        return index < strings.count ? strings[index] : ""
    }

    // MARK: Index

    private enum Probe {
        case found(Symbol)
        case vacant(Int)
    }

    @inline(__always)
    private func find(_ start: UnsafePointer<UInt8>, _ count: Int, hash: UInt64) -> Probe {
        let tag = hash & Self.tagMask
        return slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 { return .vacant(slot) }
                if entry & Self.tagMask == tag {
                    let symbol = Symbol(rawValue: UInt32(truncatingIfNeeded: entry) &- 1)
                    if Self.bytes(of: strings[Int(symbol.rawValue)], equal: start, count) { return .found(symbol) }
                }
                slot = (slot &+ 1) & mask
            }
        }
    }

    @inline(never)
    private mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64, slot: Int) -> Symbol {
        let string = String(decoding: bytes, as: UTF8.self)
        if let start = bytes.baseAddress, !Self.bytes(of: string, equal: start, bytes.count) {
            // Not valid UTF-8: the string is what it decodes to, filed under its own bytes.
            return intern(string)
        }
        let ascii = bytes.allSatisfy { $0 < 0x80 }
        // Another spelling of a string already held (canonically equivalent, other bytes) is that string.
        if !ascii, let known = canonical[string] { return known }
        let symbol = Symbol(rawValue: UInt32(truncatingIfNeeded: strings.count))
        strings.append(string)
        hashes.append(hash)
        if !ascii { canonical[string] = symbol }
        slots[slot] = hash & Self.tagMask | UInt64(symbol.rawValue &+ 1)
        if strings.count * 2 > slots.count { grow() }
        return symbol
    }

    private mutating func grow() {
        var bigger = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = bigger.count - 1
        for symbol in 1..<hashes.count {
            let hash = hashes[symbol]
            var slot = Int(truncatingIfNeeded: hash) & mask
            while bigger[slot] != 0 { slot = (slot &+ 1) & mask }
            bigger[slot] = hash & Self.tagMask | UInt64(symbol &+ 1)
        }
        slots = bigger
    }

    @inline(__always)
    private static func bytes(of string: String, equal start: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        if let same = string.utf8.withContiguousStorageIfAvailable({ stored -> Bool in
            guard stored.count == count, let base = stored.baseAddress else { return stored.count == count && count == 0 }
            return bytesEqual(base, start, count)
        }) {
            return same
        }
        return string.utf8.elementsEqual(UnsafeBufferPointer(start: start, count: count))
    }

    /// A fast non-cryptographic hash of a short byte string, eight bytes at a time.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
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
}

/// Whether `count` bytes at `a` and `b` are the same, eight at a time.
@inlinable @inline(__always)
public func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    let x = UnsafeRawPointer(a)
    let y = UnsafeRawPointer(b)
    var i = 0
    while i + 8 <= count {
        if x.loadUnaligned(fromByteOffset: i, as: UInt64.self) != y.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
