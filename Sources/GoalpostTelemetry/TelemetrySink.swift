import GoalpostModel

/// Where decoders deliver what they decoded: one call per event and per metric sample.
///
/// Decoders reuse their event storage between calls, so an event's attribute array is only
/// cheap to read inside `receive`; keeping the event (a value) is always safe, it just copies
/// the attributes then.
///
/// `symbols` is the table the decoder interned the event into, as it is at that moment: a sink that resolves
/// symbols (the evaluation engine does, for customer ids) must use it rather than a copy taken earlier,
/// which would not know strings interned since.
public protocol TelemetrySink {
    /// Receives one span or log record turned into an `Event`.
    mutating func receive(_ event: Event, symbols: SymbolTable)
    /// Receives one metric data point reduced to a `MetricSample`.
    mutating func receive(_ sample: MetricSample, symbols: SymbolTable)
}

/// What one decode delivered, and what it skipped on purpose.
public struct DecodeSummary: Hashable, Sendable, CustomStringConvertible {
    /// Spans delivered as events.
    public var spans: Int
    /// Log records delivered as events.
    public var logRecords: Int
    /// Metric data points delivered as samples.
    public var metricSamples: Int
    /// Metric data points not delivered: exponential histograms, summaries, and points flagged
    /// "no recorded value". Counted so a replay can say what it left out.
    public var skippedDataPoints: Int

    /// A summary of counts.
    public init(spans: Int = 0, logRecords: Int = 0, metricSamples: Int = 0, skippedDataPoints: Int = 0) {
        self.spans = spans
        self.logRecords = logRecords
        self.metricSamples = metricSamples
        self.skippedDataPoints = skippedDataPoints
    }

    /// Events delivered: spans and log records.
    public var events: Int { spans + logRecords }

    /// Adds the counts of another summary, for totals over many requests.
    public static func += (lhs: inout DecodeSummary, rhs: DecodeSummary) {
        lhs.spans += rhs.spans
        lhs.logRecords += rhs.logRecords
        lhs.metricSamples += rhs.metricSamples
        lhs.skippedDataPoints += rhs.skippedDataPoints
    }

    public var description: String {
        "\(spans) spans, \(logRecords) log records, \(metricSamples) metric samples, \(skippedDataPoints) data points skipped"
    }
}

/// A request that could not be decoded, with the byte where the decoder stopped.
///
/// `description` reads `byte 1832: expected ',' or '}' in object but found ']'`; errors about a
/// value's type or content name its field path:
/// `byte 90: resourceSpans[0].scopeSpans[1].spans[3].startTimeUnixNano: expected a string or number, found object`.
public struct TelemetryDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Offset of the offending byte from the start of the request, counting from 0.
    public var byteOffset: Int
    /// What was wrong, with the field path when the problem is a value rather than the JSON syntax.
    public var message: String

    /// An error at `byteOffset`.
    public init(byteOffset: Int, message: String) {
        self.byteOffset = byteOffset
        self.message = message
    }

    public var description: String { "byte \(byteOffset): \(message)" }
}
