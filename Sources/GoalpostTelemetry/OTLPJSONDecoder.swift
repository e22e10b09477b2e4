import GoalpostModel

/// Decodes OTLP/JSON export requests (traces, logs, metrics) into `Event`s and `MetricSample`s.
///
/// Follows the OTLP "JSON Protobuf Encoding": lowerCamelCase keys (snake_case proto names are
/// accepted too), trace ids as hex, 64-bit integers as strings or numbers, enums as numbers or
/// names, unknown fields ignored. The scanner works on bytes and interns strings straight from
/// them; keep one decoder per pipeline and reuse it (its buffers are reused).
///
/// Mapping, in short: a span becomes an event whose operation is its `http.route` attribute or
/// else its name, whose time is its end and whose status is error for status code 2; a log
/// record becomes an event whose operation is its event name and whose status is error from
/// severity 17 (ERROR) up; sum, gauge and histogram points become samples. Attributes are the
/// resource's, then the item's; arrays and maps become their compact JSON text, bytes hex.
public struct OTLPJSONDecoder: Sendable {
    var pending = PendingTelemetry()
    /// Stands in for the caller's table while the parser holds it, so no table is built per call.
    private let spareSymbols = SymbolTable()
    /// The event handed to sinks, reused so its attribute storage is reused.
    private var event = Event(timeUnixNano: 0, signal: .span, service: SymbolTable.empty, operation: SymbolTable.empty, status: .unset)

    /// A decoder.
    public init() {}

    /// Decodes one request object (any of the three kinds, detected by its top-level key).
    ///
    /// All or nothing: events and samples reach `sink` only after the whole request decoded,
    /// so a request that fails delivers nothing (strings it interned stay in `symbols`).
    /// An empty object `{}` is a valid empty request. The event handed to `sink` shares the
    /// decoder's attribute storage, which is reused for the next event: a sink that keeps the
    /// event keeps a copy (value semantics), one that only reads it costs no allocation.
    ///
    /// - Parameters:
    ///   - bytes: the UTF-8 JSON text of one `Export{Trace,Logs,Metrics}ServiceRequest`.
    ///   - symbols: the table the event's strings are interned into.
    ///   - sink: receives the events and samples, in the order of the request.
    /// - Returns: how many spans, log records and samples were delivered, and points skipped.
    /// - Throws: `TelemetryDecodingError` with the byte offset, and the field path for a value
    ///   of the wrong type or content.
    public mutating func decode(
        _ bytes: UnsafeRawBufferPointer,
        symbols: inout SymbolTable,
        into sink: inout some TelemetrySink
    ) throws(TelemetryDecodingError) -> DecodeSummary {
        try parse(bytes, symbols: &symbols)
        return deliver(to: &sink, symbols: symbols)
    }

    /// Decodes and delivers nothing: for measuring the parse alone.
    mutating func parse(_ bytes: UnsafeRawBufferPointer, symbols: inout SymbolTable) throws(TelemetryDecodingError) {
        pending.removeAll()
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw TelemetryDecodingError(byteOffset: 0, message: "expected an OTLP request object but found end of input")
        }
        let start = base.assumingMemoryBound(to: UInt8.self)
        var parser = OTLPJSONParser(
            scanner: JSONScanner(base: start, count: bytes.count),
            symbols: spareSymbols, pending: PendingTelemetry()
        )
        swap(&parser.symbols, &symbols)
        swap(&parser.pending, &pending)
        var failure: DecodeFailure?
        do {
            try parser.parseRequest()
        } catch {
            failure = error
        }
        parser.scanner.releaseScratch()
        swap(&parser.symbols, &symbols)
        swap(&parser.pending, &pending)
        if let failure {
            pending.removeAll()
            var message = failure.message
            if failure.aboutValue, let path = JSONFieldPath.path(to: failure.offset, in: UnsafeBufferPointer(start: start, count: bytes.count)) {
                message = "\(path): \(message)"
            }
            throw TelemetryDecodingError(byteOffset: failure.offset, message: message)
        }
    }

    /// Hands the pending events and samples to the sink and clears them.
    mutating func deliver(to sink: inout some TelemetrySink, symbols: SymbolTable) -> DecodeSummary {
        pending.deliver(to: &sink, symbols: symbols, event: &event)
    }
}
