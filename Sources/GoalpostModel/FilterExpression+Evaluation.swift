import Foundation

// The semantics of a `where:` expression, written once here and described in docs/filter-language.md.
//
// - Pseudo-fields come from the event, not its attributes, and shadow attributes of the same name:
//   `duration` (a duration), `status` ("ok" / "error" / "unset"), `operation`, `service.name` (strings)
//   and `severity` (an int). They always exist.
// - Numbers compare by value across int and double, exactly (no rounding of large ints).
// - A duration compares with a duration literal by length, and with a number as milliseconds; a number
//   attribute compared with a duration literal is likewise read as milliseconds.
// - Strings compare with `==` by canonical equivalence (the same equality `SymbolTable` interns with) and
//   with `<`, `<=`, `>`, `>=` in Swift's `String` order (lexicographic over the normalised scalars).
// - Bools only compare with `==` and `!=`; ordering a bool is false.
// - Values of different kinds (a string and a number, a bool and an int) are never equal and never ordered.
// - `a != v` is exactly `not (a == v)`: true for a missing attribute, a kind mismatch or NaN.
// - A missing attribute makes every other comparison, `in` and `matches` false; `exists` is presence.
// - `k in [a, b]` is `k == a or k == b`.
// - `matches` is an unanchored ICU regular-expression search (NSRegularExpression, no options) over
//   string values only; a pattern that does not compile matches nothing.

// MARK: - Plain evaluation

extension FilterExpression {
    /// Evaluates the expression over values supplied by `lookup`.
    ///
    /// This is the reference form of the semantics: simple, recursive and string-based. Use it for
    /// tests, previews and one-off checks; route events with `CompiledFilter`, which agrees with it.
    /// A `matches` node compiles its pattern on every call here.
    ///
    /// - Parameter lookup: The value of an attribute or pseudo-field by key, or `nil` when it is missing.
    ///   `Event.filterValue(_:symbols:)` is the lookup that gives events their documented pseudo-fields.
    /// - Returns: Whether the expression holds.
    public func evaluate(_ lookup: (String) -> FilterValue?) -> Bool {
        switch self {
        case .compare(let key, let op, let literal):
            guard let value = lookup(key) else { return op == .notEqual }
            return FilterSemantics.holds(op, value, literal)
        case .oneOf(let key, let literals):
            guard let value = lookup(key) else { return false }
            return literals.contains { FilterSemantics.equal(value, $0) }
        case .matches(let key, let pattern):
            guard case .string(let text)? = lookup(key),
                  let regex = try? FilterExpression.regularExpression(pattern)
            else { return false }
            return FilterSemantics.search(regex, in: text)
        case .exists(let key):
            return lookup(key) != nil
        case .and(let lhs, let rhs):
            return lhs.evaluate(lookup) && rhs.evaluate(lookup)
        case .or(let lhs, let rhs):
            return lhs.evaluate(lookup) || rhs.evaluate(lookup)
        case .not(let operand):
            return !operand.evaluate(lookup)
        }
    }

    /// Compiles a `matches` pattern in the filter language's regex dialect.
    ///
    /// The one place the dialect is chosen (ICU, through `NSRegularExpression`, no options), so the
    /// parser's validation and both evaluators cannot disagree about which patterns are valid.
    /// The empty pattern matches every string, as in every regex engine; Foundation on Linux refuses
    /// to compile it, so it is compiled as the equivalent empty group `(?:)`.
    ///
    /// - Parameter pattern: The pattern as written between the quotes, after unescaping.
    /// - Returns: The compiled expression.
    /// - Throws: The error of `NSRegularExpression` when the pattern is invalid.
    public static func regularExpression(_ pattern: String) throws -> NSRegularExpression {
        try NSRegularExpression(pattern: pattern.isEmpty ? "(?:)" : pattern, options: [])
    }
}

extension Event {
    /// The value a filter sees for `key`: a pseudo-field of the event, else the attribute (last one wins).
    ///
    /// The lookup to pass to `FilterExpression.evaluate(_:)` for an event; it resolves strings through
    /// `symbols`, so it allocates, which `CompiledFilter` does not.
    ///
    /// - Parameters:
    ///   - key: An attribute key or one of `duration`, `status`, `operation`, `service.name`, `severity`.
    ///   - symbols: The table the event's symbols come from.
    /// - Returns: The value, or `nil` when the event has no such attribute.
    public func filterValue(_ key: String, symbols: SymbolTable) -> FilterValue? {
        if let field = FilterPseudoField(rawValue: key) {
            switch field {
            case .duration: return .duration(TimeSpan(nanoseconds: durationNanos))
            case .status: return .string(FilterPseudoField.statusText(status))
            case .operation: return .string(symbols[operation])
            case .serviceName: return .string(symbols[service])
            case .severity: return .int(Int64(severityNumber))
            }
        }
        guard let symbol = symbols.lookup(key), let value = attribute(symbol) else { return nil }
        switch value {
        case .string(let string): return .string(symbols[string])
        case .int(let int): return .int(int)
        case .double(let double): return .double(double)
        case .bool(let bool): return .bool(bool)
        }
    }
}

/// Keys resolved from the event itself rather than from its attributes.
enum FilterPseudoField: String, CaseIterable {
    case duration
    case status
    case operation
    case serviceName = "service.name"
    case severity

    static func statusText(_ status: EventStatus) -> String {
        switch status {
        case .unset: "unset"
        case .ok: "ok"
        case .error: "error"
        }
    }
}

// MARK: - Compiled evaluation

/// A `where:` expression prepared for interned events on the routing hot path.
///
/// Attribute keys and string literals are interned when the filter is compiled, so `==`, `!=` and `in`
/// on strings compare integers. The expression becomes a flat decision graph: each predicate node says
/// which node to test next when it holds and when it does not, so `and`, `or` and `not` cost nothing at
/// run time, short-circuit exactly like the plain evaluator, and evaluation neither recurses nor allocates.
/// The exception is `matches`, which hands the attribute's string to `NSRegularExpression` (that bridges
/// and allocates); string ordering (`<` on strings) reads the strings from the table without allocating.
///
/// Use it only with the table it was compiled against (or that table grown further): symbols from
/// another table mean other strings.
public struct CompiledFilter: Sendable {
    /// Where a predicate's value comes from.
    enum Key: Sendable, Hashable {
        case attribute(Symbol)
        case duration
        case status
        case operation
        case service
        case severity
    }

    /// A literal or event value with strings interned; durations in nanoseconds.
    enum Value: Sendable, Hashable {
        case string(Symbol)
        case int(Int64)
        case double(Double)
        case bool(Bool)
        case nanoseconds(Int64)
    }

    /// What a predicate node checks about its key's value.
    enum Test: Sendable {
        case compare(ComparisonOperator, Value)
        /// `in`: the literals are `listValues[range]`.
        case oneOf(Range<Int>)
        /// `matches`: `patterns[index]`, `nil` when the pattern does not compile.
        case matches(Int)
        case exists
    }

    /// One predicate and where to go next; a negative target is a verdict.
    struct Node: Sendable {
        var key: Key
        var test: Test
        var onTrue: Int
        var onFalse: Int
    }

    static let reject = -1
    static let accept = -2

    private var nodes: [Node] = []
    private var listValues: [Value] = []
    private var patterns: [NSRegularExpression?] = []
    /// The symbols of "unset", "ok" and "error" by `EventStatus.rawValue`, interned only when `status` is used.
    private var statusSymbols: [Symbol] = []
    private var entry = CompiledFilter.reject

    /// Compiles `expression`, interning its keys and string literals into `symbols`.
    ///
    /// - Parameters:
    ///   - expression: The parsed `where:` expression.
    ///   - symbols: The table the routed events are interned in; new strings are added to it.
    public init(_ expression: FilterExpression, symbols: inout SymbolTable) {
        entry = compile(expression, onTrue: Self.accept, onFalse: Self.reject, symbols: &symbols)
    }

    /// Whether `event` satisfies the expression; agrees with `FilterExpression.evaluate(_:)`.
    ///
    /// - Parameters:
    ///   - event: An event interned in `symbols`.
    ///   - symbols: The table the filter was compiled against.
    /// - Returns: Whether the expression holds for the event.
    public func matches(_ event: Event, symbols: SymbolTable) -> Bool {
        var next = entry
        while next >= 0 {
            let node = nodes[next]
            next = test(node, event, symbols) ? node.onTrue : node.onFalse
        }
        return next == Self.accept
    }

    // MARK: Compilation

    /// Emits `expression` so that it continues at `onTrue` or `onFalse`, and returns its entry node.
    ///
    /// The right operand of `and`/`or` is emitted first so the left one can point at it; every predicate is
    /// emitted exactly once, so the graph has as many nodes as the expression has predicates.
    private mutating func compile(
        _ expression: FilterExpression, onTrue: Int, onFalse: Int, symbols: inout SymbolTable
    ) -> Int {
        switch expression {
        case .and(let lhs, let rhs):
            let right = compile(rhs, onTrue: onTrue, onFalse: onFalse, symbols: &symbols)
            return compile(lhs, onTrue: right, onFalse: onFalse, symbols: &symbols)
        case .or(let lhs, let rhs):
            let right = compile(rhs, onTrue: onTrue, onFalse: onFalse, symbols: &symbols)
            return compile(lhs, onTrue: onTrue, onFalse: right, symbols: &symbols)
        case .not(let operand):
            return compile(operand, onTrue: onFalse, onFalse: onTrue, symbols: &symbols)
        case .compare(let key, let op, let literal):
            let value = Self.value(literal, symbols: &symbols)
            return emit(key, .compare(op, value), onTrue, onFalse, &symbols)
        case .oneOf(let key, let literals):
            let start = listValues.count
            for literal in literals { listValues.append(Self.value(literal, symbols: &symbols)) }
            return emit(key, .oneOf(start..<listValues.count), onTrue, onFalse, &symbols)
        case .matches(let key, let pattern):
            patterns.append(try? FilterExpression.regularExpression(pattern))
            return emit(key, .matches(patterns.count - 1), onTrue, onFalse, &symbols)
        case .exists(let key):
            return emit(key, .exists, onTrue, onFalse, &symbols)
        }
    }

    private mutating func emit(
        _ key: String, _ test: Test, _ onTrue: Int, _ onFalse: Int, _ symbols: inout SymbolTable
    ) -> Int {
        let resolved: Key
        switch FilterPseudoField(rawValue: key) {
        case .duration: resolved = .duration
        case .status:
            resolved = .status
            if statusSymbols.isEmpty {
                statusSymbols = [EventStatus.unset, .ok, .error].map { symbols.intern(FilterPseudoField.statusText($0)) }
            }
        case .operation: resolved = .operation
        case .serviceName: resolved = .service
        case .severity: resolved = .severity
        case nil: resolved = .attribute(symbols.intern(key))
        }
        nodes.append(Node(key: resolved, test: test, onTrue: onTrue, onFalse: onFalse))
        return nodes.count - 1
    }

    private static func value(_ literal: FilterValue, symbols: inout SymbolTable) -> Value {
        switch literal {
        case .string(let string): .string(symbols.intern(string))
        case .int(let int): .int(int)
        case .double(let double): .double(double)
        case .bool(let bool): .bool(bool)
        case .duration(let span): .nanoseconds(span.nanoseconds)
        }
    }

    // MARK: Evaluation

    private func value(of key: Key, in event: Event) -> Value? {
        switch key {
        case .attribute(let symbol):
            switch event.attribute(symbol) {
            case nil: return nil
            case .string(let string)?: return .string(string)
            case .int(let int)?: return .int(int)
            case .double(let double)?: return .double(double)
            case .bool(let bool)?: return .bool(bool)
            }
        case .duration: return .nanoseconds(event.durationNanos)
        case .status:
            let index = Int(event.status.rawValue)
            return index < statusSymbols.count ? .string(statusSymbols[index]) : nil
        case .operation: return .string(event.operation)
        case .service: return .string(event.service)
        case .severity: return .int(Int64(event.severityNumber))
        }
    }

    private func test(_ node: Node, _ event: Event, _ symbols: SymbolTable) -> Bool {
        guard let value = value(of: node.key, in: event) else {
            if case .compare(let op, _) = node.test { return op == .notEqual }
            return false
        }
        switch node.test {
        case .exists:
            return true
        case .compare(let op, let literal):
            switch op {
            case .equal: return Self.equal(value, literal)
            case .notEqual: return !Self.equal(value, literal)
            default: return FilterSemantics.ordered(op, Self.order(value, literal, symbols))
            }
        case .oneOf(let range):
            for index in range where Self.equal(value, listValues[index]) { return true }
            return false
        case .matches(let index):
            guard case .string(let string) = value, let regex = patterns[index] else { return false }
            return FilterSemantics.search(regex, in: symbols[string])
        }
    }

    private static func equal(_ lhs: Value, _ rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        default:
            guard let a = number(lhs), let b = number(rhs) else { return false }
            return FilterSemantics.compare(a, b) == 0
        }
    }

    private static func order(_ lhs: Value, _ rhs: Value, _ symbols: SymbolTable) -> Int? {
        if case .string(let a) = lhs, case .string(let b) = rhs {
            return a == b ? 0 : FilterSemantics.compare(symbols[a], symbols[b])
        }
        guard let a = number(lhs), let b = number(rhs) else { return nil }
        return FilterSemantics.compare(a, b)
    }

    private static func number(_ value: Value) -> FilterSemantics.Number? {
        switch value {
        case .int(let int): .int(int)
        case .double(let double): .double(double)
        case .nanoseconds(let nanoseconds): .nanoseconds(nanoseconds)
        case .string, .bool: nil
        }
    }
}

// MARK: - Shared semantics

/// The comparisons both evaluators use, so they agree by construction where they can.
enum FilterSemantics {
    /// A number as a filter sees it; a duration is nanoseconds and meets plain numbers as milliseconds.
    enum Number {
        case int(Int64)
        case double(Double)
        case nanoseconds(Int64)
    }

    static func holds(_ op: ComparisonOperator, _ value: FilterValue, _ literal: FilterValue) -> Bool {
        switch op {
        case .equal: equal(value, literal)
        case .notEqual: !equal(value, literal)
        default: ordered(op, order(value, literal))
        }
    }

    static func equal(_ lhs: FilterValue, _ rhs: FilterValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        default:
            guard let a = number(lhs), let b = number(rhs) else { return false }
            return compare(a, b) == 0
        }
    }

    /// -1, 0 or 1, or `nil` when the two cannot be ordered (different kinds, bools, NaN).
    static func order(_ lhs: FilterValue, _ rhs: FilterValue) -> Int? {
        if case .string(let a) = lhs, case .string(let b) = rhs { return compare(a, b) }
        guard let a = number(lhs), let b = number(rhs) else { return nil }
        return compare(a, b)
    }

    /// Whether an ordering operator holds for the result of `order`; never true when unordered.
    static func ordered(_ op: ComparisonOperator, _ order: Int?) -> Bool {
        guard let order else { return false }
        switch op {
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        case .equal: return order == 0
        case .notEqual: return order != 0
        }
    }

    static func compare(_ lhs: String, _ rhs: String) -> Int {
        lhs == rhs ? 0 : (lhs < rhs ? -1 : 1)
    }

    static func number(_ value: FilterValue) -> Number? {
        switch value {
        case .int(let int): .int(int)
        case .double(let double): .double(double)
        case .duration(let span): .nanoseconds(span.nanoseconds)
        case .string, .bool: nil
        }
    }

    static func compare(_ lhs: Number, _ rhs: Number) -> Int? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)), (.nanoseconds(let a), .nanoseconds(let b)):
            return compare(a, b)
        case (.int(let a), .double(let b)):
            return compare(a, b)
        case (.double(let a), .int(let b)):
            return compare(b, a).map { -$0 }
        case (.double(let a), .double(let b)):
            return a < b ? -1 : (a > b ? 1 : (a == b ? 0 : nil))
        case (.nanoseconds(let nanos), .int(let millis)):
            return compare(nanoseconds: nanos, milliseconds: millis)
        case (.int(let millis), .nanoseconds(let nanos)):
            return -compare(nanoseconds: nanos, milliseconds: millis)
        case (.nanoseconds(let nanos), .double(let millis)):
            return compare(nanos, millis * 1e6)
        case (.double(let millis), .nanoseconds(let nanos)):
            return compare(nanos, millis * 1e6).map { -$0 }
        }
    }

    static func compare(_ lhs: Int64, _ rhs: Int64) -> Int {
        lhs < rhs ? -1 : (lhs > rhs ? 1 : 0)
    }

    /// Compares an integer with a double exactly, without rounding the integer to a double.
    static func compare(_ lhs: Int64, _ rhs: Double) -> Int? {
        if rhs.isNaN { return nil }
        // 2^63 is exact as a double; beyond [-2^63, 2^63) no Int64 can reach the double.
        if rhs >= 9_223_372_036_854_775_808.0 { return -1 }
        if rhs < -9_223_372_036_854_775_808.0 { return 1 }
        let whole = rhs.rounded(.towardZero)
        let order = compare(lhs, Int64(whole))
        if order != 0 { return order }
        let fraction = rhs - whole
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }

    /// Compares a duration with a number of milliseconds exactly.
    static func compare(nanoseconds: Int64, milliseconds: Int64) -> Int {
        let (scaled, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
        // A number of milliseconds too large for nanoseconds is beyond every duration.
        if overflow { return milliseconds > 0 ? -1 : 1 }
        return compare(nanoseconds, scaled)
    }

    /// An unanchored search: whether the pattern occurs anywhere in `text`.
    static func search(_ regex: NSRegularExpression, in text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)) != nil
    }
}
