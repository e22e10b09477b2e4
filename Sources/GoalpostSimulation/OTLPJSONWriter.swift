import GoalpostModel

/// Writes simulated spans as OTLP/JSON `ExportTraceServiceRequest` lines, the shape the OpenTelemetry
/// Collector's file exporter writes: one request per service per call, spans grouped by resource
/// (service, version, region). Hex trace and span ids, int64 as strings, enums as integers.
public struct OTLPJSONWriter: Sendable {
    private let simulator: Simulator

    public init(simulator: Simulator) { self.simulator = simulator }

    /// Appends one JSON line per service that has spans in `spans`.
    public func appendLines(for spans: [SpanRecord], to out: inout [UInt8]) {
        for request in SpanGrouping(spans: spans, roster: simulator.configuration.roster).requests {
            out += Array(#"{"resourceSpans":["#.utf8)
            for (resourceNumber, resource) in request.resources.enumerated() {
                if resourceNumber > 0 { out.append(UInt8(ascii: ",")) }
                out += Array(#"{"resource":{"attributes":["#.utf8)
                appendAttribute("service.name", string: request.service, to: &out, first: true)
                appendAttribute("service.version", string: simulator.versions[Int(resource.key.version)], to: &out)
                appendAttribute("deployment.environment.name", string: "production", to: &out)
                appendAttribute("cloud.region", string: resource.key.region, to: &out)
                out += Array(#"]},"scopeSpans":[{"scope":{"name":"goalpost-simulator","version":"1"},"spans":["#.utf8)
                for (spanNumber, index) in resource.spans.enumerated() {
                    if spanNumber > 0 { out.append(UInt8(ascii: ",")) }
                    appendSpan(spans[index], to: &out)
                }
                out += Array("]}]}".utf8)
            }
            out += Array("]}\n".utf8)
        }
    }

    private func appendSpan(_ span: SpanRecord, to out: inout [UInt8]) {
        let roster = simulator.configuration.roster
        let route = roster.routes[Int(span.route)]
        let customer = roster.customers[Int(span.customer)].customer
        out += Array(#"{"traceId":""#.utf8)
        appendHex(span.traceHigh, to: &out)
        appendHex(span.traceLow, to: &out)
        out += Array(#"","spanId":""#.utf8)
        appendHex(span.traceLow ^ 0x5DEE_CE66_D1CE_5EED, to: &out)
        out += Array(#"","name":"#.utf8)
        appendString(route.spanName, to: &out)
        out += Array(#","kind":2,"startTimeUnixNano":""#.utf8)
        out += Array(String(span.endUnixNano - span.durationNanos).utf8)
        out += Array(#"","endTimeUnixNano":""#.utf8)
        out += Array(String(span.endUnixNano).utf8)
        out += Array(#"","attributes":["#.utf8)
        appendAttribute("http.route", string: route.route, to: &out, first: true)
        appendAttribute("http.request.method", string: route.method, to: &out)
        out += Array(#",{"key":"http.response.status_code","value":{"intValue":""#.utf8)
        out += Array(String(span.statusCode).utf8)
        out += Array(#""}}"#.utf8)
        appendAttribute("customer.id", string: customer.id, to: &out)
        appendAttribute("customer.tier", string: customer.tier ?? "", to: &out)
        if span.errorKind != 0 {
            appendAttribute("error.type", string: simulator.errorKinds[Int(span.errorKind)].type, to: &out)
        }
        out += Array(#"],"status":{"#.utf8)
        if span.isError {
            out += Array(#""message":"#.utf8)
            appendString(simulator.errorKinds[Int(span.errorKind)].message, to: &out)
            out += Array(#","code":2"#.utf8)
        }
        out += Array("}}".utf8)
    }

    private func appendAttribute(_ key: String, string value: String, to out: inout [UInt8], first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        out += Array(#"{"key":"#.utf8)
        appendString(key, to: &out)
        out += Array(#","value":{"stringValue":"#.utf8)
        appendString(value, to: &out)
        out += Array("}}".utf8)
    }

    private func appendHex(_ value: UInt64, to out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        for shift in stride(from: 60, through: 0, by: -4) {
            out.append(digits[Int((value >> UInt64(shift)) & 0xF)])
        }
    }

    /// A JSON string literal with the escapes RFC 8259 requires.
    func appendString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
