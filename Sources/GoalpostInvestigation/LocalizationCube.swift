import GoalpostEvaluation
import GoalpostModel

/// The leaves of a multi-dimensional measure, each with what happened (`actual`) and what should have
/// (`expected`): the input of localization.
///
/// Two sources map onto it. An incident: one leaf per cell (the customer is a dimension like any other),
/// `actual` = bad events in the incident window, `expected` = the cell's events in that window times its bad
/// ratio in a baseline window, `volume` = its events in the incident window. The Squeeze dataset format: one
/// leaf per CSV row, `actual` = `real`, `expected` = `predict`, `volume` = `predict` (a fault scales a leaf's
/// value, the "ripple effect"). Values are interned per dimension so the search works on integers.
public struct LocalizationCube: Sendable, Hashable {
    /// The dimension names, in column order.
    public let dimensions: [String]
    /// Per dimension, its distinct values; a leaf stores indices into these.
    public private(set) var values: [[String]]
    /// Leaf values, row-major: leaf `i`'s value in dimension `d` is `values[d][Int(codes[i * dimensions.count + d])]`.
    public private(set) var codes: [Int32] = []
    /// The measured value of each leaf (bad events; Squeeze's `real`).
    public private(set) var actual: [Double] = []
    /// The value each leaf was expected to have (baseline bad ratio × events; Squeeze's `predict`).
    public private(set) var expected: [Double] = []
    /// The size each leaf's share of a common change is proportional to (events; Squeeze's `predict`).
    public private(set) var volume: [Double] = []
    /// Valid events per leaf when known (incident cubes), to report bad ratios; `nil` for Squeeze cubes.
    public private(set) var events: [Double]?
    private var index: [[String: Int32]]

    /// An empty cube over `dimensions`; `withEvents` keeps per-leaf event counts for bad ratios.
    public init(dimensions: [String], withEvents: Bool = false) {
        self.dimensions = dimensions
        values = Array(repeating: [], count: dimensions.count)
        index = Array(repeating: [:], count: dimensions.count)
        events = withEvents ? [] : nil
    }

    /// The number of leaves.
    public var count: Int { actual.count }

    /// Appends a leaf.
    ///
    /// - Parameters:
    ///   - leafValues: One value per dimension, in `dimensions` order (an empty string for a missing value).
    ///   - actual: What was measured.
    ///   - expected: What was expected.
    ///   - volume: What a change to this leaf scales with; defaults to `expected`.
    ///   - events: Valid events, for cubes built `withEvents`.
    public mutating func append(_ leafValues: [String], actual: Double, expected: Double, volume: Double? = nil, events: Double? = nil) {
        precondition(leafValues.count == dimensions.count, "a leaf needs one value per dimension")
        for (d, value) in leafValues.enumerated() {
            if let code = index[d][value] {
                codes.append(code)
            } else {
                let code = Int32(values[d].count)
                values[d].append(value)
                index[d][value] = code
                codes.append(code)
            }
        }
        self.actual.append(actual)
        self.expected.append(expected)
        self.volume.append(max(0, volume ?? expected))
        if self.events != nil { self.events!.append(events ?? 0) }
    }

    /// Leaf `i`'s value in dimension `d`.
    public func value(leaf i: Int, dimension d: Int) -> String {
        values[d][Int(codes[i * dimensions.count + d])]
    }
}

// MARK: - From incident cells

extension LocalizationCube {
    /// The name the customer gets as a dimension of an incident cube.
    public static let customerDimension = "customer.id"

    /// A cube comparing an incident window with a baseline window, one leaf per cell.
    ///
    /// A cell's expected bad events are its incident-window events times its baseline bad ratio, shrunk
    /// towards the whole outcome's baseline ratio with the weight of `priorEvents` events, so a cell seen a
    /// few times in the baseline (or never) is expected to fail like the rest rather than never or always.
    ///
    /// Dimensions whose values only bad events carry (`error.type`: set on failures, absent on successes) are
    /// left out: they restate that an event failed instead of saying where, and would "explain" any incident.
    /// A dimension is left out when at least half of the incident's bad events carry a value of it and fewer
    /// than 5% of the events carrying a value were good.
    ///
    /// - Parameters:
    ///   - incident: Each cell's counts in the incident window.
    ///   - baseline: Each cell's counts in the baseline window (before the onset).
    ///   - dimensions: The outcome's dimensions, in order; the customer comes first as `customer.id`.
    ///   - priorEvents: The weight, in events, of the outcome-wide baseline ratio in each cell's expectation.
    /// - Returns: The cube and the dimensions left out as outcome-derived.
    public static func incident(
        current incident: [CellCounts], baseline: [CellCounts], dimensions: [String], priorEvents: Double = 50
    ) -> (cube: LocalizationCube, derived: [String]) {
        // Outcome-derived dimensions.
        var derived: [String] = []
        let badTotal = incident.reduce(0) { $0 + $1.counts.bad }
        for dimension in dimensions {
            var badWithValue = 0.0, goodWithValue = 0.0, totalWithValue = 0.0
            for cell in incident + baseline {
                guard let value = cell.dimensions[dimension], !value.isEmpty else { continue }
                goodWithValue += cell.counts.good
                totalWithValue += cell.counts.total
            }
            for cell in incident where !(cell.dimensions[dimension] ?? "").isEmpty { badWithValue += cell.counts.bad }
            if badTotal > 0, badWithValue >= 0.5 * badTotal, totalWithValue > 0, goodWithValue < 0.05 * totalWithValue {
                derived.append(dimension)
            }
        }
        let kept = dimensions.filter { !derived.contains($0) }
        let names = [customerDimension] + kept

        func key(_ cell: CellCounts) -> [String] {
            [cell.customer ?? ""] + kept.map { cell.dimensions[$0] ?? "" }
        }
        var base: [[String]: Counts] = [:]
        var baseAll = Counts()
        for cell in baseline {
            base[key(cell), default: Counts()].good += cell.counts.good
            base[key(cell), default: Counts()].total += cell.counts.total
            baseAll.good += cell.counts.good
            baseAll.total += cell.counts.total
        }
        var now: [[String]: Counts] = [:]
        var order: [[String]] = []
        for cell in incident {
            let k = key(cell)
            if now[k] == nil { order.append(k) }
            now[k, default: Counts()].good += cell.counts.good
            now[k, default: Counts()].total += cell.counts.total
        }
        let prior = baseAll.badRatio
        var cube = LocalizationCube(dimensions: names, withEvents: true)
        for k in order.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let counts = now[k], counts.total > 0 else { continue }
            let b = base[k] ?? Counts()
            let ratio = (b.bad + priorEvents * prior) / (b.total + priorEvents)
            cube.append(k, actual: counts.bad, expected: counts.total * ratio, volume: counts.total, events: counts.total)
        }
        return (cube, derived)
    }
}
