/// A `where:` expression that does not parse: what is wrong and where.
///
/// The column is 1-based and counts Unicode scalars from the start of the expression text (a line break
/// counts as one), so the YAML layer can add it to the position of the scalar the expression came from.
public struct FilterSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The 1-based column, in Unicode scalars of the expression text, of the offending token.
    public var column: Int
    /// What is wrong, in words a person who wrote the expression can act on.
    public var message: String

    /// Creates an error at `column` with `message`.
    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    /// `column 12: expected a value after '==' but found end of expression`.
    public var description: String { "column \(column): \(message)" }
}
