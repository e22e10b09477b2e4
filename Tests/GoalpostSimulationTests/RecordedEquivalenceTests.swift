import GoalpostModel
import GoalpostSimulation
import GoalpostTelemetry
import Testing

/// The simulator's outputs agree: writing OTLP/JSON or OTLP protobuf and decoding it gives the events the
/// simulator makes directly, so the demo (protobuf through the live pipeline), a recorded file's backtest (JSON)
/// and the direct replay see the same data.
struct RecordedEquivalenceTests {
    struct Collector: TelemetrySink {
        var events: [Event] = []
        mutating func receive(_ event: Event, symbols: SymbolTable) { events.append(event) }
        mutating func receive(_ sample: MetricSample, symbols: SymbolTable) {}
    }

    /// An event with its strings resolved, comparable across symbol tables.
    static func render(_ event: Event, _ symbols: SymbolTable) -> String {
        let attributes = event.attributes.map { attribute -> String in
            let value: String
            switch attribute.value {
            case .string(let symbol): value = "\"\(symbols[symbol])\""
            case .int(let int): value = "\(int)"
            case .double(let double): value = "\(double)"
            case .bool(let bool): value = "\(bool)"
            }
            return "\(symbols[attribute.key])=\(value)"
        }
        return [
            "\(event.timeUnixNano)", "\(event.signal)", symbols[event.service], symbols[event.operation], "\(event.status)",
            "\(event.durationNanos)", event.traceID?.hex ?? "-", symbols[event.message], attributes.joined(separator: ","),
        ].joined(separator: "|")
    }

    enum Encoding: String, CaseIterable { case json, protobuf }

    @Test("decoding the simulator's OTLP gives exactly the events it makes directly, across the SSO fault", arguments: Encoding.allCases)
    func encodedMatchesDirect(_ encoding: Encoding) throws {
        // 14:00–14:20 of the default day: before and after the 14:05 deploy that breaks SSO.
        let configuration = SimulationConfiguration(seed: 11, startUnixNano: SimulationConfiguration.defaultStart + TimeSpan.hours(14).nanoseconds, duration: .minutes(20))
        var simulator = Simulator(configuration: configuration)
        var directSymbols = SymbolTable()
        let maker = SimulatedEventMaker(simulator: simulator, symbols: &directSymbols)
        let writer = OTLPJSONWriter(simulator: simulator)
        let protobufWriter = OTLPProtobufWriter(simulator: simulator)
        var decoder = OTLPJSONDecoder()
        var protobufDecoder = OTLPProtobufDecoder()
        var decodedSymbols = SymbolTable()
        var collector = Collector()
        var direct: [String] = []
        var spans: [SpanRecord] = []
        var errors = 0
        while simulator.nextMinute(into: &spans) {
            direct += spans.map { Self.render(maker.event($0), directSymbols) }
            errors += spans.count { $0.isError }
            switch encoding {
            case .json:
                var bytes: [UInt8] = []
                writer.appendLines(for: spans, to: &bytes)
                for line in bytes.split(separator: 0x0A) {
                    _ = try Array(line).withUnsafeBytes { buffer in
                        try decoder.decode(buffer, symbols: &decodedSymbols, into: &collector)
                    }
                }
            case .protobuf:
                for request in protobufWriter.requests(for: spans) {
                    let summary = try request.withUnsafeBytes { buffer in
                        try protobufDecoder.decode(buffer, kind: .traces, symbols: &decodedSymbols, into: &collector)
                    }
                    #expect(summary.skippedDataPoints == 0)
                }
            }
        }
        let decoded = collector.events.map { Self.render($0, decodedSymbols) }
        #expect(direct.count > 10_000)
        #expect(errors > 20)
        #expect(decoded.count == direct.count)
        #expect(decoded.sorted() == direct.sorted())
    }
}
