import GoalpostModel

/// How much an incident hurts the business, as one number to sort incidents by.
///
/// `rank = criticality.weight × Σ over affected customers (weight(c) × failureShare(c))`, where
/// `failureShare(c)` is the customer's bad events over its valid events in the impact window and
/// `weight(c) = max(ARR(c) / totalARR, floor)`: the customer's share of the ARR known in the directory, never
/// below `floor` (so a customer whose ARR is unknown, or tiny, still counts). When no customer can be told
/// apart (traffic without the customer attribute), the sum is replaced by the global failure share, as if
/// the whole customer base (weight 1) were affected. See docs/evaluation.md.
public struct ImpactRanking: Hashable, Sendable {
    /// The summed ARR of the directory's customers with a positive ARR.
    public var totalARR: Double
    /// The least weight a customer gets.
    public var floor: Double

    /// A ranking over `customers` (the directory) with weight floor `floor`.
    public init(customers: [Customer], floor: Double) {
        totalARR = customers.reduce(0) { $0 + max(0, $1.arr ?? 0) }
        self.floor = max(0, floor)
    }

    /// The weight of a customer (`nil`: not in the directory).
    public func weight(of customer: Customer?) -> Double {
        guard totalARR > 0, let arr = customer?.arr, arr > 0 else { return floor }
        return max(arr / totalARR, floor)
    }

    /// The rank of an incident.
    ///
    /// - Parameters:
    ///   - criticality: The outcome's criticality.
    ///   - affected: Each affected customer's weight and failure share (0...1).
    ///   - globalFailureShare: The global scope's failure share, used when `affected` is empty.
    public func rank(criticality: Criticality, affected: [(weight: Double, failureShare: Double)], globalFailureShare: Double) -> Double {
        let exposure = affected.isEmpty
            ? min(1, max(0, globalFailureShare))
            : affected.reduce(0) { $0 + $1.weight * min(1, max(0, $1.failureShare)) }
        return criticality.weight * exposure
    }
}
