import Foundation
import GoalpostModel

/// One attribute combination that explains part of a deviation: `{http.route=/sso/callback, service.version=2.3.1}`.
public struct Suspect: Hashable, Sendable, Codable {
    /// The attribute values that define it, in the cube's dimension order.
    public var attributes: [Attribute]
    /// Its share of the cube's total excess (actual − expected), 0...1 for a cause in the anomaly's direction.
    public var shareOfExcess: Double
    /// What was measured inside it (bad events).
    public var actual: Double
    /// What was expected inside it.
    public var expected: Double
    /// Valid events inside it, when the cube knows them.
    public var events: Double?
    /// The bad ratio inside it, when the cube knows events.
    public var badRatioInside: Double?
    /// The bad ratio of everything else, when the cube knows events.
    public var badRatioOutside: Double?
    /// How sure the localizer is, 0...1: how well one common change inside the combination fits its leaves,
    /// times how far its excess is beyond chance (for counted events).
    public var confidence: Double

    /// One attribute value.
    public struct Attribute: Hashable, Sendable, Codable {
        /// The dimension.
        public var name: String
        /// Its value ("" when the events lacked it).
        public var value: String

        /// An attribute value.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The attributes as `name=value` joined with `&`, the Squeeze dataset's notation.
    public var notation: String { attributes.map { "\($0.name)=\($0.value)" }.joined(separator: "&") }
}

/// What localization found.
public struct Localization: Hashable, Sendable, Codable {
    /// The suspects, most explanatory first.
    public var suspects: [Suspect]
    /// Total actual − expected over the cube.
    public var totalExcess: Double
    /// The share of the cube's absolute deviation the suspects explain together.
    public var explained: Double
    /// Leaves searched.
    public var leaves: Int
}

/// Finds the smallest set of attribute combinations that explains a deviation across a cube's leaves.
///
/// The method ("greedy ripple fit", docs/investigation.md): each round scores every attribute combination up
/// to `maxDepth` attributes by how much of the leaves' absolute deviation `Σ|actual − expected|` disappears
/// when the combination is assumed to carry one common change, spread over its leaves in proportion to
/// their volume (the ripple effect of Squeeze and RiskLoc). A true cause removes nearly all of its own
/// deviation; a broader combination pays for the normal leaves it would wrongly change (its gain is the
/// cause's times `2f − 1` for an affected share `f`), and a narrower one misses part of the cause, so the
/// highest gain lands on the cause itself, at its own depth. The chosen combination's leaves are then set
/// aside and the next round looks at the rest, so simultaneous causes are found one per round.
/// A combination is only a candidate when its excess is significant against the leaves' noise and one
/// common change fits at least `minFit` of its own deviation; the search stops when no candidate is left,
/// when the best gain falls under `minGain` of the first suspect's, or at `maxSuspects`.
///
/// Cost: rounds × cuboids × leaves, with cuboids = C(D,1) + … + C(D,maxDepth) for D dimensions; a
/// dimension with hundreds of values adds leaves, not cuboids.
public struct Localizer: Sendable {
    /// Search options.
    public struct Configuration: Hashable, Sendable {
        /// The most attributes in one suspect (at most 3: an element key packs 21 bits per attribute).
        public var maxDepth: Int
        /// The most suspects returned.
        public var maxSuspects: Int
        /// A suspect's gain must reach this share of the first suspect's gain (the dominant cause).
        public var minGain: Double
        /// A suspect's excess must be this many noise standard deviations from zero (see `noiseScale`).
        public var minSignificance: Double
        /// A suspect's gain must reach this share of its own absolute deviation (a cause fits its leaves).
        public var minFit: Double
        /// Gains within this share of the initial deviation count as equal; the fewer attributes win.
        public var tieTolerance: Double

        /// Defaults: depth 3, at most 5 suspects, each significant at 5σ and fitting 30% of its own deviation.
        public init(
            maxDepth: Int = 3, maxSuspects: Int = 5, minGain: Double = 0.002, minSignificance: Double = 5, minFit: Double = 0.3,
            tieTolerance: Double = 0.002
        ) {
            self.maxDepth = maxDepth
            self.maxSuspects = maxSuspects
            self.minGain = minGain
            self.minSignificance = minSignificance
            self.minFit = minFit
            self.tieTolerance = tieTolerance
        }
    }

    /// The options.
    public var configuration: Configuration

    /// A localizer with `configuration`.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Localizes the deviation of `cube`.
    public func localize(_ cube: LocalizationCube) -> Localization {
        let n = cube.count, dims = cube.dimensions.count
        let actual = cube.actual, volume = cube.volume
        let expected = cube.expected
        let totalExcess = zip(actual, cube.expected).reduce(0) { $0 + $1.0 - $1.1 }
        let initialDeviation = zip(actual, expected).reduce(0) { $0 + abs($1.0 - $1.1) }
        guard n > 0, dims > 0, initialDeviation > 0 else {
            return Localization(suspects: [], totalExcess: totalExcess, explained: 0, leaves: n)
        }
        let cuboids = Self.cuboids(dimensions: dims, maxDepth: min(configuration.maxDepth, dims, 3))
        var chosen: [(cuboid: [Int], key: Int, fit: Double)] = []
        var explainedGain = 0.0
        var slot = [Int32](repeating: 0, count: n)
        let noise = Self.noiseVariance(cube)
        // Leaves a chosen suspect already explains take no further part (as RiskLoc removes them): a leaf under
        // two causes fails once, not twice, so adding both changes would call for a correction element.
        var explained = [Bool](repeating: false, count: n)
        var firstGain: Double?

        for _ in 0..<configuration.maxSuspects {
            var best: (gain: Double, depth: Int, cuboid: [Int], key: Int, change: Double, fit: Double)?
            for cuboid in cuboids {
                // Pass 1: per element, summed deviation, actual − expected and volume.
                var slots: [Int: Int32] = [:]
                var keys: [Int] = [], excess: [Double] = [], vol: [Double] = [], own: [Double] = [], variance: [Double] = []
                for i in 0..<n where !explained[i] {
                    let key = Self.key(cube.codes, leaf: i, dims: dims, cuboid: cuboid)
                    let s: Int32
                    if let existing = slots[key] { s = existing } else {
                        s = Int32(keys.count)
                        slots[key] = s
                        keys.append(key); excess.append(0); vol.append(0); own.append(0); variance.append(0)
                    }
                    slot[i] = s
                    let d = actual[i] - expected[i]
                    excess[Int(s)] += d
                    vol[Int(s)] += volume[i]
                    own[Int(s)] += abs(d)
                    variance[Int(s)] += noise[i]
                }
                // Pass 2: the deviation left if each element carried one common change per unit of volume.
                var residual = [Double](repeating: 0, count: keys.count)
                for i in 0..<n where !explained[i] {
                    let s = Int(slot[i])
                    let change = vol[s] > 0 ? excess[s] / vol[s] : 0
                    residual[s] += abs(actual[i] - expected[i] - volume[i] * change)
                }
                for s in 0..<keys.count where vol[s] > 0 && own[s] > 0 {
                    let gain = own[s] - residual[s]
                    let fit = gain / own[s]
                    guard gain > 0, fit >= configuration.minFit,
                        abs(excess[s]) >= configuration.minSignificance * variance[s].squareRoot()
                    else { continue }
                    let tolerance = configuration.tieTolerance * initialDeviation
                    if let current = best {
                        let better = gain > current.gain + tolerance
                            || (gain > current.gain - tolerance && cuboid.count < current.depth)
                        if !better { continue }
                    }
                    best = (gain, cuboid.count, cuboid, keys[s], excess[s] / vol[s], fit)
                }
            }
            guard let found = best, found.gain >= configuration.minGain * (firstGain ?? found.gain) else { break }
            if firstGain == nil { firstGain = found.gain }
            chosen.append((found.cuboid, found.key, found.fit))
            explainedGain += found.gain
            for i in 0..<n where !explained[i] && Self.key(cube.codes, leaf: i, dims: dims, cuboid: found.cuboid) == found.key {
                explained[i] = true
            }
        }
        let suspects = chosen.map { suspect(cube, cuboid: $0.cuboid, key: $0.key, fit: $0.fit, totalExcess: totalExcess) }
        return Localization(suspects: suspects, totalExcess: totalExcess, explained: min(1, explainedGain / initialDeviation), leaves: n)
    }

    private func suspect(_ cube: LocalizationCube, cuboid: [Int], key: Int, fit: Double, totalExcess: Double) -> Suspect {
        let dims = cube.dimensions.count
        var a = 0.0, e = 0.0, events = 0.0, allActual = 0.0, allEvents = 0.0
        var first = -1
        for i in 0..<cube.count {
            allActual += cube.actual[i]
            allEvents += cube.events?[i] ?? 0
            guard Self.key(cube.codes, leaf: i, dims: dims, cuboid: cuboid) == key else { continue }
            if first < 0 { first = i }
            a += cube.actual[i]
            e += cube.expected[i]
            events += cube.events?[i] ?? 0
        }
        let attributes = cuboid.map { Suspect.Attribute(name: cube.dimensions[$0], value: first >= 0 ? cube.value(leaf: first, dimension: $0) : "") }
        var significance = 1.0
        var inside: Double?, outside: Double?
        if cube.events != nil {
            // Counted events: how many Poisson standard deviations the excess is; 3σ gives 0.68, 5σ 0.96.
            let z = (a - e) / max(1, e).squareRoot()
            significance = 1 - exp(-z * z / 8)
            inside = events > 0 ? a / events : nil
            outside = allEvents - events > 0 ? (allActual - a) / (allEvents - events) : nil
        }
        let share = totalExcess != 0 ? (a - e) / totalExcess : 0
        return Suspect(
            attributes: attributes, shareOfExcess: share, actual: a, expected: e, events: cube.events == nil ? nil : events,
            badRatioInside: inside, badRatioOutside: outside, confidence: max(0, min(1, fit * significance))
        )
    }

    /// Each leaf's noise variance: what its deviation would be without a cause.
    ///
    /// Counted events (incident cubes) vary like Poisson counts: variance = expected + 1 (the 1 keeps a cell
    /// expected to fail 0.01 times from looking 10σ off after one failure). Forecast cubes (Squeeze) carry a
    /// relative forecast error: the robust spread of `(actual − expected) / expected` over all leaves (from the
    /// 10th percentile of its absolute value), applied to each leaf.
    static func noiseVariance(_ cube: LocalizationCube) -> [Double] {
        if cube.events != nil { return cube.expected.map { max(0, $0) + 1 } }
        var relative = [Double]()
        relative.reserveCapacity(cube.count)
        for i in 0..<cube.count where cube.expected[i] > 0 {
            relative.append(abs(cube.actual[i] - cube.expected[i]) / cube.expected[i])
        }
        relative.sort()
        // The 10th percentile of |N(0, σ)| is 0.1257σ: read from the quietest leaves, the estimate holds while
        // at least a tenth of the leaves are normal (a median would break once half of them are affected).
        let sigma = max(1e-3, relative.isEmpty ? 0 : relative[relative.count / 10] / 0.1257)
        return cube.expected.map { let s = sigma * max($0, 1e-9); return s * s }
    }

    /// Every combination of up to `maxDepth` dimensions, shallowest first.
    static func cuboids(dimensions: Int, maxDepth: Int) -> [[Int]] {
        var result: [[Int]] = []
        func extend(_ prefix: [Int], from: Int, depth: Int) {
            if prefix.count == depth { result.append(prefix); return }
            guard from < dimensions else { return }
            for d in from..<dimensions { extend(prefix + [d], from: d + 1, depth: depth) }
        }
        if maxDepth >= 1 { for depth in 1...maxDepth { extend([], from: 0, depth: depth) } }
        return result
    }

    /// A leaf's element in `cuboid` as one integer: 21 bits per value code (up to 2 million values a dimension).
    @inline(__always)
    static func key(_ codes: [Int32], leaf: Int, dims: Int, cuboid: [Int]) -> Int {
        var key = 0
        for d in cuboid { key = key << 21 | Int(codes[leaf * dims + d]) }
        return key
    }
}
