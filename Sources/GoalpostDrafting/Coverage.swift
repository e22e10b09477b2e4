import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostModel

/// What the outcomes leave unwatched: services and busy operations no outcome selects, each with suggested
/// outcomes for the golden signals (errors and latency per operation; traffic and saturation as notes, since
/// they are not ratios of good events).
public struct CoverageReport: Sendable, Encodable {
    public struct Gap: Sendable, Encodable {
        public var service: String
        public var operation: String?
        public var signal: String
        public var eventsPerDay: Double
        public var successRatio: Double?
        public var p99Milliseconds: Double?
        /// Why it is listed.
        public var reason: String
        /// Suggested outcomes as `goalpost/v1` YAML (availability, and latency for timed operations).
        public var suggestions: [String]
    }

    /// Operations an outcome selects, with the outcome's name.
    public var covered: [String: [String]]
    public var gaps: [Gap]
    /// Golden signals that are not ratios: what to do about them.
    public var notes: [String]
}

/// Compares the outcomes with the telemetry catalog.
public struct CoverageAnalyzer: Sendable {
    public var catalog: TelemetryCatalog
    public var definitions: Catalog
    /// Operations with fewer events a day are not listed one by one (their service still is, if wholly uncovered).
    public var minimumEventsPerDay: Double

    public init(catalog: TelemetryCatalog, definitions: Catalog, minimumEventsPerDay: Double = 1_000) {
        self.catalog = catalog
        self.definitions = definitions
        self.minimumEventsPerDay = minimumEventsPerDay
    }

    /// Whether an outcome selects the operation (same signal family, service, and operation when it names any).
    static func selects(_ outcome: Outcome, _ operation: TelemetryCatalog.Operation) -> Bool {
        let indicator = outcome.indicator
        let signal: String? = switch indicator.source {
        case .traces: "span"
        case .logs: "log"
        case .events: "event"
        case .metrics, .prometheus, .sql, .external: nil
        }
        guard signal == operation.signal else { return false }
        if let service = indicator.service, service != operation.service { return false }
        return indicator.operations.isEmpty || indicator.operations.contains(operation.operation)
    }

    public func report() -> CoverageReport {
        var covered: [String: [String]] = [:]
        var gaps: [CoverageReport.Gap] = []
        let byService = Dictionary(grouping: catalog.operations, by: \.service)
        for service in catalog.services {
            let operations = byService[service] ?? []
            var uncovered: [TelemetryCatalog.Operation] = []
            for operation in operations {
                let names = definitions.outcomes.filter { Self.selects($0, operation) }.map(\.name)
                if names.isEmpty { uncovered.append(operation) } else { covered["\(service) \(operation.operation)"] = names }
            }
            if uncovered.count == operations.count {
                let busiest = uncovered.max { $0.events < $1.events }
                gaps.append(.init(
                    service: service, operation: nil, signal: busiest?.signal ?? "span", eventsPerDay: uncovered.reduce(0) { $0 + $1.eventsPerDay },
                    successRatio: nil, p99Milliseconds: nil, reason: "no outcome measures \(service) at all",
                    suggestions: busiest.map { suggestions(for: $0) } ?? []
                ))
                continue
            }
            for operation in uncovered where operation.eventsPerDay >= minimumEventsPerDay {
                gaps.append(.init(
                    service: service, operation: operation.operation, signal: operation.signal, eventsPerDay: operation.eventsPerDay,
                    successRatio: operation.successRatio, p99Milliseconds: operation.p99Milliseconds,
                    reason: "\(Int(operation.eventsPerDay.rounded())) events/day that no outcome selects", suggestions: suggestions(for: operation)
                ))
            }
        }
        gaps.sort { ($0.operation == nil ? 1 : 0, $0.eventsPerDay) > ($1.operation == nil ? 1 : 0, $1.eventsPerDay) }
        let notes = [
            "Traffic and saturation are golden signals but not ratios of good events: watch them with the deploy checks' throughput comparison (docs/deploys.md) and your metrics system; an outcome measures what each event achieved.",
        ]
        return CoverageReport(covered: covered, gaps: gaps, notes: notes)
    }

    /// An availability outcome, and a latency outcome for timed operations, as YAML.
    func suggestions(for operation: TelemetryCatalog.Operation) -> [String] {
        let source: IndicatorSource = operation.signal == "log" ? .logs : operation.signal == "event" ? .events : .traces
        let base = ActivityMatcher.words(operation.operation).filter { !ActivityMatcher.generic.contains($0) }.prefix(3).joined(separator: "-")
        let name = [ActivityMatcher.words(operation.service).filter { !ActivityMatcher.generic.contains($0) }.first ?? operation.service, base]
            .filter { !$0.isEmpty }.joined(separator: "-")
        let good = operation.successRatio ?? 0.999
        let objective = OutcomeDrafter.ladder.first { 1 - $0 >= 2 * (1 - good) } ?? 0.9
        var outcomes = [Outcome(
            name: "\(name)-availability", statement: "\(operation.service) \(operation.operation) succeeds \(OutcomeDrafter.percent(objective)) of the time.",
            indicator: Indicator(source: source, service: operation.service, operations: [operation.operation]), objective: objective
        )]
        if source != .logs, let p99 = operation.p99Milliseconds {
            let bound = OutcomeDrafter.niceBound(p99 * 1.5)
            outcomes.append(Outcome(
                name: "\(name)-latency", statement: "\(operation.service) \(operation.operation) answers within \(bound) for 99% of requests.",
                indicator: Indicator(source: source, service: operation.service, operations: [operation.operation], latency: bound), objective: 0.99
            ))
        }
        return outcomes.compactMap { try? DefinitionWriter.yaml(for: $0) }
    }
}
