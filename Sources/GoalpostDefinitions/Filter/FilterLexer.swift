import GoalpostModel

/// A token of the filter language, with the column it starts at.
struct FilterToken: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        /// A bare attribute key such as `http.route` (never a keyword).
        case key(String)
        /// A backtick-quoted attribute key, unescaped.
        case quotedKey(String)
        case keyword(FilterKeyword)
        /// A typed literal: string, number, bool or duration.
        case literal(FilterValue)
        case comparison(ComparisonOperator)
        case leftParen, rightParen, leftBracket, rightBracket, comma
        case end
    }

    var kind: Kind
    /// 1-based, in Unicode scalars.
    var column: Int
    /// The token as written, for messages.
    var source: String
}

/// The reserved words; case-sensitive, lower case. `true` and `false` lex as bool literals.
enum FilterKeyword: String, CaseIterable, Sendable {
    case and, or, not, `in`, matches, exists
}

/// Turns expression text into tokens on demand, so the first error by position is the one reported.
///
/// Works on Unicode scalars so columns are scalar counts, as `FilterSyntaxError` promises.
struct FilterLexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    /// The column just past the last scalar, where "end of expression" is reported.
    var endColumn: Int { scalars.count + 1 }

    /// The duration units `TimeSpan(parsing:)` accepts.
    static let durationUnits: Set<String> = ["ns", "us", "µs", "ms", "s", "m", "h", "d", "w"]
    /// How messages list them (`µs` is accepted but `us` is what the canonical text writes).
    static let durationUnitList = "ns, us, ms, s, m, h, d or w"

    /// The words that read like a keyword the lexer would otherwise treat as a key.
    static let reservedWords: Set<String> = Set(FilterKeyword.allCases.map(\.rawValue) + ["true", "false"])

    // MARK: Character classes

    static func isKeyStart(_ scalar: Unicode.Scalar) -> Bool {
        isASCIILetter(scalar) || scalar == "_"
    }

    static func isKeyContinuation(_ scalar: Unicode.Scalar) -> Bool {
        isASCIILetter(scalar) || isDigit(scalar) || "_.-/".unicodeScalars.contains(scalar)
    }

    static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }

    private static func isOperatorCharacter(_ scalar: Unicode.Scalar) -> Bool {
        "=!<>&|~".unicodeScalars.contains(scalar)
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    /// A scalar that may appear in a duration after its first number: digits, the fraction point, unit letters.
    private static func isDurationCharacter(_ scalar: Unicode.Scalar) -> Bool {
        isASCIILetter(scalar) || isDigit(scalar) || scalar == "." || scalar == "µ" || scalar == "_"
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let index = position + offset
        return index < scalars.count ? scalars[index] : nil
    }

    private func text(_ range: Range<Int>) -> String {
        var string = ""
        string.unicodeScalars.append(contentsOf: scalars[range])
        return string
    }

    // MARK: Tokens

    /// The next token, `.end` once the text is used up.
    mutating func next() throws(FilterSyntaxError) -> FilterToken {
        while let scalar = peek(), Self.isWhitespace(scalar) { position += 1 }
        let start = position
        let column = start + 1
        guard let scalar = peek() else { return FilterToken(kind: .end, column: column, source: "") }

        func single(_ kind: FilterToken.Kind) -> FilterToken {
            position += 1
            return FilterToken(kind: kind, column: column, source: String(Character(scalar)))
        }

        switch scalar {
        case "(": return single(.leftParen)
        case ")": return single(.rightParen)
        case "[": return single(.leftBracket)
        case "]": return single(.rightBracket)
        case ",": return single(.comma)
        case "\"": return try string()
        case "`": return try quotedKey()
        case "'":
            throw FilterSyntaxError(column: column, message: "strings are written in double quotes, not single quotes")
        case "-":
            guard let after = peek(1), Self.isDigit(after) else {
                throw FilterSyntaxError(column: column, message: "unexpected '-'; only a number can start with '-'")
            }
            return try number()
        default:
            break
        }
        if Self.isDigit(scalar) { return try number() }
        if Self.isKeyStart(scalar) { return bareWord() }
        if Self.isOperatorCharacter(scalar) { return try comparison() }
        if scalar.properties.isAlphabetic {
            throw FilterSyntaxError(
                column: column,
                message: "unexpected character '\(scalar)'; keys with characters other than ASCII letters, digits, '_', '.', '-' and '/' are written in backticks"
            )
        }
        throw FilterSyntaxError(column: column, message: "unexpected character '\(scalar.escaped(asASCII: false))'")
    }

    private mutating func bareWord() -> FilterToken {
        let start = position
        position += 1
        while let scalar = peek(), Self.isKeyContinuation(scalar) { position += 1 }
        let word = text(start..<position)
        let kind: FilterToken.Kind
        if let keyword = FilterKeyword(rawValue: word) {
            kind = .keyword(keyword)
        } else if word == "true" || word == "false" {
            kind = .literal(.bool(word == "true"))
        } else {
            kind = .key(word)
        }
        return FilterToken(kind: kind, column: start + 1, source: word)
    }

    /// The longest run of operator characters, so `===` or `=>` is one unknown operator, not two tokens.
    private mutating func comparison() throws(FilterSyntaxError) -> FilterToken {
        let start = position
        while let scalar = peek(), Self.isOperatorCharacter(scalar) { position += 1 }
        let written = text(start..<position)
        if let op = ComparisonOperator(rawValue: written) {
            return FilterToken(kind: .comparison(op), column: start + 1, source: written)
        }
        let hint: String
        switch written {
        case "=", "===": hint = "; use '==' to compare"
        case "!==", "<>": hint = "; use '!=' for not equal"
        case "=<": hint = "; use '<='"
        case "=>": hint = "; use '>='"
        case "&&", "&": hint = "; use 'and'"
        case "||", "|": hint = "; use 'or'"
        case "!": hint = "; use 'not'"
        case "=~", "~", "~=": hint = "; use 'matches' for a regular expression"
        default: hint = ""
        }
        throw FilterSyntaxError(column: start + 1, message: "unknown operator '\(written)'\(hint)")
    }

    // MARK: Strings and quoted keys

    private mutating func string() throws(FilterSyntaxError) -> FilterToken {
        let start = position
        let value = try quoted(closing: "\"", what: "string")
        return FilterToken(kind: .literal(.string(value)), column: start + 1, source: text(start..<position))
    }

    private mutating func quotedKey() throws(FilterSyntaxError) -> FilterToken {
        let start = position
        let value = try quoted(closing: "`", what: "key")
        guard !value.isEmpty else {
            throw FilterSyntaxError(column: start + 1, message: "empty key: write a name between the backticks")
        }
        return FilterToken(kind: .quotedKey(value), column: start + 1, source: text(start..<position))
    }

    /// Reads from an opening quote to its closing one, unescaping.
    ///
    /// Strings take `\"`, `\\`, `\n`, `\r`, `\t` and `\u{...}`; backtick keys take only `` \` `` and `\\`, which is
    /// all a key ever needs.
    private mutating func quoted(closing: Unicode.Scalar, what: String) throws(FilterSyntaxError) -> String {
        let openColumn = position + 1
        position += 1
        var value = String.UnicodeScalarView()
        while true {
            guard let scalar = peek() else {
                throw FilterSyntaxError(
                    column: openColumn,
                    message: "unterminated \(what): missing closing '\(closing)'"
                )
            }
            position += 1
            if scalar == closing { return String(value) }
            guard scalar == "\\" else {
                value.append(scalar)
                continue
            }
            let escapeColumn = position
            guard let escaped = peek() else {
                throw FilterSyntaxError(column: openColumn, message: "unterminated \(what): missing closing '\(closing)'")
            }
            position += 1
            switch escaped {
            case "\\": value.append("\\")
            case closing: value.append(closing)
            case "n" where closing == "\"": value.append("\n")
            case "r" where closing == "\"": value.append("\r")
            case "t" where closing == "\"": value.append("\t")
            case "u" where closing == "\"": value.append(try unicodeEscape(column: escapeColumn))
            default:
                let allowed = closing == "\"" ? "\\\", \\\\, \\n, \\r, \\t or \\u{...}" : "\\` or \\\\"
                throw FilterSyntaxError(
                    column: escapeColumn,
                    message: "unknown escape '\\\(escaped.escaped(asASCII: false))' in \(what); use \(allowed)"
                )
            }
        }
    }

    /// `\u{1F600}`: one to eight hex digits naming a Unicode scalar. `column` is that of the backslash.
    private mutating func unicodeEscape(column: Int) throws(FilterSyntaxError) -> Unicode.Scalar {
        let invalid = FilterSyntaxError(
            column: column,
            message: "invalid unicode escape; write \\u{...} with 1 to 8 hex digits of a Unicode scalar"
        )
        guard peek() == "{" else { throw invalid }
        position += 1
        let start = position
        while let scalar = peek(), scalar.properties.isASCIIHexDigit { position += 1 }
        let digits = text(start..<position)
        guard peek() == "}", (1...8).contains(digits.count),
              let code = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(code)
        else { throw invalid }
        position += 1
        return scalar
    }

    // MARK: Numbers and durations

    /// An int, a double (`0.5`, `1e3`, `-2.5e-3`) or a duration (`250ms`, `1.5s`, `1h30m`).
    private mutating func number() throws(FilterSyntaxError) -> FilterToken {
        let start = position
        let column = start + 1
        let negative = peek() == "-"
        if negative { position += 1 }
        var isDouble = false
        digits()
        if peek() == ".", let after = peek(1), Self.isDigit(after) {
            isDouble = true
            position += 1
            digits()
        } else if peek() == "." {
            throw FilterSyntaxError(column: position + 1, message: "expected a digit after the decimal point")
        }
        var hasExponent = false
        if let e = peek(), e == "e" || e == "E" {
            if let after = peek(1), Self.isDigit(after) {
                hasExponent = true
                position += 1
            } else if let sign = peek(1), sign == "+" || sign == "-", let after = peek(2), Self.isDigit(after) {
                hasExponent = true
                position += 2
            }
            if hasExponent {
                isDouble = true
                digits()
            }
        }
        if peek() == "." {
            throw FilterSyntaxError(column: position + 1, message: "unexpected '.' after the number \(text(start..<position))")
        }
        if let scalar = peek(), Self.isDurationCharacter(scalar) || scalar.properties.isAlphabetic {
            if hasExponent {
                throw FilterSyntaxError(
                    column: position + 1,
                    message: "unexpected '\(scalar)' after the number \(text(start..<position))"
                )
            }
            if negative {
                throw FilterSyntaxError(column: column, message: "a duration cannot be negative")
            }
            return try duration(from: start)
        }
        let written = text(start..<position)
        if isDouble {
            guard let value = Double(written), value.isFinite else {
                throw FilterSyntaxError(column: column, message: "number \(written) is too large for a double")
            }
            return FilterToken(kind: .literal(.double(value)), column: column, source: written)
        }
        guard let value = Int64(written) else {
            throw FilterSyntaxError(
                column: column,
                message: "integer \(written) does not fit in 64 bits; write it as a double (\(written).0) if an approximation will do"
            )
        }
        return FilterToken(kind: .literal(.int(value)), column: column, source: written)
    }

    private mutating func digits() {
        while let scalar = peek(), Self.isDigit(scalar) { position += 1 }
    }

    /// Reads a duration from `start` (its first digit): number-unit pairs, checked here so a bad unit is
    /// reported at its own column, then converted by `TimeSpan(parsing:)`.
    private mutating func duration(from start: Int) throws(FilterSyntaxError) -> FilterToken {
        while let scalar = peek(), Self.isDurationCharacter(scalar) || scalar.properties.isAlphabetic { position += 1 }
        let written = text(start..<position)
        let units = Self.durationUnitList
        var index = start
        while index < position {
            let numberStart = index
            while index < position, Self.isDigit(scalars[index]) || scalars[index] == "." { index += 1 }
            let number = text(numberStart..<index)
            guard !number.isEmpty, number.first != ".", number.last != ".",
                  number.filter({ $0 == "." }).count <= 1
            else {
                throw FilterSyntaxError(
                    column: numberStart + 1,
                    message: "malformed duration '\(written)'; write a number then a unit, like 250ms, 1.5s or 1h30m"
                )
            }
            let unitStart = index
            while index < position, !(Self.isDigit(scalars[index]) || scalars[index] == ".") { index += 1 }
            let unit = text(unitStart..<index)
            guard !unit.isEmpty else {
                throw FilterSyntaxError(
                    column: unitStart + 1,
                    message: "missing unit after \(number) in duration '\(written)'; use one of \(units)"
                )
            }
            guard Self.durationUnits.contains(unit) else {
                throw FilterSyntaxError(
                    column: unitStart + 1,
                    message: "unknown duration unit '\(unit)' in '\(written)'; use one of \(units)"
                )
            }
        }
        guard let span = TimeSpan(parsing: written) else {
            throw FilterSyntaxError(column: start + 1, message: "duration '\(written)' is too long")
        }
        return FilterToken(kind: .literal(.duration(span)), column: start + 1, source: written)
    }
}
