import Foundation

/// Builds OTLP export request bodies for the tests, in JSON and in protobuf (encoded here from the field
/// numbers of opentelemetry-proto, independently of the decoder under test).
enum Requests {
    struct Span {
        var customer: String
        var route = "/checkout"
        var error = false
        var timeUnixNano: Int64
        var durationNanos: Int64 = 20_000_000
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    static func spans(_ count: Int, customer: String, errors: Int = 0, at time: Int64 = now()) -> [Span] {
        (0..<count).map { Span(customer: customer, error: $0 < errors, timeUnixNano: time) }
    }

    // MARK: JSON

    static func tracesJSON(service: String = "shop", _ spans: [Span]) -> Data {
        let items = spans.enumerated().map { index, span in
            """
            {"traceId":"\(String(format: "%032x", index + 1))","spanId":"\(String(format: "%016x", index + 1))","name":"POST \(span.route)","kind":2,\
            "startTimeUnixNano":"\(span.timeUnixNano - span.durationNanos)","endTimeUnixNano":"\(span.timeUnixNano)",\
            "attributes":[{"key":"customer.id","value":{"stringValue":"\(span.customer)"}},{"key":"http.route","value":{"stringValue":"\(span.route)"}}],\
            "status":{"code":\(span.error ? 2 : 1)}}
            """
        }
        return Data("""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"\(service)"}}]},\
            "scopeSpans":[{"scope":{"name":"test"},"spans":[\(items.joined(separator: ","))]}]}]}
            """.utf8)
    }

    // MARK: Protobuf

    static func tracesProtobuf(service: String = "shop", _ spans: [Span]) -> Data {
        var scopeSpans = [UInt8]()
        for (index, span) in spans.enumerated() {
            var message = [UInt8]()
            bytesField(1, traceID(index + 1), into: &message)
            bytesField(2, Array(traceID(index + 1).suffix(8)), into: &message)
            bytesField(5, Array("POST \(span.route)".utf8), into: &message)
            varintField(6, 2, into: &message)
            fixed64Field(7, UInt64(span.timeUnixNano - span.durationNanos), into: &message)
            fixed64Field(8, UInt64(span.timeUnixNano), into: &message)
            bytesField(9, keyValue("customer.id", span.customer), into: &message)
            bytesField(9, keyValue("http.route", span.route), into: &message)
            var status = [UInt8]()
            varintField(3, span.error ? 2 : 1, into: &status)
            bytesField(15, status, into: &message)
            bytesField(2, message, into: &scopeSpans)
        }
        var resource = [UInt8]()
        bytesField(1, keyValue("service.name", service), into: &resource)
        var resourceSpans = [UInt8]()
        bytesField(1, resource, into: &resourceSpans)
        bytesField(2, scopeSpans, into: &resourceSpans)
        var request = [UInt8]()
        bytesField(1, resourceSpans, into: &request)
        return Data(request)
    }

    private static func traceID(_ n: Int) -> [UInt8] {
        (0..<16).map { UInt8(truncatingIfNeeded: $0 == 15 ? n : ($0 == 14 ? n >> 8 : 0)) }
    }

    private static func keyValue(_ key: String, _ value: String) -> [UInt8] {
        var any = [UInt8]()
        bytesField(1, Array(value.utf8), into: &any)
        var pair = [UInt8]()
        bytesField(1, Array(key.utf8), into: &pair)
        bytesField(2, any, into: &pair)
        return pair
    }

    private static func varint(_ value: UInt64, into bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private static func varintField(_ field: UInt64, _ value: UInt64, into bytes: inout [UInt8]) {
        varint(field << 3, into: &bytes)
        varint(value, into: &bytes)
    }

    private static func fixed64Field(_ field: UInt64, _ value: UInt64, into bytes: inout [UInt8]) {
        varint(field << 3 | 1, into: &bytes)
        for shift in stride(from: UInt64(0), to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    private static func bytesField(_ field: UInt64, _ value: [UInt8], into bytes: inout [UInt8]) {
        varint(field << 3 | 2, into: &bytes)
        varint(UInt64(value.count), into: &bytes)
        bytes.append(contentsOf: value)
    }

    // MARK: gzip

    /// Compresses with the system's gzip (an independent implementation from the server's zlib use).
    static func gzip(_ data: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return compressed
    }
}
