import Foundation
import GoalpostModel
import GoalpostTelemetry
import Testing

/// Replaying recorded files: line splitting across chunks, gzip, bad lines, strict mode, progress.
@Suite struct RecordedTelemetryReaderTests {
    struct Replay {
        var events: [ReadableEvent]
        var samples: [ReadableSample]
        var problems: [String]
        var summary: RecordedTelemetrySummary
    }

    static func replay(_ path: String, _ configuration: RecordedTelemetryReader.Configuration = .init()) throws -> Replay {
        var reader = RecordedTelemetryReader(path: path, configuration: configuration)
        var symbols = SymbolTable()
        var sink = CollectingSink()
        var problems: [String] = []
        let summary = try reader.replay(symbols: &symbols, into: &sink, problems: { problems.append($0.description) })
        let table = symbols
        return Replay(
            events: sink.events.map { readable($0, table) }, samples: sink.samples.map { readable($0, table) },
            problems: problems, summary: summary
        )
    }

    static let expectedEvents = [
        ReadableEvent(
            signal: .span, time: 4000, service: "checkout", operation: "POST /pay", status: .error, duration: 3000,
            attributes: [#"service.name="checkout""#, #"customer.id="acme""#], traceID: "0102030405060708090a0b0c0d0e0f10"
        ),
        ReadableEvent(signal: .log, time: 5000, service: "auth", operation: "", status: .ok, severity: 9,
                      attributes: [#"service.name="auth""#], message: "signed in"),
        ReadableEvent(signal: .span, time: 7000, service: "", operation: "last", status: .unset, duration: 7000),
        ReadableEvent(signal: .span, time: 0, service: "", operation: "final", status: .unset),
    ]

    static let expectedSamples = [
        ReadableSample(time: 6000, start: 0, service: "api", name: "requests", temporality: .delta,
                       attributes: [#"service.name="api""#], value: .count(3)),
    ]

    static func expectedProblems(_ path: String) -> [String] {
        [
            "\(path):5: byte 94: unterminated string (the string starts at byte 90)",
            "\(path):6: byte 0: not an OTLP request: no resourceSpans, resourceLogs or resourceMetrics",
            "\(path):7: byte 64: resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber: expected a string or number, found boolean",
        ]
    }

    static let expectedTelemetry = DecodeSummary(spans: 3, logRecords: 1, metricSamples: 1)

    static let chunkSizes = [1, 7, 100, 1 << 20]

    @Test("a plain file replays the same whatever the chunk size; bad lines are reported with their line", arguments: chunkSizes)
    func plainFile(chunkSize: Int) throws {
        #expect(Self.chunkSizes.count == 4)
        let path = try fixturePath("recorded.jsonl")
        let replay = try Self.replay(path, .init(chunkSize: chunkSize))
        #expect(replay.events == Self.expectedEvents)
        #expect(replay.samples == Self.expectedSamples)
        #expect(replay.problems == Self.expectedProblems(path))
        #expect(replay.summary == RecordedTelemetrySummary(
            lines: 10, decodedLines: 5, skippedLines: 3, bytesRead: 1164, decompressedBytes: 1164, telemetry: Self.expectedTelemetry
        ))
    }

    @Test("a gzip file of two concatenated members, split inside a line, replays the same", arguments: [1, 13, 1 << 20])
    func gzipFile(chunkSize: Int) throws {
        let path = try fixturePath("recorded.jsonl.gz")
        let replay = try Self.replay(path, .init(chunkSize: chunkSize))
        #expect(replay.events == Self.expectedEvents)
        #expect(replay.samples == Self.expectedSamples)
        #expect(replay.problems == Self.expectedProblems(path))
        #expect(replay.summary == RecordedTelemetrySummary(
            lines: 10, decodedLines: 5, skippedLines: 3, bytesRead: 532, decompressedBytes: 1164, telemetry: Self.expectedTelemetry
        ))
    }

    @Test("gzip is recognised by its magic bytes when the name does not say so")
    func gzipByMagic() throws {
        let path = try TemporaryFile(contents: Data(contentsOf: URL(fileURLWithPath: try fixturePath("recorded.jsonl.gz"))))
        let replay = try Self.replay(path.path)
        #expect(replay.events == Self.expectedEvents)
        #expect(replay.problems == Self.expectedProblems(path.path))
    }

    @Test("strict mode throws at the first bad line, after delivering the lines before it")
    func strict() throws {
        let path = try fixturePath("recorded.jsonl")
        var reader = RecordedTelemetryReader(path: path, configuration: .init(strict: true))
        var symbols = SymbolTable()
        var sink = CollectingSink()
        var problems = 0
        do {
            _ = try reader.replay(symbols: &symbols, into: &sink, problems: { _ in problems += 1 })
            Issue.record("strict replay did not throw")
        } catch {
            #expect(error == RecordedTelemetryError(path: path, line: 5, byteOffset: 94, message: "unterminated string (the string starts at byte 90)"))
        }
        #expect(problems == 0)
        #expect(sink.events.count == 2)
        #expect(sink.samples.count == 1)
    }

    @Test("progress goes up to the file's size")
    func progress() throws {
        let path = try fixturePath("recorded.jsonl.gz")
        var reader = RecordedTelemetryReader(path: path, configuration: .init(chunkSize: 100))
        var symbols = SymbolTable()
        var sink = CollectingSink()
        var reports: [RecordedTelemetryProgress] = []
        _ = try reader.replay(symbols: &symbols, into: &sink, progress: { reports.append($0) })
        #expect(reports.map(\.bytesRead) == [100, 200, 300, 400, 500, 532])
        #expect(reports.allSatisfy { $0.totalBytes == 532 })
        #expect(reports.last?.fractionCompleted == 1)
        #expect(reports.last?.lines == 9)  // The last line has no newline: it is read after the last chunk.
    }

    @Test("a line over the length limit is reported and skipped, the next lines still read", arguments: [64, 1 << 20])
    func overlongLine(chunkSize: Int) throws {
        let path = try fixturePath("recorded.jsonl")
        let replay = try Self.replay(path, .init(chunkSize: chunkSize, maximumLineBytes: 300))
        #expect(replay.problems.first == "\(path):1: line longer than 300 bytes")
        #expect(replay.events == Array(Self.expectedEvents.dropFirst()))
        #expect(replay.summary.skippedLines == 4)
    }

    @Test("a truncated gzip file is reported, and what came before it replays")
    func truncatedGzip() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: try fixturePath("recorded.jsonl.gz")))
        let file = try TemporaryFile(contents: whole.prefix(whole.count - 30), suffix: ".gz")
        let replay = try Self.replay(file.path)
        #expect(replay.problems.contains("\(file.path): the gzip data ends early: the file is truncated"))
        #expect(replay.events.prefix(2) == Self.expectedEvents.prefix(2))
        #expect(throws: RecordedTelemetryError.self) { try Self.replay(file.path, .init(strict: true)) }
    }

    @Test("corrupt gzip data ends the replay with an error naming the file")
    func corruptGzip() throws {
        let file = try TemporaryFile(contents: Data([0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x03, 0xFF, 0xFF, 0xFF, 0xFF]))
        do {
            _ = try Self.replay(file.path)
            Issue.record("corrupt gzip replayed")
        } catch let error as RecordedTelemetryError {
            #expect(error.path == file.path)
            #expect(error.line == nil)
            #expect(error.message.hasPrefix("corrupt gzip data"))
        }
    }

    @Test("a missing file is an error; an empty file replays nothing")
    func missingAndEmpty() throws {
        do {
            _ = try Self.replay("/nonexistent/recorded.jsonl")
            Issue.record("missing file replayed")
        } catch let error as RecordedTelemetryError {
            #expect(error.description == "/nonexistent/recorded.jsonl: cannot open (No such file or directory)")
        }
        let empty = try TemporaryFile(contents: Data())
        #expect(try Self.replay(empty.path).summary == RecordedTelemetrySummary())
    }
}

/// A file in the temporary directory, removed when the value goes away.
final class TemporaryFile {
    let path: String

    init(contents: Data, suffix: String = "") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-\(UUID().uuidString)\(suffix)").path
        try contents.write(to: URL(fileURLWithPath: path))
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
