import GoalpostModel

/// Writes simulated spans as binary OTLP `ExportTraceServiceRequest` messages (`application/x-protobuf`), the
/// bytes an OpenTelemetry SDK's OTLP/HTTP exporter posts: one request per service, spans grouped by resource
/// (service, version, region). The same content as `OTLPJSONWriter`, field for field.
///
/// Field numbers are those of opentelemetry-proto's `collector/trace/v1`, `trace/v1`, `resource/v1` and
/// `common/v1`, as `OTLPProtobufDecoder` reads them.
public struct OTLPProtobufWriter: Sendable {
    private let simulator: Simulator

    public init(simulator: Simulator) { self.simulator = simulator }

    /// One export request per service that has spans in `spans`.
    public func requests(for spans: [SpanRecord]) -> [[UInt8]] {
        SpanGrouping(spans: spans, roster: simulator.configuration.roster).requests.map { request in
            var message = ProtobufWriter()
            for resource in request.resources {
                message.message(1) { resourceSpans in                         // ExportTraceServiceRequest.resource_spans
                    resourceSpans.message(1) { resourceMessage in               // ResourceSpans.resource
                        resourceMessage.attribute(1, "service.name", request.service)  // Resource.attributes
                        resourceMessage.attribute(1, "service.version", simulator.versions[Int(resource.key.version)])
                        resourceMessage.attribute(1, "deployment.environment.name", "production")
                        resourceMessage.attribute(1, "cloud.region", resource.key.region)
                    }
                    resourceSpans.message(2) { scopeSpans in                    // ResourceSpans.scope_spans
                        scopeSpans.message(1) { scope in                        // ScopeSpans.scope
                            scope.string(1, "goalpost-simulator")
                            scope.string(2, "1")
                        }
                        for index in resource.spans {
                            scopeSpans.message(2) { span in appendSpan(spans[index], to: &span) }  // ScopeSpans.spans
                        }
                    }
                }
            }
            return message.bytes
        }
    }

    private func appendSpan(_ span: SpanRecord, to out: inout ProtobufWriter) {
        let roster = simulator.configuration.roster
        let route = roster.routes[Int(span.route)]
        let customer = roster.customers[Int(span.customer)].customer
        out.bytes(1, bigEndian: [span.traceHigh, span.traceLow])          // trace_id
        out.bytes(2, bigEndian: [span.traceLow ^ 0x5DEE_CE66_D1CE_5EED])  // span_id
        out.string(5, route.spanName)                                     // name
        out.varint(6, 2)                                                  // kind: SPAN_KIND_SERVER
        out.fixed64(7, UInt64(bitPattern: span.endUnixNano - span.durationNanos))  // start_time_unix_nano
        out.fixed64(8, UInt64(bitPattern: span.endUnixNano))              // end_time_unix_nano
        out.attribute(9, "http.route", route.route)                      // attributes
        out.attribute(9, "http.request.method", route.method)
        out.message(9) { pair in
            pair.string(1, "http.response.status_code")
            pair.message(2) { value in value.varint(3, UInt64(span.statusCode)) }  // AnyValue.int_value
        }
        out.attribute(9, "customer.id", customer.id)
        out.attribute(9, "customer.tier", customer.tier ?? "")
        if span.errorKind != 0 { out.attribute(9, "error.type", simulator.errorKinds[Int(span.errorKind)].type) }
        out.message(15) { status in                                       // status
            if span.isError {
                status.string(2, simulator.errorKinds[Int(span.errorKind)].message)  // Status.message
                status.varint(3, 2)                                       // Status.code: STATUS_CODE_ERROR
            }
        }
    }
}

/// Protocol Buffers wire format, the handful of encodings the OTLP writer needs.
struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func rawVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func key(_ field: Int, _ wireType: UInt64) { rawVarint(UInt64(field) << 3 | wireType) }

    mutating func varint(_ field: Int, _ value: UInt64) {
        key(field, 0)
        rawVarint(value)
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        key(field, 1)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func string(_ field: Int, _ value: String) {
        key(field, 2)
        rawVarint(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    /// A bytes field holding `words` in big-endian order (trace and span ids).
    mutating func bytes(_ field: Int, bigEndian words: [UInt64]) {
        key(field, 2)
        rawVarint(UInt64(words.count * 8))
        for word in words {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
    }

    /// An embedded message, written by `build` and prefixed with its length.
    mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        key(field, 2)
        rawVarint(UInt64(inner.bytes.count))
        bytes.append(contentsOf: inner.bytes)
    }

    /// A `KeyValue` with a string `AnyValue`.
    mutating func attribute(_ field: Int, _ key: String, _ value: String) {
        message(field) { pair in
            pair.string(1, key)
            pair.message(2) { any in any.string(1, value) }
        }
    }
}
