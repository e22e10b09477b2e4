import GoalpostModel

/// What a request decoded to, held until the whole request is known to be good.
struct PendingTelemetry: Sendable {
    struct Resource: Sendable {
        var service: Symbol = SymbolTable.empty
        var attributes: Range<Int> = 0..<0
    }

    struct EventItem: Sendable {
        var signal: Signal
        var timeUnixNano: Int64
        var durationNanos: Int64
        var status: EventStatus
        var severityNumber: UInt8
        var operation: Symbol
        var message: Symbol
        var traceID: TraceID?
        var resource: Int
        var attributes: Range<Int>
    }

    struct SampleItem: Sendable {
        var timeUnixNano: Int64
        var startTimeUnixNano: Int64
        var name: Symbol
        var temporality: Temporality
        var resource: Int
        var attributes: Range<Int>
        var value: MetricValue
    }

    var resources: [Resource] = []
    var events: [EventItem] = []
    var samples: [SampleItem] = []
    /// Every attribute of the request, resources' and items' alike; items refer to ranges.
    var attributes: [Attribute] = []
    var summary = DecodeSummary()
    /// Scratch for the JSON text of array and map attribute values.
    var json: [UInt8] = []

    mutating func removeAll() {
        resources.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        samples.removeAll(keepingCapacity: true)
        attributes.removeAll(keepingCapacity: true)
        summary = DecodeSummary()
    }
}

// MARK: Delivery

extension PendingTelemetry {
    /// Hands the pending events and samples to the sink and clears them.
    ///
    /// `event` is the caller's reusable event, so its attribute storage is reused from one request to the next.
    mutating func deliver(to sink: inout some TelemetrySink, symbols: SymbolTable, event: inout Event) -> DecodeSummary {
        let all = self.attributes
        for item in events {
            let resource = resources[item.resource]
            event.timeUnixNano = item.timeUnixNano
            event.signal = item.signal
            event.service = resource.service
            event.operation = item.operation
            event.status = item.status
            event.durationNanos = item.durationNanos
            event.severityNumber = item.severityNumber
            event.traceID = item.traceID
            event.message = item.message
            event.attributes.removeAll(keepingCapacity: true)
            event.attributes.append(contentsOf: all[resource.attributes])
            event.attributes.append(contentsOf: all[item.attributes])
            sink.receive(event, symbols: symbols)
        }
        for item in samples {
            let resource = resources[item.resource]
            var combined = [Attribute]()
            combined.reserveCapacity(resource.attributes.count + item.attributes.count)
            combined.append(contentsOf: all[resource.attributes])
            combined.append(contentsOf: all[item.attributes])
            sink.receive(MetricSample(
                timeUnixNano: item.timeUnixNano, startTimeUnixNano: item.startTimeUnixNano,
                service: resource.service, name: item.name, temporality: item.temporality,
                attributes: combined, value: item.value
            ), symbols: symbols)
        }
        let delivered = summary
        removeAll()
        return delivered
    }
}

// MARK: JSON text of array, map and bytes values

extension PendingTelemetry {
    mutating func appendLiteral(_ text: String) {
        json.append(contentsOf: text.utf8)
    }

    /// Doubles as Swift prints them (the shortest text that reads back the same, valid JSON);
    /// the non-finite ones as the strings protobuf's JSON mapping uses.
    mutating func appendJSONDouble(_ value: Double) {
        if value.isNaN { appendLiteral("\"NaN\"") }
        else if value == .infinity { appendLiteral("\"Infinity\"") }
        else if value == -.infinity { appendLiteral("\"-Infinity\"") }
        else { appendLiteral(value.description) }
    }

    /// A JSON string literal of `text`, escaped.
    mutating func appendJSONString(_ text: ByteString) {
        json.append(ASCII.quote)
        for i in 0..<text.count {
            let b = text.start[i]
            switch b {
            case ASCII.quote, ASCII.backslash:
                json.append(ASCII.backslash)
                json.append(b)
            case 0x0A: appendLiteral("\\n")
            case 0x0D: appendLiteral("\\r")
            case 0x09: appendLiteral("\\t")
            case 0x08: appendLiteral("\\b")
            case 0x0C: appendLiteral("\\f")
            case 0..<0x20:
                appendLiteral("\\u00")
                json.append(hexDigits.utf8Start[Int(b >> 4)])
                json.append(hexDigits.utf8Start[Int(b & 0xF)])
            default:
                json.append(b)
            }
        }
        json.append(ASCII.quote)
    }

    /// Bytes as lower-case hex, two digits each: how `bytes` values travel as text.
    mutating func appendHex(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes {
            json.append(hexDigits.utf8Start[Int(byte >> 4)])
            json.append(hexDigits.utf8Start[Int(byte & 0xF)])
        }
    }
}

private let hexDigits: StaticString = "0123456789abcdef"
