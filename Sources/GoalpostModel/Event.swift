/// One thing that happened, decoded from a span, a log record or a business event.
///
/// Strings are interned (`Symbol`) in the `SymbolTable` of the pipeline that decoded the event.
public struct Event: Hashable, Sendable, Codable {
    /// When it happened (span end time, log time), nanoseconds since the Unix epoch.
    public var timeUnixNano: Int64
    /// What kind of telemetry it came from.
    public var signal: Signal
    /// `service.name` of the resource.
    public var service: Symbol
    /// The operation: `http.route` when present, else the span name; the log event name; the business event name.
    public var operation: Symbol
    /// Whether it succeeded.
    public var status: EventStatus
    /// How long it took (spans; business events that report it), in nanoseconds.
    public var durationNanos: Int64
    /// OTLP severity number of a log record (0 when not a log; 17 and up is ERROR).
    public var severityNumber: UInt8
    /// Resource and item attributes, resource first; on duplicate keys the item's wins when looked up from the end.
    public var attributes: [Attribute]
    /// The trace the span or log belongs to, for evidence links.
    public var traceID: TraceID?
    /// The log body or span status message, for evidence.
    public var message: Symbol

    public init(
        timeUnixNano: Int64,
        signal: Signal,
        service: Symbol,
        operation: Symbol,
        status: EventStatus,
        durationNanos: Int64 = 0,
        severityNumber: UInt8 = 0,
        attributes: [Attribute] = [],
        traceID: TraceID? = nil,
        message: Symbol = SymbolTable.empty
    ) {
        self.timeUnixNano = timeUnixNano
        self.signal = signal
        self.service = service
        self.operation = operation
        self.status = status
        self.durationNanos = durationNanos
        self.severityNumber = severityNumber
        self.attributes = attributes
        self.traceID = traceID
        self.message = message
    }

    /// The value of the attribute with this key, the last one written winning.
    public func attribute(_ key: Symbol) -> AttributeValue? {
        var index = attributes.endIndex
        while index > attributes.startIndex {
            index -= 1
            if attributes[index].key == key { return attributes[index].value }
        }
        return nil
    }

    /// Whether the event failed: an error status.
    public var isError: Bool { status == .error }
}

/// The kind of telemetry an event came from.
public enum Signal: UInt8, Hashable, Sendable, Codable {
    case span, log, event
}

/// The result of an event.
public enum EventStatus: UInt8, Hashable, Sendable, Codable {
    /// Not set by the instrumentation: counts as success.
    case unset
    case ok
    case error
}

/// An attribute of an event, interned.
public struct Attribute: Hashable, Sendable, Codable {
    public var key: Symbol
    public var value: AttributeValue

    public init(key: Symbol, value: AttributeValue) {
        self.key = key
        self.value = value
    }
}

/// An attribute value. Strings are interned; arrays and maps from OTLP are kept as their JSON text.
public enum AttributeValue: Hashable, Sendable, Codable {
    case string(Symbol)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

/// A 16-byte trace id.
public struct TraceID: Hashable, Sendable, Codable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Lower-case hex, 32 characters, as OTLP/JSON and trace UIs write it.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for word in [high, low] {
            for shift in stride(from: 60, through: 0, by: -4) {
                bytes.append(digits[Int((word >> UInt64(shift)) & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A metric data point reduced to what indicators need: a count or a histogram, per series.
public struct MetricSample: Hashable, Sendable, Codable {
    /// The point's time, nanoseconds since the Unix epoch.
    public var timeUnixNano: Int64
    /// The start of the accumulation (cumulative temporality), or of the interval (delta).
    public var startTimeUnixNano: Int64
    /// `service.name` of the resource.
    public var service: Symbol
    /// The metric name.
    public var name: Symbol
    /// Whether values accumulate since `startTimeUnixNano` or cover only the interval.
    public var temporality: Temporality
    /// Resource and point attributes.
    public var attributes: [Attribute]
    /// The value.
    public var value: MetricValue

    public init(
        timeUnixNano: Int64, startTimeUnixNano: Int64, service: Symbol, name: Symbol,
        temporality: Temporality, attributes: [Attribute], value: MetricValue
    ) {
        self.timeUnixNano = timeUnixNano
        self.startTimeUnixNano = startTimeUnixNano
        self.service = service
        self.name = name
        self.temporality = temporality
        self.attributes = attributes
        self.value = value
    }
}

/// OTLP aggregation temporality.
public enum Temporality: UInt8, Hashable, Sendable, Codable {
    case unspecified, delta, cumulative
}

/// The value of a metric sample.
public enum MetricValue: Hashable, Sendable, Codable {
    /// A monotonic sum (counter) or a gauge value.
    case count(Double)
    /// An explicit-bucket histogram: `bounds` are the upper bounds; `counts` has one more entry (the overflow bucket).
    case histogram(count: UInt64, bounds: [Double], counts: [UInt64])
}
