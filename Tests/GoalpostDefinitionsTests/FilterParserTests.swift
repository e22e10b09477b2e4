import GoalpostDefinitions
import GoalpostModel
import GoalpostTestSupport
import Testing

// MARK: - Tables

/// A source text and the exact tree it must parse to.
struct ValidFilterCase: CustomTestStringConvertible, Sendable {
    var source: String
    var expected: FilterExpression
    var testDescription: String { source }
}

/// A source text that must fail, with the exact column and message.
struct InvalidFilterCase: CustomTestStringConvertible, Sendable {
    var source: String
    var column: Int
    var message: String
    var testDescription: String { source }
}

private func cmp(_ key: String, _ op: ComparisonOperator, _ value: FilterValue) -> FilterExpression {
    .compare(key: key, op: op, value: value)
}

private func eq(_ key: String, _ value: Int64) -> FilterExpression {
    .compare(key: key, op: .equal, value: .int(value))
}

private let validCases: [ValidFilterCase] = [
    .init(source: #"http.route == "/sso/callback""#, expected: cmp("http.route", .equal, .string("/sso/callback"))),
    .init(source: "http.response.status_code >= 500", expected: cmp("http.response.status_code", .greaterOrEqual, .int(500))),
    .init(source: "duration > 2s", expected: cmp("duration", .greater, .duration(.seconds(2)))),
    .init(source: "duration <= 250ms", expected: cmp("duration", .lessOrEqual, .duration(.milliseconds(250)))),
    .init(source: "duration < 1.5s", expected: cmp("duration", .less, .duration(.nanoseconds(1_500_000_000)))),
    .init(source: "duration >= 5m", expected: cmp("duration", .greaterOrEqual, .duration(.minutes(5)))),
    .init(source: "duration != 1h30m", expected: cmp("duration", .notEqual, .duration(.minutes(90)))),
    .init(source: "d == 1us or d == 1µs", expected: .or(cmp("d", .equal, .duration(.nanoseconds(1_000))), cmp("d", .equal, .duration(.nanoseconds(1_000))))),
    .init(source: "window == 2w or window == 30d or window == 0s",
          expected: .or(.or(cmp("window", .equal, .duration(.days(14))), cmp("window", .equal, .duration(.days(30)))), cmp("window", .equal, .duration(.zero)))),
    .init(source: "duration > 2000", expected: cmp("duration", .greater, .int(2000))),
    .init(source: #"customer.tier in ["enterprise", "business"]"#,
          expected: .oneOf(key: "customer.tier", values: [.string("enterprise"), .string("business")])),
    .init(source: #"customer.tier not in ["free"]"#, expected: .not(.oneOf(key: "customer.tier", values: [.string("free")]))),
    .init(source: #"error.type matches "^timeout""#, expected: .matches(key: "error.type", pattern: "^timeout")),
    .init(source: #"http.route matches "^/api/(v1|v2)/\\d+""#, expected: .matches(key: "http.route", pattern: #"^/api/(v1|v2)/\d+"#)),
    .init(source: "customer.id exists", expected: .exists(key: "customer.id")),
    .init(source: #"http.route == "/sso/callback" and customer.tier in ["enterprise", "business"] and not (error.type matches "^timeout")"#,
          expected: .and(
              .and(cmp("http.route", .equal, .string("/sso/callback")),
                   .oneOf(key: "customer.tier", values: [.string("enterprise"), .string("business")])),
              .not(.matches(key: "error.type", pattern: "^timeout")))),
    .init(source: "http.response.status_code >= 500 or duration > 2s",
          expected: .or(cmp("http.response.status_code", .greaterOrEqual, .int(500)), cmp("duration", .greater, .duration(.seconds(2))))),
    .init(source: "a == 1 and b == 2 or c == 3", expected: .or(.and(eq("a", 1), eq("b", 2)), eq("c", 3))),
    .init(source: "a == 1 or b == 2 and c == 3", expected: .or(eq("a", 1), .and(eq("b", 2), eq("c", 3)))),
    .init(source: "a == 1 and b == 2 and c == 3", expected: .and(.and(eq("a", 1), eq("b", 2)), eq("c", 3))),
    .init(source: "a == 1 or b == 2 or c == 3", expected: .or(.or(eq("a", 1), eq("b", 2)), eq("c", 3))),
    .init(source: "a == 1 and (b == 2 or c == 3)", expected: .and(eq("a", 1), .or(eq("b", 2), eq("c", 3)))),
    .init(source: "not a == 1 and b == 2", expected: .and(.not(eq("a", 1)), eq("b", 2))),
    .init(source: "not (a == 1 and b == 2)", expected: .not(.and(eq("a", 1), eq("b", 2)))),
    .init(source: "not not a exists", expected: .not(.not(.exists(key: "a")))),
    .init(source: "not x not in [1]", expected: .not(.not(.oneOf(key: "x", values: [.int(1)])))),
    .init(source: "((a exists))", expected: .exists(key: "a")),
    .init(source: "(a==1)and(b!=-2)", expected: .and(eq("a", 1), cmp("b", .notEqual, .int(-2)))),
    .init(source: "\n  a == 1\n\tand b == 2  ", expected: .and(eq("a", 1), eq("b", 2))),
    .init(source: #"k8s.pod.name != "api-7f9""#, expected: cmp("k8s.pod.name", .notEqual, .string("api-7f9"))),
    .init(source: "user_agent/os-name exists", expected: .exists(key: "user_agent/os-name")),
    .init(source: #"_private == """#, expected: cmp("_private", .equal, .string(""))),
    .init(source: "retries < -3", expected: cmp("retries", .less, .int(-3))),
    .init(source: "ratio >= 0.5", expected: cmp("ratio", .greaterOrEqual, .double(0.5))),
    .init(source: "ratio < 1e3", expected: cmp("ratio", .less, .double(1000))),
    .init(source: "ratio > -2.5E-3", expected: cmp("ratio", .greater, .double(-0.0025))),
    .init(source: "ratio == 1e+16", expected: cmp("ratio", .equal, .double(1e16))),
    .init(source: "low == -9223372036854775808 or high == 9223372036854775807",
          expected: .or(eq("low", .min), eq("high", .max))),
    .init(source: "cache.hit == true and cache.stale != false",
          expected: .and(cmp("cache.hit", .equal, .bool(true)), cmp("cache.stale", .notEqual, .bool(false)))),
    .init(source: "`weird key` == \"x\"", expected: cmp("weird key", .equal, .string("x"))),
    .init(source: "`and` exists", expected: .exists(key: "and")),
    .init(source: #"`a\`b\\c` exists"#, expected: .exists(key: #"a`b\c"#)),
    .init(source: "`café` exists", expected: .exists(key: "café")),
    .init(source: #"msg == "say \"hi\"\n\tand \\ \u{1F600} \r""#, expected: cmp("msg", .equal, .string("say \"hi\"\n\tand \\ \u{1F600} \r"))),
    .init(source: #"name == "café""#, expected: cmp("name", .equal, .string("café"))),
    .init(source: "x in []", expected: .oneOf(key: "x", values: [])),
    .init(source: #"x in [1, 2.5, "three", true, 3s,]"#,
          expected: .oneOf(key: "x", values: [.int(1), .double(2.5), .string("three"), .bool(true), .duration(.seconds(3))])),
    .init(source: #"service.name == "checkout" and status == "error" and severity >= 17"#,
          expected: .and(.and(cmp("service.name", .equal, .string("checkout")), cmp("status", .equal, .string("error"))),
                         cmp("severity", .greaterOrEqual, .int(17)))),
    .init(source: "AND == 1", expected: eq("AND", 1)),
]

private let units = "ns, us, ms, s, m, h, d or w"

private let invalidCases: [InvalidFilterCase] = [
    .init(source: "", column: 1, message: #"empty expression; write a condition such as http.route == "/login""#),
    .init(source: "  \n ", column: 1, message: #"empty expression; write a condition such as http.route == "/login""#),
    .init(source: "http.route == ", column: 15, message: "expected a value after '==' but found end of expression"),
    .init(source: #"http.route = "/x""#, column: 12, message: "unknown operator '='; use '==' to compare"),
    .init(source: "a === 1", column: 3, message: "unknown operator '==='; use '==' to compare"),
    .init(source: "a == 1 && b == 2", column: 8, message: "unknown operator '&&'; use 'and'"),
    .init(source: "a == 1 || b == 2", column: 8, message: "unknown operator '||'; use 'or'"),
    .init(source: "!(a == 1)", column: 1, message: "unknown operator '!'; use 'not'"),
    .init(source: #"e =~ "x""#, column: 3, message: "unknown operator '=~'; use 'matches' for a regular expression"),
    .init(source: #"a == "unterminated"#, column: 6, message: #"unterminated string: missing closing '"'"#),
    .init(source: "(a == 1 and b == 2", column: 19, message: "expected ')' to close the '(' at column 1 but found end of expression"),
    .init(source: "(a == 1 AND b == 2)", column: 9, message: "expected ')' to close the '(' at column 1 but found key 'AND'; keywords are lower case: 'and'"),
    .init(source: "a in [1, 2", column: 11, message: "expected ',' or ']' to close the list opened at column 6 but found end of expression"),
    .init(source: "x in [1 2]", column: 9, message: "expected ',' or ']' to close the list opened at column 6 but found the number 2"),
    .init(source: "x in [1, and]", column: 10, message: "expected a value or ']' in the list opened at column 6 but found 'and'"),
    .init(source: "a == 1 b == 2", column: 8, message: "expected 'and', 'or' or end of expression but found key 'b'"),
    .init(source: "a == 1)", column: 7, message: "unexpected ')' without a matching '('"),
    .init(source: "a == 1 AND b == 2", column: 8, message: "unexpected key 'AND'; keywords are lower case: 'and'"),
    .init(source: "duration > 500 ms", column: 16, message: "unexpected 'ms' after 500; write a duration without a space: 500ms"),
    .init(source: #""x" == http.route"#, column: 1, message: #"expected an attribute key but found the string "x"; put the key on the left: http.route == "x""#),
    .init(source: "500 < status_code", column: 1, message: "expected an attribute key but found the number 500; put the key on the left: status_code > 500"),
    .init(source: #""http.route" == "/x""#, column: 1,
          message: #"expected an attribute key but found the string "http.route"; a key is written bare or in backticks, not in double quotes: http.route"#),
    .init(source: #""has space" exists"#, column: 1,
          message: #"expected an attribute key but found the string "has space"; a key is written bare or in backticks, not in double quotes: `has space`"#),
    .init(source: "true", column: 1, message: "expected an attribute key but found 'true'"),
    .init(source: "and", column: 1, message: "expected an attribute key but found 'and'"),
    .init(source: "a == 1 and", column: 11, message: "expected an attribute key but found end of expression"),
    .init(source: "== 1", column: 1, message: "expected an attribute key but found '=='"),
    .init(source: "n == 99999999999999999999", column: 6,
          message: "integer 99999999999999999999 does not fit in 64 bits; write it as a double (99999999999999999999.0) if an approximation will do"),
    .init(source: "n > -9223372036854775809", column: 5,
          message: "integer -9223372036854775809 does not fit in 64 bits; write it as a double (-9223372036854775809.0) if an approximation will do"),
    .init(source: "x == 1e999", column: 6, message: "number 1e999 is too large for a double"),
    .init(source: "x == 1.", column: 7, message: "expected a digit after the decimal point"),
    .init(source: "x == 1.5.3", column: 9, message: "unexpected '.' after the number 1.5"),
    .init(source: "x == 1e3s", column: 9, message: "unexpected 's' after the number 1e3"),
    .init(source: "duration > 5x", column: 13, message: "unknown duration unit 'x' in '5x'; use one of \(units)"),
    .init(source: "duration > 2S", column: 13, message: "unknown duration unit 'S' in '2S'; use one of \(units)"),
    .init(source: "duration > 1h30", column: 16, message: "missing unit after 30 in duration '1h30'; use one of \(units)"),
    .init(source: "duration > -5s", column: 12, message: "a duration cannot be negative"),
    .init(source: "duration > 999999999999d", column: 12, message: "duration '999999999999d' is too long"),
    .init(source: #"error.type matches "[unclosed""#, column: 20, message: #"invalid regular expression "[unclosed": expected ']'"#),
    .init(source: #"e matches "a{2,1}""#, column: 11,
          message: #"invalid regular expression "a{2,1}": range lower bound '2' must be less than or equal to upper bound '1'"#),
    .init(source: "a matches x", column: 11, message: "expected a regular expression in double quotes after 'matches' but found key 'x'"),
    .init(source: "a < true", column: 3, message: "'<' cannot order bools; compare them with '==' or '!='"),
    .init(source: "a == 'x'", column: 6, message: "strings are written in double quotes, not single quotes"),
    .init(source: #"a == "\q""#, column: 7, message: #"unknown escape '\q' in string; use \", \\, \n, \r, \t or \u{...}"#),
    .init(source: #"a == "\u{110000}""#, column: 7, message: #"invalid unicode escape; write \u{...} with 1 to 8 hex digits of a Unicode scalar"#),
    .init(source: #"a == "\u41""#, column: 7, message: #"invalid unicode escape; write \u{...} with 1 to 8 hex digits of a Unicode scalar"#),
    .init(source: "`` exists", column: 1, message: "empty key: write a name between the backticks"),
    .init(source: "`abc exists", column: 1, message: "unterminated key: missing closing '`'"),
    .init(source: #"`a\n` exists"#, column: 3, message: #"unknown escape '\n' in key; use \` or \\"#),
    .init(source: "a", column: 2, message: "expected an operator (==, !=, <, <=, >, >=, in, not in, matches or exists) after 'a' but found end of expression"),
    .init(source: "a not b", column: 7, message: "expected 'in' after 'a not' but found key 'b'; to negate a condition write 'not' before it"),
    .init(source: "a in 1", column: 6, message: "expected '[' to start the list after 'in' but found the number 1"),
    .init(source: "a == b", column: 6, message: #"expected a value after '==' but found key 'b'; write a string in double quotes ("b"); keys are only compared with values"#),
    .init(source: "café == 1", column: 4,
          message: "unexpected character 'é'; keys with characters other than ASCII letters, digits, '_', '.', '-' and '/' are written in backticks"),
    .init(source: "x == 5 @", column: 8, message: "unexpected character '@'"),
    .init(source: "x == - 5", column: 6, message: "unexpected '-'; only a number can start with '-'"),
    // Columns count Unicode scalars: the decomposed "é" below is two scalars (one Character).
    .init(source: "x == \"e\u{301}\" = 1", column: 11, message: "unknown operator '='; use '==' to compare"),
    .init(source: "x == \"\u{1F600}\" = 1", column: 10, message: "unknown operator '='; use '==' to compare"),
    // The first problem by position wins, even when a later token would not lex.
    .init(source: #"== "unterminated"#, column: 1, message: "expected an attribute key but found '=='"),
]

// MARK: - Parsing

@Suite("Filter parser")
struct FilterParserTests {
    @Test("the tables keep their cases")
    func tablesKeepTheirCases() {
        #expect(validCases.count == 49)
        #expect(invalidCases.count == 59)
    }

    @Test("parses a valid expression to its exact tree", arguments: validCases)
    func parsesValid(_ testCase: ValidFilterCase) throws {
        let parsed = try FilterParser.parse(testCase.source)
        #expect(parsed == testCase.expected)
    }

    @Test("reports an invalid expression at the right column with a specific message", arguments: invalidCases)
    func reportsInvalid(_ testCase: InvalidFilterCase) {
        #expect(throws: FilterSyntaxError(column: testCase.column, message: testCase.message)) {
            try FilterParser.parse(testCase.source)
        }
    }

    @Test("canonical text parses back to the same tree", arguments: validCases)
    func roundTripsValid(_ testCase: ValidFilterCase) throws {
        let text = testCase.expected.text
        #expect(try FilterParser.parse(text) == testCase.expected, "text: \(text)")
    }

    @Test("canonical text uses the fewest parentheses that keep the shape", arguments: [
        (#"a == 1   and   b=="x""#, #"a == 1 and b == "x""#),
        ("(a == 1 and b == 2) or c == 3", "a == 1 and b == 2 or c == 3"),
        ("a == 1 and (b == 2 and c == 3)", "a == 1 and (b == 2 and c == 3)"),
        ("(a == 1 or b == 2) and c == 3", "(a == 1 or b == 2) and c == 3"),
        ("a == 1 or (b == 2 or c == 3)", "a == 1 or (b == 2 or c == 3)"),
        ("not a exists", "not (a exists)"),
        ("not (k in [1, 2])", "k not in [1, 2]"),
        ("x in [1, 2.5, 3s, 90m, 1.5s,]", "x in [1, 2.5, 3s, 1h30m, 1s500ms]"),
        ("`and` == true and `has space` exists and `a` exists", "`and` == true and `has space` exists and a exists"),
        (#"m == "tab\there" and n == "\u{7}""#, #"m == "tab\there" and n == "\u{7}""#),
    ])
    func canonicalText(_ source: String, _ expected: String) throws {
        #expect(try FilterParser.parse(source).text == expected)
    }

    @Test("the error description names the column")
    func errorDescription() {
        let error = FilterSyntaxError(column: 12, message: "unknown operator '='; use '==' to compare")
        #expect(error.description == "column 12: unknown operator '='; use '==' to compare")
    }

    @Test("random trees survive text and parse", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomRoundTrip(seed: UInt64) throws {
        var generator = RandomFilterGenerator(seed: seed)
        for _ in 0..<400 {
            let expression = generator.expression(depth: 4)
            let text = expression.text
            let parsed: FilterExpression
            do {
                parsed = try FilterParser.parse(text)
            } catch {
                Issue.record("\(error) in \(text)")
                continue
            }
            #expect(parsed == expression, "text: \(text)")
        }
    }
}

// MARK: - Random trees


/// Random expressions over everything the text form can write: awkward keys, escapes, extreme numbers.
private struct RandomFilterGenerator {
    var random: SeededRandom

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    static let keys = [
        "http.route", "customer.id", "k8s.pod.name", "duration", "status", "a", "_x", "user-agent/os",
        "and", "or", "not", "in", "matches", "exists", "true", "false", "has space", "1st", "a`b", #"back\slash"#,
        "café", "AND", "x.", "-lead", "emoji😀", "tab\tkey",
    ]
    static let strings = [
        "", "x", "/sso/callback", "say \"hi\"", #"back\slash"#, "line\nbreak", "tab\t", "cr\r", "\u{0}\u{1F}\u{7F}",
        "café", "e\u{301}", "😀", "`", "and", "[", "]", ",", "}",
    ]
    static let patterns = ["^timeout", "a|b", #"\d+"#, "[a-z]+$", #"\"quoted\""#, "(?i)error", ""]

    mutating func pick<T>(_ values: [T]) -> T {
        values[Int.random(in: 0..<values.count, using: &random)]
    }

    mutating func value() -> FilterValue {
        switch Int.random(in: 0..<8, using: &random) {
        case 0, 1: return .string(pick(Self.strings))
        case 2: return .int(pick([0, 1, -1, .min, .max, 500]))
        case 3: return .int(Int64(bitPattern: random.next()))
        case 4:
            // Any finite double, by bit pattern, so exponents and subnormals are covered.
            var double = Double(bitPattern: random.next())
            while !double.isFinite { double = Double(bitPattern: random.next()) }
            return .double(double)
        case 5: return .double(pick([0.5, -0.0, 1e16, 1e-5, 3.0, -2.5e-3]))
        case 6: return .bool(Bool.random(using: &random))
        default:
            // Below 2^53 ns TimeSpan(parsing:) adds the parts exactly.
            return .duration(.nanoseconds(Int64.random(in: 0..<(1 << 53), using: &random)))
        }
    }

    mutating func expression(depth: Int) -> FilterExpression {
        let leaf = depth == 0 || Int.random(in: 0..<3, using: &random) == 0
        if leaf {
            let key = pick(Self.keys)
            switch Int.random(in: 0..<4, using: &random) {
            case 0:
                var op = pick(ComparisonOperator.allCases)
                let value = value()
                // Ordering a bool literal is a syntax error, so it has no text to round-trip.
                if case .bool = value, op != .equal { op = .notEqual }
                return .compare(key: key, op: op, value: value)
            case 1: return .oneOf(key: key, values: (0..<Int.random(in: 0...3, using: &random)).map { _ in value() })
            case 2: return .matches(key: key, pattern: pick(Self.patterns))
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
