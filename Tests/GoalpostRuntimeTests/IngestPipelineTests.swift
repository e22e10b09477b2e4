import Foundation
import GoalpostEvaluation
import GoalpostModel
import GoalpostStore
import GoalpostTelemetry
import GoalpostTestSupport
import Logging
import Synchronization
import Testing

@testable import GoalpostRuntime

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(to time: Int64) { value.withLock { $0 = time } }
}

@Suite("Ingest pipeline")
struct IngestPipelineTests {
    static let t0: Int64 = 1_795_392_000_000_000_000  // 2026-11-23T00:00:00Z
    static let minute: Int64 = 60_000_000_000
    static let hour: Int64 = 60 * minute
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static let catalog = Catalog(outcomes: [
        Outcome(
            name: "checkout", statement: "customers can check out",
            indicator: Indicator(source: .traces, service: "shop", operations: ["/checkout"]), objective: 0.999,
            window: .rolling(.days(30))
        ),
    ])

    static func spans(_ count: Int, errors: Int, customer: String, at time: Int64) -> [UInt8] {
        let items = (0..<count).map { index in
            """
            {"traceId":"\(String(format: "%032x", index + 1))","spanId":"\(String(format: "%016x", index + 1))","name":"POST /checkout",\
            "startTimeUnixNano":"\(time - 1_000_000)","endTimeUnixNano":"\(time)",\
            "attributes":[{"key":"customer.id","value":{"stringValue":"\(customer)"}},{"key":"http.route","value":{"stringValue":"/checkout"}}],\
            "status":{"code":\(index < errors ? 2 : 1)}}
            """
        }
        return Array("""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"shop"}}]},"scopeSpans":[{"spans":[\(items.joined(separator: ","))]}]}]}
            """.utf8)
    }

    func submit(_ pipeline: IngestPipeline, _ payload: IngestPipeline.Payload) async -> IngestPipeline.Reply {
        let bytes: Int
        if case .otlp(_, _, let body) = payload { bytes = body.count } else { bytes = 0 }
        #expect(pipeline.reserve(bytes: bytes))
        return await pipeline.submit(payload, reserved: bytes)
    }

    @Test("an hour past the minute tier is rolled up into hour rows, and a new pipeline on the same store counts everything once")
    func rollUpAndRestore() async throws {
        let folder = try temporaryDirectory("goalpost-pipeline")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("goalpost.sqlite").path, configuration: IngestPipeline.storeConfiguration())
        let clock = ManualClock(Self.t0 + 30_000_000_000)
        var configuration = IngestPipeline.Configuration()
        configuration.tickInterval = .seconds(10)
        let pipeline = try IngestPipeline(catalog: Self.catalog, store: store, configuration: configuration, logger: Self.logger, clock: { clock.now })
        let running = Task { try await pipeline.run() }

        let first = await submit(pipeline, .otlp(signal: .traces, format: .json, body: Self.spans(10, errors: 2, customer: "acme", at: Self.t0 + 20_000_000_000)))
        guard case .accepted(10, 0, _) = first else {
            Issue.record("expected 10 accepted spans, got \(first)")
            return
        }
        #expect(try store.aggregates(fromHour: 0).map(\.resolution) == [.minute], "acknowledged means stored")
        // A second request for the same cell and minute is added to the row, its latencies merged into the sketch.
        let again = await submit(pipeline, .otlp(signal: .traces, format: .json, body: Self.spans(2, errors: 0, customer: "acme", at: Self.t0 + 40_000_000_000)))
        guard case .accepted(2, 0, _) = again else {
            Issue.record("expected 2 accepted spans, got \(again)")
            return
        }

        // Ten hours later the hour of t0 is older than the 8h minute tier plus one hour: the next tick rolls it up.
        clock.advance(to: Self.t0 + 10 * Self.hour)
        _ = await submit(pipeline, .status)
        // Maintenance runs after a batch is answered; the worker finishes it before it takes the next job.
        _ = await submit(pipeline, .status)
        let rows = try store.aggregates(fromHour: 0)
        #expect(rows.count == 1)
        #expect(rows.first?.resolution == .hour)
        #expect(rows.first?.index == Self.t0 / Self.hour)
        // 10 spans with 2 errors, then 2 good ones: 10 good of 12, and 12 durations in the merged sketch.
        #expect(rows.first?.good == 10 && rows.first?.total == 12)
        #expect(rows.first?.sketch.flatMap { LatencySketch(serialized: $0) }?.count == 12)

        let second = await submit(pipeline, .otlp(signal: .traces, format: .json, body: Self.spans(5, errors: 0, customer: "acme", at: Self.t0 + 10 * Self.hour - 1_000)))
        guard case .accepted(5, 0, _) = second else {
            Issue.record("expected 5 accepted spans, got \(second)")
            return
        }
        let late = await submit(pipeline, .otlp(signal: .traces, format: .json, body: Self.spans(3, errors: 0, customer: "acme", at: Self.t0 + 9 * Self.hour)))
        guard case .accepted(0, 3, let message) = late else {
            Issue.record("expected 3 rejected spans, got \(late)")
            return
        }
        #expect(message.contains("older than the allowed lateness"))
        running.cancel()
        try await running.value

        let restarted = try IngestPipeline(catalog: Self.catalog, store: store, configuration: configuration, logger: Self.logger, clock: { clock.now })
        let task = Task { try await restarted.run() }
        guard case .statuses(let statuses) = await submit(restarted, .status) else {
            Issue.record("expected statuses")
            return
        }
        let acme = statuses.first?.customers.first { $0.scope == .customer("acme") }
        #expect(acme?.events == Counts(good: 15, total: 17), "the hour row and the minute row, each once")
        #expect(statuses.first?.global.events == Counts(good: 15, total: 17))
        task.cancel()
        try await task.value
    }

    @Test("the telemetry catalog counts what no outcome selects too, is kept when the pipeline stops, and a restart continues it")
    func telemetryCatalogSurvivesRestart() async throws {
        let folder = try temporaryDirectory("goalpost-catalog")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("goalpost.sqlite").path, configuration: IngestPipeline.storeConfiguration())
        let clock = ManualClock(Self.t0 + 30_000_000_000)
        let pipeline = try IngestPipeline(catalog: Self.catalog, store: store, logger: Self.logger, clock: { clock.now })
        let running = Task { try await pipeline.run() }
        let cart = String(decoding: Self.spans(4, errors: 1, customer: "globex", at: Self.t0 + 20_000_000_000), as: UTF8.self)
            .replacingOccurrences(of: "/checkout", with: "/cart")
        _ = await submit(pipeline, .otlp(signal: .traces, format: .json, body: Self.spans(10, errors: 2, customer: "acme", at: Self.t0 + 20_000_000_000)))
        _ = await submit(pipeline, .otlp(signal: .traces, format: .json, body: Array(cart.utf8)))
        clock.advance(to: Self.t0 + 50_000_000_000)
        _ = await submit(pipeline, .status)
        let before = await pipeline.read { $0.engine.telemetry.catalog(symbols: $0.symbols) }
        #expect(before?.operations.map { "\($0.service) \($0.operation) \(Int($0.events))/\(Int($0.errors))" } == ["shop /checkout 10/2", "shop /cart 4/1"])
        running.cancel()
        try await running.value

        let restarted = try IngestPipeline(catalog: Self.catalog, store: store, logger: Self.logger, clock: { clock.now })
        let task = Task { try await restarted.run() }
        _ = await submit(restarted, .otlp(signal: .traces, format: .json, body: Array(cart.utf8)))
        let after = await restarted.read { $0.engine.telemetry.catalog(symbols: $0.symbols) }
        #expect(after?.operations.map { "\($0.service) \($0.operation) \(Int($0.events))/\(Int($0.errors))" } == ["shop /checkout 10/2", "shop /cart 8/2"])
        let checkout = after?.operations.first { $0.operation == "/checkout" }
        #expect(checkout?.attributes.contains { $0.key == "customer.id" && $0.examples == ["acme"] } == true, "the stored profile stands")
        #expect(checkout?.p50Milliseconds != nil)
        task.cancel()
        try await task.value
    }

    @Test("a malformed body is refused whole and leaves the store untouched")
    func malformed() async throws {
        let folder = try temporaryDirectory("goalpost-pipeline-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("goalpost.sqlite").path, configuration: IngestPipeline.storeConfiguration())
        let pipeline = try IngestPipeline(catalog: Self.catalog, store: store, logger: Self.logger, clock: { Self.t0 })
        let running = Task { try await pipeline.run() }
        var body = Self.spans(4, errors: 0, customer: "acme", at: Self.t0)
        body.removeLast(3)
        guard case .invalid(let message) = await submit(pipeline, .otlp(signal: .traces, format: .json, body: body)) else {
            Issue.record("expected invalid")
            return
        }
        #expect(message.contains("byte"))
        guard case .invalid(let events) = await submit(pipeline, .events(Array(#"[{"name":"x"}]"#.utf8))) else {
            Issue.record("expected invalid")
            return
        }
        #expect(events.contains("events[0].time"))
        running.cancel()
        try await running.value
        #expect(try store.aggregates(fromHour: 0).isEmpty)
    }
}
