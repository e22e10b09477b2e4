import GoalpostTelemetry
import Testing

/// The export responses a receiver writes, read back as a client reads them.
struct OTLPResponseTests {
    @Test("a protobuf partial_success reads back with its count and message, for every signal")
    func partialSuccessRoundTrip() {
        for signal in OTLPResponse.Signal.allCases {
            let bytes = OTLPResponse.export(signal: signal, rejected: 300, message: "300 spans more than 2m ahead", json: false)
            let read = OTLPResponse.partialSuccess(protobuf: bytes)
            #expect(read?.rejected == 300)
            #expect(read?.message == "300 spans more than 2m ahead")
        }
        // Full success is an empty message.
        #expect(OTLPResponse.partialSuccess(protobuf: [])?.rejected == 0)
    }

    @Test("unknown fields are skipped; a truncated response is not read")
    func unknownAndTruncated() {
        // Field 7 (varint 5), then partial_success { rejected: 2 }.
        let bytes: [UInt8] = [0x38, 0x05, 0x0A, 0x02, 0x08, 0x02]
        #expect(OTLPResponse.partialSuccess(protobuf: bytes)?.rejected == 2)
        #expect(OTLPResponse.partialSuccess(protobuf: Array(bytes.dropLast())) == nil)
        #expect(OTLPResponse.partialSuccess(protobuf: [0x0A, 0x09, 0x08]) == nil)
    }
}
