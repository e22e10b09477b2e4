import Foundation
import GoalpostModel

/// Parses the `where:` expression language of outcome definitions into a `FilterExpression`.
///
/// ```
/// expression = or ;
/// or         = and , { "or" , and } ;
/// and        = unary , { "and" , unary } ;
/// unary      = "not" , unary | primary ;
/// primary    = "(" , expression , ")" | predicate ;
/// predicate  = key , ( comparison , literal | [ "not" ] , "in" , list | "matches" , string | "exists" ) ;
/// ```
///
/// `and` and `or` associate to the left. The full grammar, literals and semantics are in
/// docs/filter-language.md.
public enum FilterParser {
    /// Parses a where: expression. Columns in errors are 1-based, counted in Unicode scalars of `source`.
    ///
    /// `k not in [...]` parses to `.not(.oneOf(...))`; a `matches` pattern is compiled here so a bad
    /// regular expression is reported at its string's column rather than when events arrive.
    ///
    /// - Parameter source: The expression text, e.g. `http.response.status_code >= 500 or duration > 2s`.
    /// - Returns: The expression; `parse(expression.text)` gives it back.
    /// - Throws: `FilterSyntaxError` for the first problem in the text, by position.
    public static func parse(_ source: String) throws(FilterSyntaxError) -> FilterExpression {
        var parser = try Parser(source)
        return try parser.parseExpression()
    }
}

/// A recursive-descent parser with one token of lookahead, pulling tokens from the lexer as it goes.
private struct Parser {
    private var lexer: FilterLexer
    private var current: FilterToken
    private var previous: FilterToken?

    init(_ source: String) throws(FilterSyntaxError) {
        lexer = FilterLexer(source)
        current = try lexer.next()
    }

    mutating func parseExpression() throws(FilterSyntaxError) -> FilterExpression {
        if current.kind == .end {
            throw FilterSyntaxError(column: 1, message: "empty expression; write a condition such as http.route == \"/login\"")
        }
        let expression = try parseOr()
        guard current.kind == .end else { throw trailing() }
        return expression
    }

    // MARK: Boolean structure

    private mutating func parseOr() throws(FilterSyntaxError) -> FilterExpression {
        var expression = try parseAnd()
        while current.kind == .keyword(.or) {
            try advance()
            expression = .or(expression, try parseAnd())
        }
        return expression
    }

    private mutating func parseAnd() throws(FilterSyntaxError) -> FilterExpression {
        var expression = try parseUnary()
        while current.kind == .keyword(.and) {
            try advance()
            expression = .and(expression, try parseUnary())
        }
        return expression
    }

    private mutating func parseUnary() throws(FilterSyntaxError) -> FilterExpression {
        if current.kind == .keyword(.not) {
            try advance()
            return .not(try parseUnary())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(FilterSyntaxError) -> FilterExpression {
        switch current.kind {
        case .leftParen:
            let open = current
            try advance()
            let expression = try parseOr()
            guard current.kind == .rightParen else {
                throw FilterSyntaxError(
                    column: current.column,
                    message: "expected ')' to close the '(' at column \(open.column) but found \(describe(current))\(keywordCaseHint(current))"
                )
            }
            try advance()
            return expression
        case .key(let key), .quotedKey(let key):
            let keyToken = current
            try advance()
            return try parsePredicate(key: key, keyToken: keyToken)
        case .literal(let literal):
            throw literalWhereKeyExpected(literal)
        default:
            throw FilterSyntaxError(column: current.column, message: "expected an attribute key but found \(describe(current))")
        }
    }

    // MARK: Predicates

    private mutating func parsePredicate(key: String, keyToken: FilterToken) throws(FilterSyntaxError) -> FilterExpression {
        switch current.kind {
        case .comparison(let op):
            let opToken = current
            try advance()
            guard case .literal(let value) = current.kind else {
                var message = "expected a value after '\(op.rawValue)' but found \(describe(current))"
                if case .key(let word) = current.kind {
                    message += "; write a string in double quotes (\"\(word)\"); keys are only compared with values"
                }
                throw FilterSyntaxError(column: current.column, message: message)
            }
            if case .bool = value, op != .equal, op != .notEqual {
                throw FilterSyntaxError(
                    column: opToken.column,
                    message: "'\(op.rawValue)' cannot order bools; compare them with '==' or '!='"
                )
            }
            try advance()
            return .compare(key: key, op: op, value: value)
        case .keyword(.in):
            try advance()
            return .oneOf(key: key, values: try parseList(after: "in"))
        case .keyword(.not):
            try advance()
            guard current.kind == .keyword(.in) else {
                throw FilterSyntaxError(
                    column: current.column,
                    message: "expected 'in' after '\(keyToken.source) not' but found \(describe(current)); to negate a condition write 'not' before it"
                )
            }
            try advance()
            return .not(.oneOf(key: key, values: try parseList(after: "not in")))
        case .keyword(.matches):
            try advance()
            guard case .literal(.string(let pattern)) = current.kind else {
                throw FilterSyntaxError(
                    column: current.column,
                    message: "expected a regular expression in double quotes after 'matches' but found \(describe(current))"
                )
            }
            try validate(pattern: pattern, at: current.column)
            try advance()
            return .matches(key: key, pattern: pattern)
        case .keyword(.exists):
            try advance()
            return .exists(key: key)
        default:
            throw FilterSyntaxError(
                column: current.column,
                message: "expected an operator (==, !=, <, <=, >, >=, in, not in, matches or exists) after '\(keyToken.source)' but found \(describe(current))"
            )
        }
    }

    /// `[v1, v2, ...]`; empty lists and a trailing comma are allowed.
    private mutating func parseList(after keyword: String) throws(FilterSyntaxError) -> [FilterValue] {
        guard current.kind == .leftBracket else {
            throw FilterSyntaxError(
                column: current.column,
                message: "expected '[' to start the list after '\(keyword)' but found \(describe(current))"
            )
        }
        let open = current
        try advance()
        var values: [FilterValue] = []
        while true {
            if current.kind == .rightBracket { break }
            guard case .literal(let value) = current.kind else {
                throw FilterSyntaxError(
                    column: current.column,
                    message: "expected a value or ']' in the list opened at column \(open.column) but found \(describe(current))"
                )
            }
            values.append(value)
            try advance()
            if current.kind == .comma {
                try advance()
                continue
            }
            guard current.kind == .rightBracket else {
                throw FilterSyntaxError(
                    column: current.column,
                    message: "expected ',' or ']' to close the list opened at column \(open.column) but found \(describe(current))"
                )
            }
        }
        try advance()
        return values
    }

    /// Compiles the pattern with the evaluator's own dialect so validity cannot differ between the two.
    private func validate(pattern: String, at column: Int) throws(FilterSyntaxError) {
        do {
            _ = try FilterExpression.regularExpression(pattern)
        } catch {
            // NSRegularExpression's errors do not say what is wrong; Swift's regex parser, whose syntax is
            // close to ICU's, usually can, so its reason is added when it rejects the pattern too.
            var reason = ""
            do {
                _ = try Regex(pattern)
            } catch {
                reason = ": \(error)"
            }
            throw FilterSyntaxError(
                column: column,
                message: "invalid regular expression \(FilterText.string(pattern))\(reason)"
            )
        }
    }

    // MARK: Errors

    private mutating func advance() throws(FilterSyntaxError) {
        previous = current
        current = try lexer.next()
    }

    /// The error for a token left over after a complete expression.
    private func trailing() -> FilterSyntaxError {
        if current.kind == .rightParen {
            return FilterSyntaxError(column: current.column, message: "unexpected ')' without a matching '('")
        }
        let hint = keywordCaseHint(current)
        if !hint.isEmpty {
            return FilterSyntaxError(column: current.column, message: "unexpected \(describe(current))\(hint)")
        }
        if case .key(let word) = current.kind, FilterLexer.durationUnits.contains(word),
           let previous, case .literal(.int) = previous.kind {
            return FilterSyntaxError(
                column: current.column,
                message: "unexpected '\(word)' after \(previous.source); write a duration without a space: \(previous.source)\(word)"
            )
        }
        return FilterSyntaxError(
            column: current.column,
            message: "expected 'and', 'or' or end of expression but found \(describe(current))"
        )
    }

    /// `AND` or `Not` where a keyword fits: keywords are lower case.
    private func keywordCaseHint(_ token: FilterToken) -> String {
        guard case .key(let word) = token.kind,
              let keyword = FilterKeyword(rawValue: word.lowercased()), keyword.rawValue != word
        else { return "" }
        return "; keywords are lower case: '\(keyword.rawValue)'"
    }

    /// A literal where a key belongs: explain the two usual causes, a flipped comparison and a quoted key.
    private func literalWhereKeyExpected(_ literal: FilterValue) -> FilterSyntaxError {
        var message = "expected an attribute key but found \(describe(current))"
        var lookahead = lexer
        if let opToken = try? lookahead.next(), case .comparison(let op) = opToken.kind,
           let keyToken = try? lookahead.next() {
            switch keyToken.kind {
            case .key, .quotedKey:
                let flipped = FilterText.flipped(op)
                message += "; put the key on the left: \(keyToken.source) \(flipped.rawValue) \(current.source)"
            default:
                if case .string(let name) = literal { message += Self.quotedKeyHint(name) }
            }
        } else if case .string(let name) = literal {
            message += Self.quotedKeyHint(name)
        }
        return FilterSyntaxError(column: current.column, message: message)
    }

    private static func quotedKeyHint(_ name: String) -> String {
        name.isEmpty ? "" : "; a key is written bare or in backticks, not in double quotes: \(FilterText.key(name))"
    }

    private func describe(_ token: FilterToken) -> String {
        switch token.kind {
        case .end: "end of expression"
        case .key, .quotedKey: "key '\(token.source)'"
        case .keyword(let keyword): "'\(keyword.rawValue)'"
        case .literal(.string): "the string \(token.source)"
        case .literal(.int), .literal(.double): "the number \(token.source)"
        case .literal(.bool): "'\(token.source)'"
        case .literal(.duration): "the duration \(token.source)"
        case .comparison, .leftParen, .rightParen, .leftBracket, .rightBracket, .comma: "'\(token.source)'"
        }
    }
}
