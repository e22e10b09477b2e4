import GoalpostModel
import GoalpostTestSupport
import Testing

// MARK: - Fixture

/// One event with a bit of everything: pseudo-fields, every attribute kind, a repeated key, a NaN.
private struct Fixture {
    var symbols = SymbolTable()
    var event: Event

    init() {
        var symbols = SymbolTable()
        func string(_ key: String, _ value: String) -> Attribute {
            Attribute(key: symbols.intern(key), value: .string(symbols.intern(value)))
        }
        func value(_ key: String, _ value: AttributeValue) -> Attribute {
            Attribute(key: symbols.intern(key), value: value)
        }
        let attributes = [
            string("http.route", "/sso/callback"),
            value("http.response.status_code", .int(503)),
            string("customer.tier", "enterprise"),
            value("ratio", .double(0.25)),
            value("cache.hit", .bool(true)),
            value("big", .int(.max)),
            string("error.type", "timeout.connect"),
            value("retries", .int(2)),
            value("retries", .int(3)),
            string("code", "500"),
            value("nan", .double(.nan)),
            value("latency_ms", .int(1200)),
            // Shadowed by the pseudo-field of the same name.
            string("status", "fake"),
            string("composed", "caf\u{E9}"),
        ]
        event = Event(
            timeUnixNano: 1_700_000_000_000_000_000,
            signal: .span,
            service: symbols.intern("checkout"),
            operation: symbols.intern("POST /pay"),
            status: .error,
            durationNanos: 1_500_000_000,
            severityNumber: 17,
            attributes: attributes
        )
        self.symbols = symbols
    }
}

struct SemanticsCase: CustomTestStringConvertible, Sendable {
    var name: String
    var expression: FilterExpression
    var expected: Bool
    var testDescription: String { name }
}

private func cmp(_ key: String, _ op: ComparisonOperator, _ value: FilterValue) -> FilterExpression {
    .compare(key: key, op: op, value: value)
}

private func row(_ name: String, _ expression: FilterExpression, _ expected: Bool) -> SemanticsCase {
    SemanticsCase(name: name, expression: expression, expected: expected)
}

private let semantics: [SemanticsCase] = [
    // Strings.
    row("string equal", cmp("http.route", .equal, .string("/sso/callback")), true),
    row("string not equal to itself", cmp("http.route", .notEqual, .string("/sso/callback")), false),
    row("string equal to another", cmp("http.route", .equal, .string("/other")), false),
    row("string less, lexicographic", cmp("http.route", .less, .string("/tz")), true),
    row("a longer string is greater than its prefix", cmp("http.route", .greater, .string("/sso")), true),
    row("string less or equal to itself", cmp("http.route", .lessOrEqual, .string("/sso/callback")), true),
    row("canonically equivalent strings are equal", cmp("composed", .equal, .string("cafe\u{301}")), true),
    // Numbers.
    row("int greater or equal", cmp("http.response.status_code", .greaterOrEqual, .int(500)), true),
    row("int equals the same double", cmp("http.response.status_code", .equal, .double(503)), true),
    row("int less than a double just above", cmp("http.response.status_code", .less, .double(503.5)), true),
    row("double equal", cmp("ratio", .equal, .double(0.25)), true),
    row("double greater than an int", cmp("ratio", .greater, .int(0)), true),
    row("Int64.max is not equal to 2^63", cmp("big", .equal, .double(9_223_372_036_854_775_808.0)), false),
    row("Int64.max is less than 2^63", cmp("big", .less, .double(9_223_372_036_854_775_808.0)), true),
    row("Int64.max is greater than 9.2e18", cmp("big", .greater, .double(9.2e18)), true),
    row("the last of repeated attributes wins", cmp("retries", .equal, .int(3)), true),
    row("an earlier repeated attribute is hidden", cmp("retries", .equal, .int(2)), false),
    row("NaN equals nothing", cmp("nan", .equal, .double(.nan)), false),
    row("NaN is not equal to anything", cmp("nan", .notEqual, .int(0)), true),
    row("NaN is not less", cmp("nan", .less, .int(0)), false),
    row("NaN is not greater or equal", cmp("nan", .greaterOrEqual, .int(0)), false),
    // Kind mismatches.
    row("a string attribute does not equal a number", cmp("code", .equal, .int(500)), false),
    row("a string attribute is not-equal to a number", cmp("code", .notEqual, .int(500)), true),
    row("a string attribute is not greater than a number", cmp("code", .greater, .int(400)), false),
    row("a string attribute equals the same string", cmp("code", .equal, .string("500")), true),
    row("a bool does not equal 1", cmp("cache.hit", .equal, .int(1)), false),
    row("a number is not ordered against a string", cmp("http.response.status_code", .less, .string("600")), false),
    // Bools.
    row("bool equal", cmp("cache.hit", .equal, .bool(true)), true),
    row("bool not equal", cmp("cache.hit", .notEqual, .bool(false)), true),
    row("bools are not ordered", cmp("cache.hit", .lessOrEqual, .bool(true)), false),
    // Durations.
    row("duration greater than a duration", cmp("duration", .greater, .duration(.seconds(1))), true),
    row("duration equal to a duration", cmp("duration", .equal, .duration(.milliseconds(1500))), true),
    row("duration against an int is milliseconds", cmp("duration", .equal, .int(1500)), true),
    row("duration greater than 1499 ms", cmp("duration", .greater, .int(1499)), true),
    row("duration against a double is milliseconds", cmp("duration", .less, .double(1500.5)), true),
    row("duration not equal to 1500.5 ms", cmp("duration", .equal, .double(1500.5)), false),
    row("duration against an int too large for nanoseconds", cmp("duration", .less, .int(.max)), true),
    row("duration against a negative int too large for nanoseconds", cmp("duration", .greater, .int(.min)), true),
    row("a number attribute against a duration literal is milliseconds", cmp("latency_ms", .greater, .duration(.seconds(1))), true),
    row("1200 equals 1200ms", cmp("latency_ms", .equal, .duration(.milliseconds(1200))), true),
    row("a duration does not equal a string", cmp("duration", .equal, .string("1.5s")), false),
    // Pseudo-fields.
    row("status is the event's, not the attribute's", cmp("status", .equal, .string("error")), true),
    row("the shadowed status attribute is invisible", cmp("status", .equal, .string("fake")), false),
    row("operation", cmp("operation", .equal, .string("POST /pay")), true),
    row("service.name", cmp("service.name", .equal, .string("checkout")), true),
    row("severity is an int", cmp("severity", .greaterOrEqual, .int(17)), true),
    row("severity equals 17.0", cmp("severity", .equal, .double(17)), true),
    row("pseudo-fields exist", .and(.exists(key: "duration"), .exists(key: "service.name")), true),
    // Missing attributes.
    row("missing == is false", cmp("missing", .equal, .string("x")), false),
    row("missing != is true", cmp("missing", .notEqual, .string("x")), true),
    row("missing < is false", cmp("missing", .less, .int(5)), false),
    row("missing >= is false", cmp("missing", .greaterOrEqual, .int(5)), false),
    row("missing in is false", .oneOf(key: "missing", values: [.string("x")]), false),
    row("missing not in is true", .not(.oneOf(key: "missing", values: [.string("x")])), true),
    row("missing matches is false", .matches(key: "missing", pattern: ""), false),
    row("missing does not exist", .exists(key: "missing"), false),
    row("present exists", .exists(key: "http.route"), true),
    // in.
    row("in finds a member", .oneOf(key: "customer.tier", values: [.string("business"), .string("enterprise")]), true),
    row("in an empty list is false", .oneOf(key: "customer.tier", values: []), false),
    row("in across kinds", .oneOf(key: "http.response.status_code", values: [.string("503"), .double(503)]), true),
    row("not in a list without the value", .not(.oneOf(key: "customer.tier", values: [.string("free")])), true),
    // matches.
    row("matches searches from the start", .matches(key: "error.type", pattern: "^timeout"), true),
    row("matches is unanchored", .matches(key: "error.type", pattern: "out\\.con"), true),
    row("matches honours an anchor", .matches(key: "error.type", pattern: "^connect"), false),
    row("the empty pattern matches everything", .matches(key: "error.type", pattern: ""), true),
    row("matches on a pseudo-field", .matches(key: "operation", pattern: "^POST "), true),
    row("matches ignores non-strings", .matches(key: "http.response.status_code", pattern: "5"), false),
    row("an invalid pattern matches nothing", .matches(key: "error.type", pattern: "["), false),
    row("not of an invalid pattern is true", .not(.matches(key: "error.type", pattern: "[")), true),
    // Connectives.
    row("and", .and(.exists(key: "http.route"), .exists(key: "missing")), false),
    row("or", .or(.exists(key: "missing"), .exists(key: "http.route")), true),
    row("not", .not(.exists(key: "missing")), true),
    row("nested", .or(.and(.exists(key: "missing"), .exists(key: "big")), .not(.or(.exists(key: "missing"), .exists(key: "nope")))), true),
]

// MARK: - Tests

@Suite("Filter evaluation")
struct FilterEvaluationTests {
    @Test("the semantics table keeps its cases")
    func tableKeepsItsCases() {
        #expect(semantics.count == 73)
    }

    @Test("the plain evaluator gives the documented answer", arguments: semantics)
    func plain(_ testCase: SemanticsCase) {
        let fixture = Fixture()
        let result = testCase.expression.evaluate { fixture.event.filterValue($0, symbols: fixture.symbols) }
        #expect(result == testCase.expected)
    }

    @Test("the compiled filter gives the documented answer", arguments: semantics)
    func compiled(_ testCase: SemanticsCase) {
        var fixture = Fixture()
        let filter = CompiledFilter(testCase.expression, symbols: &fixture.symbols)
        #expect(filter.matches(fixture.event, symbols: fixture.symbols) == testCase.expected)
    }

    @Test("compiling interns keys and string literals so later events match")
    func compilesBeforeEvents() {
        var symbols = SymbolTable()
        let filter = CompiledFilter(
            .and(cmp("tenant", .equal, .string("acme")), .exists(key: "region")),
            symbols: &symbols
        )
        let event = Event(
            timeUnixNano: 0, signal: .log, service: symbols.intern("svc"), operation: symbols.intern("op"),
            status: .ok,
            attributes: [
                Attribute(key: symbols.intern("tenant"), value: .string(symbols.intern("acme"))),
                Attribute(key: symbols.intern("region"), value: .string(symbols.intern("eu"))),
            ]
        )
        #expect(filter.matches(event, symbols: symbols))
    }

    @Test("status reads unset and ok as their names")
    func statusNames() {
        var symbols = SymbolTable()
        let filter = CompiledFilter(.oneOf(key: "status", values: [.string("unset"), .string("ok")]), symbols: &symbols)
        for (status, expected) in [(EventStatus.unset, true), (.ok, true), (.error, false)] {
            let event = Event(timeUnixNano: 0, signal: .span, service: SymbolTable.empty, operation: SymbolTable.empty, status: status)
            #expect(filter.matches(event, symbols: symbols) == expected)
            #expect(event.filterValue("status", symbols: symbols) == .string(["unset", "ok", "error"][Int(status.rawValue)]))
        }
    }

    @Test("the compiled and plain evaluators agree on random expressions and events", arguments: [11, 12, 13] as [UInt64])
    func compiledAgreesWithPlain(seed: UInt64) {
        var generator = RandomFilterWorld(seed: seed)
        var symbols = SymbolTable()
        let events = (0..<40).map { _ in generator.event(symbols: &symbols) }
        var outcomes = [false: 0, true: 0]
        for _ in 0..<300 {
            let expression = generator.expression(depth: 4)
            let filter = CompiledFilter(expression, symbols: &symbols)
            for event in events {
                let plain = expression.evaluate { event.filterValue($0, symbols: symbols) }
                let compiled = filter.matches(event, symbols: symbols)
                outcomes[plain, default: 0] += 1
                if plain != compiled {
                    Issue.record("plain \(plain), compiled \(compiled) for \(expression) on \(event)")
                    return
                }
            }
        }
        // Both answers must be common, or agreement would prove little.
        #expect(outcomes[true, default: 0] > 2_000)
        #expect(outcomes[false, default: 0] > 2_000)
    }
}

// MARK: - Random expressions and events


/// Expressions and events drawn from one small vocabulary, so keys are often present and values often equal.
private struct RandomFilterWorld {
    var random: SeededRandom

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    static let attributeKeys = ["http.route", "customer.tier", "code", "ratio", "flag", "count", "status"]
    static let pseudoFields = ["duration", "status", "operation", "service.name", "severity"]
    static let strings = ["", "a", "b", "ab", "/login", "/logout", "ok", "error", "unset", "500", "caf\u{E9}", "cafe\u{301}"]
    static let patterns = ["", "^a", "b$", "log", "^/log(in|out)$", "[", "\\d", "(?i)ERROR"]

    mutating func pick<T>(_ values: [T]) -> T {
        values[Int.random(in: 0..<values.count, using: &random)]
    }

    mutating func literal() -> FilterValue {
        switch Int.random(in: 0..<6, using: &random) {
        case 0, 1: return .string(pick(Self.strings))
        case 2: return .int(pick([-1, 0, 1, 2, 500, 1500, 17, .min, .max]))
        case 3: return .double(pick([0, 0.5, 1.5, 2, 500, -0.0, .nan, .infinity, 1499.9999]))
        case 4: return .bool(Bool.random(using: &random))
        default: return .duration(.nanoseconds(pick([0, 1_000_000, 1_500_000_000, 500_000_000_000])))
        }
    }

    mutating func attributeValue(symbols: inout SymbolTable) -> AttributeValue {
        switch literal() {
        case .string(let string): .string(symbols.intern(string))
        case .int(let int): .int(int)
        case .double(let double): .double(double)
        case .bool(let bool): .bool(bool)
        case .duration(let span): .int(span.nanoseconds / 1_000_000)
        }
    }

    mutating func event(symbols: inout SymbolTable) -> Event {
        var attributes: [Attribute] = []
        for _ in 0..<Int.random(in: 0...6, using: &random) {
            attributes.append(Attribute(key: symbols.intern(pick(Self.attributeKeys)), value: attributeValue(symbols: &symbols)))
        }
        return Event(
            timeUnixNano: 0,
            signal: .span,
            service: symbols.intern(pick(Self.strings)),
            operation: symbols.intern(pick(Self.strings)),
            status: pick([.unset, .ok, .error]),
            durationNanos: pick([0, 1_000_000, 1_499_999_999, 1_500_000_000, 500_000_000_000]),
            severityNumber: pick([0, 9, 17, 21]),
            attributes: attributes
        )
    }

    mutating func expression(depth: Int) -> FilterExpression {
        if depth == 0 || Int.random(in: 0..<3, using: &random) == 0 {
            let key = Int.random(in: 0..<4, using: &random) == 0
                ? pick(Self.pseudoFields)
                : pick(Self.attributeKeys + ["missing"])
            switch Int.random(in: 0..<6, using: &random) {
            case 0, 1, 2: return .compare(key: key, op: pick(ComparisonOperator.allCases), value: literal())
            case 3: return .oneOf(key: key, values: (0..<Int.random(in: 0...3, using: &random)).map { _ in literal() })
            case 4: return .matches(key: key, pattern: pick(Self.patterns))
            default: return .exists(key: key)
            }
        }
        switch Int.random(in: 0..<3, using: &random) {
        case 0: return .and(expression(depth: depth - 1), expression(depth: depth - 1))
        case 1: return .or(expression(depth: depth - 1), expression(depth: depth - 1))
        default: return .not(expression(depth: depth - 1))
        }
    }
}
