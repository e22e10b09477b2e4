import Foundation
import GoalpostModel
import GoalpostTelemetry
import SwiftProtobuf

typealias Request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest

/// `SwiftProtobufCompare FILE [REPETITIONS]`: decodes a stream of length-delimited ExportTraceServiceRequest
/// messages with swift-protobuf's generated types (parse alone, and parse + walk to Goalpost events) and with
/// Goalpost's hand-written decoder, alternating, and prints the best pass of each in MB and spans per CPU second.
@main
struct SwiftProtobufCompare {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: SwiftProtobufCompare FILE [REPETITIONS]\n".utf8))
            exit(2)
        }
        let repetitions = arguments.count > 2 ? Int(arguments[2]) ?? 3 : 3
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: arguments[1])))
        guard let ranges = delimitedMessages(in: bytes) else {
            FileHandle.standardError.write(Data("\(arguments[1]): not a stream of length-delimited messages\n".utf8))
            exit(1)
        }
        let messages = ranges.map { Array(bytes[$0]) }
        let total = messages.reduce(0) { $0 + $1.count }

        var parseOnly = Double.infinity
        var parseAndWalk = Double.infinity
        var handWritten = Double.infinity
        var spans = 0
        var check = 0
        for _ in 0..<max(1, repetitions) {
            var start = threadCPUSeconds()
            for message in messages {
                let request = try Request(serializedBytes: message)
                check &+= request.resourceSpans.count
            }
            parseOnly = min(parseOnly, threadCPUSeconds() - start)

            start = threadCPUSeconds()
            var symbols = SymbolTable()
            var sink = CountingSink()
            for message in messages {
                let request = try Request(serializedBytes: message)
                walk(request, symbols: &symbols, into: &sink)
            }
            parseAndWalk = min(parseAndWalk, threadCPUSeconds() - start)
            spans = sink.events
            check &+= sink.attributes

            start = threadCPUSeconds()
            var decoder = OTLPProtobufDecoder()
            var ownSymbols = SymbolTable()
            var ownSink = CountingSink()
            try bytes.withUnsafeBytes { buffer in
                for range in ranges {
                    _ = try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[range]), kind: .traces, symbols: &ownSymbols, into: &ownSink)
                }
            }
            handWritten = min(handWritten, threadCPUSeconds() - start)
            check &+= ownSink.attributes
            precondition(ownSink.events == spans, "the two decoders disagree on the span count")
        }
        func line(_ label: String, _ seconds: Double) -> String {
            String(format: "%@: %.1f MB/s, %.2f M spans/s", label, Double(total) / 1e6 / seconds, Double(spans) / 1e6 / seconds)
        }
        print("\(messages.count) requests, \(String(format: "%.1f", Double(total) / 1e6)) MB, \(spans) spans (check \(check & 1))")
        print(line("swift-protobuf init(serializedBytes:) only      ", parseOnly))
        print(line("swift-protobuf init + walk to events (delivered)", parseAndWalk))
        print(line("goalpost hand-written decode (delivered)        ", handWritten))
        print(String(format: "ratio hand-written / swift-protobuf (init + walk): %.1fx", parseAndWalk / handWritten))
    }

    /// The span mapping of `OTLPJSONDecoder`/`OTLPProtobufDecoder`, over generated types: operation from
    /// `http.route` else the name, end time, error for code 2, resource attributes then the span's.
    /// (Array, map and bytes values, absent from the benchmark's data, are left out.)
    static func walk(_ request: Request, symbols: inout SymbolTable, into sink: inout CountingSink) {
        let serviceName = symbols.intern("service.name")
        let httpRoute = symbols.intern("http.route")
        var event = Event(timeUnixNano: 0, signal: .span, service: SymbolTable.empty, operation: SymbolTable.empty, status: .unset)
        for resourceSpans in request.resourceSpans {
            var resource: [Attribute] = []
            for kv in resourceSpans.resource.attributes { resource.append(attribute(kv, &symbols)) }
            let service = resource.last { $0.key == serviceName }.flatMap { if case .string(let s) = $0.value { s } else { nil } }
            for scopeSpans in resourceSpans.scopeSpans {
                for span in scopeSpans.spans {
                    event.attributes.removeAll(keepingCapacity: true)
                    event.attributes.append(contentsOf: resource)
                    var route: Symbol?
                    for kv in span.attributes {
                        let attribute = attribute(kv, &symbols)
                        if attribute.key == httpRoute, case .string(let value) = attribute.value { route = value }
                        event.attributes.append(attribute)
                    }
                    let start = Int64(bitPattern: span.startTimeUnixNano)
                    let end = Int64(bitPattern: span.endTimeUnixNano)
                    let (duration, overflow) = end.subtractingReportingOverflow(start)
                    event.timeUnixNano = end
                    event.durationNanos = overflow || duration < 0 ? 0 : duration
                    event.service = service ?? SymbolTable.empty
                    event.operation = route ?? symbols.intern(span.name)
                    let code = span.status.code.rawValue
                    event.status = code == 2 ? .error : code == 1 ? .ok : .unset
                    event.message = symbols.intern(span.status.message)
                    event.traceID = traceID(span.traceID)
                    sink.receive(event, symbols: symbols)
                }
            }
        }
    }

    static func attribute(_ kv: Opentelemetry_Proto_Common_V1_KeyValue, _ symbols: inout SymbolTable) -> Attribute {
        let key = symbols.intern(kv.key)
        switch kv.value.value {
        case .stringValue(let text): return Attribute(key: key, value: .string(symbols.intern(text)))
        case .intValue(let number): return Attribute(key: key, value: .int(number))
        case .doubleValue(let number): return Attribute(key: key, value: .double(number))
        case .boolValue(let flag): return Attribute(key: key, value: .bool(flag))
        default: return Attribute(key: key, value: .string(SymbolTable.empty))
        }
    }

    static func traceID(_ data: Data) -> TraceID? {
        guard data.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in data.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        return high == 0 && low == 0 ? nil : TraceID(high: high, low: low)
    }
}

/// Counts what it receives and touches every attribute, as DecodeBenchmark's sink does.
struct CountingSink: TelemetrySink {
    var events = 0
    var attributes = 0

    mutating func receive(_ event: Event, symbols: SymbolTable) {
        events += 1
        attributes &+= event.attributes.count &+ Int(event.operation.rawValue & 1)
    }

    mutating func receive(_ sample: MetricSample, symbols: SymbolTable) {
        attributes &+= sample.attributes.count
    }
}

func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
