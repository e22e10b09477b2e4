import GoalpostEvaluation
import GoalpostModel

/// The verdict on a deploy at one check.
public enum DeployVerdict: String, Hashable, Sendable, Codable {
    /// Nothing moved the harmful way beyond its tolerance.
    case pass
    /// Latency or throughput regressed somewhere, errors did not.
    case marginal
    /// Errors regressed in aggregate or for a customer, or an outcome at risk paged.
    case fail
    /// Too little traffic before or after to judge anything.
    case noData = "no_data"
}

/// One check of a deploy: each planned outcome's metrics after the deploy against a baseline before it, in
/// aggregate and per customer, the intended effects, and what the release cost in error budget.
public struct DeployCheck: Hashable, Sendable, Codable {
    /// One customer the change hurt.
    public struct CustomerResult: Hashable, Sendable, Codable {
        public var customer: String
        public var verdict: DeployVerdict
        /// The metrics that regressed.
        public var comparisons: [MetricComparison]
    }

    /// What the release cost and moved on one outcome: bad events and budget spent since the deploy, SLI
    /// before and after.
    public struct ReleaseCost: Hashable, Sendable, Codable {
        public var badEvents: Double
        public var validEvents: Double
        /// Bad events since the deploy ÷ the bad events the whole budget window allows at this traffic.
        public var budgetSpent: Double
        public var sliBefore: Double?
        public var sliAfter: Double?
    }

    public struct OutcomeResult: Hashable, Sendable, Codable {
        public var outcome: String
        public var verdict: DeployVerdict
        /// What comparing the aggregate alone would say.
        public var aggregateVerdict: DeployVerdict
        public var aggregate: [MetricComparison]
        /// Customers compared (enough traffic on both sides).
        public var customersCompared: Int
        /// Customers with a regressed metric, worst first.
        public var customers: [CustomerResult]
        /// The confidence level of each per-customer comparison (raised for the number of customers).
        public var customerConfidenceLevel: Double
        public var release: ReleaseCost
        /// Page incidents of the outcome opened since the deploy.
        public var pages: [String]
    }

    public enum EffectStatus: String, Hashable, Sendable, Codable {
        case confirmed
        case notYet = "not_yet"
        case contradicted
        case noData = "no_data"
    }

    public struct EffectResult: Hashable, Sendable, Codable {
        public var effect: ChangePlan.IntendedEffect
        public var status: EffectStatus
        public var comparison: MetricComparison?
    }

    /// `service@version`.
    public var deploy: String
    public var service: String
    public var version: String
    public var environment: String?
    public var deployedAt: Int64
    /// How long after the deploy the check looks (`10m`, `1h`, `24h`).
    public var after: TimeSpan
    /// When the check ran: the end of the period after the deploy.
    public var at: Int64
    public var baselineStart: Int64
    public var baselineEnd: Int64
    /// Bucket length compared: a minute up to two hours after the deploy, an hour beyond.
    public var step: TimeSpan
    /// When the next deploy of the same service replaced this one, if before the check's end: the period after is
    /// cut there, and pages after it are the next deploy's.
    public var supersededAt: Int64?
    /// The factor the baseline's throughput was scaled by for the daily cycle: the same hours a day earlier,
    /// after ÷ before (nil when the day before has no traffic to tell).
    public var seasonalFactor: Double?
    public var plan: String
    public var verdict: DeployVerdict
    public var outcomes: [OutcomeResult]
    public var intendedEffects: [EffectResult]
    /// One line for people.
    public var summary: String
}

/// Runs one check of a deploy against the engine: the plan's outcomes, before and after, per customer and in
/// aggregate. Short checks compare minutes after the deploy with the minutes just before it (at least 30, at
/// most 120); checks of a day or more compare hours with as many hours before, which holds the same hours of
/// the previous days (daily seasonality cancels out).
public struct DeployVerifier: Sendable {
    public var judge: CanaryJudge
    /// Customers compared per outcome at most (the busiest).
    public var customerLimit: Int

    public init(judge: CanaryJudge = CanaryJudge(), customerLimit: Int = 200) {
        self.judge = judge
        self.customerLimit = customerLimit
    }

    static let minute: Int64 = 60_000_000_000

    public static func id(_ deploy: Deploy) -> String { "\(deploy.service)@\(deploy.version)" }

    /// The check of `deploy` at `after`, planned by `plan`; `incidents` are the engine's (open or recent) to
    /// find pages since the deploy.
    /// `supersededAt`: when the next deploy of the same service went out, if it did.
    public func check(_ deploy: Deploy, plan: ChangePlan, after: TimeSpan, engine: EvaluationEngine, catalog: Catalog, incidents: [Incident],
                      supersededAt: Int64? = nil) -> DeployCheck {
        let start = deploy.timeUnixNano
        let superseded = supersededAt.flatMap { $0 > start && $0 < start + after.nanoseconds ? $0 : nil }
        let end = superseded ?? (start + after.nanoseconds)
        let long = after.nanoseconds > 2 * 60 * Self.minute
        let step = long ? 60 * Self.minute : Self.minute
        // Whole buckets: the after period starts at the first boundary at or after the deploy, the baseline ends
        // at the last one at or before it.
        let afterStart = Self.ceil(start, step)
        let afterEnd = max(afterStart, Self.floor(end, step))
        let baselineEnd = Self.floor(start, step)
        let baselineLength = long ? (afterEnd - afterStart) : min(max(afterEnd - afterStart, 30 * Self.minute), 120 * Self.minute)
        let baselineStart = baselineEnd - baselineLength

        var results: [DeployCheck.OutcomeResult] = []
        var seasonal: Double?
        for risk in plan.outcomes {
            guard let outcome = catalog.outcomes.first(where: { $0.name == risk.outcome }) else { continue }
            let factor = Self.seasonalFactor(engine, outcome: risk.outcome, baseline: baselineStart..<baselineEnd, after: afterStart..<afterEnd)
            if seasonal == nil { seasonal = factor }
            func compare(_ scope: Scope, level: Double?) -> [MetricComparison] {
                let before = engine.buckets(outcome: risk.outcome, scope: scope, from: baselineStart, to: baselineEnd, step: step) ?? []
                let after = engine.buckets(outcome: risk.outcome, scope: scope, from: afterStart, to: afterEnd, step: step) ?? []
                return risk.metrics.map { metric in
                    var baseline = CanaryJudge.values(metric, of: before, step: step)
                    if metric == .throughput, let factor { baseline = baseline.map { $0 * factor } }
                    return judge.compare(metric, baseline: baseline, after: CanaryJudge.values(metric, of: after, step: step), confidenceLevel: level)
                }
            }
            let aggregate = compare(.global, level: nil)
            // Customers: the busiest, at a confidence raised for how many are compared (Bonferroni), so a clean
            // deploy over many customers does not find a regression by chance.
            let customers = busiest(engine, outcome: risk.outcome, from: baselineStart, to: afterEnd)
            let level = customers.isEmpty ? judge.confidenceLevel : 1 - (1 - judge.confidenceLevel) / Double(customers.count)
            var compared = 0
            var flagged: [DeployCheck.CustomerResult] = []
            for customer in customers {
                let comparisons = compare(.customer(customer), level: level)
                if comparisons.contains(where: { $0.verdict != .noData }) { compared += 1 }
                let regressed = comparisons.filter { $0.verdict == .regressed }
                guard !regressed.isEmpty else { continue }
                flagged.append(.init(customer: customer, verdict: Self.verdict(regressed, pages: []), comparisons: regressed))
            }
            flagged.sort { (Self.rank($0.verdict), $0.customer) < (Self.rank($1.verdict), $1.customer) }
            let pages = incidents.filter { $0.outcome == risk.outcome && $0.severity == .page && $0.openedAt >= start && $0.openedAt < end }
                .map(\.id).reduce(into: [String]()) { ids, id in if !ids.contains(id) { ids.append(id) } }
            let aggregateVerdict = Self.verdict(aggregate, pages: [])
            var verdict = Self.verdict(aggregate + flagged.flatMap(\.comparisons), pages: pages)
            if verdict == .noData && compared > 0 { verdict = .pass }
            results.append(.init(
                outcome: risk.outcome, verdict: verdict, aggregateVerdict: aggregateVerdict, aggregate: aggregate,
                customersCompared: compared, customers: flagged, customerConfidenceLevel: level,
                release: release(engine, outcome: outcome, from: start, to: end, baselineStart: baselineStart), pages: pages
            ))
        }

        let effects = plan.intendedEffects.map { effect -> DeployCheck.EffectResult in
            guard let comparison = results.first(where: { $0.outcome == effect.outcome })?.aggregate.first(where: { $0.metric == effect.metric }) else {
                return .init(effect: effect, status: .noData, comparison: nil)
            }
            let status: DeployCheck.EffectStatus
            switch comparison.verdict {
            case .noData: status = .noData
            case .pass: status = .notYet
            case .improved: status = effect.expected == effect.metric.harmfulDirection ? .contradicted : .confirmed
            case .regressed: status = effect.expected == effect.metric.harmfulDirection ? .confirmed : .contradicted
            }
            return .init(effect: effect, status: status, comparison: comparison)
        }

        let verdicts = results.map(\.verdict)
        let verdict: DeployVerdict = verdicts.contains(.fail) ? .fail : verdicts.contains(.marginal) ? .marginal
            : verdicts.contains(.pass) ? .pass : .noData
        let check = DeployCheck(
            deploy: Self.id(deploy), service: deploy.service, version: deploy.version, environment: deploy.environment,
            deployedAt: start, after: after, at: end, baselineStart: baselineStart, baselineEnd: baselineEnd,
            step: .nanoseconds(step), supersededAt: superseded, seasonalFactor: seasonal, plan: plan.id, verdict: verdict, outcomes: results, intendedEffects: effects, summary: ""
        )
        var summarized = check
        summarized.summary = Self.summary(check)
        return summarized
    }

    /// The daily cycle's effect on traffic over these periods, from the same periods a day earlier: their valid
    /// events per minute after ÷ before; nil when the day before has no traffic in either.
    static func seasonalFactor(_ engine: EvaluationEngine, outcome: String, baseline: Range<Int64>, after: Range<Int64>) -> Double? {
        let day: Int64 = 86_400_000_000_000
        func rate(_ range: Range<Int64>) -> Double? {
            guard range.upperBound > range.lowerBound,
                  let bucket = engine.buckets(outcome: outcome, scope: .global, from: range.lowerBound - day, to: range.upperBound - day,
                                              step: range.upperBound - range.lowerBound, latencies: false)?.first, bucket.events.total > 0 else { return nil }
            return bucket.events.total / Double(range.upperBound - range.lowerBound)
        }
        guard let before = rate(baseline), let later = rate(after) else { return nil }
        return later / before
    }

    /// The outcome's customers with the most valid events over the checked period, at most `customerLimit`.
    func busiest(_ engine: EvaluationEngine, outcome: String, from: Int64, to: Int64) -> [String] {
        var events: [(String, Double)] = []
        for scope in engine.scopes(outcome: outcome) {
            guard let customer = scope.customer else { continue }
            let total = (engine.buckets(outcome: outcome, scope: scope, from: from, to: to, step: to - from, latencies: false) ?? []).reduce(0) { $0 + $1.events.total }
            if total > 0 { events.append((customer, total)) }
        }
        return events.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(customerLimit).map(\.0)
    }

    func release(_ engine: EvaluationEngine, outcome: Outcome, from: Int64, to: Int64, baselineStart: Int64) -> DeployCheck.ReleaseCost {
        let after = (engine.buckets(outcome: outcome.name, scope: .global, from: from, to: to, step: to - from, latencies: false) ?? []).first?.events ?? Counts(good: 0, total: 0)
        let before = (engine.buckets(outcome: outcome.name, scope: .global, from: baselineStart, to: from, step: max(Self.minute, from - baselineStart), latencies: false) ?? []).first?.events ?? Counts(good: 0, total: 0)
        // The budget of the whole window at the traffic seen since the deploy: (1 − objective) × valid events per
        // window.
        let perWindow = after.total * Double(outcome.window.nominalLength.nanoseconds) / Double(max(1, to - from))
        let allowed = (1 - outcome.objective) * perWindow
        return .init(badEvents: after.bad, validEvents: after.total, budgetSpent: allowed > 0 ? after.bad / allowed : 0,
                     sliBefore: before.ratio, sliAfter: after.ratio)
    }

    static func verdict(_ comparisons: [MetricComparison], pages: [String]) -> DeployVerdict {
        if !pages.isEmpty { return .fail }
        let regressed = comparisons.filter { $0.verdict == .regressed }
        if regressed.contains(where: { $0.metric == .errorRatio }) { return .fail }
        if !regressed.isEmpty { return .marginal }
        return comparisons.allSatisfy { $0.verdict == .noData } ? .noData : .pass
    }

    static func rank(_ verdict: DeployVerdict) -> Int {
        switch verdict {
        case .fail: 0
        case .marginal: 1
        case .pass: 2
        case .noData: 3
        }
    }

    static func summary(_ check: DeployCheck) -> String {
        var parts: [String] = []
        for outcome in check.outcomes where outcome.verdict == .fail || outcome.verdict == .marginal {
            let regressed = Set(outcome.aggregate.filter { $0.verdict == .regressed }.map(\.metric.label))
            let customers = outcome.customers.filter { $0.verdict == .fail || $0.verdict == .marginal }.map(\.customer)
            var part = "\(outcome.outcome):"
            var said = false
            if !regressed.isEmpty {
                part += " \(regressed.sorted().joined(separator: ", ")) regressed overall"
                said = true
            }
            if !customers.isEmpty {
                let shown = customers.prefix(5).joined(separator: ", ") + (customers.count > 5 ? " and \(customers.count - 5) more" : "")
                part += regressed.isEmpty ? " regressed for \(shown) (the aggregate \(outcome.aggregateVerdict == .pass ? "passes" : "is \(outcome.aggregateVerdict.rawValue)"))" : "; for \(shown)"
                said = true
            }
            if !outcome.pages.isEmpty { part += said ? "; paged (\(outcome.pages.joined(separator: ", ")))" : " paged (\(outcome.pages.joined(separator: ", ")))" }
            parts.append(part)
        }
        let head = "\(check.deploy) after \(check.after): \(check.verdict.rawValue)"
        return parts.isEmpty ? head : head + " — " + parts.joined(separator: "; ")
    }

    static func floor(_ time: Int64, _ step: Int64) -> Int64 { time - ((time % step) + step) % step }
    static func ceil(_ time: Int64, _ step: Int64) -> Int64 { let f = floor(time, step); return f == time ? f : f + step }
}
