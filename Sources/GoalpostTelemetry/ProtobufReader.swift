// A reader of the protobuf wire format for the OTLP protobuf decoder: varints, fixed-width
// values and length-delimited fields straight from the input bytes, no allocation.

/// Why a protobuf decode stopped: the byte, what was wrong, and the field path, collected while
/// the parse unwinds (so the fast path keeps no path at all).
struct ProtobufFailure: Error {
    var offset: Int
    var message: String
    /// Path components, innermost first: `trace_id`, `spans[3]`, `scope_spans[1]`, ...
    var path: [String] = []

    init(offset: Int, message: String, field: StaticString? = nil) {
        self.offset = offset
        self.message = message
        if let field { path.append("\(field)") }
    }

    /// The same failure one level further out, inside the field `name`.
    func within(_ name: StaticString) -> ProtobufFailure {
        var copy = self
        copy.path.append("\(name)")
        return copy
    }

    /// The same failure one level further out, inside element `index` of the repeated field `name`.
    func within(_ name: StaticString, _ index: Int) -> ProtobufFailure {
        var copy = self
        copy.path.append("\(name)[\(index)]")
        return copy
    }

    /// `resource_spans[0].scope_spans[1].spans[3].trace_id: expected 16 bytes, found 5`.
    var text: String {
        path.isEmpty ? message : path.reversed().joined(separator: ".") + ": " + message
    }
}

/// A field's key as read from the input: its number, wire type, and where the key starts.
struct ProtobufFieldKey {
    var number: UInt32
    var wireType: UInt8
    /// Offset of the key's first byte: where errors about the field point.
    var offset: Int
}

/// The wire types of the protobuf encoding.
enum WireType {
    static let varint: UInt8 = 0
    static let fixed64: UInt8 = 1
    static let lengthDelimited: UInt8 = 2
    static let startGroup: UInt8 = 3
    static let endGroup: UInt8 = 4
    static let fixed32: UInt8 = 5

    static func describe(_ wireType: UInt8) -> String {
        switch wireType {
        case varint: "wire type 0 (varint)"
        case fixed64: "wire type 1 (64-bit)"
        case lengthDelimited: "wire type 2 (length-delimited)"
        case startGroup: "wire type 3 (start group)"
        case endGroup: "wire type 4 (end group)"
        case fixed32: "wire type 5 (32-bit)"
        default: "wire type \(wireType)"
        }
    }
}

/// The cursor over one request. `end` is the end of the message being read: entering a nested
/// message narrows it, leaving restores it, so a field can never run past its enclosing message.
struct ProtobufReader {
    let base: UnsafePointer<UInt8>
    var pos: Int
    var end: Int
    /// How deeply groups (a deprecated encoding only ever skipped here) may nest, as protobuf's own limit.
    static let maximumGroupDepth = 100

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.pos = 0
        self.end = count
    }

    @inline(__always) var hasMore: Bool { pos < end }

    /// "3 bytes left", for errors.
    var bytesLeft: String { end - pos == 1 ? "1 byte left" : "\(end - pos) bytes left" }

    // MARK: Keys and varints

    /// Reads a field key.
    @inline(__always)
    mutating func readKey() throws(ProtobufFailure) -> ProtobufFieldKey {
        let offset = pos
        let raw = try readVarint()
        let number = raw >> 3
        let wireType = UInt8(truncatingIfNeeded: raw & 7)
        guard number != 0 else {
            throw ProtobufFailure(offset: offset, message: "invalid field number 0")
        }
        guard number <= 0x1FFF_FFFF else {
            throw ProtobufFailure(offset: offset, message: "field number \(number) is out of range")
        }
        guard wireType <= WireType.fixed32 else {
            throw ProtobufFailure(offset: offset, message: "invalid wire type \(wireType) (field \(number))")
        }
        return ProtobufFieldKey(number: UInt32(truncatingIfNeeded: number), wireType: wireType, offset: offset)
    }

    @inline(__always)
    mutating func readVarint() throws(ProtobufFailure) -> UInt64 {
        if pos < end {
            let b = base[pos]
            if b < 0x80 {
                pos += 1
                return UInt64(b)
            }
        }
        return try readLongVarint()
    }

    private mutating func readLongVarint() throws(ProtobufFailure) -> UInt64 {
        let start = pos
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < end else {
                throw ProtobufFailure(offset: start, message: "truncated varint")
            }
            let b = base[pos]
            pos += 1
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
            if shift >= 70 {
                throw ProtobufFailure(offset: start, message: "varint longer than 10 bytes")
            }
        }
    }

    // MARK: Typed fields

    /// Fails unless the field has the wire type its schema gives it.
    @inline(__always)
    func expect(_ key: ProtobufFieldKey, _ wireType: UInt8, _ name: StaticString) throws(ProtobufFailure) {
        guard key.wireType == wireType else {
            throw ProtobufFailure(
                offset: key.offset,
                message: "expected \(WireType.describe(wireType)), found \(WireType.describe(key.wireType))",
                field: name
            )
        }
    }

    /// A varint field (integers, enums, bools).
    @inline(__always)
    mutating func varint(_ key: ProtobufFieldKey, _ name: StaticString) throws(ProtobufFailure) -> UInt64 {
        try expect(key, WireType.varint, name)
        do {
            return try readVarint()
        } catch {
            throw error.within(name)
        }
    }

    /// A 64-bit field (fixed64, sfixed64, double), as its bits.
    @inline(__always)
    mutating func fixed64(_ key: ProtobufFieldKey, _ name: StaticString) throws(ProtobufFailure) -> UInt64 {
        try expect(key, WireType.fixed64, name)
        return try readFixed64(key, name)
    }

    @inline(__always)
    private mutating func readFixed64(_ key: ProtobufFieldKey, _ name: StaticString) throws(ProtobufFailure) -> UInt64 {
        guard end - pos >= 8 else {
            throw ProtobufFailure(offset: key.offset, message: "truncated 64-bit value: \(bytesLeft)", field: name)
        }
        let value = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
        pos += 8
        return UInt64(littleEndian: value)
    }

    /// Reads the length of a length-delimited field and checks it fits in the enclosing message.
    @inline(__always)
    mutating func readLength(_ key: ProtobufFieldKey, _ name: StaticString?) throws(ProtobufFailure) -> Int {
        let length: UInt64
        do {
            length = try readVarint()
        } catch {
            throw name.map { error.within($0) } ?? error
        }
        guard length <= UInt64(end - pos) else {
            let failure = ProtobufFailure(
                offset: key.offset,
                message: "length \(length) runs past the end of the enclosing message (\(bytesLeft))"
            )
            throw name.map { failure.within($0) } ?? failure
        }
        return Int(length)
    }

    /// A length-delimited field's bytes (strings, bytes), pointing into the input.
    @inline(__always)
    mutating func bytes(_ key: ProtobufFieldKey, _ name: StaticString) throws(ProtobufFailure) -> ByteString {
        try expect(key, WireType.lengthDelimited, name)
        let length = try readLength(key, name)
        let start = base + pos
        pos += length
        return ByteString(start: start, count: length)
    }

    /// Enters a nested message: narrows `end` to it and returns the end to restore with `leave`.
    /// Errors name no field: the caller adds the element's name and index.
    @inline(__always)
    mutating func enter(_ key: ProtobufFieldKey) throws(ProtobufFailure) -> Int {
        guard key.wireType == WireType.lengthDelimited else {
            throw ProtobufFailure(
                offset: key.offset,
                message: "expected \(WireType.describe(WireType.lengthDelimited)), found \(WireType.describe(key.wireType))"
            )
        }
        let length = try readLength(key, nil)
        let outer = end
        end = pos + length
        return outer
    }

    /// Leaves a nested message entered with `enter`, once every field of it was read.
    @inline(__always)
    mutating func leave(_ outer: Int) {
        end = outer
    }

    /// A repeated fixed64 or double field, packed (one length-delimited run) or not (one value per key).
    mutating func appendFixed64(_ key: ProtobufFieldKey, _ name: StaticString, to values: inout [UInt64]) throws(ProtobufFailure) {
        if key.wireType == WireType.fixed64 {
            values.append(try readFixed64(key, name))
            return
        }
        try expect(key, WireType.lengthDelimited, name)
        let length = try readLength(key, name)
        guard length % 8 == 0 else {
            throw ProtobufFailure(offset: key.offset, message: "packed 64-bit values: length \(length) is not a multiple of 8", field: name)
        }
        values.reserveCapacity(values.count + length / 8)
        var offset = pos
        pos += length
        while offset < pos {
            values.append(UInt64(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)))
            offset += 8
        }
    }

    // MARK: Unknown fields

    /// Skips a field the decoder does not read, whatever its wire type, groups included.
    mutating func skip(_ key: ProtobufFieldKey) throws(ProtobufFailure) {
        switch key.wireType {
        case WireType.startGroup:
            try skipGroup(key)
        case WireType.endGroup:
            throw ProtobufFailure(offset: key.offset, message: "end-group tag (field \(key.number)) without a start-group tag")
        default:
            try skipValue(key)
        }
    }

    @inline(__always)
    private mutating func skipValue(_ key: ProtobufFieldKey) throws(ProtobufFailure) {
        switch key.wireType {
        case WireType.varint:
            _ = try readVarint()
        case WireType.fixed64:
            guard end - pos >= 8 else {
                throw ProtobufFailure(offset: key.offset, message: "truncated 64-bit value: \(bytesLeft)")
            }
            pos += 8
        case WireType.lengthDelimited:
            pos += try readLength(key, nil)
        default:
            guard end - pos >= 4 else {
                throw ProtobufFailure(offset: key.offset, message: "truncated 32-bit value: \(bytesLeft)")
            }
            pos += 4
        }
    }

    /// Skips to the end-group tag matching `key`, without recursion: groups are only a stack of field numbers.
    private mutating func skipGroup(_ key: ProtobufFieldKey) throws(ProtobufFailure) {
        var open: [UInt32] = [key.number]
        while let innermost = open.last {
            guard pos < end else {
                throw ProtobufFailure(offset: key.offset, message: "unterminated group (field \(key.number))")
            }
            let inner = try readKey()
            switch inner.wireType {
            case WireType.startGroup:
                open.append(inner.number)
                guard open.count <= Self.maximumGroupDepth else {
                    throw ProtobufFailure(offset: inner.offset, message: "groups nested deeper than \(Self.maximumGroupDepth) levels")
                }
            case WireType.endGroup:
                guard inner.number == innermost else {
                    throw ProtobufFailure(
                        offset: inner.offset,
                        message: "end-group tag for field \(inner.number) inside the group of field \(innermost)"
                    )
                }
                open.removeLast()
            default:
                try skipValue(inner)
            }
        }
    }
}
