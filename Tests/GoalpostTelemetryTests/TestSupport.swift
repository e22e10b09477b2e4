import Foundation
import GoalpostModel
import GoalpostTelemetry
import Testing

/// Keeps everything it receives, for assertions.
struct CollectingSink: TelemetrySink {
    var events: [Event] = []
    var samples: [MetricSample] = []

    mutating func receive(_ event: Event, symbols: SymbolTable) { events.append(event) }
    mutating func receive(_ sample: MetricSample, symbols: SymbolTable) { samples.append(sample) }
}

/// An event with its symbols resolved to strings, so expectations read as text.
struct ReadableEvent: Hashable, CustomStringConvertible {
    var signal: Signal
    var time: Int64
    var service: String
    var operation: String
    var status: EventStatus
    var duration: Int64 = 0
    var severity: UInt8 = 0
    var attributes: [String] = []
    var traceID: String? = nil
    var message: String = ""

    var description: String {
        "\(signal) \(time) \(service) \(operation) \(status) d=\(duration) sev=\(severity) trace=\(traceID ?? "-") msg=\(message) \(attributes)"
    }
}

/// A metric sample with its symbols resolved.
struct ReadableSample: Hashable {
    var time: Int64
    var start: Int64
    var service: String
    var name: String
    var temporality: Temporality
    var attributes: [String]
    var value: MetricValue
}

/// `key=value`, with strings quoted so `"5"` and `5` differ.
func readable(_ attribute: Attribute, _ symbols: SymbolTable) -> String {
    let key = symbols[attribute.key]
    switch attribute.value {
    case .string(let value): return "\(key)=\"\(symbols[value])\""
    case .int(let value): return "\(key)=\(value)"
    case .double(let value): return "\(key)=\(value)"
    case .bool(let value): return "\(key)=\(value)"
    }
}

func readable(_ event: Event, _ symbols: SymbolTable) -> ReadableEvent {
    ReadableEvent(
        signal: event.signal, time: event.timeUnixNano, service: symbols[event.service],
        operation: symbols[event.operation], status: event.status, duration: event.durationNanos,
        severity: event.severityNumber, attributes: event.attributes.map { readable($0, symbols) },
        traceID: event.traceID?.hex, message: symbols[event.message]
    )
}

func readable(_ sample: MetricSample, _ symbols: SymbolTable) -> ReadableSample {
    ReadableSample(
        time: sample.timeUnixNano, start: sample.startTimeUnixNano, service: symbols[sample.service],
        name: symbols[sample.name], temporality: sample.temporality,
        attributes: sample.attributes.map { readable($0, symbols) }, value: sample.value
    )
}

/// Decodes one request from text with a fresh decoder and table.
struct Decoded {
    var events: [ReadableEvent]
    var samples: [ReadableSample]
    var summary: DecodeSummary
}

func decode(_ text: String, decoder: inout OTLPJSONDecoder, symbols: inout SymbolTable) throws(TelemetryDecodingError) -> Decoded {
    var sink = CollectingSink()
    let bytes = Array(text.utf8)
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(TelemetryDecodingError) -> DecodeSummary in try decoder.decode(buffer, symbols: &symbols, into: &sink) }
    }
    let summary = try result.get()
    let table = symbols
    return Decoded(
        events: sink.events.map { readable($0, table) },
        samples: sink.samples.map { readable($0, table) },
        summary: summary
    )
}

func decode(_ text: String) throws(TelemetryDecodingError) -> Decoded {
    var decoder = OTLPJSONDecoder()
    var symbols = SymbolTable()
    return try decode(text, decoder: &decoder, symbols: &symbols)
}

/// The error a decode throws, or nil.
func decodingError(_ text: String) -> TelemetryDecodingError? {
    do {
        _ = try decode(text)
        return nil
    } catch {
        return error
    }
}

/// The text of a fixture file.
func fixture(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
    return try String(contentsOf: url, encoding: .utf8)
}

func fixturePath(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")).path
}
