/// The parsed form of a `where:` expression over event attributes.
///
/// `http.route == "/login" and not (error.type in ["timeout", "cancelled"])`. The parser lives in
/// `GoalpostDefinitions`; evaluation lives here so every stage that routes events can use it.
public indirect enum FilterExpression: Hashable, Sendable, Codable {
    /// `key OP literal`.
    case compare(key: String, op: ComparisonOperator, value: FilterValue)
    /// `key in [a, b, c]`.
    case oneOf(key: String, values: [FilterValue])
    /// `key matches "regex"`.
    case matches(key: String, pattern: String)
    /// `key exists`.
    case exists(key: String)
    /// `a and b`.
    case and(FilterExpression, FilterExpression)
    /// `a or b`.
    case or(FilterExpression, FilterExpression)
    /// `not a`.
    case not(FilterExpression)
}

/// A comparison operator of the filter language.
public enum ComparisonOperator: String, Hashable, Sendable, Codable, CaseIterable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}

/// A typed literal of the filter language.
public enum FilterValue: Hashable, Sendable, Codable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    /// A duration literal (`250ms`), compared with durations and with numeric attributes in milliseconds.
    case duration(TimeSpan)
}
