import GoalpostModel

/// The alert state of one (outcome, scope): quiet, firing, or holding (quiet, waiting out the hold period).
///
/// A pure state machine: each evaluation feeds it the most severe rule firing now (or `nil`) and the time,
/// and it returns what changed. It never performs I/O and never reads a clock.
///
/// - Firing opens (`opened`); a more severe rule escalates (`escalated`); severity never drops while open.
/// - When no rule fires it starts holding (`quieted`); firing again within `resolveAfter` goes back to
///   firing (`refired`) instead of opening anew, so an on/off/on signal is one alert, not three.
/// - Only after no rule has fired for `resolveAfter` does it resolve (`resolved`).
public struct AlertStateMachine: Hashable, Sendable {
    /// Where the alert stands.
    public enum State: Hashable, Sendable {
        /// Nothing fires and nothing is open.
        case quiet
        /// Open; the severity is the highest reached.
        case firing(Severity)
        /// Open, but no rule has fired since `quietSince` (nanoseconds since the Unix epoch).
        case holding(Severity, quietSince: Int64)
    }

    /// The current state.
    public private(set) var state: State = .quiet
    /// How long every rule must stay quiet before the alert resolves.
    public var resolveAfter: TimeSpan

    /// A quiet machine.
    public init(resolveAfter: TimeSpan) {
        self.resolveAfter = resolveAfter
    }

    /// Puts back a state saved in a checkpoint.
    public mutating func restore(_ state: State) {
        self.state = state
    }

    /// Whether the alert is open (firing or holding).
    public var isOpen: Bool { state != .quiet }

    /// The severity of the open alert.
    public var severity: Severity? {
        switch state {
        case .quiet: nil
        case .firing(let severity), .holding(let severity, _): severity
        }
    }

    /// Feeds one evaluation.
    ///
    /// - Parameters:
    ///   - firing: The most severe rule that fires now, or `nil` when none does.
    ///   - now: The evaluation time, nanoseconds since the Unix epoch.
    /// - Returns: The transition, or `nil` when nothing changed.
    public mutating func step(firing: Severity?, now: Int64) -> AlertTransition? {
        switch (state, firing) {
        case (.quiet, nil):
            return nil
        case (.quiet, let severity?):
            state = .firing(severity)
            return .opened(severity)
        case (.firing(let current), let severity?):
            guard severity > current else { return nil }
            state = .firing(severity)
            return .escalated(from: current, to: severity)
        case (.firing(let current), nil):
            state = .holding(current, quietSince: now)
            return .quieted
        case (.holding(let current, _), let severity?):
            if severity > current {
                state = .firing(severity)
                return .escalated(from: current, to: severity)
            }
            state = .firing(current)
            return .refired(current)
        case (.holding(_, let quietSince), nil):
            guard now &- quietSince >= resolveAfter.nanoseconds else { return nil }
            state = .quiet
            return .resolved
        }
    }
}

/// What one step of an `AlertStateMachine` changed.
public enum AlertTransition: Hashable, Sendable {
    /// The alert opened at this severity.
    case opened(Severity)
    /// A more severe rule fires now.
    case escalated(from: Severity, to: Severity)
    /// No rule fires any more; the hold period started.
    case quieted
    /// A rule fired again within the hold period.
    case refired(Severity)
    /// No rule fired for the whole hold period.
    case resolved
}

/// What the incident manager should do after a tick; the engine never notifies anyone itself.
///
/// At most one action per incident per tick, the most significant: open, resolve, escalate, then update.
/// The incident's `history` holds every change, including the ones a single action summarises.
public enum IncidentAction: Hashable, Sendable {
    /// A new incident: notify (page or ticket by its severity).
    case open(Incident)
    /// The incident's severity rose from `from` (a ticket became a page).
    case escalate(Incident, from: Severity)
    /// Scopes joined, went quiet, fired again or resolved; `changes` are this tick's history entries.
    case update(Incident, changes: [IncidentChange])
    /// Every scope stayed quiet for the hold period; the incident is over.
    case resolve(Incident)

    /// The incident the action is about.
    public var incident: Incident {
        switch self {
        case .open(let incident), .escalate(let incident, _), .update(let incident, _), .resolve(let incident): incident
        }
    }
}
