import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostModel
import Logging
import Metrics
import ServiceLifecycle

/// Counts measured by a pull source for one minute of one series.
public struct ExternalCounts: Sendable, Hashable {
    /// A time inside the minute it counts for.
    public var timeUnixNano: Int64
    /// The series' labels (PromQL) or columns (SQL): the customer among them under the outcome's customer attribute.
    public var labels: [String: String]
    public var good: Double
    public var total: Double

    public init(timeUnixNano: Int64, labels: [String: String], good: Double, total: Double) {
        self.timeUnixNano = timeUnixNano
        self.labels = labels
        self.good = good
        self.total = total
    }

    /// Oldest minute first (the engine's lateness window moves with the newest), series in a stable order within a
    /// minute; each series' sort key is made once.
    static func inTimeOrder(_ counts: [ExternalCounts]) -> [ExternalCounts] {
        counts.map { ($0, $0.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{0}")) }
            .sorted { ($0.0.timeUnixNano, $0.1) < ($1.0.timeUnixNano, $1.1) }
            .map(\.0)
    }
}

/// What each pull source did last, for `GET /api/v1/sources` and `goalpost_source_up`.
public final class SourceHealth: @unchecked Sendable {
    public struct State: Sendable, Hashable, Codable {
        public var outcome: String
        public var kind: String
        public var url: String
        /// The last attempt succeeded. A source that is down gives no data: the outcome's windows stop filling,
        /// nothing is counted as bad, and no incident opens because of the outage.
        public var up: Bool
        public var lastSuccess: String?
        public var lastAttempt: String?
        public var lastError: String?
        /// Minutes of counts handed to the engine so far.
        public var minutes: Int
        /// Series in the latest answer that had any (a quiet minute with no rows or samples leaves it as it was).
        public var series: Int
    }

    private let lock = NSLock()
    private var states: [String: State] = [:]

    public init() {}

    public var all: [State] { lock.withLock { states.values.sorted { $0.outcome < $1.outcome } } }

    func update(_ outcome: String, _ change: (inout State) -> Void, initial: @autoclosure () -> State) {
        lock.withLock {
            var state = states[outcome] ?? initial()
            change(&state)
            states[outcome] = state
        }
    }
}

/// The pure part of the PromQL source: queries with their window, Prometheus answers read, counts joined.
public enum PromQLCounts {
    /// `{{.window}}` (Sloth's placeholder, which Goalpost also uses) replaced by a window such as `1m`.
    public static func query(_ template: String, window: String) -> String {
        template.replacingOccurrences(of: "{{.window}}", with: window).replacingOccurrences(of: "{{ .window }}", with: window)
    }

    /// Reads a `query_range` (matrix) or `query` (vector) answer of the Prometheus HTTP API:
    /// values by series labels (without `__name__`) and by time (Unix seconds, as nanoseconds).
    public static func parse(_ data: Data) throws(PromQLError) -> [[String: String]: [Int64: Double]] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PromQLError("the answer is not JSON: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        guard object["status"] as? String == "success" else {
            throw PromQLError("\(object["errorType"] as? String ?? "error"): \(object["error"] as? String ?? "the query failed")")
        }
        guard let payload = object["data"] as? [String: Any], let result = payload["result"] as? [[String: Any]] else {
            throw PromQLError("the answer has no data.result")
        }
        var series: [[String: String]: [Int64: Double]] = [:]
        func point(_ pair: Any?) -> (Int64, Double)? {
            guard let pair = pair as? [Any], pair.count == 2, let seconds = (pair[0] as? NSNumber)?.doubleValue,
                  let text = pair[1] as? String, let value = Double(text), value.isFinite else { return nil }
            return (Int64((seconds * 1e3).rounded()) * 1_000_000, value)
        }
        for entry in result {
            var labels = (entry["metric"] as? [String: String]) ?? [:]
            labels["__name__"] = nil
            var values = series[labels] ?? [:]
            if let list = entry["values"] as? [Any] {
                for pair in list { if let (time, value) = point(pair) { values[time] = value } }
            } else if let (time, value) = point(entry["value"]) {
                values[time] = value
            }
            series[labels] = values
        }
        return series
    }

    /// A counter query's readings at minute ends turned into each minute's rise: the value at `t` minus the value
    /// at `t` − 1 minute, for every `t` from `from` on that has both. A counter that went down (a reset, or one
    /// series of a `sum` restarting) gives NaN, and `counts` drops that minute: from two readings of a sum the rise
    /// across a reset cannot be known, and Prometheus's rule for one counter (the new value is the rise) would count
    /// a whole restarted sum as one minute's events. A series with no reading a minute earlier (it just appeared)
    /// gives nothing for that minute, as `increase` ignores a new series' first sample.
    public static func increases(_ readings: [[String: String]: [Int64: Double]], from: Int64) -> [[String: String]: [Int64: Double]] {
        let minute: Int64 = 60_000_000_000
        var out: [[String: String]: [Int64: Double]] = [:]
        for (labels, points) in readings {
            var rises: [Int64: Double] = [:]
            for (time, value) in points where time >= from {
                guard let previous = points[time - minute] else { continue }
                rises[time] = value >= previous ? value - previous : .nan
            }
            if !rises.isEmpty { out[labels] = rises }
        }
        return out
    }

    /// The minutes' counts: for each series and time in `total`, good = `good` there, or total − `bad` there
    /// (0 bad when the bad query has no such series: PromQL drops series with no errors). A time `t` counts for
    /// the minute that ends at `t`. Totals of zero or less, and good beyond the total, are clamped away; a minute
    /// whose count is unknown (NaN: a counter reset, see `increases`) is left out.
    public static func counts(good: [[String: String]: [Int64: Double]]?, bad: [[String: String]: [Int64: Double]]?,
                              total: [[String: String]: [Int64: Double]]) -> [ExternalCounts] {
        var out: [ExternalCounts] = []
        for (labels, points) in total {
            for (time, totalValue) in points.sorted(by: { $0.key < $1.key }) where totalValue > 0 {
                let goodValue: Double
                if let good {
                    goodValue = good[labels]?[time] ?? 0
                } else {
                    goodValue = totalValue - (bad?[labels]?[time] ?? 0)
                }
                guard !goodValue.isNaN else { continue }
                out.append(ExternalCounts(timeUnixNano: time - 1, labels: labels, good: min(max(goodValue, 0), totalValue), total: totalValue))
            }
        }
        return ExternalCounts.inTimeOrder(out)
    }
}

public struct PromQLError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// One outcome a pull source measures: how to fetch the counts of minutes `from`…`to` (minute ends).
public protocol PullTarget: Sendable {
    var outcome: String { get }
    var kind: String { get }
    /// Where it reads from, for people (no password).
    var location: String { get }
    func fetch(from: Int64, to: Int64) async throws -> [ExternalCounts]
}

/// Evaluates outcomes where their data lives (PromQL, SQL): at each minute's end, after `delay` (so the last
/// scrapes or rows are in), it fetches each target's minutes not fetched yet — up to `catchUp` of them at start and
/// after an outage, what the engine's lateness still takes — and hands the counts to the pipeline. A target that
/// fails gives no data for its outcome (nothing bad is counted, no incident opens for the outage) and says so in
/// `GET /api/v1/sources` and `goalpost_source_up`.
public final class PullSources: ServiceLifecycle.Service, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// The Prometheus-compatible server for PromQL outcomes that name no `url`.
        public var defaultPrometheusURL: String?
        /// How long after a minute's end it is fetched.
        public var delay: TimeSpan
        /// How many past minutes are fetched at start and after an outage.
        public var catchUp: Int
        public var timeout: TimeInterval
        /// Attempts per request, one second apart.
        public var attempts: Int
        /// `${NAME}` in SQL connection strings is read from here.
        public var environment: [String: String]

        public init(defaultPrometheusURL: String? = nil, delay: TimeSpan = .seconds(20), catchUp: Int = 4, timeout: TimeInterval = 10, attempts: Int = 3,
                    environment: [String: String] = ProcessInfo.processInfo.environment) {
            self.defaultPrometheusURL = defaultPrometheusURL
            self.delay = delay
            self.catchUp = catchUp
            self.timeout = timeout
            self.attempts = attempts
            self.environment = environment
        }
    }

    private let targets: [any PullTarget]
    private let pipeline: IngestPipeline
    private let configuration: Configuration
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let lock = NSLock()
    private var fetchedThrough: [String: Int64] = [:]
    /// What needs running beside the loop (the SQL connection pools).
    private let companions: [@Sendable () async -> Void]

    static let minute: Int64 = 60_000_000_000

    /// The outcomes of `catalog` measured where their data lives: `source: prometheus` with a URL (theirs or the
    /// default) and `source: sql`.
    public init(catalog: Catalog, pipeline: IngestPipeline, configuration: Configuration, logger: Logger,
                clock: @escaping @Sendable () -> Int64 = IngestPipeline.systemClock) throws(PullSourceError) {
        var targets: [any PullTarget] = []
        var companions: [@Sendable () async -> Void] = []
        var pools: [String: SQLConnectionPool] = [:]
        for outcome in catalog.outcomes {
            if outcome.indicator.source == .prometheus, let indicator = outcome.indicator.prometheus,
               let url = indicator.url ?? configuration.defaultPrometheusURL {
                targets.append(PromQLTarget(outcome: outcome.name, url: url.hasSuffix("/") ? String(url.dropLast()) : url, indicator: indicator,
                                            timeout: configuration.timeout, attempts: configuration.attempts))
            } else if outcome.indicator.source == .sql, let sql = outcome.indicator.sql {
                let connection = Self.expand(sql.connection, configuration.environment)
                let pool: SQLConnectionPool
                if let existing = pools[connection] {
                    pool = existing
                } else {
                    do { pool = try SQLConnectionPool(connection: connection, logger: logger) } catch {
                        throw PullSourceError("outcome \(outcome.name): spec.indicator.sql.connection: \(error)")
                    }
                    pools[connection] = pool
                    companions.append { await pool.run() }
                }
                targets.append(SQLTarget(outcome: outcome.name, pool: pool, query: sql.query, customerLabel: outcome.customers.attribute))
            }
        }
        self.targets = targets
        self.companions = companions
        self.pipeline = pipeline
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        for target in targets {
            pipeline.sources.update(target.outcome, { _ in }, initial: .init(outcome: target.outcome, kind: target.kind, url: target.location, up: false, minutes: 0, series: 0))
        }
    }

    /// `${NAME}` anywhere in `text`, from `environment` (unknown names stay as written).
    static func expand(_ text: String, _ environment: [String: String]) -> String {
        var out = text
        while let open = out.range(of: "${"), let close = out.range(of: "}", range: open.upperBound..<out.endIndex) {
            let name = String(out[open.upperBound..<close.lowerBound])
            guard let value = environment[name] else { break }
            out.replaceSubrange(open.lowerBound..<close.upperBound, with: value)
        }
        return out
    }

    /// Outcomes with `source: prometheus` that have no URL (theirs or the default): they are not evaluated.
    public static func unreachable(in catalog: Catalog, defaultPrometheusURL: String?) -> [String] {
        catalog.outcomes.filter { $0.indicator.source == .prometheus && $0.indicator.prometheus?.url == nil && defaultPrometheusURL == nil }.map(\.name)
    }

    public var isNeeded: Bool { !targets.isEmpty }

    public func run() async throws {
        guard !targets.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            for companion in companions { group.addTask { await companion() } }
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    await self.fetchDue()
                    let now = self.clock()
                    let next = (now - self.configuration.delay.nanoseconds) / Self.minute * Self.minute + Self.minute + self.configuration.delay.nanoseconds
                    try? await Task.sleep(for: .nanoseconds(max(1_000_000, next - now)))
                }
            }
            group.cancelAll()
        }
    }

    /// Fetches every target's complete minutes not fetched yet.
    func fetchDue() async {
        let last = (clock() - configuration.delay.nanoseconds) / Self.minute * Self.minute  // The latest minute end to fetch.
        let fetchedThrough = lock.withLock { self.fetchedThrough }
        await withTaskGroup(of: Void.self) { group in
            for target in targets {
                let from = max((fetchedThrough[target.outcome] ?? .min) + Self.minute, last - Int64(configuration.catchUp - 1) * Self.minute)
                guard from <= last else { continue }
                group.addTask { await self.fetch(target, from: from, to: last) }
            }
        }
    }

    private func fetch(_ target: any PullTarget, from: Int64, to: Int64) async {
        let attempt = Timestamp.format(clock())
        let initial = SourceHealth.State(outcome: target.outcome, kind: target.kind, url: target.location, up: false, minutes: 0, series: 0)
        do {
            let counts = try await target.fetch(from: from, to: to)
            let reply = await pipeline.submit(.external(outcome: target.outcome, counts: counts), reserved: 0)
            if case .accepted(_, let rejected, let message) = reply, rejected > 0 {
                logger.warning("pulled counts outside the accepted time range", metadata: ["outcome": "\(target.outcome)", "rejected": "\(rejected)", "message": "\(message)"])
            }
            guard case .accepted = reply else { throw PullSourceError("the pipeline did not take the counts") }
            lock.withLock { self.fetchedThrough[target.outcome] = max(self.fetchedThrough[target.outcome] ?? .min, to) }
            pipeline.sources.update(target.outcome, { state in
                state.up = true
                state.lastAttempt = attempt
                state.lastSuccess = attempt
                state.lastError = nil
                state.minutes += Int((to - from) / Self.minute) + 1
                if !counts.isEmpty { state.series = Set(counts.map(\.labels)).count }
            }, initial: initial)
            Gauge(label: "goalpost_source_up", dimensions: [("outcome", target.outcome)]).record(1)
        } catch {
            logger.warning("source down: no data for its outcome until it answers", metadata: ["outcome": "\(target.outcome)", "source": "\(target.kind)", "error": "\(error)"])
            pipeline.sources.update(target.outcome, { state in
                state.up = false
                state.lastAttempt = attempt
                state.lastError = "\(error)"
            }, initial: initial)
            Gauge(label: "goalpost_source_up", dimensions: [("outcome", target.outcome)]).record(0)
        }
    }
}

public struct PullSourceError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A PromQL outcome, `{{.window}}` set to `1m`. The minute just finished (the steady tick) is one instant query per
/// query (`/api/v1/query`, `time=` the minute's end); several minutes (at start, after an outage) are one
/// `query_range` with a one-minute step over the same minute ends. A range query evaluates its expression at each
/// step exactly as an instant query at that time does, so both paths give the same counts. A `counter` query is read
/// one minute further back (the instant path asks for the previous minute's end too) and each minute is its rise
/// (`PromQLCounts.increases`). Works against anything that speaks the Prometheus API (Prometheus, Thanos, Mimir,
/// VictoriaMetrics).
struct PromQLTarget: PullTarget {
    var outcome: String
    var url: String
    var indicator: PrometheusIndicator
    var timeout: TimeInterval
    var attempts: Int

    var kind: String { "prometheus" }
    var location: String { url }

    static let minute: Int64 = 60_000_000_000

    func fetch(from: Int64, to: Int64) async throws -> [ExternalCounts] {
        let total = try await values(indicator.total, from: from, to: to)
        let good = try await indicator.good.asyncMap { try await values($0, from: from, to: to) }
        let bad = try await indicator.bad.asyncMap { try await values($0, from: from, to: to) }
        return PromQLCounts.counts(good: good, bad: bad, total: total)
    }

    /// One query's values at the minute ends `from`…`to`: the counts, or for a counter the rises.
    func values(_ template: String, from: Int64, to: Int64) async throws -> [[String: String]: [Int64: Double]] {
        let query = PromQLCounts.query(template, window: "1m")
        let first = indicator.counter ? from - Self.minute : from
        let readings: [[String: String]: [Int64: Double]]
        if from == to {
            var merged: [[String: String]: [Int64: Double]] = [:]
            for step in 0...Int((to - first) / Self.minute) {
                let time = first + Int64(step) * Self.minute
                let answer = try await get("/api/v1/query", [URLQueryItem(name: "query", value: query), URLQueryItem(name: "time", value: String(time / 1_000_000_000))])
                merged.merge(answer) { old, new in old.merging(new) { _, new in new } }
            }
            readings = merged
        } else {
            readings = try await get("/api/v1/query_range", [
                URLQueryItem(name: "query", value: query),
                URLQueryItem(name: "start", value: String(first / 1_000_000_000)),
                URLQueryItem(name: "end", value: String(to / 1_000_000_000)),
                URLQueryItem(name: "step", value: "60"),
            ])
        }
        return indicator.counter ? PromQLCounts.increases(readings, from: from) : readings
    }

    /// One request to the Prometheus HTTP API, with retries (none for a query the server refuses).
    private func get(_ path: String, _ items: [URLQueryItem]) async throws -> [[String: String]: [Int64: Double]] {
        var components = URLComponents(string: url + path)
        components?.queryItems = items
        guard let requestURL = components?.url else { throw PromQLError("'\(url)' is not a URL") }
        var lastError: any Error = PromQLError("no attempt")
        for attempt in 0..<max(1, attempts) {
            if attempt > 0 { try? await Task.sleep(for: .seconds(1)) }
            let data: Data, status: Int
            do {
                var request = URLRequest(url: requestURL, timeoutInterval: timeout)
                request.setValue("application/json", forHTTPHeaderField: "Accept")
                let (body, response) = try await URLSession.shared.data(for: request)
                (data, status) = (body, (response as? HTTPURLResponse)?.statusCode ?? 0)
            } catch {
                lastError = error
                continue
            }
            if status == 400 || status == 422 {
                // A query the server refuses does not get better with retries.
                do { _ = try PromQLCounts.parse(data) } catch { throw PromQLError("HTTP \(status): \(error)") }
                throw PromQLError("HTTP \(status)")
            }
            guard status == 200 else {
                lastError = PromQLError("HTTP \(status)")
                continue
            }
            return try PromQLCounts.parse(data)
        }
        throw lastError
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
