import GoalpostModel
import GoalpostTelemetry

/// One decoder and table for the whole run, as a pipeline keeps them: the symbol cache is exercised
/// across inputs. libFuzzer calls in from one thread.
nonisolated(unsafe) private var decoder = OTLPProtobufDecoder()
nonisolated(unsafe) private var symbols = SymbolTable()

/// Counts what it receives and checks that every symbol it is handed resolves in the table it is handed.
struct CheckingSink: TelemetrySink {
    var events = 0
    var samples = 0

    mutating func receive(_ event: Event, symbols: SymbolTable) {
        events += 1
        precondition(Int(event.service.rawValue) < symbols.count && Int(event.operation.rawValue) < symbols.count)
        for attribute in event.attributes { precondition(Int(attribute.key.rawValue) < symbols.count) }
    }

    mutating func receive(_ sample: MetricSample, symbols: SymbolTable) {
        samples += 1
        precondition(Int(sample.name.rawValue) < symbols.count)
        if case .histogram(_, let bounds, let counts) = sample.value { precondition(counts.isEmpty || counts.count == bounds.count + 1) }
    }
}

/// The OTLP protobuf decoder on arbitrary bytes (the first byte picks the kind): it must throw or decode, never crash, and deliver what it counts.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOTLPProtobuf(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    if symbols.count > 100_000 { symbols = SymbolTable() }
    let kind = OTLPSignalKind.allCases[Int(data[0]) % 3]
    let body = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    var sink = CheckingSink()
    do {
        let summary = try decoder.decode(body, kind: kind, symbols: &symbols, into: &sink)
        precondition(summary.events == sink.events && summary.metricSamples == sink.samples)
    } catch {
        precondition(sink.events == 0 && sink.samples == 0, "a failed request delivered something")
        precondition(error.byteOffset >= 0 && error.byteOffset <= size - 1, "offset \(error.byteOffset) outside the input")
    }
    return 0
}

// SwiftPM links an executable target's entry point as `FuzzOTLPProtobuf_main` (it renames `main` so tests can link the
// target); with -parse-as-library there is none, and libFuzzer's own `main` is not the one linked. So the entry
// point is defined here and hands over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("FuzzOTLPProtobuf_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOTLPProtobuf(data, size) }
}
