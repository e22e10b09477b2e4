import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostModel
import GoalpostRuntime
import GoalpostSimulation
import Testing

struct ReplayDriverTests {
    static let minute: Int64 = 60_000_000_000
    static let t0: Int64 = 1_794_787_200_000_000_000  // 2026-11-16T00:00:00Z

    static func outcome() -> Outcome {
        Outcome(name: "sign-in", statement: "Sign-in works.",
                indicator: Indicator(source: .traces, service: "auth"), objective: 0.999)
    }

    static func event(_ symbols: inout SymbolTable, at time: Int64, ok: Bool, customer: String = "acme") -> Event {
        Event(timeUnixNano: time, signal: .span, service: symbols.intern("auth"), operation: symbols.intern("POST /login"),
              status: ok ? .ok : .error,
              attributes: [Attribute(key: symbols.intern("customer.id"), value: .string(symbols.intern(customer)))])
    }

    @Test("the replay ticks once at each minute boundary the stream crosses, after the minute's events")
    func ticksAtBoundaries() throws {
        var symbols = SymbolTable()
        let engine = try EvaluationEngine(catalog: Catalog(outcomes: [Self.outcome()]), symbols: &symbols)
        var driver = ReplayDriver(engine: engine)
        // Events at 00:00:30, 00:00:59, 00:01:10 and 00:03:05.
        for offset in [30, 59, 70, 185] as [Int64] {
            driver.receive(Self.event(&symbols, at: Self.t0 + offset * 1_000_000_000, ok: true), symbols: symbols)
        }
        // Boundaries crossed: 00:01 (by the 00:01:10 event), 00:02 and 00:03 (by the 00:03:05 event).
        #expect(driver.nextTick == Self.t0 + 4 * Self.minute)
        #expect(driver.engine.statistics.eventsReceived == 4)
        #expect(driver.firstEventTime == Self.t0 + 30_000_000_000)
        #expect(driver.lastEventTime == Self.t0 + 185_000_000_000)
    }

    @Test("a backtest report matches an incident to the onset it caught and measures the delay")
    func reportMatchesOnsets() throws {
        var symbols = SymbolTable()
        let catalog = Catalog(outcomes: [Self.outcome()], customers: [Customer(id: "acme", arr: 100_000)])
        let engine = try EvaluationEngine(catalog: catalog, symbols: &symbols)
        var driver = ReplayDriver(engine: engine)
        // Two hours of 100 sign-ins a minute; everything fails from 01:00:00 to 01:10:00.
        let faultStart = Self.t0 + 60 * Self.minute, faultEnd = faultStart + 10 * Self.minute
        for minute in 0..<120 as Range<Int64> {
            for index in 0..<100 as Range<Int64> {
                let time = Self.t0 + minute * Self.minute + index * 600_000_000
                driver.receive(Self.event(&symbols, at: time, ok: !(time >= faultStart && time < faultEnd)), symbols: symbols)
            }
        }
        let onset = KnownOnset(outcome: "sign-in", customers: ["acme"], startUnixNano: faultStart, endUnixNano: faultEnd)
        let report = Backtest(configuration: .init(catalog: catalog, onsets: [onset])).finish(driver: driver, replay: .init())
        let caught = try #require(report.quality.onsets.first)
        // 100 % failures on a 99.9 % outcome page at the first tick after the fault starts (the 1h window passes
        // 1.44 % after 52 s; ticks come every minute).
        #expect(caught.detectionDelaySeconds == 60)
        #expect(caught.severity == .page)
        #expect(report.incidents.count == 1)
        #expect(report.incidents.first?.onset == 0)
        #expect(report.quality.unmatchedIncidents == 0)
        // Still open an hour after the data ends: the 3d/6h ticket rule fires until the failures leave its 6-hour
        // window (the Workbook's reset-time trade-off), so there is no reset time to report yet.
        #expect(report.incidents.first?.incident.resolvedAt == nil)
        #expect(caught.resetSeconds == nil)
    }
}
