import GoalpostModel

/// Which OTLP export request a protobuf body is: protobuf carries no marker of its own, so the
/// caller says (OTLP/HTTP by the path, `/v1/traces`, `/v1/logs`, `/v1/metrics`).
public enum OTLPSignalKind: String, Hashable, Sendable, CaseIterable {
    /// `ExportTraceServiceRequest`.
    case traces
    /// `ExportLogsServiceRequest`.
    case logs
    /// `ExportMetricsServiceRequest`.
    case metrics
}

/// Decodes OTLP protobuf export requests (traces, logs, metrics) into `Event`s and `MetricSample`s,
/// with exactly the mapping of `OTLPJSONDecoder`.
///
/// A hand-written reader of the wire format that walks the bytes once and builds no message
/// objects: it reads the fields the mapping needs, interns strings straight from the input
/// bytes, and skips everything else (unknown fields of every wire type, groups included). It was
/// chosen over swift-protobuf's generated types by measurement (docs/performance.md). Keep one
/// decoder per pipeline and reuse it.
///
/// Mapping, as for OTLP/JSON: a span becomes an event whose operation is its `http.route`
/// attribute or else its name, whose time is its end and whose status is error for status code 2;
/// a log record becomes an event whose operation is its event name and whose status is error
/// from severity 17 (ERROR) up; sum, gauge and histogram points become samples. Attributes are
/// the resource's, then the item's; arrays and maps become their compact JSON text, bytes hex.
public struct OTLPProtobufDecoder: Sendable {
    var pending = PendingTelemetry()
    var recent = RecentValues()
    /// Stands in for the caller's table while the parser holds it, so no table is built per call.
    private let spareSymbols = SymbolTable()
    /// The event handed to sinks, reused so its attribute storage is reused.
    private var event = Event(timeUnixNano: 0, signal: .span, service: SymbolTable.empty, operation: SymbolTable.empty, status: .unset)

    /// A decoder.
    public init() {}

    /// Decodes one export request of the given kind.
    ///
    /// All or nothing: events and samples reach `sink` only after the whole request decoded, so a
    /// request that fails delivers nothing (strings it interned stay in `symbols`). Empty input is
    /// a valid empty request. The event handed to `sink` shares the decoder's attribute storage,
    /// which is reused for the next event: a sink that keeps the event keeps a copy.
    ///
    /// - Parameters:
    ///   - bytes: one serialized `Export{Trace,Logs,Metrics}ServiceRequest`.
    ///   - kind: which of the three it is.
    ///   - symbols: the table the event's strings are interned into.
    ///   - sink: receives the events and samples, in the order of the request.
    /// - Returns: how many spans, log records and samples were delivered, and points skipped.
    /// - Throws: `TelemetryDecodingError` with the byte offset (of the offending field's key, or of
    ///   a truncated varint) and the field path in proto names:
    ///   `resource_spans[0].scope_spans[1].spans[3].trace_id: expected 16 bytes, found 5`.
    public mutating func decode(
        _ bytes: UnsafeRawBufferPointer,
        kind: OTLPSignalKind,
        symbols: inout SymbolTable,
        into sink: inout some TelemetrySink
    ) throws(TelemetryDecodingError) -> DecodeSummary {
        try parse(bytes, kind: kind, symbols: &symbols)
        return pending.deliver(to: &sink, symbols: symbols, event: &event)
    }

    /// Decodes and delivers nothing: for measuring the parse alone.
    mutating func parse(_ bytes: UnsafeRawBufferPointer, kind: OTLPSignalKind, symbols: inout SymbolTable) throws(TelemetryDecodingError) {
        pending.removeAll()
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        recent.nextRequest()
        var parser = OTLPProtobufParser(
            reader: ProtobufReader(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count),
            symbols: spareSymbols, pending: PendingTelemetry(), recent: RecentValues.placeholder
        )
        swap(&parser.symbols, &symbols)
        swap(&parser.pending, &pending)
        swap(&parser.recent, &recent)
        var failure: ProtobufFailure?
        do {
            try parser.parseRequest(kind)
        } catch {
            failure = error
        }
        swap(&parser.symbols, &symbols)
        swap(&parser.pending, &pending)
        swap(&parser.recent, &recent)
        if let failure {
            pending.removeAll()
            throw TelemetryDecodingError(byteOffset: failure.offset, message: failure.text)
        }
    }
}

/// The strings and attributes already decoded in the current request (see `RecentBytes`).
struct RecentValues: Sendable {
    var strings = RecentBytes(blank: SymbolTable.empty)
    var attributes = RecentBytes(blank: Attribute(key: SymbolTable.empty, value: .string(SymbolTable.empty)))

    /// Starts a new request.
    mutating func nextRequest() {
        strings.nextRequest()
        attributes.nextRequest()
    }

    /// An empty stand-in that allocates nothing, while the real one is lent out.
    static var placeholder: RecentValues {
        RecentValues(
            strings: RecentBytes(blank: SymbolTable.empty, slotCount: 0),
            attributes: RecentBytes(blank: Attribute(key: SymbolTable.empty, value: .string(SymbolTable.empty)), slotCount: 0)
        )
    }
}
