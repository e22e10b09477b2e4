import GoalpostModel

/// The bodies an OTLP/HTTP receiver answers with, in the request's encoding (OTLP specification, "OTLP/HTTP
/// Response"): an `Export{Trace,Logs,Metrics}ServiceResponse`, with `partial_success` when some items were
/// rejected, and a `google.rpc.Status` for a request refused as a whole.
public enum OTLPResponse {
    /// The signal of an export request: which path it came to, and which response message names its count.
    public enum Signal: String, Hashable, Sendable, CaseIterable {
        case traces, logs, metrics

        /// The `partial_success` count field's JSON name.
        var rejectedField: String {
            switch self {
            case .traces: "rejectedSpans"
            case .logs: "rejectedLogRecords"
            case .metrics: "rejectedDataPoints"
            }
        }
    }

    /// The success response: empty when nothing was rejected, else `partial_success` with the rejected count
    /// (field 1) and the message (field 2); the same field numbers for all three signals.
    public static func export(signal: Signal, rejected: Int, message: String, json: Bool) -> [UInt8] {
        if json {
            guard rejected > 0 || !message.isEmpty else { return Array("{}".utf8) }
            return Array("{\"partialSuccess\":{\"\(signal.rejectedField)\":\"\(rejected)\",\"errorMessage\":\(jsonString(message))}}".utf8)
        }
        guard rejected > 0 || !message.isEmpty else { return [] }
        var inner = [UInt8]()
        if rejected > 0 {
            inner.append(0x08)
            appendVarint(UInt64(rejected), to: &inner)
        }
        appendString(field: 2, message, to: &inner)
        var outer: [UInt8] = [0x0A]
        appendVarint(UInt64(inner.count), to: &outer)
        return outer + inner
    }

    /// A `google.rpc.Status` with a gRPC code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE…) and
    /// message.
    public static func status(code: Int, message: String, json: Bool) -> [UInt8] {
        if json { return Array("{\"code\":\(code),\"message\":\(jsonString(message))}".utf8) }
        var bytes = [UInt8]()
        if code != 0 {
            bytes.append(0x08)
            appendVarint(UInt64(code), to: &bytes)
        }
        appendString(field: 2, message, to: &bytes)
        return bytes
    }

    /// A client's reading of a protobuf export response (what `export` writes, or any receiver's): the
    /// `partial_success` rejected count and message; nil when the bytes are not such a message.
    public static func partialSuccess(protobuf bytes: [UInt8]) -> (rejected: Int, message: String)? {
        var rejected = 0
        var message = ""
        var position = 0
        func varint(_ end: Int) -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < end, shift < 64 {
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        // Skips a field's value of `wireType`; false when it runs past `end`.
        func skip(_ wireType: UInt64, _ end: Int) -> Bool {
            switch wireType {
            case 0: return varint(end) != nil
            case 1: position += 8
            case 2:
                guard let length = varint(end), length <= UInt64(end - position) else { return false }
                position += Int(length)
            case 5: position += 4
            default: return false
            }
            return position <= end
        }
        while position < bytes.count {
            guard let key = varint(bytes.count) else { return nil }
            guard key == 0x0A else {  // ExportTraceServiceResponse.partial_success (1, length-delimited)
                guard skip(key & 7, bytes.count) else { return nil }
                continue
            }
            guard let length = varint(bytes.count), length <= UInt64(bytes.count - position) else { return nil }
            let end = position + Int(length)
            while position < end {
                guard let inner = varint(end) else { return nil }
                switch inner {
                case 0x08:  // rejected_spans / rejected_log_records / rejected_data_points (1, int64)
                    guard let value = varint(end) else { return nil }
                    rejected = Int(truncatingIfNeeded: value)
                case 0x12:  // error_message (2, string)
                    guard let length = varint(end), length <= UInt64(end - position) else { return nil }
                    message = String(decoding: bytes[position..<position + Int(length)], as: UTF8.self)
                    position += Int(length)
                default:
                    guard skip(inner & 7, end) else { return nil }
                }
            }
        }
        return (rejected, message)
    }

    static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func appendString(field: UInt64, _ text: String, to bytes: inout [UInt8]) {
        guard !text.isEmpty else { return }
        appendVarint(field << 3 | 2, to: &bytes)
        appendVarint(UInt64(text.utf8.count), to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    /// A JSON string literal.
    public static func jsonString(_ text: String) -> String { JSONText.quoted(text) }
}
