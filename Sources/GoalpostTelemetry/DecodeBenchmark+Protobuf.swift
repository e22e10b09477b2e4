import GoalpostModel

/// Throughput of the OTLP protobuf decoder on a stream of length-delimited export requests, for
/// `goalpost bench-decode --format protobuf` (scripts/bench/otlp-protobuf.sh).
public struct ProtobufDecodeBenchmark: Sendable, CustomStringConvertible {
    /// Requests in the stream.
    public var requests: Int
    /// Bytes of the requests, length prefixes excluded.
    public var bytes: Int
    /// What one pass decoded.
    public var summary: DecodeSummary
    /// The first pass decoding every request and delivering it to a counting sink, into an empty
    /// symbol table: every string is new once, as for a process that just started.
    public var decodeFreshTable: DecodeBenchmark.Timing
    /// Best pass of the same with the table the first pass filled: only strings never seen before are
    /// new (high-cardinality values, such as `url.path`, in the benchmark's data).
    public var decode: DecodeBenchmark.Timing
    /// Best pass of the parse alone, into the decoder's scratch buffers.
    public var parseOnly: DecodeBenchmark.Timing
    /// Best pass delivering into the caller's pipeline (routing and aggregation), when one was given;
    /// each pass starts from the pipeline's own table, so its strings are new as in `decodeFreshTable`.
    public var pipeline: DecodeBenchmark.Timing?

    /// Decimal megabytes per second for a time over `bytes`.
    public func megabytesPerSecond(_ seconds: Double) -> Double {
        seconds > 0 ? Double(bytes) / 1e6 / seconds : 0
    }

    /// Spans (or events and samples) per second for a time.
    public func itemsPerSecond(_ seconds: Double) -> Double {
        seconds > 0 ? Double(summary.events + summary.metricSamples) / seconds : 0
    }

    public var description: String {
        func line(_ label: String, _ timing: DecodeBenchmark.Timing) -> String {
            let cpu = megabytesPerSecond(timing.cpuSeconds)
            let wall = megabytesPerSecond(timing.wallSeconds)
            let items = itemsPerSecond(timing.cpuSeconds) / 1e6
            return label + ": \(format(cpu)) MB/s per CPU second (\(format(wall)) MB/s wall clock), \(format(items, digits: 2)) M items/s"
        }
        var text = """
        \(requests) requests, \(format(Double(bytes) / 1e6)) MB: \(summary)
        \(line("decode, fresh symbol table   ", decodeFreshTable))
        \(line("decode (in memory, delivered)", decode))
        \(line("parse only (no delivery)     ", parseOnly))
        """
        if let pipeline { text += "\n" + line("decode+route+aggregate       ", pipeline) }
        return text
    }
}

/// Splits a stream of length-delimited messages (each preceded by its length as a varint).
///
/// - Returns: the byte range of each message in `bytes`, or nil when the stream is cut short.
public func delimitedMessages(in bytes: [UInt8]) -> [Range<Int>]? {
    var ranges: [Range<Int>] = []
    var pos = 0
    while pos < bytes.count {
        var length = 0
        var shift = 0
        while true {
            guard pos < bytes.count, shift < 63 else { return nil }
            let b = bytes[pos]
            pos += 1
            length |= Int(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
        }
        guard length >= 0, length <= bytes.count - pos else { return nil }
        ranges.append(pos..<pos + length)
        pos += length
    }
    return ranges
}

/// Measures the protobuf decoder on `messages` of `bytes`, all of one `kind`.
///
/// - Parameters:
///   - repetitions: passes of each measurement; the best time counts (for `decode`, of the passes after
///     the first, which fills the table, when there are more than one).
///   - pipeline: a sink to deliver into for the decode+route+aggregate measurement, with the
///     symbol table it was built with; each pass starts from a copy of both, so each does the same work.
/// - Throws: `TelemetryDecodingError` for a request that does not decode.
public func benchmarkProtobufDecode<Pipeline: TelemetrySink>(
    bytes: [UInt8],
    messages: [Range<Int>],
    kind: OTLPSignalKind,
    repetitions: Int = 3,
    pipeline: (sink: Pipeline, symbols: SymbolTable)?,
    clock: ContinuousClock = ContinuousClock()
) throws(TelemetryDecodingError) -> ProtobufDecodeBenchmark {
    var decoder = OTLPProtobufDecoder()
    var symbols = SymbolTable()
    var counter = CountingSink()
    var stopwatch = Stopwatch(clock: clock)
    var summary = DecodeSummary()
    var decode = DecodeBenchmark.Timing(wallSeconds: .infinity, cpuSeconds: .infinity)
    var decodeFreshTable = decode
    var parseOnly = decode
    var pipelineTiming: DecodeBenchmark.Timing?
    let outcome: Result<Void, TelemetryDecodingError> = bytes.withUnsafeBytes { buffer in
        Result { () throws(TelemetryDecodingError) in
            for pass in 0..<max(1, repetitions) {
                stopwatch.restart()
                var total = DecodeSummary()
                for message in messages {
                    total += try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[message]), kind: kind, symbols: &symbols, into: &counter)
                }
                let lap = stopwatch.lap()
                if pass == 0 {
                    summary = total
                    decodeFreshTable = lap
                }
                if pass > 0 || repetitions <= 1 { decode = decode.best(lap) }
                for message in messages {
                    try decoder.parse(UnsafeRawBufferPointer(rebasing: buffer[message]), kind: kind, symbols: &symbols)
                    decoder.pending.removeAll()
                }
                parseOnly = parseOnly.best(stopwatch.lap())
                if let pipeline {
                    var sink = pipeline.sink
                    var pipelineSymbols = pipeline.symbols
                    var pipelineDecoder = OTLPProtobufDecoder()
                    stopwatch.restart()
                    for message in messages {
                        _ = try pipelineDecoder.decode(
                            UnsafeRawBufferPointer(rebasing: buffer[message]), kind: kind, symbols: &pipelineSymbols, into: &sink
                        )
                    }
                    let lap = stopwatch.lap()
                    pipelineTiming = pipelineTiming.map { $0.best(lap) } ?? lap
                    withExtendedLifetime(sink) {}
                }
            }
        }
    }
    if case .failure(let error) = outcome { throw error }
    if counter.attributes < 0 { print("unreachable") }  // Keeps the sink's work observable.
    return ProtobufDecodeBenchmark(
        requests: messages.count, bytes: messages.reduce(0) { $0 + $1.count }, summary: summary,
        decodeFreshTable: decodeFreshTable, decode: decode, parseOnly: parseOnly, pipeline: pipelineTiming
    )
}

private func format(_ value: Double, digits: Int = 1) -> String {
    let scale = digits == 2 ? 100.0 : 10.0
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    let decimals = text.split(separator: ".").last.map(\.count) ?? 0
    if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    return text
}
