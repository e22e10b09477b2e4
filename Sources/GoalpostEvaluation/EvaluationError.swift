import GoalpostModel

/// An outcome or engine configuration the evaluation engine cannot evaluate, named with what is wrong.
///
/// `description` reads `outcome signin: objective 1.2 is not between 0 and 1`.
public struct EvaluationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The outcome concerned, or `nil` for the engine's own configuration.
    public var outcome: String?
    /// What is wrong.
    public var message: String

    /// An error about `outcome` (or the engine's configuration when `nil`).
    public init(outcome: String?, message: String) {
        self.outcome = outcome
        self.message = message
    }

    public var description: String {
        if let outcome { return "outcome \(outcome): \(message)" }
        return "evaluation configuration: \(message)"
    }
}
