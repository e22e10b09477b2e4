import GoalpostModel
// TEMPORARY: replaced by the real parser on merge.
public enum FilterParser { public static func parse(_ s: String) throws(FilterSyntaxError) -> FilterExpression { if s.contains("==="){throw FilterSyntaxError(column: 1, message: "x")}; return .exists(key: s) } }
public struct FilterSyntaxError: Error { public var column: Int; public var message: String }
