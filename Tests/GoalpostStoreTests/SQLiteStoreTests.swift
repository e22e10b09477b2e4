import Foundation
import GoalpostModel
import Testing

@testable import GoalpostStore

/// A fresh database file per test, removed afterwards.
private func withStore(_ configuration: SQLiteStore.Configuration = .init(), _ body: (SQLiteStore, String) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("goalpost.sqlite").path
    try body(try SQLiteStore(path: path, configuration: configuration), path)
}

/// Test sketches: one byte per duration, merged by concatenation (the store treats sketches as opaque bytes).
private let concatenate: @Sendable ([UInt8], [UInt8]) -> [UInt8]? = { $0 + $1 }

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("deltas for the same cell and minute add up, across transactions, sketches merged by the given function")
    func deltasAdd() throws {
        try withStore(.init(mergeSketches: concatenate)) { store, _ in
            var first = StoreBatch()
            first.aggregates = [
                AggregateRecord(outcome: "sign-in", cell: "[\"acme\"]", resolution: .minute, index: 100, good: 9, total: 10, sketch: [1]),
                AggregateRecord(outcome: "sign-in", cell: "[\"globex\"]", resolution: .minute, index: 100, good: 5, total: 5),
            ]
            try store.write(first)
            var second = StoreBatch()
            second.aggregates = [AggregateRecord(outcome: "sign-in", cell: "[\"acme\"]", resolution: .minute, index: 100, good: 1, total: 3, sketch: [2])]
            try store.write(second)
            let rows = try store.aggregates(fromHour: 0)
            #expect(rows.count == 2)
            let acme = try #require(rows.first { $0.cell == "[\"acme\"]" })
            #expect(acme.good == 10)
            #expect(acme.total == 13)
            #expect(acme.sketch == [1, 2])
            let totals = try store.totals(outcome: "sign-in")
            #expect(totals["[\"globex\"]"]?.total == 5)
        }
    }

    @Test("a roll-up replaces an hour's minute rows by one row per cell, and reads return hour rows before minute rows")
    func rollUp() throws {
        try withStore { store, _ in
            var batch = StoreBatch()
            for minute in Int64(120)..<Int64(180) {
                batch.aggregates.append(AggregateRecord(outcome: "o", cell: "[\"a\"]", resolution: .minute, index: minute, good: 1, total: 2))
            }
            batch.aggregates.append(AggregateRecord(outcome: "o", cell: "[\"a\"]", resolution: .minute, index: 180, good: 4, total: 4))
            try store.write(batch)
            #expect(try store.oldestMinuteHour() == 2)
            let replaced = try store.rollUp(hour: 2) { rows in
                [AggregateRecord(outcome: "o", cell: "[\"a\"]", resolution: .hour, index: 2, good: rows.reduce(0) { $0 + $1.good }, total: rows.reduce(0) { $0 + $1.total })]
            }
            #expect(replaced == 60)
            #expect(try store.oldestMinuteHour() == 3)
            let rows = try store.aggregates(fromHour: 0)
            #expect(rows.map(\.resolution) == [.hour, .minute])
            #expect(rows[0].good == 60 && rows[0].total == 120 && rows[0].index == 2)
            // Nothing counted twice or lost: the sums are what was written.
            #expect(try store.totals(outcome: "o")["[\"a\"]"]?.total == 124)
        }
    }

    @Test("expiry deletes hour rows, slices and samples older than the bounds and keeps the rest")
    func expiry() throws {
        try withStore { store, _ in
            var batch = StoreBatch()
            batch.aggregates = [
                AggregateRecord(outcome: "o", cell: "[]", resolution: .hour, index: 5, good: 1, total: 1),
                AggregateRecord(outcome: "o", cell: "[]", resolution: .hour, index: 10, good: 1, total: 1),
            ]
            batch.slices = [SliceRecord(outcome: "o", scope: .global, hour: 5, bad: 1, count: 60), SliceRecord(outcome: "o", scope: .customer("acme"), hour: 10, bad: 0, count: 60)]
            batch.samples = [sample(time: 100), sample(time: 900)]
            try store.write(batch)
            try store.expire(beforeHour: 8, samplesBefore: 500)
            #expect(try store.aggregates(fromHour: 0).map(\.index) == [10])
            #expect(try store.slices(fromHour: 0) == [SliceRecord(outcome: "o", scope: .customer("acme"), hour: 10, bad: 0, count: 60)])
            #expect(try store.samples(outcome: "sign-in", from: 0, to: .max, limit: 10).map(\.timeUnixNano) == [900])
        }
    }

    @Test("incidents, deploys, customers and the checkpoint round-trip, and survive reopening the file")
    func records() throws {
        try withStore { store, path in
            var incident = Incident(id: "sign-in-1", outcome: "sign-in", scope: .customer("acme"), scopes: [.customer("acme")], severity: .page, openedAt: 1_000)
            var batch = StoreBatch()
            batch.incidents = [incident]
            batch.deploys = [Deploy(service: "auth-api", version: "2.3.1", timeUnixNano: 500, title: "SSO keys")]
            batch.customers = [Customer(id: "acme", tier: "enterprise", arr: 1_200_000)]
            batch.checkpoint = [1, 2, 3]
            try store.write(batch)
            incident.resolvedAt = 2_000
            var update = StoreBatch()
            update.incidents = [incident]
            try store.write(update)

            let reopened = try SQLiteStore(path: path)
            #expect(try reopened.incident(id: "sign-in-1")?.resolvedAt == 2_000)
            #expect(try reopened.incidents(from: 0, to: .max).count == 1)
            #expect(try reopened.deploys(from: 0, to: 1_000).map(\.version) == ["2.3.1"])
            #expect(try reopened.deploys(from: 501, to: 1_000).isEmpty)
            #expect(try reopened.customers().first?.arr == 1_200_000)
            #expect(try reopened.checkpoint() == [1, 2, 3])
        }
    }

    @Test("plans: one by id, and those written after a row in the order written (a replaced plan comes again); deploy checks by deploy; the telemetry catalog")
    func plansAndChecks() throws {
        try withStore { store, _ in
            try store.add(plan: StoredPlan(id: "plan-a", commit: "abc", createdAt: 10, json: "{\"id\":\"plan-a\"}", markdown: "# a"))
            try store.add(plan: StoredPlan(id: "plan-b", commit: nil, createdAt: 5, json: "{\"id\":\"plan-b\"}", markdown: "# b"))
            let all = try store.plans(after: 0)
            #expect(all.map(\.id) == ["plan-a", "plan-b"])
            #expect(try store.plans().map(\.id) == ["plan-b", "plan-a"], "oldest first by creation")
            let last = try #require(all.last?.row)
            #expect(try store.plans(after: last).isEmpty)
            try store.add(plan: StoredPlan(id: "plan-a", commit: "abc", createdAt: 10, json: "{\"id\":\"plan-a\",\"v\":2}", markdown: "# a2"))
            #expect(try store.plans(after: last).map(\.markdown) == ["# a2"])
            #expect(try store.plan(id: "plan-a")?.markdown == "# a2")
            #expect(try store.plan(id: "plan-z") == nil)

            var batch = StoreBatch()
            batch.deployChecks = [
                StoredDeployCheck(deploy: "auth-api@2.3.1", deployedAt: 100, afterSeconds: 600, verdict: "fail", json: "{}", markdown: "10m"),
                StoredDeployCheck(deploy: "auth-api@2.3.1", deployedAt: 100, afterSeconds: 1800, verdict: "fail", json: "{}", markdown: "30m"),
                StoredDeployCheck(deploy: "search-api@1.49.0", deployedAt: 50, afterSeconds: 600, verdict: "pass", json: "{}", markdown: "s"),
            ]
            batch.telemetryCatalog = "{\"operations\":[],\"metrics\":[]}"
            try store.write(batch)
            #expect(try store.deployChecks(deploy: "auth-api@2.3.1", from: .min).map(\.markdown) == ["10m", "30m"])
            #expect(try store.deployChecks(deploy: nil, from: 60).map(\.deploy) == ["auth-api@2.3.1", "auth-api@2.3.1"])
            #expect(try store.telemetryCatalog() == "{\"operations\":[],\"metrics\":[]}")
        }
    }

    @Test("a file that is not a database is refused with its path in the error")
    func notADatabase() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-not-a-db-\(UUID().uuidString)").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            _ = try SQLiteStore(path: path)
        } throws: { error in
            "\(error)".contains(path)
        }
    }

    private func sample(time: Int64) -> EventSample {
        EventSample(
            outcome: "sign-in", timeUnixNano: time, service: "auth-api", operation: "/sso/callback", isError: true,
            durationNanos: 5, customer: "acme", traceID: nil, message: nil, attributes: ["service.version": "2.3.1"]
        )
    }
}
