import Foundation
import GoalpostModel

/// Replays a recorded-telemetry file: JSON lines, one OTLP/JSON export request per line, as the
/// OpenTelemetry Collector's `file` exporter writes them (traces, logs and metrics may be mixed),
/// plain or gzip-compressed.
///
/// The file is read in chunks, so memory stays bounded by the chunk size and the longest line,
/// whatever the file's size. A bad line (truncated, not OTLP, a value of the wrong type) is
/// reported as `path:LINE: byte N: message` and skipped, unless `strict` is set, in which case it
/// ends the replay. Empty lines are skipped silently.
public struct RecordedTelemetryReader: Sendable {
    /// How a file is read.
    public struct Configuration: Sendable {
        /// Throw at the first bad line instead of reporting it and going on.
        public var strict: Bool
        /// Whether the file is gzip-compressed.
        public var compression: Compression
        /// How many bytes to read from the file at a time.
        public var chunkSize: Int
        /// Longer lines are reported as bad and skipped, so one runaway line cannot take all memory.
        public var maximumLineBytes: Int

        /// The defaults: lenient, compression detected, 1 MiB chunks, lines up to 256 MiB.
        public init(strict: Bool = false, compression: Compression = .automatic, chunkSize: Int = 1 << 20, maximumLineBytes: Int = 256 << 20) {
            self.strict = strict
            self.compression = compression
            self.chunkSize = chunkSize
            self.maximumLineBytes = maximumLineBytes
        }
    }

    /// Whether to decompress.
    public enum Compression: Sendable, Hashable {
        /// gzip when the name ends in `.gz` or the file starts with gzip's magic bytes 1f 8b.
        case automatic
        case none
        case gzip
    }

    /// The file to read.
    public let path: String
    /// How to read it.
    public var configuration: Configuration
    private var decoder = OTLPJSONDecoder()

    /// A reader of the file at `path`; nothing is opened until `replay`.
    public init(path: String, configuration: Configuration = Configuration()) {
        self.path = path
        self.configuration = configuration
    }

    /// Reads the whole file and delivers every good line's events and samples to `sink`.
    ///
    /// - Parameters:
    ///   - symbols: the table strings are interned into.
    ///   - sink: receives events and samples; each line's are delivered only if the line decoded.
    ///   - problems: told about each bad line (and a truncated gzip stream) when not strict.
    ///   - progress: told after each chunk how far into the file the reader is.
    /// - Returns: lines read, decoded and skipped, bytes, and the decode counts.
    /// - Throws: `RecordedTelemetryError` when the file cannot be read or decompressed, and in
    ///   strict mode for the first bad line.
    public mutating func replay(
        symbols: inout SymbolTable,
        into sink: inout some TelemetrySink,
        problems: (RecordedTelemetryError) -> Void = { _ in },
        progress: (RecordedTelemetryProgress) -> Void = { _ in }
    ) throws(RecordedTelemetryError) -> RecordedTelemetrySummary {
        var state = ReplayState(path: path, configuration: configuration, decoder: decoder)
        defer { decoder = state.decoder }
        try state.run(symbols: &symbols, sink: &sink, problems: problems, progress: progress)
        return state.summary
    }
}

/// A problem with a recorded-telemetry file or one of its lines.
///
/// `description` reads `recorded.jsonl:3: byte 17: expected ',' or '}' in object but found end of input`,
/// or `recorded.jsonl: cannot open (No such file or directory)` for the file as a whole.
public struct RecordedTelemetryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// The line, counting from 1, when the problem is one line's.
    public var line: Int?
    /// The offset of the offending byte within the line, counting from 0.
    public var byteOffset: Int?
    /// What is wrong.
    public var message: String

    /// A problem in `path`, at `line` and `byteOffset` when they are known.
    public init(path: String, line: Int? = nil, byteOffset: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.byteOffset = byteOffset
        self.message = message
    }

    public var description: String {
        var text = path
        if let line { text += ":\(line)" }
        text += ": "
        if let byteOffset { text += "byte \(byteOffset): " }
        return text + message
    }
}

/// How far a replay has got.
public struct RecordedTelemetryProgress: Hashable, Sendable {
    /// Bytes read from the file so far (compressed bytes for a gzip file).
    public var bytesRead: Int
    /// The file's size, when it could be known.
    public var totalBytes: Int?
    /// Lines read so far.
    public var lines: Int

    /// Progress with these counts.
    public init(bytesRead: Int, totalBytes: Int?, lines: Int) {
        self.bytesRead = bytesRead
        self.totalBytes = totalBytes
        self.lines = lines
    }

    /// Between 0 and 1, when the size is known.
    public var fractionCompleted: Double? {
        guard let totalBytes, totalBytes > 0 else { return nil }
        return min(1, Double(bytesRead) / Double(totalBytes))
    }
}

/// What a replay read.
public struct RecordedTelemetrySummary: Hashable, Sendable, CustomStringConvertible {
    /// Lines read, empty ones included.
    public var lines: Int
    /// Lines that decoded and were delivered.
    public var decodedLines: Int
    /// Bad lines, reported and skipped.
    public var skippedLines: Int
    /// Bytes read from the file.
    public var bytesRead: Int
    /// Bytes after decompression (the same as `bytesRead` for a plain file).
    public var decompressedBytes: Int
    /// What the decoded lines held.
    public var telemetry: DecodeSummary

    /// A summary with these counts.
    public init(lines: Int = 0, decodedLines: Int = 0, skippedLines: Int = 0, bytesRead: Int = 0, decompressedBytes: Int = 0, telemetry: DecodeSummary = DecodeSummary()) {
        self.lines = lines
        self.decodedLines = decodedLines
        self.skippedLines = skippedLines
        self.bytesRead = bytesRead
        self.decompressedBytes = decompressedBytes
        self.telemetry = telemetry
    }

    public var description: String {
        "\(lines) lines (\(decodedLines) decoded, \(skippedLines) skipped), \(bytesRead) bytes read, \(telemetry)"
    }
}

// MARK: - The replay loop

/// One replay's state: the carry-over of a line split across chunks, counts, and the decoder.
private struct ReplayState {
    let path: String
    let configuration: RecordedTelemetryReader.Configuration
    var decoder: OTLPJSONDecoder
    var summary = RecordedTelemetrySummary()
    /// The start of a line whose end is in a later chunk.
    var carry: [UInt8] = []
    /// Skipping the rest of an over-long line.
    var discarding = false

    init(path: String, configuration: RecordedTelemetryReader.Configuration, decoder: OTLPJSONDecoder) {
        self.path = path
        self.configuration = configuration
        self.decoder = decoder
    }

    mutating func run(
        symbols: inout SymbolTable,
        sink: inout some TelemetrySink,
        problems: (RecordedTelemetryError) -> Void,
        progress: (RecordedTelemetryProgress) -> Void
    ) throws(RecordedTelemetryError) {
        // Opened with open(2) so the reason for a failure is the system's own words.
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw RecordedTelemetryError(path: path, message: "cannot open (\(String(cString: strerror(errno))))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        let totalBytes = fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG ? Int(status.st_size) : nil
        var inflater: GzipInflater?
        var first = true
        let chunkSize = min(max(1, configuration.chunkSize), 1 << 30)
        while true {
            let data: Data
            do {
                data = try handle.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw RecordedTelemetryError(path: path, message: "cannot read (\(Self.reason(error)))")
            }
            if data.isEmpty { break }
            summary.bytesRead += data.count
            if first {
                first = false
                if useGzip(firstBytes: data) {
                    do {
                        inflater = try GzipInflater()
                    } catch {
                        throw RecordedTelemetryError(path: path, message: error.message)
                    }
                }
            }
            try withBytes(of: data) { (chunk) throws(RecordedTelemetryError) in
                guard let inflater else {
                    try consume(chunk, symbols: &symbols, sink: &sink, problems: problems)
                    return
                }
                inflater.feed(chunk)
                while true {
                    let plain: UnsafeRawBufferPointer?
                    do {
                        plain = try inflater.next()
                    } catch {
                        let message = (error as? GzipInflater.Failure)?.message ?? "\(error)"
                        throw RecordedTelemetryError(path: path, message: "\(message) after line \(summary.lines)")
                    }
                    guard let plain else { break }
                    try consume(plain, symbols: &symbols, sink: &sink, problems: problems)
                }
            }
            progress(RecordedTelemetryProgress(bytesRead: summary.bytesRead, totalBytes: totalBytes, lines: summary.lines))
        }
        if let inflater, !inflater.atMemberBoundary {
            let problem = RecordedTelemetryError(path: path, message: "the gzip data ends early: the file is truncated")
            if configuration.strict { throw problem }
            problems(problem)
        }
        // The last line may lack its newline.
        if !carry.isEmpty || discarding {
            let line = carry
            carry = []
            try withBytes(of: line) { (bytes) throws(RecordedTelemetryError) in
                try decodeLine(bytes, symbols: &symbols, sink: &sink, problems: problems)
            }
        }
    }

    private func useGzip(firstBytes: Data) -> Bool {
        switch configuration.compression {
        case .gzip: return true
        case .none: return false
        case .automatic:
            if path.hasSuffix(".gz") { return true }
            return firstBytes.count >= 2 && firstBytes[firstBytes.startIndex] == 0x1F && firstBytes[firstBytes.startIndex + 1] == 0x8B
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return (error as NSError).localizedDescription
    }

    /// Splits plain bytes into lines; a line's start may be in `carry` from an earlier run.
    private mutating func consume(
        _ bytes: UnsafeRawBufferPointer,
        symbols: inout SymbolTable,
        sink: inout some TelemetrySink,
        problems: (RecordedTelemetryError) -> Void
    ) throws(RecordedTelemetryError) {
        summary.decompressedBytes += bytes.count
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count {
            guard let newline = memchr(base + start, 0x0A, bytes.count - start) else {
                // No newline in the rest: keep it for the next run.
                keep(UnsafeRawBufferPointer(start: base + start, count: bytes.count - start), problems: problems)
                return
            }
            let end = base.distance(to: UnsafeRawPointer(newline))
            if carry.isEmpty && !discarding {
                try decodeLine(UnsafeRawBufferPointer(start: base + start, count: end - start), symbols: &symbols, sink: &sink, problems: problems)
            } else {
                keep(UnsafeRawBufferPointer(start: base + start, count: end - start), problems: problems)
                let line = carry
                carry.removeAll(keepingCapacity: true)
                try withBytes(of: line) { (lineBytes) throws(RecordedTelemetryError) in
                    try decodeLine(lineBytes, symbols: &symbols, sink: &sink, problems: problems)
                }
            }
            start = end + 1
        }
    }

    /// Adds to the carried line unless it grew too long; then the rest of the line is dropped.
    private mutating func keep(_ bytes: UnsafeRawBufferPointer, problems: (RecordedTelemetryError) -> Void) {
        guard !discarding else { return }
        if carry.count + bytes.count > configuration.maximumLineBytes {
            discarding = true
            carry = []
            return
        }
        carry.append(contentsOf: bytes)
    }

    /// Decodes one line (without its newline) and delivers it, or reports it.
    private mutating func decodeLine(
        _ line: UnsafeRawBufferPointer,
        symbols: inout SymbolTable,
        sink: inout some TelemetrySink,
        problems: (RecordedTelemetryError) -> Void
    ) throws(RecordedTelemetryError) {
        summary.lines += 1
        if discarding || line.count > configuration.maximumLineBytes {
            discarding = false
            try report(RecordedTelemetryError(path: path, line: summary.lines, message: "line longer than \(configuration.maximumLineBytes) bytes"), problems)
            return
        }
        var count = line.count
        if count > 0, line[count - 1] == 0x0D { count -= 1 }
        var blank = true
        for i in 0..<count where !(line[i] == 0x20 || line[i] == 0x09) {
            blank = false
            break
        }
        if blank { return }
        do {
            let decoded = try decoder.decode(UnsafeRawBufferPointer(rebasing: line[0..<count]), symbols: &symbols, into: &sink)
            summary.decodedLines += 1
            summary.telemetry += decoded
        } catch {
            try report(RecordedTelemetryError(path: path, line: summary.lines, byteOffset: error.byteOffset, message: error.message), problems)
        }
    }

    private mutating func report(_ problem: RecordedTelemetryError, _ problems: (RecordedTelemetryError) -> Void) throws(RecordedTelemetryError) {
        summary.skippedLines += 1
        if configuration.strict { throw problem }
        problems(problem)
    }
}

/// `withUnsafeBytes` with a typed error (the standard library's only rethrows `any Error`).
private func withBytes<Bytes: ContiguousBytes>(
    of bytes: Bytes,
    _ body: (UnsafeRawBufferPointer) throws(RecordedTelemetryError) -> Void
) throws(RecordedTelemetryError) {
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(RecordedTelemetryError) in try body(buffer) }
    }
    try result.get()
}
