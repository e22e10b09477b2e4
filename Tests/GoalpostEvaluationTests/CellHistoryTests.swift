import GoalpostModel
import GoalpostTestSupport
import Testing
@testable import GoalpostEvaluation

/// The outcome-wide cell logs read what a `TieredSeries` per cell would: the same buckets kept, the same
/// weighting of the buckets at a window's edges, from minutes or from hours.
struct CellHistoryTests {
    @Test("random adds (late ones too), hour restores and trims read like one series per cell", arguments: [1, 2, 3])
    func matchesSeriesPerCell(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let tiers = Tiers(minuteSlots: 120, hourSlots: 6)
        let cellCount = 7
        var history = CellHistory(tiers: tiers)
        var series = [TieredSeries]()
        for _ in 0..<cellCount {
            history.addCell()
            series.append(TieredSeries(tiers: tiers, hourSketches: false))
        }
        var frontier: Int64 = 1_000
        var compared = (minutes: 0, hours: 0)
        for step in 0..<3_000 {
            let cell = Int.random(in: 0..<cellCount, using: &random)
            let total = Double(Int.random(in: 1...5, using: &random))
            let counts = Counts(good: total - Double(Int.random(in: 0...1, using: &random)), total: total)
            switch Int.random(in: 0..<20, using: &random) {
            case 0:
                // A late minute, within five minutes of the frontier.
                let minute = frontier - Int64.random(in: 1...5, using: &random)
                history.add(counts, cell: cell, minute: minute)
                series[cell].add(counts, sketch: nil, minute: minute)
            case 1:
                let hour = Time.floorDiv(frontier, Time.minutesPerHour) - Int64.random(in: 1...3, using: &random)
                history.addHour(counts, cell: cell, hour: hour)
                series[cell].addHour(counts, sketch: nil, hour: hour)
            default:
                history.add(counts, cell: cell, minute: frontier)
                series[cell].add(counts, sketch: nil, minute: frontier)
            }
            if Int.random(in: 0..<4, using: &random) == 0 { frontier += Int64.random(in: 1...3, using: &random) }
            if step % 500 == 499 {
                // The engine trims every cell at once; a series per cell is trimmed alike.
                history.trim(frontierMinute: frontier)
                for cell in series.indices { series[cell].trim(frontierMinute: frontier, tiers: tiers) }
            }
            if step % 50 == 0 {
                let now = frontier * Time.nanosPerMinute + Int64.random(in: 0..<Time.nanosPerMinute, using: &random)
                for (back, length) in [(Int64(0), Time.nanosPerHour), (Int64(7), 13 * Time.nanosPerMinute), (90, 4 * Time.nanosPerHour)] {
                    let end = now - back * Time.nanosPerMinute
                    let start = end - length - Int64.random(in: 0..<Time.nanosPerMinute, using: &random)
                    // Both tiers agree on whether minutes cover the start, as when every cell was trimmed.
                    let covered = series.allSatisfy { $0.minutesCover(start) }
                    guard covered == (Time.floorDiv(start, Time.nanosPerMinute) > history.minuteEvictedThrough) else { continue }
                    // From hours, only windows whose first hour every series still holds: a series per cell
                    // also evicts on its own adds, so cells' horizons differ by up to the trim interval.
                    let firstHour = Time.floorDiv(start, Time.nanosPerHour)
                    if !covered, series.contains(where: { $0.hours.evictedThrough >= firstHour }) || history.hourEvictedThrough >= firstHour { continue }
                    let read = history.counts(from: start, to: end)
                    if covered { compared.minutes += 1 } else { compared.hours += 1 }
                    for cell in 0..<cellCount {
                        let expected = series[cell].counts(from: start, to: end)
                        #expect(abs(read[cell].good - expected.good) < 1e-9, "cell \(cell), step \(step)")
                        #expect(abs(read[cell].total - expected.total) < 1e-9, "cell \(cell), step \(step)")
                    }
                }
            }
        }
        #expect(history.retainedBuckets > 0)
        #expect(compared.minutes > 50)
        #expect(compared.hours > 20)
    }
}
