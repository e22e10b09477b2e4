import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel

/// Investigates each incident the moment it opens, from the engine's cells as they are then (before the minute
/// tier ages them out), again every `refresh` while it is open (more of the incident has been seen) and when it
/// resolves, and keeps the latest result by incident id.
///
/// Gathers the investigator's input: the incident scope's bad ratio per minute over the baseline (for the onset),
/// every cell's counts from the onset to now and over a baseline before it, the outcome's status, the deploys
/// near the onset, and the bad events the engine sampled.
public struct IncidentInvestigations: Sendable {
    public var catalog: Catalog
    public var deploys: [Deploy]
    /// How far before the onset the baseline reaches (and how much history the onset search reads): 2 hours.
    public var baseline: TimeSpan
    public var investigator: Investigator
    /// How long after opening an incident is investigated again (as more of it is seen): at 5, 15, 30 and 60
    /// minutes; after that only when it resolves.
    public var refreshes: [TimeSpan] = [.minutes(5), .minutes(15), .minutes(30), .minutes(60)]
    /// Investigations by incident id: the latest one.
    public private(set) var results: [String: Investigation] = [:]
    /// When each incident was last investigated.
    private var investigatedAt: [String: Int64] = [:]
    /// How long each investigation took (gathering the input from the engine included), for benchmarks.
    public private(set) var durations: [Duration] = []
    /// Bad-event samples of the last `baseline`, oldest first.
    private var samples: [EventSample] = []

    static let minute: Int64 = 60_000_000_000

    public init(catalog: Catalog, deploys: [Deploy], baseline: TimeSpan = .hours(2), investigator: Investigator = Investigator()) {
        self.catalog = catalog
        self.deploys = deploys
        self.baseline = baseline
        self.investigator = investigator
    }

    /// Keeps the samples a commit handed out, dropping those older than the baseline.
    public mutating func keep(_ new: [EventSample], now: Int64) {
        samples.append(contentsOf: new)
        let oldest = now - 2 * baseline.nanoseconds
        if let first = samples.first, first.timeUnixNano < oldest {
            samples.removeAll { $0.timeUnixNano < oldest }
        }
    }

    /// Investigates what a tick changed: incidents that opened or resolved, and open ones due a refresh.
    public mutating func update(after actions: [IncidentAction], engine: EvaluationEngine, symbols: SymbolTable, now: Int64) {
        var done = Set<String>()
        for action in actions {
            switch action {
            case .open(let incident), .resolve(let incident):
                investigate(incident, engine: engine, symbols: symbols, now: now)
                done.insert(incident.id)
            case .escalate, .update:
                break
            }
        }
        for incident in engine.openIncidents where !done.contains(incident.id) {
            let last = investigatedAt[incident.id] ?? .min
            let due = refreshes.contains { incident.openedAt + $0.nanoseconds > last && incident.openedAt + $0.nanoseconds <= now }
            if due { investigate(incident, engine: engine, symbols: symbols, now: now) }
        }
    }

    /// Forgets a resolved incident's results (a server keeps them in its store, not in memory).
    public mutating func forget(_ id: String) {
        results[id] = nil
        investigatedAt[id] = nil
    }

    /// Investigates `incident` at `now` from `engine`'s state.
    public mutating func investigate(_ incident: Incident, engine: EvaluationEngine, symbols: SymbolTable, now: Int64) {
        guard let outcome = catalog.outcome(named: incident.outcome) else { return }
        let started = ContinuousClock.now
        defer { durations.append(ContinuousClock.now - started) }
        investigatedAt[incident.id] = now
        // The onset search reads from a baseline before the incident opened to half an hour after (the onset is
        // before the alert; later minutes add cost, not information).
        let history = min(now, incident.openedAt) - baseline.nanoseconds
        let seriesEnd = min(now, incident.openedAt + 30 * Self.minute)
        let first = history - ((history % Self.minute) + Self.minute) % Self.minute
        let counts = engine.minuteCounts(outcome: outcome.name, scope: incident.scope, from: first, to: seriesEnd)
        let series = counts.enumerated().map { index, counts in
            MinuteCounts(start: first + Int64(index) * Self.minute, bad: counts.bad, total: counts.total)
        }
        let onset = Onset.detect(series)?.at ?? (incident.openedAt - 5 * Self.minute)
        let input = InvestigationInput(
            incident: incident, outcome: outcome, status: engine.status(outcome: outcome.name, now: now),
            incidentCells: engine.cells(outcome: outcome.name, from: onset, to: now, symbols: symbols),
            baselineCells: engine.cells(outcome: outcome.name, from: onset - baseline.nanoseconds, to: onset, symbols: symbols),
            series: series,
            deploys: deploys.filter { $0.timeUnixNano >= onset - 6 * 60 * Self.minute && $0.timeUnixNano <= now },
            samples: samples.filter { $0.outcome == outcome.name && $0.timeUnixNano >= onset - baseline.nanoseconds },
            customers: catalog.customers, customerWeightFloor: engine.configuration.customerWeightFloor
        )
        results[incident.id] = investigator.investigate(input)
    }
}
