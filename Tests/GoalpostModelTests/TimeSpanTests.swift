import GoalpostModel
import Testing

struct TimeSpanTests {
    static let parsed: [(String, TimeSpan)] = [
        ("250ms", .milliseconds(250)), ("1.5s", .milliseconds(1500)), ("5m", .minutes(5)), ("1h30m", .minutes(90)),
        ("30d", .days(30)), ("2w", .days(14)), ("100us", .nanoseconds(100_000)), ("7ns", .nanoseconds(7)),
        (" 6h ", .hours(6)), ("0s", .zero),
    ]

    @Test("parses durations as people write them", arguments: parsed)
    func parses(text: String, expected: TimeSpan) {
        #expect(TimeSpan(parsing: text) == expected)
    }

    @Test("rejects what is not a duration", arguments: ["", "5", "m", "30 days", "1M", "1y", "-5m", "5mm", "1.2.3s", "h1"])
    func rejects(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test("writes the shortest exact form, which parses back", arguments: [
        (TimeSpan.days(30), "30d"), (.minutes(90), "1h30m"), (.milliseconds(250), "250ms"), (.milliseconds(1500), "1s500ms"),
        (.days(7), "7d"), (.zero, "0s"), (.nanoseconds(1), "1ns"),
    ])
    func writes(span: TimeSpan, text: String) {
        #expect(span.text == text)
        #expect(TimeSpan(parsing: text) == span)
    }

    @Test("the case tables stay complete")
    func counts() {
        #expect(Self.parsed.count == 10)
    }
}

struct AlertPolicyTests {
    @Test("Workbook thresholds scale with the window: 14.4, 6 and 1 for 30 days", arguments: zip([0, 1, 2], [14.4, 6.0, 1.0]))
    func workbookThresholds(index: Int, expected: Double) {
        let rule = AlertPolicy.workbook.rules[index]
        #expect(abs(rule.threshold(forWindow: .days(30)) - expected) < 1e-9)
    }

    @Test("for a 7-day window the 1h page threshold is 2% × 168 h / 1 h = 3.36")
    func sevenDayWindow() {
        #expect(abs(AlertPolicy.workbook.rules[0].threshold(forWindow: .days(7)) - 3.36) < 1e-9)
    }

    @Test("an explicit burn rate is not scaled")
    func explicitBurnRate() {
        let rule = BurnRateRule(severity: .page, longWindow: .hours(1), shortWindow: .minutes(5), burnRate: 10)
        #expect(rule.threshold(forWindow: .days(7)) == 10)
    }
}
