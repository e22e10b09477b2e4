import Foundation
import GoalpostModel
import Testing

@testable import GoalpostEvaluation

/// A store in miniature: minute deltas summed per (outcome, cell, minute), rolled up into hour rows once older
/// than `minuteHours` hours, as `SQLiteStore` and the ingest pipeline do.
struct MemoryStore {
    var minutes: [String: CellDelta] = [:]
    var hours: [String: CellDelta] = [:]
    var slices: [SliceDelta] = []
    let minuteHours: Int64 = 9

    mutating func write(_ commit: EngineCommit) {
        for delta in commit.deltas { add(delta, into: &minutes, key: "\(delta.outcome)|\(delta.key.text)|\(delta.index)") }
        slices.append(contentsOf: commit.slices)
    }

    mutating func rollUp(frontier: Int64) {
        let boundary = (frontier / Clock.hour - minuteHours) * 60
        for (key, delta) in minutes where delta.index < boundary {
            minutes[key] = nil
            var hour = delta
            hour.resolution = .hour
            hour.index = delta.index / 60
            add(hour, into: &hours, key: "\(delta.outcome)|\(delta.key.text)|\(hour.index)")
        }
    }

    private func add(_ delta: CellDelta, into rows: inout [String: CellDelta], key: String) {
        if var existing = rows[key] {
            existing.counts.good += delta.counts.good
            existing.counts.total += delta.counts.total
            if let sketch = delta.sketch {
                if existing.sketch == nil { existing.sketch = sketch } else { existing.sketch?.merge(sketch) }
            }
            rows[key] = existing
        } else {
            rows[key] = delta
        }
    }

    /// Hour rows then minute rows, oldest first, as `SQLiteStore.aggregates(fromHour:)` returns them.
    var rows: [CellDelta] {
        hours.values.sorted { $0.index < $1.index } + minutes.values.sorted { $0.index < $1.index }
    }
}

@Suite("Engine persistence")
struct PersistenceTests {
    static let configuration = EvaluationEngine.Configuration(badSamplesPerMinute: 3, persistence: true)

    static func outcomes() -> [Outcome] {
        [
            Fixture.outcome(name: "signin", dimensions: ["region"]),
            Fixture.outcome(name: "signin-slices", budgeting: .timeslices(slice: .minutes(5), threshold: 0.99)),
        ]
    }

    /// Twelve hours of traffic for three customers in two regions; globex fails 1 in 15 in hour 1 (every slice of
    /// that hour bad, long before the minute tier), acme 30% from hour 11.
    static func traffic(_ harness: inout Harness, store: inout MemoryStore?, from start: Int64, to end: Int64) {
        var minute = start
        while minute < end {
            for (index, customer) in ["acme", "globex", "initech"].enumerated() {
                for second in stride(from: Int64(0), to: 60, by: 4) {
                    let time = minute + second * Clock.second + Int64(index) * 1_000
                    let acme = customer == "acme" && minute >= Clock.t0 + 11 * Clock.hour && second % 10 < 3
                    let globex = customer == "globex" && (Clock.t0 + Clock.hour..<Clock.t0 + 2 * Clock.hour).contains(minute) && second % 60 == 0
                    let failing = acme || globex
                    let event = harness.event(
                        at: time, customer: customer, ok: !failing, duration: .milliseconds(10 + second),
                        attributes: ["region": index == 1 ? "eu" : "us"]
                    )
                    harness.ingest(event)
                }
            }
            minute += Clock.minute
            if store != nil {
                store?.write(harness.engine.commit())
            }
            harness.tick(minute)
            if store != nil {
                store?.write(harness.engine.commit())
                store?.rollUp(frontier: minute)
            }
        }
    }

    @Test("an engine restored from its commits, roll-ups and checkpoint reports the same status and acts the same afterwards")
    func restoreIsEquivalent() throws {
        var original = try Harness(Self.outcomes(), configuration: Self.configuration)
        var store: MemoryStore? = MemoryStore()
        let stop = Clock.t0 + 11 * Clock.hour + 20 * Clock.minute
        Self.traffic(&original, store: &store, from: Clock.t0, to: stop)
        let saved = try #require(store)
        #expect(original.opened.contains { $0.outcome == "signin" && $0.scope == .customer("acme") }, "the fault opens an incident before the restart")
        #expect(!saved.hours.isEmpty, "older minutes were rolled up into hours")
        #expect(!saved.slices.isEmpty, "finished hours' slice tallies were committed")

        // The checkpoint goes through JSON, as the pipeline stores it.
        let checkpoint = try JSONDecoder().decode(EvaluationCheckpoint.self, from: JSONEncoder().encode(original.engine.checkpoint()))
        var restored = try Harness(Self.outcomes(), configuration: Self.configuration)
        let skipped = restored.engine.restore(deltas: saved.rows, slices: saved.slices, symbols: &restored.symbols)
        restored.engine.restore(checkpoint, symbols: &restored.symbols)
        #expect(skipped == 0)

        for name in ["signin", "signin-slices"] {
            let before = try #require(original.status(name, at: stop))
            let after = try #require(restored.status(name, at: stop))
            #expect(after == before, "status of \(name) after the restore")
        }
        #expect(restored.engine.openIncidents == original.engine.openIncidents)

        // The same traffic afterwards produces the same actions: no second incident, the same updates.
        var none: MemoryStore? = nil
        let originalCount = original.actions.count
        Self.traffic(&original, store: &none, from: stop, to: stop + 40 * Clock.minute)
        Self.traffic(&restored, store: &none, from: stop, to: stop + 40 * Clock.minute)
        #expect(restored.actions.map(\.action) == original.actions.dropFirst(originalCount).map(\.action))
        #expect(!restored.opened.contains { $0.scope == .customer("acme") }, "the open incident continues instead of opening again")
    }

    @Test("commit hands out each cell-minute's new counts once, and bad-event samples up to the limit per minute")
    func commitDeltas() throws {
        var harness = try Harness([Fixture.outcome(dimensions: ["region"])], configuration: Self.configuration)
        for second in 0..<10 {
            harness.ingest(harness.event(at: Clock.t0 + Int64(second) * Clock.second, customer: "acme", ok: second % 2 == 0, attributes: ["region": "eu"]))
        }
        let first = harness.engine.commit()
        #expect(first.deltas.count == 1)
        let delta = try #require(first.deltas.first)
        #expect(delta.key.text == "[\"acme\",\"eu\"]")
        #expect(delta.counts == Counts(good: 5, total: 10))
        #expect(delta.sketch?.count == 10)
        #expect(first.samples.count == 3)
        #expect(first.samples.allSatisfy { $0.customer == "acme" && $0.isError && $0.attributes["region"] == "eu" })
        #expect(harness.engine.commit().isEmpty, "a second commit without new events hands out nothing")
        harness.ingest(harness.event(at: Clock.t0 + 30 * Clock.second, customer: "acme", ok: false, attributes: ["region": "eu"]))
        let second = harness.engine.commit()
        #expect(second.deltas.map(\.counts) == [Counts(good: 0, total: 1)])
        #expect(second.samples.isEmpty, "the minute's three samples were already taken")
    }

    @Test("cell keys round-trip through their text form", arguments: [
        [CellValue.string("acme"), .missing],
        [.string("quote \" backslash \\ newline \n"), .int(-42), .bool(true)],
        [.double(0.25), .string("")],
    ])
    func cellKeyText(_ values: [CellValue]) throws {
        let key = CellKey(values)
        #expect(CellKey(text: key.text) == key)
    }

    @Test("latency sketches round-trip through bytes, and corrupt bytes are refused")
    func sketchBytes() throws {
        var sketch = LatencySketch()
        for duration in [0, 1_000, 2_000_000, 2_000_000, 45_000_000_000] as [Int64] { sketch.add(nanoseconds: duration) }
        let bytes = sketch.serialized
        #expect(LatencySketch(serialized: bytes) == sketch)
        #expect(LatencySketch(serialized: Array(bytes.dropLast())) == nil)
        var wrongCount = bytes
        wrongCount[0] &+= 1
        #expect(LatencySketch(serialized: wrongCount) == nil)
    }
}
