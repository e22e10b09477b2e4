import GoalpostModel
import Testing
@testable import GoalpostEvaluation

/// Burn-rate and budget arithmetic against hand-computed cases; each case shows its arithmetic.
struct BudgetMathTests {
    struct BurnCase: Sendable, CustomTestStringConvertible {
        var name: String
        var bad: Double
        var total: Double
        var objective: Double
        var expected: Double
        var testDescription: String { name }
    }

    static let burnCases: [BurnCase] = [
        // 144 bad of 10 000 = 1.44 %; allowed 0.1 % → 1.44 / 0.1 = 14.4, the SRE Workbook's fast-burn page.
        BurnCase(name: "1.44% bad on 99.9% is burn 14.4", bad: 144, total: 10_000, objective: 0.999, expected: 14.4),
        // 60 bad of 10 000 = 0.6 %; 0.6 / 0.1 = 6, the 6h/30m page.
        BurnCase(name: "0.6% bad on 99.9% is burn 6", bad: 60, total: 10_000, objective: 0.999, expected: 6),
        // 1 bad of 1000 = 0.1 % = the allowance: burn 1 spends the budget exactly over the window.
        BurnCase(name: "bad share equal to the allowance is burn 1", bad: 1, total: 1000, objective: 0.999, expected: 1),
        // 50 of 100 on 99 %: 50 % / 1 % = 50.
        BurnCase(name: "half failing on 99% is burn 50", bad: 50, total: 100, objective: 0.99, expected: 50),
        // Total outage on 99.9 %: 100 % / 0.1 % = 1000.
        BurnCase(name: "total outage on 99.9% is burn 1000", bad: 500, total: 500, objective: 0.999, expected: 1000),
        // No traffic burns nothing.
        BurnCase(name: "no traffic is burn 0", bad: 0, total: 0, objective: 0.999, expected: 0),
        // 3 of 12 000 on 99.95 %: 0.025 % / 0.05 % = 0.5.
        BurnCase(name: "0.025% bad on 99.95% is burn 0.5", bad: 3, total: 12_000, objective: 0.9995, expected: 0.5),
    ]

    @Test("the burn-rate case table has every case")
    func burnCaseCount() {
        #expect(Self.burnCases.count == 7)
    }

    @Test("burn rate is the bad share over the allowed share", arguments: burnCases)
    func burnRate(_ c: BurnCase) {
        #expect(approximately(BudgetMath.burnRate(bad: c.bad, total: c.total, objective: c.objective), c.expected))
    }

    struct ThresholdCase: Sendable, CustomTestStringConvertible {
        var rule: BurnRateRule
        var window: TimeSpan
        var expected: Double
        var testDescription: String { "\(rule.longWindow)/\(rule.shortWindow) on \(window) is \(expected)" }
    }

    static let thresholdCases: [ThresholdCase] = [
        // 2 % of a 30-day (720 h) budget in 1 h: 0.02 × 720 / 1 = 14.4.
        ThresholdCase(rule: AlertPolicy.workbook.rules[0], window: .days(30), expected: 14.4),
        // 5 % in 6 h: 0.05 × 720 / 6 = 6.
        ThresholdCase(rule: AlertPolicy.workbook.rules[1], window: .days(30), expected: 6),
        // 10 % in 3 days (72 h): 0.10 × 720 / 72 = 1.
        ThresholdCase(rule: AlertPolicy.workbook.rules[2], window: .days(30), expected: 1),
        // A 28-day window (672 h): 0.02 × 672 / 1 = 13.44.
        ThresholdCase(rule: AlertPolicy.workbook.rules[0], window: .days(28), expected: 13.44),
        // A 7-day window (168 h): 0.05 × 168 / 6 = 1.4.
        ThresholdCase(rule: AlertPolicy.workbook.rules[1], window: .days(7), expected: 1.4),
        // An explicit burn rate is not scaled.
        ThresholdCase(rule: BurnRateRule(severity: .page, longWindow: .hours(1), shortWindow: .minutes(5), burnRate: 10), window: .days(7), expected: 10),
    ]

    @Test("the threshold case table has every case")
    func thresholdCaseCount() {
        #expect(Self.thresholdCases.count == 6)
    }

    @Test("thresholds scale with the window as budget consumed × window / long window", arguments: thresholdCases)
    func threshold(_ c: ThresholdCase) {
        #expect(approximately(c.rule.threshold(forWindow: c.window), c.expected))
    }

    @Test("burning at 14.4 for one hour spends 2% of a 30-day budget")
    func twoPercentInAnHour() {
        // 14.4 × 1 h / 720 h = 0.02: the Workbook's "2% of the budget in 1 hour".
        #expect(approximately(BudgetMath.budgetConsumed(burnRate: 14.4, duration: .hours(1), window: .days(30)), 0.02))
        // 6 × 6 h / 720 h = 0.05; 1 × 72 h / 720 h = 0.10.
        #expect(approximately(BudgetMath.budgetConsumed(burnRate: 6, duration: .hours(6), window: .days(30)), 0.05))
        #expect(approximately(BudgetMath.budgetConsumed(burnRate: 1, duration: .days(3), window: .days(30)), 0.10))
    }

    struct BudgetCase: Sendable, CustomTestStringConvertible {
        var name: String
        var bad: Double
        var base: Double
        var objective: Double
        var expected: Double
        var testDescription: String { name }
    }

    static let budgetCases: [BudgetCase] = [
        // 1 000 000 events at 99.9 % allow 1 000 bad; 250 spent → 1 − 250/1000 = 0.75.
        BudgetCase(name: "250 of 1000 allowed leaves 75%", bad: 250, base: 1_000_000, objective: 0.999, expected: 0.75),
        // Exactly the allowance: 1 − 1000/1000 = 0.
        BudgetCase(name: "spending the allowance leaves 0", bad: 1000, base: 1_000_000, objective: 0.999, expected: 0),
        // Twice the allowance: 1 − 2000/1000 = −1 (overspent).
        BudgetCase(name: "twice the allowance leaves −100%", bad: 2000, base: 1_000_000, objective: 0.999, expected: -1),
        // Timeslices: a 30-day window of 1-minute slices has 43 200; at 99.9 % 43.2 may be bad; 1 bad → 1 − 1/43.2.
        BudgetCase(name: "one bad minute of 43.2 allowed", bad: 1, base: 43_200, objective: 0.999, expected: 1 - 1 / 43.2),
        // Nothing allowed yet and nothing bad: untouched.
        BudgetCase(name: "no traffic leaves the whole budget", bad: 0, base: 0, objective: 0.999, expected: 1),
    ]

    @Test("the budget case table has every case")
    func budgetCaseCount() {
        #expect(Self.budgetCases.count == 5)
    }

    @Test("budget remaining is one minus bad over allowed", arguments: budgetCases)
    func budgetRemaining(_ c: BudgetCase) {
        #expect(approximately(BudgetMath.budgetRemaining(bad: c.bad, base: c.base, objective: c.objective), c.expected))
    }

    @Test("time to exhaustion is remaining × window / burn")
    func timeToExhaustion() {
        // Half the budget left at burn 14.4 on 30 days: 0.5 × 720 h / 14.4 = 25 h.
        #expect(BudgetMath.timeToExhaustion(remaining: 0.5, burnRate: 14.4, window: .days(30)) == .hours(25))
        // Full budget at burn 1: exactly the window.
        #expect(BudgetMath.timeToExhaustion(remaining: 1, burnRate: 1, window: .days(30)) == .days(30))
        // Not burning: never.
        #expect(BudgetMath.timeToExhaustion(remaining: 0.8, burnRate: 0, window: .days(30)) == nil)
        // Already spent: now.
        #expect(BudgetMath.timeToExhaustion(remaining: -0.2, burnRate: 3, window: .days(30)) == .zero)
    }

    @Test("the Poisson upper tail matches the closed form (values from Python's math module)")
    func poissonTail() {
        #expect(abs(BudgetMath.poissonUpperTail(atLeast: 3, mean: 1) - 0.08030139707139416) < 1e-12)
        #expect(abs(BudgetMath.poissonUpperTail(atLeast: 5, mean: 4.884) - 0.5389220715696167) < 1e-12)
        #expect(abs(BudgetMath.poissonUpperTail(atLeast: 12, mean: 4.884) - 0.0045614197333182505) < 1e-12)
        #expect(abs(BudgetMath.poissonUpperTail(atLeast: 15, mean: 4.884) - 0.00017692690818149615) < 1e-12)
        #expect(BudgetMath.poissonUpperTail(atLeast: 0, mean: 3) == 1)
    }

    @Test("a customer that did not fire is hurt only when its failures exceed the allowance by more than chance")
    func hurtByMoreThanChance() {
        // Background: 5 failures of 4,884 at 99.9 % (4.9 allowed).
        #expect(!BudgetMath.exceedsAllowance(bad: 5, total: 4_884, objective: 0.999))
        // Twelve: unlikely (p 0.005), but not at 0.001; fifteen: p 0.0002.
        #expect(!BudgetMath.exceedsAllowance(bad: 12, total: 4_884, objective: 0.999))
        #expect(BudgetMath.exceedsAllowance(bad: 15, total: 4_884, objective: 0.999))
        // An SSO customer during the demo's incident.
        #expect(BudgetMath.exceedsAllowance(bad: 117, total: 1_381, objective: 0.9995))
        // Fewer than three bad events never count, however few the events.
        #expect(!BudgetMath.exceedsAllowance(bad: 2, total: 2, objective: 0.999))
        #expect(BudgetMath.exceedsAllowance(bad: 3, total: 3, objective: 0.999))
        #expect(!BudgetMath.exceedsAllowance(bad: 3, total: 0, objective: 0.999))
    }
}
