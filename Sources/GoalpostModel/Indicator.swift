import Foundation

/// Which events are valid for an outcome, and which valid events are good.
public struct Indicator: Hashable, Sendable, Codable {
    /// Where the events come from.
    public var source: IndicatorSource
    /// The service that emits them (`service.name`); any service when `nil`.
    public var service: String?
    /// Span names or `http.route` values (traces), log event names (logs), event names (events),
    /// metric names (metrics). Empty means every operation of the service.
    public var operations: [String]
    /// An extra condition on attributes that a valid event must meet.
    public var filter: Filter?
    /// A valid event is good only if its duration is at most this.
    public var latency: TimeSpan?
    /// An extra condition a valid event must meet to be good (e.g. `http.response.status_code < 500`).
    public var goodFilter: Filter?
    /// For `metrics`: the counters or histogram that carry good and total counts.
    public var metrics: MetricIndicator?
    /// For `prometheus`: the PromQL queries.
    public var prometheus: PrometheusIndicator?
    /// For `sql`: the query and connection.
    public var sql: SQLIndicator?
    public var external: ExternalIndicator?

    public init(
        source: IndicatorSource,
        service: String? = nil,
        operations: [String] = [],
        filter: Filter? = nil,
        latency: TimeSpan? = nil,
        goodFilter: Filter? = nil,
        metrics: MetricIndicator? = nil,
        prometheus: PrometheusIndicator? = nil,
        sql: SQLIndicator? = nil,
        external: ExternalIndicator? = nil
    ) {
        self.source = source
        self.service = service
        self.operations = operations
        self.filter = filter
        self.latency = latency
        self.goodFilter = goodFilter
        self.metrics = metrics
        self.prometheus = prometheus
        self.sql = sql
        self.external = external
    }
}

/// Where an indicator's events come from.
public enum IndicatorSource: String, Hashable, Sendable, Codable, CaseIterable {
    /// OTLP spans: one event per span.
    case traces
    /// OTLP log records: one event per record; severity ERROR or above is bad.
    case logs
    /// OTLP metrics: counters or histograms give good and total counts.
    case metrics
    /// Business events posted to the events API.
    case events
    /// PromQL queries evaluated on a Prometheus-compatible server.
    case prometheus
    /// An SQL query returning good and total counts per time bucket and customer.
    case sql
    /// Measured by another tool Goalpost does not query (an imported OpenSLO metric source such as Datadog):
    /// kept, listed, never evaluated.
    case external
}

/// Good and total counts carried by OTLP metrics.
public struct MetricIndicator: Hashable, Sendable, Codable {
    /// A counter of good events.
    public var good: String?
    /// A counter of bad events (total = good + bad when `total` is absent).
    public var bad: String?
    /// A counter of all valid events.
    public var total: String?
    /// A histogram of durations: total is its count, good the count at or under the indicator's latency.
    public var histogram: String?

    public init(good: String? = nil, bad: String? = nil, total: String? = nil, histogram: String? = nil) {
        self.good = good
        self.bad = bad
        self.total = total
        self.histogram = histogram
    }
}

/// PromQL queries that give good and total counts (as rates or increases).
public struct PrometheusIndicator: Hashable, Sendable, Codable {
    /// The base URL of the Prometheus HTTP API (`http://prometheus:9090`).
    public var url: String?
    /// Good events; may contain `{{.window}}` to be replaced with the evaluated window.
    public var good: String?
    /// Bad events (an alternative to `good`).
    public var bad: String?
    /// All valid events.
    public var total: String
    /// The queries return cumulative counters (OpenSLO's `ratioMetric.counter: true`, e.g. `sum(http_requests)`),
    /// not counts per window: a minute's count is the counter's rise since the previous minute's end, which the
    /// source computes itself (docs/outcomes.md). False for queries that count a window themselves
    /// (`increase(…[{{.window}}])`, `rate(…)`).
    public var counter: Bool

    public init(url: String? = nil, good: String? = nil, bad: String? = nil, total: String, counter: Bool = false) {
        self.url = url
        self.good = good
        self.bad = bad
        self.total = total
        self.counter = counter
    }

    private enum CodingKeys: String, CodingKey { case url, good, bad, total, counter }

    /// Reads what older versions stored too: they had no `counter`, and their queries were never counters.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        good = try container.decodeIfPresent(String.self, forKey: .good)
        bad = try container.decodeIfPresent(String.self, forKey: .bad)
        total = try container.decode(String.self, forKey: .total)
        counter = try container.decodeIfPresent(Bool.self, forKey: .counter) ?? false
    }
}

/// An SQL query that returns `bucket`, `customer`, `good`, `total` rows.
/// An indicator another tool measures: which tool (the OpenSLO metric source type) and what it measures.
public struct ExternalIndicator: Hashable, Sendable, Codable {
    public var type: String
    public var description: String?

    public init(type: String, description: String? = nil) {
        self.type = type
        self.description = description
    }
}

public struct SQLIndicator: Hashable, Sendable, Codable {
    /// A connection URL or the name of a configured connection.
    public var connection: String
    /// The query; `$1` and `$2` are bound to the start and end of the evaluated range.
    public var query: String

    public init(connection: String, query: String) {
        self.connection = connection
        self.query = query
    }
}

/// A `where:` condition: its source text (kept for round trips and messages) and its parsed form.
public struct Filter: Hashable, Sendable, Codable {
    /// The expression as written.
    public var source: String
    /// The parsed expression.
    public var expression: FilterExpression

    public init(source: String, expression: FilterExpression) {
        self.source = source
        self.expression = expression
    }
}
