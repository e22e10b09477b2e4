import GoalpostModel
import GoalpostTestSupport
import Testing
@testable import GoalpostEvaluation

/// The per-scope slice ledger must give the same tallies, to the bit, as classifying every slice from minutes.
struct SliceLedgerTests {
    static let seeds: [UInt64] = [3, 17, 29, 71, 97]

    @Test("adding k ones at once equals adding them one by one", arguments: seeds)
    func addOnes(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<2000 {
            let x: Double
            switch Int.random(in: 0..<4, using: &random) {
            case 0: x = Double(Int.random(in: 0...4, using: &random)) / 5
            case 1: x = Double.random(in: 0..<1, using: &random)
            case 2: x = Double.random(in: 0..<300, using: &random)
            default: x = Double(Int.random(in: 0...300, using: &random)) + Double(Int.random(in: 1...4, using: &random)) / 5
            }
            let k = Int.random(in: 0...600, using: &random)
            var expected = x
            for _ in 0..<k { expected += 1 }
            #expect(SliceLedger.addOnes(x, k).bitPattern == expected.bitPattern, "x \(x) k \(k)")
        }
    }

    @Test("incremental slice tallies equal the direct computation over random windows", arguments: seeds)
    func incrementalMatchesDirect(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let configuration = EvaluationEngine.Configuration(minuteTier: .hours(2))
        let outcome = Fixture.outcome(objective: 0.99, window: .rolling(.days(1)), budgeting: .timeslices(slice: .minutes(5), threshold: 0.95))
        var harness = try Harness([outcome], configuration: configuration)
        let customers = ["acme", "globex", "initech"]
        var compared = 0
        for minute in Int64(0)..<(6 * 60) {
            let now = Clock.t0 + minute * Clock.minute
            // Bursts of failures, quiet minutes, and events up to 4 minutes late (within the 5-minute lateness).
            let failing = Double.random(in: 0..<1, using: &random) < 0.15
            for customer in customers where Int.random(in: 0..<5, using: &random) > 0 {
                for _ in 0..<Int.random(in: 1...20, using: &random) {
                    let late = Int64.random(in: 0...4, using: &random) * Clock.minute
                    let time = max(Clock.t0, now - late) + Int64.random(in: 0..<Clock.minute, using: &random)
                    harness.send(at: time, customer: customer, ok: !(failing && Bool.random(using: &random)))
                }
            }
            harness.tick(now + Clock.minute)
            guard minute % 7 == 3 else { continue }
            let end = now + Clock.minute
            let aggregator = try #require(harness.engine.aggregator(outcome: outcome.name))
            for scope in aggregator.scopes.indices {
                var windows: [(Int64, Int64)] = [5, 30, 60, 360, 4320].map { (end - $0 * Clock.minute, end) }
                for _ in 0..<6 {
                    let start = end - Int64.random(in: 1...(8 * 60 * 60), using: &random) * Clock.minute / 60 * 60
                        - Int64.random(in: 0..<Clock.minute, using: &random)
                    let stop = Bool.random(using: &random) ? end : Int64.random(in: start...end, using: &random)
                    windows.append((start, stop))
                }
                for (start, stop) in windows {
                    let incremental = aggregator.slices(scope, from: start, to: stop)
                    let direct = aggregator.slicesDirect(scope, from: start, to: stop)
                    #expect(incremental.bad.bitPattern == direct.bad.bitPattern && incremental.count.bitPattern == direct.count.bitPattern,
                            "scope \(scope) [\(start), \(stop)): \(incremental) vs \(direct)")
                    compared += 1
                }
            }
        }
        #expect(compared > 1000)
    }
}

/// The slice-by-slice computation the ledger replaced, kept here as the reference it must match.
extension OutcomeAggregator {
    /// `slices(_:from:to:)` classifying every slice from minute buckets (the reference the ledger must match).
    func slicesDirect(_ scope: Int, from start: Int64, to end: Int64) -> SliceTally {
        guard let sliceNanos, end > start else { return .zero }
        var result = SliceTally.zero
        var loopStart = start
        if !scopes[scope].series.minutesCover(start), let finalized = finalizedThroughHour, let series = scopes[scope].slices {
            let finalizedEnd = (finalized + 1) * Time.nanosPerHour
            if start < finalizedEnd {
                result = TieredSeries.weightedSum(series, start: start, end: min(end, finalizedEnd), bucket: Time.nanosPerHour)
                loopStart = finalizedEnd
            }
        }
        var slice = Time.floorDiv(loopStart, sliceNanos)
        while slice * sliceNanos < end {
            let sliceStart = slice * sliceNanos
            let overlap = min(end, sliceStart + sliceNanos) - max(loopStart, sliceStart)
            if overlap > 0 {
                let tally = sliceTally(scope, startMinute: sliceStart / Time.nanosPerMinute)
                if tally != .zero { result += tally.scaled(by: Double(overlap) / Double(sliceNanos)) }
            }
            slice += 1
        }
        return result
    }
}
