import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostTelemetry

/// Drives an `EvaluationEngine` from a stream of events in event time, the way a live server would see it:
/// the evaluator ticks at each minute boundary the stream crosses, with whatever arrived before it.
///
/// Events a little out of order still count in their own minute (the engine's allowed lateness); the tick that
/// already passed does not see them, as a live tick would not.
public struct ReplayDriver: TelemetrySink, Sendable {
    /// An incident action and the tick that produced it.
    public struct TimedAction: Sendable, Hashable {
        public var at: Int64
        public var action: IncidentAction
    }

    public private(set) var engine: EvaluationEngine
    /// Every action the engine returned, in order.
    public private(set) var actions: [TimedAction] = []
    /// The next minute boundary to tick at.
    public private(set) var nextTick: Int64?
    /// The first and last event times seen.
    public private(set) var firstEventTime: Int64?
    public private(set) var lastEventTime: Int64?

    /// When set, every incident is investigated the moment it opens (the engine should sample bad events:
    /// `EvaluationEngine.Configuration.badSamplesPerMinute`).
    public var investigations: IncidentInvestigations?
    /// When set, each of `deploys` is checked on the schedule as the replay's time passes it.
    public var verifications: DeployVerifications?
    public var deploys: [Deploy] = []
    /// The deploy checks made so far, in the order they ran.
    public private(set) var deployChecks: [DeployCheck] = []
    /// The table events were interned in, for the investigations' cell keys.
    private var symbols: SymbolTable?

    static let minute: Int64 = 60_000_000_000

    public init(engine: EvaluationEngine, investigations: IncidentInvestigations? = nil) {
        self.engine = engine
        self.investigations = investigations
    }

    public mutating func receive(_ event: Event, symbols: SymbolTable) {
        if investigations != nil || verifications != nil, self.symbols == nil || self.symbols?.count != symbols.count { self.symbols = symbols }
        advance(to: event.timeUnixNano)
        engine.ingest(event, symbols: symbols)
        note(event.timeUnixNano)
    }

    public mutating func receive(_ sample: MetricSample, symbols: SymbolTable) {
        advance(to: sample.timeUnixNano)
        engine.ingest(sample, symbols: symbols)
        note(sample.timeUnixNano)
    }

    private mutating func note(_ time: Int64) {
        if firstEventTime == nil || time < firstEventTime ?? .max { firstEventTime = time }
        if time > lastEventTime ?? .min { lastEventTime = time }
    }

    /// Ticks at every minute boundary up to and including `time`.
    public mutating func advance(to time: Int64) {
        guard let tick = nextTick else {
            // The first tick is the boundary after the first event's minute.
            nextTick = time - ((time % Self.minute) + Self.minute) % Self.minute + Self.minute
            return
        }
        var next = tick
        while time >= next {
            let produced = engine.tick(now: next)
            for action in produced { actions.append(TimedAction(at: next, action: action)) }
            if investigations != nil { investigate(produced, now: next) }
            // Deploy checks only while events still arrive (the tick an event's minute crosses, as the previous event
            // was seen): a check in the drain after them would see a silence.
            if verifications != nil, let symbols, next <= (lastEventTime ?? .min) &+ Self.minute {
                let incidents = engine.openIncidents + actions.compactMap { if case .open(let incident) = $0.action { incident } else { nil } }
                deployChecks += verifications?.update(deploys: deploys, engine: engine, symbols: symbols, incidents: incidents, now: next).map(\.check) ?? []
            }
            next += Self.minute
        }
        nextTick = next
    }

    /// Keeps the bad events sampled since the last tick and investigates what the tick changed.
    private mutating func investigate(_ produced: [IncidentAction], now: Int64) {
        guard investigations != nil, let symbols else { return }
        // The tick rolled everything up, so this commit carries only the samples.
        investigations?.keep(engine.commit().samples, now: now)
        investigations?.update(after: produced, engine: engine, symbols: symbols, now: now)
    }
}
