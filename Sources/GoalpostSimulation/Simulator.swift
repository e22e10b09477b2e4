import Foundation
import GoalpostModel

/// Options of a simulated day.
public struct SimulationConfiguration: Sendable {
    /// The seed: the same seed gives the same spans, byte for byte.
    public var seed: UInt64
    /// The start of the day, nanoseconds since the Unix epoch (default Monday 2026-11-16 00:00 UTC).
    public var startUnixNano: Int64
    /// How long to simulate.
    public var duration: TimeSpan
    /// The injected fault.
    public var fault: Fault
    /// Multiplies every traffic rate (1 = about 700k spans a day).
    public var trafficScale: Double
    /// The simulated company.
    public var roster: Roster
    /// When the fault starts, nanoseconds since the Unix epoch; the day's whole schedule (deploys, rollback, the
    /// fault's end) moves with it. Nil: at its time of day (14:05 for `sso-deploy`) on the last simulated day.
    public var faultStartUnixNano: Int64?

    public static let defaultStart: Int64 = 1_794_787_200_000_000_000

    public init(seed: UInt64 = 0, startUnixNano: Int64 = SimulationConfiguration.defaultStart, duration: TimeSpan = .days(1),
                fault: Fault = .ssoDeploy, trafficScale: Double = 1, roster: Roster = .standard) {
        self.seed = seed
        self.startUnixNano = startUnixNano
        self.duration = duration
        self.fault = fault
        self.trafficScale = trafficScale
        self.roster = roster
    }
}

/// One simulated span, compact: indexes into the simulator's tables instead of strings.
public struct SpanRecord: Sendable, Hashable {
    public var endUnixNano: Int64
    public var durationNanos: Int64
    /// Index into `roster.customers`.
    public var customer: Int32
    /// Index into `roster.routes`.
    public var route: Int16
    /// Index into `Simulator.versions`.
    public var version: Int16
    public var statusCode: Int16
    public var isError: Bool
    /// Index into `Simulator.errorKinds` (0: no error type).
    public var errorKind: Int16
    public var traceHigh: UInt64
    public var traceLow: UInt64
}

/// A seeded B2B SaaS: customers in three tiers sign in, check out and search, with daily seasonality,
/// background errors, deploys and one injected fault. Produces spans minute by minute, in time order,
/// with memory bounded by one minute of traffic.
public struct Simulator: Sendable {
    public let configuration: SimulationConfiguration
    public let scenario: Scenario
    /// Every version string any service runs during the day.
    public private(set) var versions: [String] = []
    /// Error types and their messages; index 0 is "no error".
    public private(set) var errorKinds: [(type: String, message: String)] = [("", "")]

    private var random: RandomSource
    private var minute: Int64 = 0
    private let minutes: Int64
    /// Per route: (time, version index) changes, in time order.
    private var versionTimeline: [[(Int64, Int16)]] = []
    private var errorKindIndex: [String: Int16] = [:]

    public init(configuration: SimulationConfiguration = SimulationConfiguration()) {
        self.configuration = configuration
        let scenario = Scenario.make(fault: configuration.fault, roster: configuration.roster, start: configuration.startUnixNano,
                                     end: configuration.startUnixNano + configuration.duration.nanoseconds,
                                     faultStart: configuration.faultStartUnixNano)
        self.scenario = scenario
        random = RandomSource(seed: configuration.seed)
        minutes = max(0, configuration.duration.wholeMinutes)
        var versionIndex: [String: Int16] = [:]
        func index(_ version: String) -> Int16 {
            if let existing = versionIndex[version] { return existing }
            let next = Int16(versions.count)
            versions.append(version)
            versionIndex[version] = next
            return next
        }
        for route in configuration.roster.routes {
            var timeline: [(Int64, Int16)] = [(Int64.min, index(configuration.roster.initialVersions[route.service] ?? "1.0.0"))]
            for deploy in scenario.deploys where deploy.service == route.service {
                timeline.append((deploy.timeUnixNano, index(deploy.version)))
            }
            versionTimeline.append(timeline)
        }
        for window in scenario.errors where errorKindIndex[window.errorType] == nil {
            errorKindIndex[window.errorType] = Int16(errorKinds.count)
            errorKinds.append((window.errorType, window.message))
        }
        errorKindIndex["internal"] = Int16(errorKinds.count)
        errorKinds.append(("internal", "unexpected error"))
    }

    /// The share of peak traffic at a time of day: low at night, highest around 14:00 UTC.
    public static func seasonality(hourOfDay: Double) -> Double {
        let distance = hourOfDay - 14
        return 0.25 + 0.75 * exp(-(distance * distance) / (2 * 4.5 * 4.5))
    }

    /// Whether the simulated period is over.
    public var isFinished: Bool { minute >= minutes }

    /// Fills `buffer` with the next minute's spans, ordered by end time. Returns false when the period is over.
    public mutating func nextMinute(into buffer: inout [SpanRecord]) -> Bool {
        buffer.removeAll(keepingCapacity: true)
        guard minute < minutes else { return false }
        let minuteStart = configuration.startUnixNano + minute * 60_000_000_000
        minute += 1
        let secondsIntoDay = Double((minuteStart / 1_000_000_000) % 86_400)
        let season = Self.seasonality(hourOfDay: secondsIntoDay / 3600) * configuration.trafficScale
        let roster = configuration.roster
        for (customerIndex, simulated) in roster.customers.enumerated() {
            for (routeIndex, route) in roster.routes.enumerated() {
                let rate: Double
                switch route.route {
                case "/login": rate = simulated.usesSSO ? 0 : simulated.signInsPerMinute
                case "/sso/callback": rate = simulated.usesSSO ? simulated.signInsPerMinute : 0
                case "/checkout": rate = simulated.checkoutsPerMinute
                default: rate = simulated.searchesPerMinute
                }
                let count = random.poisson(rate * season)
                for _ in 0..<count {
                    buffer.append(span(customer: customerIndex, route: routeIndex, minuteStart: minuteStart))
                }
            }
        }
        buffer.sort { $0.endUnixNano < $1.endUnixNano }
        return true
    }

    private mutating func span(customer customerIndex: Int, route routeIndex: Int, minuteStart: Int64) -> SpanRecord {
        let roster = configuration.roster
        let route = roster.routes[routeIndex]
        let customer = roster.customers[customerIndex].customer
        let end = minuteStart + Int64(random.unit() * 60_000_000_000)
        var milliseconds = random.logNormal(median: route.medianMilliseconds, sigma: route.sigma)
        for window in scenario.latencies where window.start <= end && end < window.end && window.customers.contains(customerIndex) && window.routes.contains(routeIndex) {
            milliseconds += window.extraMilliseconds * (0.8 + 0.4 * random.unit())
        }
        let version = self.version(route: routeIndex, at: end)
        var isError = random.unit() < route.errorRate
        var statusCode: Int16 = isError ? 500 : (route.method == "POST" && route.route == "/checkout" ? 201 : 200)
        var errorKind: Int16 = isError ? (errorKindIndex["internal"] ?? 0) : 0
        for window in scenario.errors where window.start <= end && end < window.end && window.routes.contains(routeIndex) {
            if let customers = window.customers, !customers.contains(customerIndex) { continue }
            if let regions = window.regions, !regions.contains(customer.region ?? "") { continue }
            if let faulty = window.version, versions[Int(version)] != faulty { continue }
            if random.unit() < window.probability {
                isError = true
                statusCode = window.statusCode
                errorKind = errorKindIndex[window.errorType] ?? 0
            }
        }
        return SpanRecord(
            endUnixNano: end, durationNanos: Int64(milliseconds * 1_000_000), customer: Int32(customerIndex), route: Int16(routeIndex),
            version: version, statusCode: statusCode, isError: isError, errorKind: errorKind, traceHigh: random.next(), traceLow: random.next()
        )
    }

    private func version(route: Int, at time: Int64) -> Int16 {
        var current = versionTimeline[route][0].1
        for (start, version) in versionTimeline[route] where start <= time { current = version }
        return current
    }
}
