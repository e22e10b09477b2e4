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
