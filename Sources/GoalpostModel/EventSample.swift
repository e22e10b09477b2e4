/// One bad event kept whole, with its strings resolved, as evidence for an investigation: which route,
/// which version, which error message, which trace.
///
/// The engine keeps a bounded number per outcome per minute (`EvaluationEngine.Configuration
/// .badSamplesPerMinute`), so storing them costs the same whatever the traffic.
public struct EventSample: Hashable, Sendable, Codable {
    /// The outcome whose indicator counted the event as bad.
    public var outcome: String
    /// When it happened, nanoseconds since the Unix epoch.
    public var timeUnixNano: Int64
    /// The service that emitted it (`service.name`).
    public var service: String
    /// The operation: `http.route`, else the span name; the event name of a log record or business event.
    public var operation: String
    /// Whether its status was an error (a bad event can also be a slow success).
    public var isError: Bool
    /// Its duration in nanoseconds (0 when it has none).
    public var durationNanos: Int64
    /// The customer it was for, when known.
    public var customer: String?
    /// The trace it belongs to, as 32 hex digits.
    public var traceID: String?
    /// The log body or status message, when it had one.
    public var message: String?
    /// Resource and item attributes, as text, sorted by key (the last value of a repeated key wins).
    public var attributes: [String: String]

    /// A sample with every field given.
    public init(
        outcome: String, timeUnixNano: Int64, service: String, operation: String, isError: Bool, durationNanos: Int64,
        customer: String?, traceID: String?, message: String?, attributes: [String: String]
    ) {
        self.outcome = outcome
        self.timeUnixNano = timeUnixNano
        self.service = service
        self.operation = operation
        self.isError = isError
        self.durationNanos = durationNanos
        self.customer = customer
        self.traceID = traceID
        self.message = message
        self.attributes = attributes
    }
}
