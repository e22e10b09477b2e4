import GoalpostModel

/// What a tick needs from the engine.
struct TickContext: Sendable {
    var frontierMinute: Int64
    var latenessMinutes: Int64
    var ranking: ImpactRanking
}

extension OutcomeAggregator {
    /// One evaluation: roll up, evaluate every scope's rules, step the alert machines, and open, update or
    /// resolve the outcome's incident. Returns what the incident manager should do.
    mutating func tick(now: Int64, context: TickContext) -> [IncidentAction] {
        flush()
        finalizeSlices(frontierMinute: context.frontierMinute, latenessMinutes: context.latenessMinutes)

        var transitions: [(scope: Int, transition: AlertTransition)] = []
        let quietBefore = now &- longestRuleWindow
        for scope in scopes.indices {
            // A scope without data in its longest rule window cannot fire; a quiet one needs no evaluation.
            let idle = scopes[scope].series.lastMinute < Time.floorDiv(quietBefore, Time.nanosPerMinute)
            if idle, !scopes[scope].machine.isOpen { continue }
            let (firing, shortest) = idle ? (nil, nil) : self.firing(scope, at: now)
            if let shortest { scopes[scope].firingShortWindow = shortest }
            if let transition = scopes[scope].machine.step(firing: firing, now: now) {
                transitions.append((scope, transition))
            }
        }
        var actions = [IncidentAction]()
        if !transitions.isEmpty, let action = apply(transitions, now: now, context: context) {
            actions.append(action)
        }
        if var open = incident {
            refreshImpact(&open, until: now, context: context)
            incident = open
        }
        return actions
    }

    /// Folds this tick's scope transitions into the outcome's one incident.
    private mutating func apply(_ transitions: [(scope: Int, transition: AlertTransition)], now: Int64, context: TickContext) -> IncidentAction? {
        var changes = [IncidentChange]()
        let opened = transitions.compactMap { item -> (Int, Severity)? in
            if case .opened(let severity) = item.transition { return (item.scope, severity) }
            return nil
        }
        let openedFirst = opened.sorted { lhs, rhs in
            if lhs.0 == 0 || rhs.0 == 0 { return lhs.0 == 0 && rhs.0 != 0 }
            if lhs.1 != rhs.1 { return lhs.1 > rhs.1 }
            let left = context.ranking.weight(of: scopes[lhs.0].customer)
            let right = context.ranking.weight(of: scopes[rhs.0].customer)
            if left != right { return left > right }
            return scopes[lhs.0].scope < scopes[rhs.0].scope
        }

        guard var current = incident ?? newIncident(openedFirst, now: now) else { return nil }
        let isNew = incident == nil
        let previousSeverity = current.severity
        if isNew {
            changes.append(IncidentChange(at: now, kind: .opened, scope: current.scope, severity: current.severity))
            for (scope, severity) in openedFirst.dropFirst() {
                changes.append(IncidentChange(at: now, kind: .scopeFired, scope: scopes[scope].scope, severity: severity))
            }
        }
        for (scope, transition) in transitions {
            let scopeValue = scopes[scope].scope
            switch transition {
            case .opened(let severity):
                if !isNew {
                    if !incidentScopes.contains(scope) {
                        incidentScopes.append(scope)
                        current.scopes.append(scopeValue)
                    }
                    if scope == 0 {
                        // The global scope joining makes it the primary one: the incident is about everyone now.
                        current.scope = .global
                        incidentScopes.removeAll { $0 == 0 }
                        incidentScopes.insert(0, at: 0)
                    }
                    changes.append(IncidentChange(at: now, kind: .scopeFired, scope: scopeValue, severity: severity))
                }
                if let window = scopes[scope].firingShortWindow { impactSince = min(impactSince, now &- window.nanoseconds) }
                current.severity = max(current.severity, severity)
            case .escalated(_, let severity):
                current.severity = max(current.severity, severity)
            case .refired(let severity):
                changes.append(IncidentChange(at: now, kind: .scopeRefired, scope: scopeValue, severity: severity))
            case .quieted:
                changes.append(IncidentChange(at: now, kind: .scopeQuiet, scope: scopeValue, severity: current.severity))
            case .resolved:
                changes.append(IncidentChange(at: now, kind: .scopeResolved, scope: scopeValue, severity: current.severity))
            }
        }
        if current.severity > previousSeverity, !isNew {
            changes.append(IncidentChange(at: now, kind: .escalated, scope: nil, severity: current.severity))
        }
        let stillOpen = incidentScopes.contains { scopes[$0].machine.isOpen }
        if !stillOpen {
            current.resolvedAt = now
            changes.append(IncidentChange(at: now, kind: .resolved, scope: nil, severity: current.severity))
        }
        current.history.append(contentsOf: changes)
        refreshImpact(&current, until: now, context: context)

        if isNew {
            incident = current
            return .open(current)
        }
        if !stillOpen {
            incident = nil
            incidentScopes = []
            return .resolve(current)
        }
        incident = current
        if current.severity > previousSeverity { return .escalate(current, from: previousSeverity) }
        return changes.isEmpty ? nil : .update(current, changes: changes)
    }

    /// A new incident for the scopes that opened, primary first; `nil` when none opened.
    private mutating func newIncident(_ opened: [(Int, Severity)], now: Int64) -> Incident? {
        guard let (primary, _) = opened.first else { return nil }
        incidentSequence += 1
        incidentScopes = opened.map(\.0)
        impactSince = now &- (opened.compactMap { scopes[$0.0].firingShortWindow }.max() ?? .zero).nanoseconds
        let severity = opened.map(\.1).max() ?? .ticket
        return Incident(
            id: "\(outcome.name)-\(Time.floorDiv(now, Time.nanosPerSecond))",
            outcome: outcome.name, scope: scopes[primary].scope, scopes: incidentScopes.map { scopes[$0].scope },
            severity: severity, openedAt: now
        )
    }

    /// Recomputes who and what the incident hurt, over `[impactSince, until)`.
    ///
    /// Walks the customer scopes (not the cells) once: O(customers) per tick while an incident is open.
    private func refreshImpact(_ incident: inout Incident, until end: Int64, context: TickContext) {
        let start = impactSince
        var customers = [String]()
        var arr = 0.0
        var exposure = [(weight: Double, failureShare: Double)]()
        var firedCustomers = Counts.zero
        for scope in scopes.indices.dropFirst() {
            let counts = scopes[scope].series.counts(from: start, to: end)
            guard counts.bad > 0 else { continue }
            let fired = incidentScopes.contains(scope)
            if fired { firedCustomers = firedCustomers + counts }
            // A customer whose own scope never fired counts as affected only when it failed more than its budget
            // allows, by more than chance (`BudgetMath.exceedsAllowance`): a few background errors during a long
            // incident are not being hurt by it.
            let hurt = BudgetMath.exceedsAllowance(bad: counts.bad, total: counts.total, objective: scopes[scope].objective)
            guard fired || hurt, let id = scopes[scope].scope.customer else { continue }
            customers.append(id)
            arr += max(0, scopes[scope].customer?.arr ?? 0)
            exposure.append((context.ranking.weight(of: scopes[scope].customer), counts.badRatio))
        }
        let global = scopes[0].series.counts(from: start, to: end)
        let counted = incidentScopes.contains(0) ? global : firedCustomers
        let primary = incidentScopes.first ?? 0
        let budget = budget(primary, at: end)
        let spent = measure(primary, from: start, to: end).bad
        let allowed = (1 - scopes[primary].objective) * budget.allowedBase
        incident.impact = IncidentImpact(
            customers: customers.sorted(), badEvents: counted.bad, totalEvents: counted.total, arrAtRisk: arr,
            budgetBurned: allowed > 0 ? spent / allowed : 0
        )
        incident.rank = context.ranking.rank(criticality: outcome.criticality, affected: exposure, globalFailureShare: global.badRatio)
    }
}

extension OutcomeAggregator {
    /// Resolves the open incident by hand (someone fixed it and says so): every scope's alert machine goes quiet
    /// and the incident closes now. A scope still burning opens a new incident at a later tick.
    mutating func resolveByHand(now: Int64, context: TickContext) -> IncidentAction? {
        guard var current = incident else { return nil }
        for index in scopes.indices where scopes[index].machine.isOpen { scopes[index].machine.restore(.quiet) }
        refreshImpact(&current, until: now, context: context)
        current.resolvedAt = now
        current.history.append(IncidentChange(at: now, kind: .resolved, scope: nil, severity: current.severity))
        incident = nil
        incidentScopes = []
        return .resolve(current)
    }
}

extension EvaluationEngine {
    /// Resolves an open incident by hand; `nil` when no open incident has that id. The resolution is an
    /// `IncidentAction` like a tick's, for the caller to store and notify.
    public mutating func resolve(incident id: String, now: Int64) -> IncidentAction? {
        guard let index = aggregators.firstIndex(where: { $0.incident?.id == id }) else { return nil }
        let context = TickContext(frontierMinute: frontierMinute, latenessMinutes: latenessMinutes, ranking: ranking)
        let action = aggregators[index].resolveByHand(now: now, context: context)
        if case .resolve(let incident) = action { closed.append(incident) }
        return action
    }
}
