import Foundation

/// What must be true for customers, measured: "every customer can sign in successfully 99.9% of the time".
///
/// An outcome names its indicator (which events count and which of them are good), the objective over a
/// window, how customers are told apart, which attributes are kept for investigation, and how to alert.
public struct Outcome: Hashable, Sendable, Codable {
    /// The outcome's id (`metadata.name`): lower-case letters, digits and dashes.
    public var name: String
    /// A human title; defaults to the name.
    public var displayName: String?
    /// Free-form labels (`metadata.labels`).
    public var labels: [String: String]
    /// Free-form annotations (`metadata.annotations`); importers keep foreign fields here.
    public var annotations: [String: String]
    /// The business statement, in the customer's words.
    public var statement: String
    /// Team or person who owns the outcome.
    public var owner: String?
    /// The critical user journey the outcome belongs to (`sign-in`, `checkout`).
    public var journey: String?
    /// How much the business depends on the outcome; weighs the incident rank.
    public var criticality: Criticality
    /// A journey-level outcome this one rolls up into; its pages fold this one's.
    public var parent: String?
    /// Which events are valid and which of them are good.
    public var indicator: Indicator
    /// The objective: the share of good events (or good time slices) promised, in (0, 1).
    public var objective: Double
    /// The period the objective is measured over.
    public var window: BudgetWindow
    /// Whether the budget counts events or time slices.
    public var budgeting: BudgetingMethod
    /// How customers are told apart and evaluated one by one.
    public var customers: CustomerEvaluation
    /// Attributes kept per cell for investigation (`customer.tier`, `http.route`, `service.version`).
    public var dimensions: [String]
    /// When to page and when to open a ticket.
    public var alerting: AlertPolicy
    /// Where it was imported from (OpenSLO, Sloth), kept for export; nil when written for Goalpost.
    public var origin: SpecOrigin?

    /// Creates an outcome; everything but the name, statement, indicator and objective has a default.
    public init(
        name: String,
        displayName: String? = nil,
        labels: [String: String] = [:],
        annotations: [String: String] = [:],
        statement: String,
        owner: String? = nil,
        journey: String? = nil,
        criticality: Criticality = .medium,
        parent: String? = nil,
        indicator: Indicator,
        objective: Double,
        window: BudgetWindow = .rolling(.days(30)),
        budgeting: BudgetingMethod = .occurrences,
        customers: CustomerEvaluation = CustomerEvaluation(),
        dimensions: [String] = [],
        alerting: AlertPolicy = .workbook,
        origin: SpecOrigin? = nil
    ) {
        self.name = name
        self.displayName = displayName
        self.labels = labels
        self.annotations = annotations
        self.statement = statement
        self.owner = owner
        self.journey = journey
        self.criticality = criticality
        self.parent = parent
        self.indicator = indicator
        self.objective = objective
        self.window = window
        self.budgeting = budgeting
        self.customers = customers
        self.dimensions = dimensions
        self.alerting = alerting
        self.origin = origin
    }

    /// The objective that applies to a customer of the given tier (a tier may be promised more).
    public func objective(forTier tier: String?) -> Double {
        guard let tier, let specific = customers.tierObjectives[tier] else { return objective }
        return specific
    }
}

/// How much the business depends on an outcome.
public enum Criticality: String, Hashable, Sendable, Codable, CaseIterable {
    case critical, high, medium, low

    /// The weight used in the incident rank: each step down halves the weight.
    public var weight: Double {
        switch self {
        case .critical: 1.0
        case .high: 0.5
        case .medium: 0.25
        case .low: 0.125
        }
    }
}

/// The period an objective is measured over.
public enum BudgetWindow: Hashable, Sendable, Codable {
    /// The last N (e.g. 30 days), sliding with time.
    case rolling(TimeSpan)
    /// The current calendar period in a time zone (IANA id such as `Europe/Berlin`); the budget resets at its start.
    case calendar(CalendarPeriod, timeZone: String)

    /// The nominal length, used to scale burn-rate thresholds (a calendar month counts as 30 days).
    public var nominalLength: TimeSpan {
        switch self {
        case .rolling(let span): span
        case .calendar(let period, _): period.nominalLength
        }
    }
}

/// A calendar period for calendar-aligned windows.
public enum CalendarPeriod: String, Hashable, Sendable, Codable, CaseIterable {
    case day, week, month, quarter, year

    /// The nominal length used to scale thresholds.
    public var nominalLength: TimeSpan {
        switch self {
        case .day: .days(1)
        case .week: .days(7)
        case .month: .days(30)
        case .quarter: .days(90)
        case .year: .days(365)
        }
    }
}

/// Whether the error budget counts bad events or bad time slices.
public enum BudgetingMethod: Hashable, Sendable, Codable {
    /// Good events over all valid events.
    case occurrences
    /// Good slices over all slices; a slice is good when its own ratio of good events meets `threshold`.
    case timeslices(slice: TimeSpan, threshold: Double)
    /// The ratio of good to total summed over slices that had traffic (OpenSLO `RatioTimeslices`).
    case ratioTimeslices(slice: TimeSpan)
}

/// How customers are recognized in telemetry and evaluated one by one.
public struct CustomerEvaluation: Hashable, Sendable, Codable {
    /// Whether each customer with traffic gets its own scope (on by default: hiding in the aggregate is the failure
    /// Goalpost exists to prevent).
    public var enabled: Bool
    /// The attribute whose value names the customer.
    public var attribute: String
    /// The low-traffic guard: a scope with fewer valid events than this in an alert's short window never pages
    /// or tickets on that rule.
    public var minEvents: Int
    /// The other half of the guard: a rule fires only when each of its windows holds at least this many bad
    /// events. At a few requests a minute two background errors in an hour already burn past the page threshold
    /// of a 99.95% objective, and after an incident the 3-day window remembers it, so one stray error in the
    /// 6-hour window would re-open a ticket; with fewer than three bad events a burn rate cannot be told apart
    /// from that noise.
    public var minBadEvents: Int
    /// Objectives by customer tier that differ from the outcome's.
    public var tierObjectives: [String: Double]

    public static let defaultAttribute = "customer.id"
    public static let defaultMinEvents = 10
    public static let defaultMinBadEvents = 3

    public init(
        enabled: Bool = true,
        attribute: String = CustomerEvaluation.defaultAttribute,
        minEvents: Int = CustomerEvaluation.defaultMinEvents,
        minBadEvents: Int = CustomerEvaluation.defaultMinBadEvents,
        tierObjectives: [String: Double] = [:]
    ) {
        self.enabled = enabled
        self.attribute = attribute
        self.minEvents = minEvents
        self.minBadEvents = minBadEvents
        self.tierObjectives = tierObjectives
    }
}
