import GoalpostModel

/// Which outcomes an event can count for, by (signal, service): a flat table indexed by the service's symbol,
/// so routing an event is two array reads and it only tests the indicators that name its service (or none).
struct EventRoutes: Sendable {
    /// One more than the highest service symbol any indicator names; events of later symbols use the
    /// "any service" row.
    private let serviceLimit: Int
    /// For signal `s` and service row `r` (`serviceLimit` is the "any service" row), the targets are
    /// `targets[starts[s * (serviceLimit + 2) + r] ..< starts[s * (serviceLimit + 2) + r + 1]]`.
    private let starts: [Int32]
    private let targets: [Int32]

    init(_ indicators: [CompiledIndicator]) {
        let limit = indicators.compactMap { $0.service.map { Int($0.rawValue) + 1 } }.max() ?? 0
        serviceLimit = limit
        var starts = [Int32]()
        var targets = [Int32]()
        let signals: [Signal] = [.span, .log, .event]
        for signal in signals {
            let wildcard = indicators.indices.filter { indicators[$0].signal == signal && indicators[$0].service == nil }
            var specific = [[Int]](repeating: [], count: limit)
            for index in indicators.indices where indicators[index].signal == signal {
                if let service = indicators[index].service { specific[Int(service.rawValue)].append(index) }
            }
            for row in 0...limit {
                starts.append(Int32(targets.count))
                let rowTargets = (row < limit ? specific[row] : []) + wildcard
                targets.append(contentsOf: rowTargets.sorted().map { Int32($0) })
            }
            starts.append(Int32(targets.count))
        }
        self.starts = starts
        self.targets = targets
    }

    /// The range of `targets` for an event of `signal` from `service`.
    @inline(__always)
    func range(signal: Signal, service: Symbol) -> Range<Int> {
        let raw = Int(service.rawValue)
        let row = raw < serviceLimit ? raw : serviceLimit
        let base = Int(signal.rawValue) * (serviceLimit + 2) + row
        return Int(starts[base])..<Int(starts[base + 1])
    }

    @inline(__always)
    func target(_ position: Int) -> Int { Int(targets[position]) }
}

/// One metric an indicator reads.
struct MetricRoute: Sendable {
    var outcome: Int
    var role: MetricRole
}

/// Identifies a metric series: the outcome and role it feeds, and the series' own identity.
struct MetricSeriesKey: Hashable, Sendable {
    var outcome: Int32
    var role: MetricRole
    var service: Symbol
    var name: Symbol
    var attributes: [Attribute]
}

/// What a cumulative series last reported, to turn totals into increases.
struct MetricSeriesState: Sendable {
    var start: Int64
    var total: Double
    var good: Double
    var lastSeen: Int64
}
