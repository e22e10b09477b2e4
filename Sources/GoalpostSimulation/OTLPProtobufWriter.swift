import GoalpostModel

/// Writes simulated spans as binary OTLP `ExportTraceServiceRequest` messages (`application/x-protobuf`), the
/// bytes an OpenTelemetry SDK's OTLP/HTTP exporter posts: one request per service, spans grouped by resource
/// (service, version, region). The same content as `OTLPJSONWriter`, field for field.
///
/// Field numbers are those of opentelemetry-proto's `collector/trace/v1`, `trace/v1`, `resource/v1` and
/// `common/v1`, as `OTLPProtobufDecoder` reads them. What a span shares with others (its route's name and
/// attributes, its customer's, its error's) is encoded once, up front.
public struct OTLPProtobufWriter: Sendable {
    private let simulator: Simulator
    /// Per route: `Span.name`, then the `http.route` and `http.request.method` attributes.
    private let routeFields: [[UInt8]]
    /// Per customer: the `customer.id` and `customer.tier` attributes.
    private let customerFields: [[UInt8]]
    /// Per error kind: the `error.type` attribute, then `Span.status` with the message and `STATUS_CODE_ERROR`.
    private let errorFields: [[UInt8]]
    /// `ScopeSpans.scope`.
    private let scopeField: [UInt8]

    public init(simulator: Simulator) {
        self.simulator = simulator
        let roster = simulator.configuration.roster
        routeFields = roster.routes.map { route in
            var out = ProtobufWriter()
            out.string(5, route.spanName)                          // Span.name
            out.attribute(9, "http.route", route.route)            // Span.attributes
            out.attribute(9, "http.request.method", route.method)
            return out.bytes
        }
        customerFields = roster.customers.map { entry in
            var out = ProtobufWriter()
            out.attribute(9, "customer.id", entry.customer.id)
            out.attribute(9, "customer.tier", entry.customer.tier ?? "")
            return out.bytes
        }
        errorFields = simulator.errorKinds.map { kind in
            var out = ProtobufWriter()
            out.attribute(9, "error.type", kind.type)
            var status = ProtobufWriter()
            status.string(2, kind.message)                          // Status.message
            status.varint(3, 2)                                     // Status.code: STATUS_CODE_ERROR
            out.embed(15, status.bytes)                             // Span.status
            return out.bytes
        }
        var scope = ProtobufWriter()
        scope.string(1, "goalpost-simulator")                       // InstrumentationScope.name
        scope.string(2, "1")                                        // InstrumentationScope.version
        var field = ProtobufWriter()
        field.embed(1, scope.bytes)
        scopeField = field.bytes
    }

    /// One export request per service that has spans in `spans`.
    public func requests(for spans: [SpanRecord]) -> [[UInt8]] {
        var span = ProtobufWriter()
        var scopeSpans = ProtobufWriter()
        return SpanGrouping(spans: spans, roster: simulator.configuration.roster).requests.map { request in
            var message = ProtobufWriter()
            for resource in request.resources {
                var attributes = ProtobufWriter()                                  // Resource.attributes
                attributes.attribute(1, "service.name", request.service)
                attributes.attribute(1, "service.version", simulator.versions[Int(resource.key.version)])
                attributes.attribute(1, "deployment.environment.name", "production")
                attributes.attribute(1, "cloud.region", resource.key.region)
                scopeSpans.bytes.removeAll(keepingCapacity: true)
                scopeSpans.bytes += scopeField
                for index in resource.spans {
                    span.bytes.removeAll(keepingCapacity: true)
                    appendSpan(spans[index], to: &span)
                    scopeSpans.embed(2, span.bytes)                                // ScopeSpans.spans
                }
                var resourceSpans = ProtobufWriter()
                resourceSpans.embed(1, attributes.bytes)                           // ResourceSpans.resource
                resourceSpans.embed(2, scopeSpans.bytes)                           // ResourceSpans.scope_spans
                message.embed(1, resourceSpans.bytes)                              // ExportTraceServiceRequest.resource_spans
            }
            return message.bytes
        }
    }

    private func appendSpan(_ span: SpanRecord, to out: inout ProtobufWriter) {
        out.bytes(1, bigEndian: span.traceHigh, span.traceLow)                     // trace_id
        out.bytes(2, bigEndian: span.traceLow ^ 0x5DEE_CE66_D1CE_5EED)             // span_id
        out.varint(6, 2)                                                           // kind: SPAN_KIND_SERVER
        out.fixed64(7, UInt64(bitPattern: span.endUnixNano - span.durationNanos))  // start_time_unix_nano
        out.fixed64(8, UInt64(bitPattern: span.endUnixNano))                       // end_time_unix_nano
        out.bytes += routeFields[Int(span.route)]                                  // name, route attributes
        // http.response.status_code: a KeyValue whose AnyValue is int_value (field 3).
        var status = ProtobufWriter()
        status.varint(3, UInt64(span.statusCode))
        var pair = ProtobufWriter()
        pair.string(1, "http.response.status_code")
        pair.embed(2, status.bytes)
        out.embed(9, pair.bytes)
        out.bytes += customerFields[Int(span.customer)]
        if span.errorKind != 0 {
            out.bytes += errorFields[Int(span.errorKind)]                          // error.type, status (error)
        } else {
            out.embed(15, [])                                                      // status: unset
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

    mutating func string(_ field: Int, _ value: String) { embed(field, Array(value.utf8)) }

    /// A length-delimited field: an embedded message's bytes, a string's or a bytes value.
    mutating func embed(_ field: Int, _ value: [UInt8]) {
        key(field, 2)
        rawVarint(UInt64(value.count))
        bytes += value
    }

    /// A bytes field holding `words` in big-endian order (trace and span ids).
    mutating func bytes(_ field: Int, bigEndian words: UInt64...) {
        key(field, 2)
        rawVarint(UInt64(words.count * 8))
        for word in words {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
    }

    /// A `KeyValue` with a string `AnyValue`.
    mutating func attribute(_ field: Int, _ key: String, _ value: String) {
        var any = ProtobufWriter()
        any.string(1, value)                                                       // AnyValue.string_value
        var pair = ProtobufWriter()
        pair.string(1, key)                                                        // KeyValue.key
        pair.embed(2, any.bytes)                                                   // KeyValue.value
        embed(field, pair.bytes)
    }
}
