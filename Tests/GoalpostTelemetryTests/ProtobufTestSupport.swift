import GoalpostModel
import GoalpostTelemetry
import Testing

/// Builds protobuf bytes field by field, so fixtures read as the schema they follow.
struct ProtobufBytes {
    var bytes: [UInt8] = []

    init() {}

    init(_ build: (inout ProtobufBytes) -> Void) {
        build(&self)
    }

    mutating func rawVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func key(_ field: Int, _ wireType: UInt8) {
        rawVarint(UInt64(field) << 3 | UInt64(wireType))
    }

    mutating func varint(_ field: Int, _ value: UInt64) {
        key(field, 0)
        rawVarint(value)
    }

    mutating func int64(_ field: Int, _ value: Int64) {
        varint(field, UInt64(bitPattern: value))
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, 1)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func double(_ field: Int, _ value: Double) {
        fixed64(field, value.bitPattern)
    }

    mutating func fixed32(_ field: Int, _ value: UInt32) {
        key(field, 5)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func data(_ field: Int, _ value: [UInt8]) {
        key(field, 2)
        rawVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) {
        data(field, Array(value.utf8))
    }

    mutating func message(_ field: Int, _ build: (inout ProtobufBytes) -> Void) {
        data(field, ProtobufBytes(build).bytes)
    }

    /// A repeated fixed64 or double field written packed: one length-delimited run.
    mutating func packed(_ field: Int, _ values: [UInt64]) {
        var run = ProtobufBytes()
        for value in values {
            for shift in stride(from: 0, to: 64, by: 8) { run.bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        data(field, run.bytes)
    }

    // MARK: OTLP shapes

    /// A `KeyValue` with a string value, as field `field` (attributes).
    mutating func attribute(_ field: Int, _ key: String, _ value: String) {
        message(field) { kv in
            kv.string(1, key)
            kv.message(2) { $0.string(1, value) }
        }
    }

    /// A `KeyValue` whose `AnyValue` is built by `value`.
    mutating func attribute(_ field: Int, _ key: String, value: (inout ProtobufBytes) -> Void) {
        message(field) { kv in
            kv.string(1, key)
            kv.message(2, value)
        }
    }
}

/// Decodes protobuf bytes with a fresh decoder and table.
func decodeProtobuf(_ bytes: [UInt8], kind: OTLPSignalKind) throws(TelemetryDecodingError) -> Decoded {
    var decoder = OTLPProtobufDecoder()
    var symbols = SymbolTable()
    return try decodeProtobuf(bytes, kind: kind, decoder: &decoder, symbols: &symbols)
}

func decodeProtobuf(
    _ bytes: [UInt8], kind: OTLPSignalKind, decoder: inout OTLPProtobufDecoder, symbols: inout SymbolTable
) throws(TelemetryDecodingError) -> Decoded {
    var sink = CollectingSink()
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(TelemetryDecodingError) -> DecodeSummary in
            try decoder.decode(buffer, kind: kind, symbols: &symbols, into: &sink)
        }
    }
    let summary = try result.get()
    let table = symbols
    return Decoded(events: sink.events.map { readable($0, table) }, samples: sink.samples.map { readable($0, table) }, summary: summary)
}

/// The error a protobuf decode throws, or nil.
func protobufError(_ bytes: [UInt8], kind: OTLPSignalKind) -> TelemetryDecodingError? {
    do {
        _ = try decodeProtobuf(bytes, kind: kind)
        return nil
    } catch {
        return error
    }
}
