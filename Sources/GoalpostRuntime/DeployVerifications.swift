import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel

/// Checks each deploy on a schedule after it ships — 10 min, 30 min, 1 h, 2 h, 24 h and 72 h by default — against
/// the monitoring plans of the changes it carries, and keeps what each check found.
///
/// A deploy's plans are the stored plans it names (`Deploy.plans`), those whose commit is the deployed commit or
/// one of its ancestors (`isAncestor`, when a repository is configured), for the same environment when the plan
/// names one; with none, the plan is made from the deploy's own title, description and files.
public struct DeployVerifications: Sendable {
    public var catalog: Catalog
    public var schedule: [TimeSpan]
    public var verifier: DeployVerifier
    /// Plans recorded through the API, by id.
    public var plans: [String: ChangePlan] = [:]
    /// Whether commit `ancestor` is in the history of commit `descendant` (nil: no repository, commits must be equal).
    public var isAncestor: (@Sendable (_ ancestor: String, _ descendant: String) -> Bool)?
    /// A deploy, by `service@version` and when it went out.
    struct DeployKey: Hashable, Sendable {
        var deploy: String
        var deployedAt: Int64
    }

    /// Checks already made, per deploy: their offsets (restored from the store at start).
    private var done: [DeployKey: Set<Int64>] = [:]
    /// Each deploy's latest verdict.
    private var verdicts: [DeployKey: DeployVerdict] = [:]
    /// The plans the last update's checks were judged by, by id.
    public private(set) var used: [String: ChangePlan] = [:]

    public init(catalog: Catalog, schedule: [TimeSpan] = ChangePlanner.defaultChecks, verifier: DeployVerifier = DeployVerifier()) {
        self.catalog = catalog
        self.schedule = schedule.sorted()
        self.verifier = verifier
    }

    static func key(_ deploy: Deploy) -> DeployKey { DeployKey(deploy: DeployVerifier.id(deploy), deployedAt: deploy.timeUnixNano) }

    /// Marks a check as made (it was stored before a restart), with its verdict when known.
    public mutating func remember(deploy: String, deployedAt: Int64, after: TimeSpan, verdict: DeployVerdict? = nil) {
        let key = DeployKey(deploy: deploy, deployedAt: deployedAt)
        done[key, default: []].insert(after.nanoseconds)
        if let verdict { verdicts[key] = verdict }
    }

    /// Whether a check is news to announce: the deploy's first failing check (a later check that still fails
    /// is not, one that fails again after passing is).
    public static func isNewFailure(_ check: DeployCheck, previous: DeployVerdict?) -> Bool {
        check.verdict == .fail && previous != .fail
    }

    /// The plan a deploy is judged by.
    public func plan(for deploy: Deploy, engine: EvaluationEngine, symbols: SymbolTable) -> ChangePlan {
        let explicit = deploy.plans.compactMap { plans[$0] }
        let byCommit = plans.values.filter { plan in
            guard !deploy.plans.contains(plan.id), let planned = plan.change.commit, let deployed = deploy.commit else { return false }
            if let environment = plan.environment, environment != deploy.environment { return false }
            if planned.hasPrefix(deployed) || deployed.hasPrefix(planned) { return true }
            return isAncestor?(planned, deployed) ?? false
        }.sorted { $0.id < $1.id }
        let matched = explicit + byCommit
        var traffic: [String: [CellCounts]] = [:]
        for outcome in catalog.outcomes {
            traffic[outcome.name] = engine.cells(outcome: outcome.name, from: deploy.timeUnixNano - 86_400_000_000_000, to: deploy.timeUnixNano, symbols: symbols)
        }
        let planner = ChangePlanner(catalog: catalog, traffic: traffic, checks: schedule)
        guard var merged = matched.first else { return planner.plan(ChangeRequest(deploy)) }
        // Several changes in one deploy: every outcome any of them puts at risk, every effect any states.
        for plan in matched.dropFirst() {
            for risk in plan.outcomes where !merged.outcomes.contains(where: { $0.outcome == risk.outcome }) { merged.outcomes.append(risk) }
            for effect in plan.intendedEffects where !merged.intendedEffects.contains(effect) { merged.intendedEffects.append(effect) }
        }
        // The deploy's own service is always watched, even if the plans missed it.
        let own = planner.plan(ChangeRequest(deploy))
        for risk in own.outcomes where !merged.outcomes.contains(where: { $0.outcome == risk.outcome }) { merged.outcomes.append(risk) }
        return merged
    }

    /// The checks of `deploy` that are due at `now` and not made yet; none for a deploy a day past its last check.
    func due(_ deploy: Deploy, now: Int64) -> [TimeSpan] {
        guard deploy.timeUnixNano <= now, deploy.timeUnixNano >= now - (schedule.last?.nanoseconds ?? 0) - 86_400_000_000_000 else { return [] }
        let made = done[Self.key(deploy)] ?? []
        return schedule.filter { deploy.timeUnixNano + $0.nanoseconds <= now && !made.contains($0.nanoseconds) }
    }

    /// Whether any of `deploys` has a check due at `now` (the caller can skip reading what a check needs).
    public func hasDue(_ deploys: [Deploy], now: Int64) -> Bool {
        deploys.contains { !due($0, now: now).isEmpty }
    }

    /// A check just made, and whether it is news (`isNewFailure`).
    public struct Made: Sendable {
        public var check: DeployCheck
        public var announce: Bool
    }

    /// Runs the checks that came due by `now` for `deploys` (those of the last `schedule.last` and a day).
    public mutating func update(deploys: [Deploy], engine: EvaluationEngine, symbols: SymbolTable, incidents: [Incident], now: Int64) -> [Made] {
        var new: [Made] = []
        used = [:]
        // Deploys a day past their last check are forgotten and not checked again (memory follows the schedule,
        // not the server's age).
        let horizon = now - (schedule.last?.nanoseconds ?? 0) - 86_400_000_000_000
        done = done.filter { $0.key.deployedAt >= horizon }
        verdicts = verdicts.filter { $0.key.deployedAt >= horizon }
        for deploy in deploys {
            let due = due(deploy, now: now)
            guard !due.isEmpty else { continue }
            let key = Self.key(deploy)
            let plan = plan(for: deploy, engine: engine, symbols: symbols)
            used[plan.id] = plan
            // The next deploy of the same service (and environment) ends this one's period.
            let next = deploys.filter {
                $0.service == deploy.service && $0.environment == deploy.environment && $0.timeUnixNano > deploy.timeUnixNano
            }.map(\.timeUnixNano).min()
            for after in due {
                done[key, default: []].insert(after.nanoseconds)
                // A check long overdue (the server was down then) has no minute data left to compare: only the
                // latest due one runs.
                if after != due.last, deploy.timeUnixNano + 2 * after.nanoseconds < now { continue }
                // Once the next deploy replaced this one, one check covers the whole time it ran; later ones would
                // see the same minutes.
                if let next, let earlier = schedule.last(where: { $0 < after }), deploy.timeUnixNano + earlier.nanoseconds >= next { continue }
                let check = verifier.check(deploy, plan: plan, after: after, engine: engine, catalog: catalog, incidents: incidents, supersededAt: next)
                new.append(Made(check: check, announce: Self.isNewFailure(check, previous: verdicts[key])))
                verdicts[key] = check.verdict
            }
        }
        return new
    }
}
