import GoalpostModel

extension FilterExpression {
    /// The canonical source text: `FilterParser.parse(e.text) == e`.
    ///
    /// Written with the fewest parentheses that keep the tree's shape (`and` and `or` associate to the
    /// left, so a right-nested chain keeps its parentheses), `not` always followed by a parenthesised
    /// operand except `k not in [...]`, keys bare unless they need backticks, and strings escaped.
    /// Values the language cannot write have no parseable text: a NaN or infinite double, a negative
    /// duration, an empty key; durations round-trip exactly below 2^53 ns (about 104 days), the
    /// precision `TimeSpan(parsing:)` adds its parts in.
    public var text: String {
        FilterText.expression(self)
    }
}

/// Writing expressions, keys and values in the filter language's canonical form.
enum FilterText {
    /// How tightly an expression binds, to decide where parentheses are needed.
    private enum Level: Int, Comparable {
        case or = 0, and, atom

        static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private static func level(_ expression: FilterExpression) -> Level {
        switch expression {
        case .or: .or
        case .and: .and
        default: .atom
        }
    }

    static func expression(_ expression: FilterExpression) -> String {
        switch expression {
        case .compare(let key, let op, let value):
            return "\(Self.key(key)) \(op.rawValue) \(Self.value(value))"
        case .oneOf(let key, let values):
            return "\(Self.key(key)) in \(list(values))"
        case .not(.oneOf(let key, let values)):
            return "\(Self.key(key)) not in \(list(values))"
        case .matches(let key, let pattern):
            return "\(Self.key(key)) matches \(string(pattern))"
        case .exists(let key):
            return "\(Self.key(key)) exists"
        case .not(let operand):
            return "not (\(Self.expression(operand)))"
        case .and(let lhs, let rhs):
            return "\(operand(lhs, atLeast: .and)) and \(operand(rhs, atLeast: .atom))"
        case .or(let lhs, let rhs):
            return "\(operand(lhs, atLeast: .or)) or \(operand(rhs, atLeast: .and))"
        }
    }

    /// The operand's text, parenthesised when it binds more loosely than `level`.
    private static func operand(_ expression: FilterExpression, atLeast level: Level) -> String {
        let text = Self.expression(expression)
        return Self.level(expression) < level ? "(\(text))" : text
    }

    private static func list(_ values: [FilterValue]) -> String {
        "[" + values.map(value).joined(separator: ", ") + "]"
    }

    /// A key bare when the lexer would read it back as that key, else in backticks.
    static func key(_ key: String) -> String {
        let scalars = Array(key.unicodeScalars)
        let bare = scalars.first.map(FilterLexer.isKeyStart) == true
            && scalars.dropFirst().allSatisfy(FilterLexer.isKeyContinuation)
            && !FilterLexer.reservedWords.contains(key)
        if bare { return key }
        var text = "`"
        for scalar in key.unicodeScalars {
            if scalar == "`" || scalar == "\\" { text.unicodeScalars.append("\\") }
            text.unicodeScalars.append(scalar)
        }
        return text + "`"
    }

    /// A string literal in double quotes; control characters are escaped so the text stays on one line.
    static func string(_ string: String) -> String {
        var text = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    text += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }

    static func value(_ value: FilterValue) -> String {
        switch value {
        case .string(let text): Self.string(text)
        case .int(let int): String(int)
        // Swift's description is the shortest text that reads back as the same double, and always has
        // a '.' or an exponent, so it lexes as a double and not an int.
        case .double(let double): double.description
        case .bool(let bool): bool ? "true" : "false"
        case .duration(let span): span.text
        }
    }

    /// The operator that says the same with the operands swapped: `5 < k` is `k > 5`.
    static func flipped(_ op: ComparisonOperator) -> ComparisonOperator {
        switch op {
        case .equal, .notEqual: op
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        }
    }
}
