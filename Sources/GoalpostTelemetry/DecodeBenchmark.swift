import Foundation
import GoalpostModel

/// Throughput of the OTLP/JSON decoder on a recorded-telemetry file, for a `bench-decode` command.
public struct DecodeBenchmark: Sendable, CustomStringConvertible {
    /// Wall-clock and CPU time of one measured run, in seconds.
    public struct Timing: Sendable, Hashable {
        public var wallSeconds: Double
        /// CPU time of the measuring thread: what one core spent, whatever else the machine ran.
        public var cpuSeconds: Double
    }

    /// Lines in the file, empty ones included.
    public var lines: Int
    /// Plain (decompressed) bytes of those lines.
    public var bytes: Int
    /// Best run decoding every line held in memory and delivering it to a counting sink.
    public var decode: Timing
    /// Best run of the same without delivery: the parse into the decoder's scratch buffers
    /// alone. The difference is what all-or-nothing delivery costs.
    public var parseOnly: Timing
    /// One replay of the file through `RecordedTelemetryReader` with a fresh symbol table:
    /// reading, decompressing, splitting lines, decoding, interning and delivering.
    public var replay: Timing
    /// What the replay read.
    public var summary: RecordedTelemetrySummary

    /// Decimal megabytes per second for a time over `bytes`.
    public func megabytesPerSecond(_ seconds: Double) -> Double {
        seconds > 0 ? Double(bytes) / 1e6 / seconds : 0
    }

    public var description: String {
        func line(_ label: String, _ timing: Timing) -> String {
            let cpu = String(format: "%.1f", megabytesPerSecond(timing.cpuSeconds))
            let wall = String(format: "%.1f", megabytesPerSecond(timing.wallSeconds))
            return label + ": \(cpu) MB/s per CPU second (\(wall) MB/s wall clock)"
        }
        return """
        \(lines) lines, \(String(format: "%.1f", Double(bytes) / 1e6)) MB: \(summary.telemetry)
        \(line("decode (in memory, delivered)", decode))
        \(line("parse only (no delivery)     ", parseOnly))
        \(line("replay (file, cold symbols)  ", replay))
        """
    }
}

/// Measures the decoder on the recorded-telemetry file at `path` (plain or gzip).
///
/// The file is loaded into memory for the in-memory runs, so use a file that fits.
/// - Parameters:
///   - path: the file.
///   - repetitions: how many times the in-memory runs are repeated; the best time counts.
///   - clock: the clock that times the runs.
/// - Returns: times and counts.
/// - Throws: `RecordedTelemetryError` when the file cannot be read or a line does not decode.
public func benchmarkDecode(
    path: String,
    repetitions: Int = 3,
    clock: ContinuousClock = ContinuousClock()
) throws(RecordedTelemetryError) -> DecodeBenchmark {
    // One replay through the reader first, with a fresh table, as a backtest starts.
    var reader = RecordedTelemetryReader(path: path, configuration: .init(strict: true))
    var symbols = SymbolTable()
    var counter = CountingSink()
    var stopwatch = Stopwatch(clock: clock)
    let summary = try reader.replay(symbols: &symbols, into: &counter)
    let replay = stopwatch.lap()

    let text = try loadPlainBytes(path: path)
    var lines: [Range<Int>] = []
    var start = 0
    for index in text.indices where text[index] == 0x0A {
        if index > start { lines.append(start..<index) }
        start = index + 1
    }
    if start < text.count { lines.append(start..<text.count) }

    var decoder = OTLPJSONDecoder()
    var decode = DecodeBenchmark.Timing(wallSeconds: .infinity, cpuSeconds: .infinity)
    var parseOnly = decode
    let runs = max(1, repetitions)
    let outcome: Result<Void, TelemetryDecodingError> = text.withUnsafeBytes { buffer in
        Result { () throws(TelemetryDecodingError) in
            for _ in 0..<runs {
                stopwatch.restart()
                for line in lines {
                    _ = try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[line]), symbols: &symbols, into: &counter)
                }
                decode = decode.best(stopwatch.lap())
                for line in lines {
                    try decoder.parse(UnsafeRawBufferPointer(rebasing: buffer[line]), symbols: &symbols)
                    decoder.pending.removeAll()
                }
                parseOnly = parseOnly.best(stopwatch.lap())
            }
        }
    }
    if case .failure(let error) = outcome {
        throw RecordedTelemetryError(path: path, byteOffset: error.byteOffset, message: error.message)
    }
    if counter.attributes < 0 { print("unreachable") }  // Keeps the sink's work observable.
    return DecodeBenchmark(
        lines: summary.lines, bytes: text.count, decode: decode, parseOnly: parseOnly, replay: replay, summary: summary
    )
}

extension DecodeBenchmark.Timing {
    func best(_ other: Self) -> Self {
        Self(wallSeconds: min(wallSeconds, other.wallSeconds), cpuSeconds: min(cpuSeconds, other.cpuSeconds))
    }
}

/// Wall-clock time from the given clock, CPU time of the calling thread from the system.
struct Stopwatch {
    let clock: ContinuousClock
    var wallStart: ContinuousClock.Instant
    var cpuStart: Double

    init(clock: ContinuousClock) {
        self.clock = clock
        wallStart = clock.now
        cpuStart = Self.threadCPUSeconds()
    }

    mutating func restart() {
        wallStart = clock.now
        cpuStart = Self.threadCPUSeconds()
    }

    /// The time since the last lap or restart; starts the next lap.
    mutating func lap() -> DecodeBenchmark.Timing {
        let timing = DecodeBenchmark.Timing(wallSeconds: seconds(clock.now - wallStart), cpuSeconds: Self.threadCPUSeconds() - cpuStart)
        restart()
        return timing
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

private func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
}

/// Counts what it receives and touches every attribute, as a real sink would read them.
struct CountingSink: TelemetrySink {
    var events = 0
    var samples = 0
    var attributes = 0

    mutating func receive(_ event: Event, symbols: SymbolTable) {
        events += 1
        attributes &+= event.attributes.count &+ Int(event.operation.rawValue & 1)
    }

    mutating func receive(_ sample: MetricSample, symbols: SymbolTable) {
        samples += 1
        attributes &+= sample.attributes.count
    }
}

/// The whole file, decompressed when it is gzip.
private func loadPlainBytes(path: String) throws(RecordedTelemetryError) -> [UInt8] {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw RecordedTelemetryError(path: path, message: "cannot read (\(error.localizedDescription))")
    }
    guard data.count >= 2, data[data.startIndex] == 0x1F, data[data.startIndex + 1] == 0x8B else { return [UInt8](data) }
    var plain = [UInt8]()
    let outcome: Result<Void, GzipInflater.Failure> = data.withUnsafeBytes { buffer in
        Result { () throws(GzipInflater.Failure) in
            let inflater = try GzipInflater()
            inflater.feed(buffer)
            while let run = try inflater.next() { plain.append(contentsOf: run) }
        }
    }
    if case .failure(let error) = outcome { throw RecordedTelemetryError(path: path, message: error.message) }
    return plain
}
