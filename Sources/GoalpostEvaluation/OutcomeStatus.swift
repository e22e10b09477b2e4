import GoalpostModel

/// Where an outcome stands at one evaluation time: globally and for every customer with traffic.
public struct OutcomeStatus: Hashable, Sendable, Codable {
    /// The outcome's name.
    public var outcome: String
    /// The evaluation time, nanoseconds since the Unix epoch.
    public var at: Int64
    /// The outcome for everyone.
    public var global: ScopeStatus
    /// Each customer with retained traffic, sorted by id.
    public var customers: [ScopeStatus]
    /// The open incident of the outcome, if any.
    public var openIncident: Incident?

    /// A status; the engine builds these.
    public init(outcome: String, at: Int64, global: ScopeStatus, customers: [ScopeStatus], openIncident: Incident?) {
        self.outcome = outcome
        self.at = at
        self.global = global
        self.customers = customers
        self.openIncident = openIncident
    }
}

/// One scope's SLI, budget and burn rates at an evaluation time.
public struct ScopeStatus: Hashable, Sendable, Codable {
    /// Global or one customer.
    public var scope: Scope
    /// The objective that applies (a customer's tier may have its own).
    public var objective: Double
    /// Where the budget window starts (rolling: now − length; calendar: the period's start).
    public var windowStart: Int64
    /// Good and valid events over the budget window.
    public var events: Counts
    /// The SLI over the budget window in the outcome's budgeting method; `nil` without data.
    public var sli: Double?
    /// The share of the error budget left (≤ 1; negative when overspent).
    public var budgetRemaining: Double
    /// The burn rate over the last hour, in the budgeting method's units.
    public var burnRate1h: Double
    /// When the budget runs out at `burnRate1h`; `nil` when it is not burning.
    public var timeToExhaustion: TimeSpan?
    /// Each alert rule's windows and whether it fires.
    public var rules: [RuleStatus]
    /// The most severe rule firing, if any.
    public var firing: Severity?
    /// Latency percentiles over the last hour, when the indicator's events carry durations.
    public var latency: LatencySummary?

    /// A scope's status; the engine builds these.
    public init(
        scope: Scope, objective: Double, windowStart: Int64, events: Counts, sli: Double?, budgetRemaining: Double,
        burnRate1h: Double, timeToExhaustion: TimeSpan?, rules: [RuleStatus], firing: Severity?, latency: LatencySummary?
    ) {
        self.scope = scope
        self.objective = objective
        self.windowStart = windowStart
        self.events = events
        self.sli = sli
        self.budgetRemaining = budgetRemaining
        self.burnRate1h = burnRate1h
        self.timeToExhaustion = timeToExhaustion
        self.rules = rules
        self.firing = firing
        self.latency = latency
    }
}

/// One window's measurement.
public struct WindowBurn: Hashable, Sendable, Codable {
    /// The window length.
    public var window: TimeSpan
    /// Good and valid events in it.
    public var events: Counts
    /// The bad share in the budgeting method's units (bad events, or bad slices, over their total).
    public var badRatio: Double
    /// `badRatio / (1 − objective)`.
    public var burnRate: Double

    /// A window's measurement.
    public init(window: TimeSpan, events: Counts, badRatio: Double, burnRate: Double) {
        self.window = window
        self.events = events
        self.badRatio = badRatio
        self.burnRate = burnRate
    }
}

/// One multiwindow rule evaluated.
public struct RuleStatus: Hashable, Sendable, Codable {
    /// The rule.
    public var rule: BurnRateRule
    /// Its burn-rate threshold for the outcome's window.
    public var threshold: Double
    /// The long window.
    public var long: WindowBurn
    /// The short window.
    public var short: WindowBurn
    /// Whether the low-traffic guard held it back (fewer valid events than `minEvents` in the short window, or
    /// fewer bad events than `minBadEvents` in either window).
    public var lowTraffic: Bool
    /// Whether it fires: both burn rates above the threshold and enough traffic.
    public var firing: Bool

    /// A rule's evaluation.
    public init(rule: BurnRateRule, threshold: Double, long: WindowBurn, short: WindowBurn, lowTraffic: Bool, firing: Bool) {
        self.rule = rule
        self.threshold = threshold
        self.long = long
        self.short = short
        self.lowTraffic = lowTraffic
        self.firing = firing
    }
}

/// Latency percentiles read from a sketch (within its 2% relative accuracy).
public struct LatencySummary: Hashable, Sendable, Codable {
    /// Durations counted.
    public var count: UInt64
    /// The median.
    public var p50: TimeSpan
    /// The 90th percentile.
    public var p90: TimeSpan
    /// The 99th percentile.
    public var p99: TimeSpan

    /// The summary of `sketch`; `nil` when it is empty.
    public init?(_ sketch: LatencySketch) {
        guard let p50 = sketch.quantile(0.5), let p90 = sketch.quantile(0.9), let p99 = sketch.quantile(0.99) else { return nil }
        count = sketch.count
        self.p50 = .nanoseconds(p50)
        self.p90 = .nanoseconds(p90)
        self.p99 = .nanoseconds(p99)
    }
}

/// One cell's counts over a range, with its key spelled out: for investigation (localization).
public struct CellCounts: Hashable, Sendable, Codable {
    /// The customer id, or `nil` when the events had no customer attribute.
    public var customer: String?
    /// The values of the outcome's dimensions, by dimension name (absent when the events lacked it).
    public var dimensions: [String: String]
    /// Good and valid events.
    public var counts: Counts

    /// One cell's counts.
    public init(customer: String?, dimensions: [String: String], counts: Counts) {
        self.customer = customer
        self.dimensions = dimensions
        self.counts = counts
    }
}
