import GoalpostModel
import GoalpostTelemetry
import Testing

/// Bad protobuf requests: where the decoder stops (the offending field's key, or a truncated
/// varint's first byte), the field path in proto names, and what it says.
///
/// Offsets were worked out by hand from the bytes, which are written out in full for that.
@Suite struct OTLPProtobufErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var kind: OTLPSignalKind
        var bytes: [UInt8]
        var offset: Int
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            // request{1: resource_spans{2: scope_spans{2: span{5: "a"}, 2: span{1: 5 bytes}}}}; the bad key at 11.
            name: "a trace id of 5 bytes", kind: .traces,
            bytes: [0x0A, 0x10, 0x12, 0x0E, 0x12, 0x03, 0x2A, 0x01, 0x61, 0x12, 0x07, 0x0A, 0x05, 1, 2, 3, 4, 5],
            offset: 11, message: "resource_spans[0].scope_spans[0].spans[1].trace_id: expected 16 bytes, found 5"
        ),
        Case(name: "a truncated key", kind: .traces, bytes: [0x80], offset: 0, message: "truncated varint"),
        Case(
            name: "a truncated length", kind: .traces, bytes: [0x0A, 0x80], offset: 1,
            message: "resource_spans[0]: truncated varint"
        ),
        Case(
            name: "a length past the end", kind: .logs, bytes: [0x0A, 0x05, 0x12], offset: 0,
            message: "resource_logs[0]: length 5 runs past the end of the enclosing message (1 byte left)"
        ),
        Case(
            // The scope's length (4) runs past its resource entry (2 bytes left after it).
            name: "a length past the enclosing message", kind: .traces, bytes: [0x0A, 0x04, 0x12, 0x04, 0x12, 0x00, 0x0A, 0x00],
            offset: 2, message: "resource_spans[0].scope_spans[0]: length 4 runs past the end of the enclosing message (2 bytes left)"
        ),
        Case(
            name: "a span name of the wrong wire type", kind: .traces, bytes: [0x0A, 0x06, 0x12, 0x04, 0x12, 0x02, 0x28, 0x01],
            offset: 6,
            message: "resource_spans[0].scope_spans[0].spans[0].name: expected wire type 2 (length-delimited), found wire type 0 (varint)"
        ),
        Case(
            name: "a resource entry of the wrong wire type", kind: .metrics, bytes: [0x08, 0x01], offset: 0,
            message: "resource_metrics[0]: expected wire type 2 (length-delimited), found wire type 0 (varint)"
        ),
        Case(
            // request{1: {1: resource{1: kv{1: "k", 2: value{3: fixed32}}}}}; the bad key at 11.
            name: "an int value of the wrong wire type", kind: .traces,
            bytes: [0x0A, 0x0E, 0x0A, 0x0C, 0x0A, 0x0A, 0x0A, 0x01, 0x6B, 0x12, 0x05, 0x1D, 0, 0, 0, 0],
            offset: 11,
            message: "resource_spans[0].resource.attributes[0].value.int_value: expected wire type 0 (varint), found wire type 5 (32-bit)"
        ),
        Case(name: "wire type 7", kind: .traces, bytes: [0x0F], offset: 0, message: "invalid wire type 7 (field 1)"),
        Case(name: "field number 0", kind: .traces, bytes: [0x00, 0x00], offset: 0, message: "invalid field number 0"),
        Case(
            name: "an end-group tag alone", kind: .traces, bytes: [0x14], offset: 0,
            message: "end-group tag (field 2) without a start-group tag"
        ),
        Case(
            name: "a group never closed", kind: .logs, bytes: [0x13, 0x18, 0x01], offset: 0,
            message: "unterminated group (field 2)"
        ),
        Case(
            name: "a group closed by another field's end tag", kind: .logs, bytes: [0x13, 0x1C], offset: 1,
            message: "end-group tag for field 3 inside the group of field 2"
        ),
        Case(
            name: "a varint of 11 bytes", kind: .traces, bytes: [0x10] + Array(repeating: 0xFF, count: 10) + [0x01], offset: 1,
            message: "varint longer than 10 bytes"
        ),
        Case(
            // request{1: {2: {2: span{8: 3 of 8 bytes}}}}; the key at 6.
            name: "a truncated fixed64", kind: .traces, bytes: [0x0A, 0x08, 0x12, 0x06, 0x12, 0x04, 0x41, 1, 2, 3],
            offset: 6, message: "resource_spans[0].scope_spans[0].spans[0].end_time_unix_nano: truncated 64-bit value: 3 bytes left"
        ),
        Case(
            // request{1: {2: {2: log{2: 300}}}}; the key at 6.
            name: "a severity out of range", kind: .logs, bytes: [0x0A, 0x07, 0x12, 0x05, 0x12, 0x03, 0x10, 0xAC, 0x02],
            offset: 6, message: "resource_logs[0].scope_logs[0].log_records[0].severity_number: severity number 300 is out of range"
        ),
        Case(
            // request{1: {2: {2: metric{9: histogram{1: point{6: fixed64, 7: double}}}}}}; the point's key at 8.
            name: "a histogram with too few buckets", kind: .metrics,
            bytes: [0x0A, 0x1A, 0x12, 0x18, 0x12, 0x16, 0x4A, 0x14, 0x0A, 0x12, 0x31, 1, 0, 0, 0, 0, 0, 0, 0, 0x39, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F],
            offset: 8,
            message: "resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points[0]: histogram has 1 bucket counts for 1 explicit bounds; expected 2"
        ),
        Case(
            // request{1: {2: {2: metric{9: histogram{1: point{6: packed, 3 bytes}}}}}}; the key at 10.
            name: "packed bucket counts not a multiple of 8 bytes", kind: .metrics,
            bytes: [0x0A, 0x0D, 0x12, 0x0B, 0x12, 0x09, 0x4A, 0x07, 0x0A, 0x05, 0x32, 0x03, 1, 2, 3],
            offset: 10,
            message: "resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points[0].bucket_counts: packed 64-bit values: length 3 is not a multiple of 8"
        ),
    ]

    @Test("a bad request names the byte, the field path and the problem", arguments: cases)
    func badRequest(_ testCase: Case) {
        #expect(Self.cases.count == 18)
        #expect(protobufError(testCase.bytes, kind: testCase.kind) == TelemetryDecodingError(byteOffset: testCase.offset, message: testCase.message))
    }

    @Test("every cut of a valid request either fails or decodes a prefix, and never crashes")
    func truncations() {
        let full = OTLPProtobufDecoderTests.metrics
        var failures = 0
        for length in 0..<full.count {
            if protobufError(Array(full[..<length]), kind: .metrics) != nil { failures += 1 }
        }
        // Most cuts land inside a nested message; only the empty prefix is a whole request.
        #expect(failures > full.count / 2)
    }

    @Test("values nested too deep are rejected, not a stack overflow")
    func deepNesting() {
        var value = ProtobufBytes { $0.string(1, "leaf") }
        for _ in 0..<100 {
            let inner = value
            value = ProtobufBytes { outer in outer.message(5) { array in array.data(1, inner.bytes) } }
        }
        let request = ProtobufBytes { request in
            request.message(1) { entry in
                entry.message(1) { resource in
                    resource.message(1) { kv in
                        kv.string(1, "k")
                        kv.data(2, value.bytes)
                    }
                }
            }
        }.bytes
        let error = protobufError(request, kind: .traces)
        #expect(error?.message.hasSuffix("attribute values nested deeper than 64 levels") == true)
        #expect(error?.message.hasPrefix("resource_spans[0].resource.attributes[0].value.array_value.values[0].array_value") == true)

        // Groups nest without recursion; too deep is an error too.
        let groups = [UInt8](repeating: 0x13, count: 200) + [UInt8](repeating: 0x14, count: 200)
        #expect(protobufError(groups, kind: .traces)?.message == "groups nested deeper than 100 levels")
    }
}
