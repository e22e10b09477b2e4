// A byte-level JSON scanner for the OTLP decoders: no allocation on the common path, strings
// returned as views into the input (or into a scratch buffer when they had escapes).
import GoalpostModel


/// Why a decode stopped, before the field path is worked out (that happens only on failure).
struct DecodeFailure: Error {
    var offset: Int
    var message: String
    /// A problem with a value (its type or content) rather than with the JSON syntax: the
    /// public error then names the field path of the value at `offset`.
    var aboutValue: Bool
}

/// A run of UTF-8 bytes: a string's contents after unescaping, or a key.
///
/// Points into the input or into the scanner's scratch buffer, so it is valid only until the
/// scanner reads the next string.
struct ByteString {
    var start: UnsafePointer<UInt8>
    var count: Int

    init(start: UnsafePointer<UInt8>, count: Int) {
        self.start = start
        self.count = count
    }

    /// The bytes of a literal, which live as long as the program.
    init(_ literal: StaticString) {
        self.init(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    @inline(__always)
    func equals(_ literal: StaticString) -> Bool {
        count == literal.utf8CodeUnitCount && bytesEqual(start, literal.utf8Start, count)
    }

    var string: String { String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self) }
}

enum ASCII {
    static let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C, slash: UInt8 = 0x2F
    static let openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D
    static let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D
    static let comma: UInt8 = 0x2C, colon: UInt8 = 0x3A, minus: UInt8 = 0x2D, plus: UInt8 = 0x2B, dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30, nine: UInt8 = 0x39
}

/// The scanner proper. The caller owns the input for the scanner's lifetime and must call
/// `releaseScratch()` when done.
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos: Int = 0
    /// Holds unescaped strings; grown on demand.
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity: Int
    /// How deep `skipValue` and nested values may go before the input is rejected.
    static let maximumDepth = 256

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.end = count
        self.scratchCapacity = 256
        self.scratch = .allocate(capacity: 256)
    }

    func releaseScratch() { scratch.deallocate() }

    // MARK: Bytes and whitespace

    /// The byte at the cursor, 0 at the end of the input (0 never starts a JSON token).
    @inline(__always) var current: UInt8 { pos < end ? base[pos] : 0 }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let b = base[pos]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            pos += 1
        }
    }

    /// Skips whitespace and returns the next byte without consuming it (0 at the end).
    @inline(__always)
    mutating func peek() -> UInt8 {
        if pos < end, base[pos] > 0x20 { return base[pos] }
        skipWhitespace()
        return current
    }

    /// Skips whitespace and returns the offset where the next value starts, for its errors.
    @inline(__always)
    mutating func valueStart() -> Int {
        _ = peek()
        return pos
    }

    // MARK: Errors

    /// How a byte reads in a message: `']'`, `end of input`, `byte 0x01`.
    func describeByte(at offset: Int) -> String {
        guard offset < end else { return "end of input" }
        let b = base[offset]
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count == 1 ? "0" + hex : hex)
    }

    func syntaxError(_ message: String, at offset: Int? = nil) -> DecodeFailure {
        DecodeFailure(offset: offset ?? pos, message: message, aboutValue: false)
    }

    func expected(_ what: String, in context: String) -> DecodeFailure {
        syntaxError("expected \(what) in \(context) but found \(describeByte(at: pos))")
    }

    /// The kind of JSON value that starts at the cursor, for type errors; nil when no value starts there.
    var valueKind: String? {
        switch current {
        case ASCII.openBrace: "object"
        case ASCII.openBracket: "array"
        case ASCII.quote: "string"
        case ASCII.minus, ASCII.zero...ASCII.nine: "number"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "boolean"
        case UInt8(ascii: "n"): "null"
        default: nil
        }
    }

    /// "expected a string, found object" for the value at the cursor (with its field path
    /// added later), or a syntax error when no value starts there.
    func typeMismatch(_ expectation: String) -> DecodeFailure {
        guard let kind = valueKind else { return syntaxError("expected a value but found \(describeByte(at: pos))") }
        return DecodeFailure(offset: pos, message: "expected \(expectation), found \(kind)", aboutValue: true)
    }

    func valueError(_ message: String, at offset: Int) -> DecodeFailure {
        DecodeFailure(offset: offset, message: message, aboutValue: true)
    }

    // MARK: Containers

    /// At a value: enters an object and says whether it has a member. `null` reads as an empty
    /// object, as protobuf's JSON mapping treats null as "field absent".
    @inline(__always)
    mutating func beginObject() throws(DecodeFailure) -> Bool {
        let b = peek()
        if b == ASCII.openBrace {
            pos += 1
            if peek() == ASCII.closeBrace { pos += 1; return false }
            return true
        }
        if b == UInt8(ascii: "n") { try readNull(); return false }
        throw typeMismatch("an object")
    }

    /// Reads a member's key and the colon after it.
    @inline(__always)
    mutating func readKey() throws(DecodeFailure) -> ByteString {
        guard peek() == ASCII.quote else { throw expected("a string key", in: "object") }
        pos += 1
        let key = try readStringBody()
        guard peek() == ASCII.colon else { throw expected("':' after the key", in: "object") }
        pos += 1
        return key
    }

    /// Consumes `literal` when the input continues with exactly those bytes (after whitespace); otherwise
    /// consumes nothing. A fast path for the member names OTLP writes in every attribute (`"key":"`), which
    /// the general path would read as a string and then compare with each name it knows.
    @inline(__always)
    mutating func consume(_ literal: StaticString) -> Bool {
        skipWhitespace()
        let n = literal.utf8CodeUnitCount
        guard pos + n <= end, bytesEqual(base + pos, literal.utf8Start, n) else { return false }
        pos += n
        return true
    }

    /// After a member's value: true when another member follows, false at the end of the object.
    @inline(__always)
    mutating func nextMember() throws(DecodeFailure) -> Bool {
        let b = peek()
        if b == ASCII.comma { pos += 1; return true }
        if b == ASCII.closeBrace { pos += 1; return false }
        throw expected("',' or '}'", in: "object")
    }

    /// At a value: enters an array and says whether it has an element. `null` reads as empty.
    @inline(__always)
    mutating func beginArray() throws(DecodeFailure) -> Bool {
        let b = peek()
        if b == ASCII.openBracket {
            pos += 1
            if peek() == ASCII.closeBracket { pos += 1; return false }
            return true
        }
        if b == UInt8(ascii: "n") { try readNull(); return false }
        throw typeMismatch("an array")
    }

    /// After an element: true when another element follows, false at the end of the array.
    @inline(__always)
    mutating func nextElement() throws(DecodeFailure) -> Bool {
        let b = peek()
        if b == ASCII.comma { pos += 1; return true }
        if b == ASCII.closeBracket { pos += 1; return false }
        throw expected("',' or ']'", in: "array")
    }

    // MARK: Literals

    private mutating func readLiteral(_ literal: StaticString) throws(DecodeFailure) {
        let n = literal.utf8CodeUnitCount
        guard pos + n <= end, bytesEqual(base + pos, literal.utf8Start, n) else {
            // Point at the first byte that differs, so "nul" reports the end of input.
            var i = 0
            while i < n, pos + i < end, base[pos + i] == literal.utf8Start[i] { i += 1 }
            throw syntaxError("expected '\(literal)' but found \(describeByte(at: pos + i))", at: pos + i)
        }
        pos += n
    }

    mutating func readNull() throws(DecodeFailure) { try readLiteral("null") }

    /// Whether the value at the cursor is `null`; consumes it if so.
    @inline(__always)
    mutating func skipNull() throws(DecodeFailure) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try readNull()
        return true
    }

    /// Reads `true` or `false` (`null` reads as false).
    mutating func readBool() throws(DecodeFailure) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"): try readLiteral("true"); return true
        case UInt8(ascii: "f"): try readLiteral("false"); return false
        case UInt8(ascii: "n"): try readNull(); return false
        default: throw typeMismatch("a boolean")
        }
    }

    // MARK: Strings

    /// At a value: reads a string. `null` reads as the empty string.
    @inline(__always)
    mutating func readString() throws(DecodeFailure) -> ByteString {
        let b = peek()
        if b == ASCII.quote {
            pos += 1
            return try readStringBody()
        }
        if b == UInt8(ascii: "n") { try readNull(); return ByteString(start: base, count: 0) }
        throw typeMismatch("a string")
    }

    /// Reads the rest of a string whose opening quote was consumed.
    @inline(__always)
    mutating func readStringBody() throws(DecodeFailure) -> ByteString {
        let start = pos
        // Eight bytes at a time: find the first quote, backslash or control byte.
        let raw = UnsafeRawPointer(base)
        while pos + 8 <= end {
            let word = raw.loadUnaligned(fromByteOffset: pos, as: UInt64.self)
            let quotes = word ^ 0x2222_2222_2222_2222
            let slashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            let hits = ((quotes &- ones) & ~quotes | (slashes &- ones) & ~slashes | (word &- 0x2020_2020_2020_2020) & ~word) & highs
            if hits != 0 {
                pos += hits.trailingZeroBitCount >> 3
                break
            }
            pos += 8
        }
        while pos < end {
            let b = base[pos]
            if b == ASCII.quote {
                pos += 1
                return ByteString(start: base + start, count: pos - 1 - start)
            }
            if b == ASCII.backslash { return try readEscapedString(from: start) }
            if b < 0x20 { throw syntaxError("unescaped control character \(describeByte(at: pos)) in string") }
            pos += 1
        }
        throw syntaxError("unterminated string (the string starts at byte \(start - 1))")
    }

    private mutating func ensureScratch(_ needed: Int) {
        guard needed > scratchCapacity else { return }
        var capacity = scratchCapacity * 2
        while capacity < needed { capacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.update(from: scratch, count: scratchCapacity)
        scratch.deallocate()
        scratch = grown
        scratchCapacity = capacity
    }

    /// The slow path: copies the string into the scratch buffer, resolving escapes.
    private mutating func readEscapedString(from start: Int) throws(DecodeFailure) -> ByteString {
        var length = pos - start
        ensureScratch(length + 64)
        scratch.update(from: base + start, count: length)
        while pos < end {
            let b = base[pos]
            if b == ASCII.quote {
                pos += 1
                return ByteString(start: UnsafePointer(scratch), count: length)
            }
            ensureScratch(length + 4)
            if b == ASCII.backslash {
                let escapeStart = pos
                pos += 1
                guard pos < end else { break }
                let e = base[pos]
                pos += 1
                switch e {
                case ASCII.quote, ASCII.backslash, ASCII.slash: scratch[length] = e; length += 1
                case UInt8(ascii: "b"): scratch[length] = 0x08; length += 1
                case UInt8(ascii: "f"): scratch[length] = 0x0C; length += 1
                case UInt8(ascii: "n"): scratch[length] = 0x0A; length += 1
                case UInt8(ascii: "r"): scratch[length] = 0x0D; length += 1
                case UInt8(ascii: "t"): scratch[length] = 0x09; length += 1
                case UInt8(ascii: "u"):
                    var scalar = try readHex4(escapeStart: escapeStart)
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        // A high surrogate: pair it with the low surrogate that must follow.
                        if pos + 6 <= end, base[pos] == ASCII.backslash, base[pos + 1] == UInt8(ascii: "u") {
                            let saved = pos
                            pos += 2
                            let low = try readHex4(escapeStart: saved)
                            if low >= 0xDC00 && low < 0xE000 {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                pos = saved
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        scalar = 0xFFFD  // A lone low surrogate cannot be UTF-8; replace it as decoders do.
                    }
                    length += encodeUTF8(scalar, at: scratch + length)
                default:
                    throw syntaxError("invalid escape '\\\(Character(Unicode.Scalar(e)))' in string", at: escapeStart)
                }
                continue
            }
            if b < 0x20 { throw syntaxError("unescaped control character \(describeByte(at: pos)) in string") }
            scratch[length] = b
            length += 1
            pos += 1
        }
        throw syntaxError("unterminated string (the string starts at byte \(start - 1))")
    }

    private mutating func readHex4(escapeStart: Int) throws(DecodeFailure) -> UInt32 {
        guard pos + 4 <= end else { throw syntaxError("unterminated \\u escape", at: escapeStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexValue(base[pos]) else {
                throw syntaxError("expected 4 hex digits after \\u but found \(describeByte(at: pos))")
            }
            value = value << 4 | UInt32(digit)
            pos += 1
        }
        return value
    }

    // MARK: Numbers

    /// The extent of a JSON number literal at the cursor, validated against JSON's grammar.
    mutating func scanNumber() throws(DecodeFailure) -> (start: Int, end: Int, isInteger: Bool) {
        let start = pos
        var isInteger = true
        if current == ASCII.minus { pos += 1 }
        guard pos < end, base[pos] >= ASCII.zero, base[pos] <= ASCII.nine else {
            throw syntaxError("expected a digit but found \(describeByte(at: pos))")
        }
        if base[pos] == ASCII.zero {
            pos += 1
        } else {
            while pos < end, base[pos] >= ASCII.zero, base[pos] <= ASCII.nine { pos += 1 }
        }
        if current == ASCII.dot {
            isInteger = false
            pos += 1
            guard pos < end, base[pos] >= ASCII.zero, base[pos] <= ASCII.nine else {
                throw syntaxError("expected a digit after '.' but found \(describeByte(at: pos))")
            }
            while pos < end, base[pos] >= ASCII.zero, base[pos] <= ASCII.nine { pos += 1 }
        }
        if current | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            pos += 1
            if current == ASCII.plus || current == ASCII.minus { pos += 1 }
            guard pos < end, base[pos] >= ASCII.zero, base[pos] <= ASCII.nine else {
                throw syntaxError("expected a digit in the exponent but found \(describeByte(at: pos))")
            }
            while pos < end, base[pos] >= ASCII.zero, base[pos] <= ASCII.nine { pos += 1 }
        }
        return (start, pos, isInteger)
    }

    /// At a value: an int64 written as a JSON number or as a string of one (protobuf's JSON
    /// mapping writes 64-bit integers as strings). `null` reads as 0.
    @inline(__always)
    mutating func readInt64() throws(DecodeFailure) -> Int64 {
        let b = peek()
        let valueStart = pos
        if b == ASCII.quote {
            let text = try readString()
            guard let value = parseInteger(text.start, text.count, signed: true) else {
                throw valueError("expected an int64, found the string \"\(text.string)\"", at: valueStart)
            }
            return Int64(bitPattern: value)
        }
        if b == ASCII.minus || (b >= ASCII.zero && b <= ASCII.nine) {
            let start = pos
            let number = try scanNumber()
            guard let value = parseInteger(base + start, number.end - start, signed: true) else {
                throw valueError("expected an int64, found \(String(decoding: UnsafeBufferPointer(start: base + start, count: number.end - start), as: UTF8.self))", at: start)
            }
            return Int64(bitPattern: value)
        }
        if b == UInt8(ascii: "n") { try readNull(); return 0 }
        throw typeMismatch("a string or number")
    }

    /// At a value: a uint64 (fixed64) as a JSON number or a string of one. `null` reads as 0.
    mutating func readUInt64() throws(DecodeFailure) -> UInt64 {
        let b = peek()
        let valueStart = pos
        if b == ASCII.quote {
            let text = try readString()
            guard let value = parseInteger(text.start, text.count, signed: false) else {
                throw valueError("expected a uint64, found the string \"\(text.string)\"", at: valueStart)
            }
            return value
        }
        if b == ASCII.minus || (b >= ASCII.zero && b <= ASCII.nine) {
            let start = pos
            let number = try scanNumber()
            guard let value = parseInteger(base + start, number.end - start, signed: false) else {
                throw valueError("expected a uint64, found \(String(decoding: UnsafeBufferPointer(start: base + start, count: number.end - start), as: UTF8.self))", at: start)
            }
            return value
        }
        if b == UInt8(ascii: "n") { try readNull(); return 0 }
        throw typeMismatch("a string or number")
    }

    /// At a value: a double as a JSON number or a string ("1.5", "NaN", "Infinity", "-Infinity").
    /// `null` reads as 0.
    mutating func readDouble() throws(DecodeFailure) -> Double {
        let b = peek()
        let valueStart = pos
        if b == ASCII.minus || (b >= ASCII.zero && b <= ASCII.nine) {
            let number = try scanNumber()
            return parseDouble(base + number.start, number.end - number.start)
        }
        if b == ASCII.quote {
            let text = try readString()
            if text.equals("NaN") { return .nan }
            if text.equals("Infinity") { return .infinity }
            if text.equals("-Infinity") { return -.infinity }
            guard isJSONNumber(text.start, text.count) else {
                throw valueError("expected a double, found the string \"\(text.string)\"", at: valueStart)
            }
            return parseDouble(text.start, text.count)
        }
        if b == UInt8(ascii: "n") { try readNull(); return 0 }
        throw typeMismatch("a number or string")
    }

    // MARK: Skipping

    /// Skips one value of any kind, checking its syntax.
    mutating func skipValue(depth: Int = 0) throws(DecodeFailure) {
        switch peek() {
        case ASCII.quote:
            pos += 1
            try skipStringBody()
        case ASCII.openBrace:
            guard depth < Self.maximumDepth else { throw syntaxError("values nested deeper than \(Self.maximumDepth) levels") }
            pos += 1
            if peek() == ASCII.closeBrace { pos += 1; return }
            repeat {
                guard peek() == ASCII.quote else { throw expected("a string key", in: "object") }
                pos += 1
                try skipStringBody()
                guard peek() == ASCII.colon else { throw expected("':' after the key", in: "object") }
                pos += 1
                try skipValue(depth: depth + 1)
            } while try nextMember()
        case ASCII.openBracket:
            guard depth < Self.maximumDepth else { throw syntaxError("values nested deeper than \(Self.maximumDepth) levels") }
            pos += 1
            if peek() == ASCII.closeBracket { pos += 1; return }
            repeat {
                try skipValue(depth: depth + 1)
            } while try nextElement()
        case ASCII.minus, ASCII.zero...ASCII.nine:
            _ = try scanNumber()
        case UInt8(ascii: "t"): try readLiteral("true")
        case UInt8(ascii: "f"): try readLiteral("false")
        case UInt8(ascii: "n"): try readNull()
        default:
            throw syntaxError("expected a value but found \(describeByte(at: pos))")
        }
    }

    /// Skips the rest of a string; an escaped string is unescaped into the scratch buffer and dropped.
    @inline(__always)
    private mutating func skipStringBody() throws(DecodeFailure) {
        _ = try readStringBody()
    }
}

// MARK: - Number and hex helpers

@inline(__always)
func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case ASCII.zero...ASCII.nine: b - ASCII.zero
    case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// The value of 16 hex digits (either case) at `p`, the first digit most significant; nil when any
/// byte is not a hex digit. Eight digits at a time in a 64-bit word: a trace id is 32 of them on every
/// span, and a byte-at-a-time loop was 5 % of a backtest.
@inline(__always)
func parseHex16(_ p: UnsafePointer<UInt8>) -> UInt64? {
    let raw = UnsafeRawPointer(p)
    guard let high = parseHex8(raw.loadUnaligned(as: UInt64.self)),
          let low = parseHex8(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) else { return nil }
    return UInt64(high) << 32 | UInt64(low)
}

/// Eight hex digits loaded little-endian (the first digit in the lowest byte) to their 32-bit value.
@inline(__always)
func parseHex8(_ word: UInt64) -> UInt32? {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    guard word & highs == 0 else { return nil }
    // With every byte below 0x80, adding up to 0x50 per byte cannot carry into the next byte, so
    // `b + (0x80 - lo)` has its high bit set exactly when b >= lo, and `b + (0x7F - hi)` when b > hi.
    let digit = (word &+ (0x80 - 0x30) &* ones) & ~(word &+ (0x7F - 0x39) &* ones) & highs
    let folded = word | 0x2020_2020_2020_2020  // 'A'...'F' to 'a'...'f'; digits already have the bit.
    let letter = (folded &+ (0x80 - 0x61) &* ones) & ~(folded &+ (0x7F - 0x66) &* ones) & highs
    guard digit | letter == highs else { return nil }
    // A digit's value is its low nibble; a letter's is its low nibble plus 9.
    var v = (folded & 0x0F0F_0F0F_0F0F_0F0F) &+ (letter >> 7) &* 9
    // First digit most significant: reverse the bytes, then pack the nibbles pairwise.
    v = v.byteSwapped
    v = (v | v >> 4) & 0x00FF_00FF_00FF_00FF
    v = (v | v >> 8) & 0x0000_FFFF_0000_FFFF
    v = (v | v >> 16) & 0x0000_0000_FFFF_FFFF
    return UInt32(truncatingIfNeeded: v)
}

/// Writes a scalar as UTF-8 and returns how many bytes it took.
func encodeUTF8(_ scalar: UInt32, at out: UnsafeMutablePointer<UInt8>) -> Int {
    switch scalar {
    case 0..<0x80:
        out[0] = UInt8(scalar)
        return 1
    case 0x80..<0x800:
        out[0] = UInt8(0xC0 | (scalar >> 6))
        out[1] = UInt8(0x80 | (scalar & 0x3F))
        return 2
    case 0x800..<0x10000:
        out[0] = UInt8(0xE0 | (scalar >> 12))
        out[1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
        out[2] = UInt8(0x80 | (scalar & 0x3F))
        return 3
    default:
        out[0] = UInt8(0xF0 | (scalar >> 18))
        out[1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
        out[2] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
        out[3] = UInt8(0x80 | (scalar & 0x3F))
        return 4
    }
}

/// Whether the bytes are exactly one JSON number.
func isJSONNumber(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var scanner = JSONScanner(base: p, count: n)
    defer { scanner.releaseScratch() }
    guard n > 0, (try? scanner.scanNumber()) != nil else { return false }
    return scanner.pos == n
}

/// Parses an integer written in decimal, or in JSON exponent form when the value is integral
/// ("1e3", "5.0"), as protobuf's JSON mapping allows. Returns the bit pattern for signed values.
func parseInteger(_ p: UnsafePointer<UInt8>, _ n: Int, signed: Bool) -> UInt64? {
    guard n > 0 else { return nil }
    var i = 0
    let negative = p[0] == ASCII.minus
    if negative {
        guard signed else { return nil }
        i = 1
    }
    guard i < n else { return nil }
    var magnitude: UInt64 = 0
    let digitsStart = i
    while i < n {
        let d = p[i] &- ASCII.zero
        guard d <= 9 else { break }
        let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(UInt64(d))
        guard !o1, !o2 else { return nil }
        magnitude = sum
        i += 1
    }
    guard i > digitsStart else { return nil }
    if i < n {
        // Exponent or fraction: accept only when the value is integral and in range.
        guard isJSONNumber(p, n) else { return nil }
        let value = parseDouble(p, n)
        guard value.rounded() == value else { return nil }
        if signed {
            guard value >= -9.223372036854775808e18, value < 9.223372036854775808e18 else { return nil }
            return UInt64(bitPattern: Int64(value))
        }
        guard value >= 0, value < 1.8446744073709551616e19 else { return nil }
        return UInt64(value)
    }
    if signed {
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return UInt64(bitPattern: 0 &- Int64(bitPattern: magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
    }
    return magnitude
}

private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// Parses a JSON number that `scanNumber` accepted. Exact for up to 15 significant digits and
/// small exponents (Clinger's fast path); the standard library's correctly rounded parser
/// handles the rest.
func parseDouble(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double {
    var i = 0
    let negative = n > 0 && p[0] == ASCII.minus
    if negative { i = 1 }
    var mantissa: UInt64 = 0
    var digits = 0
    var exponent = 0
    while i < n, p[i] &- ASCII.zero <= 9 {
        mantissa = mantissa &* 10 &+ UInt64(p[i] &- ASCII.zero)
        if mantissa != 0 { digits += 1 }
        i += 1
    }
    if i < n, p[i] == ASCII.dot {
        i += 1
        while i < n, p[i] &- ASCII.zero <= 9 {
            mantissa = mantissa &* 10 &+ UInt64(p[i] &- ASCII.zero)
            if mantissa != 0 { digits += 1 }
            exponent -= 1
            i += 1
        }
    }
    if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
        i += 1
        var expNegative = false
        if i < n, p[i] == ASCII.minus || p[i] == ASCII.plus { expNegative = p[i] == ASCII.minus; i += 1 }
        var e = 0
        while i < n, p[i] &- ASCII.zero <= 9 {
            if e < 100_000 { e = e * 10 + Int(p[i] &- ASCII.zero) }
            i += 1
        }
        exponent += expNegative ? -e : e
    }
    if digits <= 15, exponent >= -22, exponent <= 22 {
        var value = Double(mantissa)
        if exponent < 0 { value /= exactPowersOfTen[-exponent] } else { value *= exactPowersOfTen[exponent] }
        return negative ? -value : value
    }
    let text = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    return Double(text) ?? (negative ? -.infinity : .infinity)
}
