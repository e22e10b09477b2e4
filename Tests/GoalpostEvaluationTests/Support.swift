import Foundation
import GoalpostModel
import GoalpostTestSupport
@testable import GoalpostEvaluation

/// The shared seeded generator, under the name these tests use.
typealias SeededGenerator = SeededRandom

enum Clock {
    static let second: Int64 = 1_000_000_000
    static let minute: Int64 = 60 * second
    static let hour: Int64 = 60 * minute
    static let day: Int64 = 24 * hour
    /// 2026-02-16T00:00:00Z, a Monday, on a day boundary.
    static let t0: Int64 = 1_771_200_000 * second

    /// Nanoseconds of an RFC 3339 UTC time such as `2026-03-29T12:00:00Z`.
    static func at(_ text: String) -> Int64 {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: text) else { return .min }
        return Int64(date.timeIntervalSince1970.rounded()) * second
    }
}

enum Fixture {
    static func indicator(source: IndicatorSource = .traces, service: String? = "auth", operations: [String] = ["POST /login"], latency: TimeSpan? = nil) -> Indicator {
        Indicator(source: source, service: service, operations: operations, latency: latency)
    }

    static func outcome(
        name: String = "signin",
        indicator: Indicator = Fixture.indicator(),
        objective: Double = 0.999,
        window: BudgetWindow = .rolling(.days(30)),
        budgeting: BudgetingMethod = .occurrences,
        customers: CustomerEvaluation = CustomerEvaluation(),
        dimensions: [String] = [],
        criticality: Criticality = .high,
        alerting: AlertPolicy = .workbook
    ) -> Outcome {
        Outcome(
            name: name, statement: "every customer can sign in", criticality: criticality, indicator: indicator,
            objective: objective, window: window, budgeting: budgeting, customers: customers, dimensions: dimensions,
            alerting: alerting
        )
    }
}

/// An engine with its symbol table and helpers to make events for the `auth` service's `POST /login`.
struct Harness {
    var symbols = SymbolTable()
    var engine: EvaluationEngine
    var actions: [(at: Int64, action: IncidentAction)] = []

    init(_ outcomes: [Outcome], customers: [Customer] = [], configuration: EvaluationEngine.Configuration = .init()) throws {
        var table = SymbolTable()
        engine = try EvaluationEngine(catalog: Catalog(outcomes: outcomes, customers: customers), configuration: configuration, symbols: &table)
        symbols = table
    }

    mutating func event(
        at time: Int64, customer: String? = nil, ok: Bool = true, duration: TimeSpan = .milliseconds(20),
        service: String = "auth", operation: String = "POST /login", signal: Signal = .span,
        attributes extra: [String: String] = [:], severity: UInt8 = 0
    ) -> Event {
        var attributes = [Attribute]()
        if let customer {
            attributes.append(Attribute(key: symbols.intern("customer.id"), value: .string(symbols.intern(customer))))
        }
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) {
            attributes.append(Attribute(key: symbols.intern(key), value: .string(symbols.intern(value))))
        }
        return Event(
            timeUnixNano: time, signal: signal, service: symbols.intern(service), operation: symbols.intern(operation),
            status: ok ? .ok : .error, durationNanos: duration.nanoseconds, severityNumber: severity, attributes: attributes
        )
    }

    mutating func ingest(_ event: Event) {
        engine.ingest(event, symbols: symbols)
    }

    mutating func send(at time: Int64, customer: String? = nil, ok: Bool = true, duration: TimeSpan = .milliseconds(20)) {
        let event = event(at: time, customer: customer, ok: ok, duration: duration)
        engine.ingest(event, symbols: symbols)
    }

    @discardableResult
    mutating func tick(_ now: Int64) -> [IncidentAction] {
        let produced = engine.tick(now: now)
        actions.append(contentsOf: produced.map { (now, $0) })
        return produced
    }

    /// Sends `perMinute` events per customer each minute of `[start, end)`, evenly spread, `failing(customer, time)`
    /// deciding which fail, and ticks at every minute boundary (after the minute's events).
    mutating func run(
        from start: Int64, to end: Int64, customers: [(id: String?, perMinute: Int)],
        failing: (String?, Int64) -> Bool = { _, _ in false }
    ) {
        var minute = start
        while minute < end {
            for (id, perMinute) in customers where perMinute > 0 {
                let step = Clock.minute / Int64(perMinute)
                for index in 0..<Int64(perMinute) {
                    let time = minute + index * step
                    send(at: time, customer: id, ok: !failing(id, time))
                }
            }
            minute += Clock.minute
            tick(minute)
        }
    }

    func status(_ outcome: String = "signin", at now: Int64) -> OutcomeStatus? {
        engine.status(outcome: outcome, now: now)
    }

    var opened: [Incident] {
        actions.compactMap { if case .open(let incident) = $0.action { return incident }; return nil }
    }
}

func approximately(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}
