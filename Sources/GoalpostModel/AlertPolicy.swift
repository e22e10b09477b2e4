/// When an outcome pages and when it opens a ticket: multiwindow, multi-burn-rate rules.
///
/// The default is the table of the Google SRE Workbook, chapter "Alerting on SLOs": page when 2% of a 30-day
/// budget burns in 1 hour (burn 14.4) or 5% in 6 hours (burn 6), ticket when 10% burns in 3 days (burn 1),
/// each confirmed by a short window of 1/12 the long one. Rules are stored as the share of the budget consumed,
/// so thresholds scale with the outcome's window length.
public struct AlertPolicy: Hashable, Sendable, Codable {
    /// The rules, checked independently; the most severe firing rule wins.
    public var rules: [BurnRateRule]
    /// How long every rule must stay quiet before an open incident resolves (prevents flapping).
    public var resolveAfter: TimeSpan

    public init(rules: [BurnRateRule], resolveAfter: TimeSpan = .minutes(15)) {
        self.rules = rules
        self.resolveAfter = resolveAfter
    }

    /// The SRE Workbook's recommended table.
    public static let workbook = AlertPolicy(rules: [
        BurnRateRule(severity: .page, longWindow: .hours(1), shortWindow: .minutes(5), budgetConsumed: 0.02),
        BurnRateRule(severity: .page, longWindow: .hours(6), shortWindow: .minutes(30), budgetConsumed: 0.05),
        BurnRateRule(severity: .ticket, longWindow: .days(3), shortWindow: .hours(6), budgetConsumed: 0.10),
    ])
}

/// One multiwindow burn-rate rule: fires when both windows burn faster than the threshold.
public struct BurnRateRule: Hashable, Sendable, Codable {
    /// What firing means.
    public var severity: Severity
    /// The long window, which makes the alert significant.
    public var longWindow: TimeSpan
    /// The short window, which makes the alert reset quickly once the problem stops.
    public var shortWindow: TimeSpan
    /// The share of the whole budget that burning at the threshold for `longWindow` would consume.
    /// Ignored when `burnRate` is set.
    public var budgetConsumed: Double?
    /// An explicit burn-rate threshold, not scaled with the window.
    public var burnRate: Double?

    public init(severity: Severity, longWindow: TimeSpan, shortWindow: TimeSpan, budgetConsumed: Double? = nil, burnRate: Double? = nil) {
        self.severity = severity
        self.longWindow = longWindow
        self.shortWindow = shortWindow
        self.budgetConsumed = budgetConsumed
        self.burnRate = burnRate
    }

    /// The burn-rate threshold for an outcome whose window is `window` long:
    /// `budgetConsumed × window / longWindow` (0.02 × 720 h / 1 h = 14.4 for 30 days).
    public func threshold(forWindow window: TimeSpan) -> Double {
        if let burnRate { return burnRate }
        let consumed = budgetConsumed ?? 0
        guard longWindow.nanoseconds > 0 else { return .infinity }
        return consumed * Double(window.nanoseconds) / Double(longWindow.nanoseconds)
    }
}

/// How loudly a problem is raised.
public enum Severity: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    /// Someone acts now.
    case page
    /// Someone acts within working hours.
    case ticket

    private var order: Int { self == .page ? 1 : 0 }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.order < rhs.order }
}
