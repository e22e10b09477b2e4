import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostTelemetry

/// What a backtest found: every incident, how soon known problems were detected, and what was replayed.
///
/// The JSON form is documented in docs/backtest.md; its field names are stable.
public struct BacktestReport: Sendable, Encodable {
    /// One incident as the replay left it, with its detection delay when it matches a known onset.
    public struct Entry: Sendable, Encodable {
        public var incident: Incident
        /// Seconds from the onset it matches to `openedAt`.
        public var detectionDelaySeconds: Double?
        /// Index into `quality.onsets` of the onset it matches.
        public var onset: Int?
        /// What the investigation found when the incident opened (docs/investigation.md); nil when off.
        public var investigation: Investigation?

        private enum ExtraKeys: String, CodingKey { case detectionDelaySeconds, onset, investigation }

        public func encode(to encoder: any Encoder) throws {
            try incident.encode(to: encoder)
            var container = encoder.container(keyedBy: ExtraKeys.self)
            try container.encode(detectionDelaySeconds, forKey: .detectionDelaySeconds)
            try container.encode(onset, forKey: .onset)
            try container.encode(investigation, forKey: .investigation)
        }
    }

    /// How one known onset was caught: the Workbook's detection time and reset time, on this data.
    public struct OnsetResult: Sendable, Encodable {
        public var outcome: String
        public var customers: [String]
        public var start: String
        public var end: String?
        public var description: String?
        /// The first matching incident.
        public var incident: String?
        public var severity: Severity?
        public var detectedAt: String?
        public var detectionDelaySeconds: Double?
        /// Seconds from the onset's end to the incident's resolution.
        public var resetSeconds: Double?
    }

    /// Alert-policy quality over the replay.
    public struct Quality: Sendable, Encodable {
        public var onsets: [OnsetResult]
        public var pagesPerDay: Double
        public var ticketsPerDay: Double
        /// Incidents that match no known onset (only meaningful when onsets were given).
        public var unmatchedIncidents: Int
    }

    /// What was replayed.
    public struct Replay: Sendable, Encodable {
        public var files: [String] = []
        public var lines = 0
        public var decodedLines = 0
        public var skippedLines = 0
        public var bytes = 0
        public var spans = 0
        public var logRecords = 0
        public var metricSamples = 0
        public var from: Int64?
        public var to: Int64?
        public var statistics = EvaluationEngine.Statistics()

        public init() {}

        public mutating func add(_ summary: RecordedTelemetrySummary, file: String) {
            files.append(file)
            lines += summary.lines
            decodedLines += summary.decodedLines
            skippedLines += summary.skippedLines
            bytes += summary.bytesRead
            spans += summary.telemetry.spans
            logRecords += summary.telemetry.logRecords
            metricSamples += summary.telemetry.metricSamples
        }

        private enum CodingKeys: String, CodingKey {
            case files, lines, decodedLines, skippedLines, bytes, spans, logRecords, metricSamples, from, to, statistics
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(files, forKey: .files)
            try container.encode(lines, forKey: .lines)
            try container.encode(decodedLines, forKey: .decodedLines)
            try container.encode(skippedLines, forKey: .skippedLines)
            try container.encode(bytes, forKey: .bytes)
            try container.encode(spans, forKey: .spans)
            try container.encode(logRecords, forKey: .logRecords)
            try container.encode(metricSamples, forKey: .metricSamples)
            try container.encode(from.map(Timestamp.format), forKey: .from)
            try container.encode(to.map(Timestamp.format), forKey: .to)
            try container.encode(statistics, forKey: .statistics)
        }
    }

    /// Incidents in the order they opened.
    public var incidents: [Entry]
    public var quality: Quality
    public var replay: Replay
    public var deploys: [Deploy]
    /// Each deploy's checks that came due during the replay, in the order they ran.
    public var deployChecks: [DeployCheck] = []

    private enum CodingKeys: String, CodingKey { case incidents, quality, replay, deploys }

    /// A deploy as the report lists it, with its checks.
    struct DeployJSON: Encodable {
        var service: String
        var version: String
        var time: String
        var title: String?
        var commit: String?
        var checks: [DeployCheck]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(incidents, forKey: .incidents)
        try container.encode(quality, forKey: .quality)
        try container.encode(replay, forKey: .replay)
        try container.encode(deploys.sorted { $0.timeUnixNano < $1.timeUnixNano }.map {
            let deploy = $0
            return DeployJSON(service: deploy.service, version: deploy.version, time: Timestamp.format(deploy.timeUnixNano), title: deploy.title, commit: deploy.commit,
                              checks: deployChecks.filter { $0.deploy == DeployVerifier.id(deploy) && $0.deployedAt == deploy.timeUnixNano })
        }, forKey: .deploys)
    }

    /// The report as pretty JSON.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Builds the report from the actions of a replay.
    static func make(
        actions: [ReplayDriver.TimedAction], replay: Replay, onsets: [KnownOnset], deploys: [Deploy], investigations: [String: Investigation] = [:]
    ) -> BacktestReport {
        // The last state of each incident wins; order by opening.
        var latest: [String: Incident] = [:]
        var order: [String] = []
        for timed in actions {
            let incident = timed.action.incident
            if latest[incident.id] == nil { order.append(incident.id) }
            latest[incident.id] = incident
        }
        return make(incidents: order.compactMap { latest[$0] }, replay: replay, onsets: onsets, deploys: deploys, investigations: investigations)
    }

    /// Builds the report from the last state of each incident (a live pipeline's store, for the demo), matched
    /// to the known onsets as a backtest matches them.
    public static func make(
        incidents: [Incident], replay: Replay, onsets: [KnownOnset], deploys: [Deploy], investigations: [String: Investigation] = [:]
    ) -> BacktestReport {
        let incidents = incidents.sorted { ($0.openedAt, $0.id) < ($1.openedAt, $1.id) }
        var entries = incidents.map { Entry(incident: $0, detectionDelaySeconds: nil, onset: nil, investigation: investigations[$0.id]) }
        var results: [OnsetResult] = []
        for (onsetIndex, onset) in onsets.enumerated() {
            var result = OnsetResult(outcome: onset.outcome, customers: onset.customers, start: Timestamp.format(onset.startUnixNano),
                                     end: onset.endUnixNano.map(Timestamp.format), description: onset.description)
            // The first incident of the onset's outcome that opened during it (or within an hour of its start when
            // it has no end) and is about the whole service or one of the onset's customers.
            let windowEnd = onset.endUnixNano ?? (onset.startUnixNano + TimeSpan.hours(1).nanoseconds)
            if let index = entries.indices.first(where: { index in
                let incident = entries[index].incident
                guard incident.outcome == onset.outcome, incident.openedAt >= onset.startUnixNano, incident.openedAt <= windowEnd else { return false }
                return onset.customers.isEmpty || incident.scopes.contains { scope in
                    scope == .global || scope.customer.map(onset.customers.contains) == true
                }
            }) {
                let incident = entries[index].incident
                let delay = Double(incident.openedAt - onset.startUnixNano) / 1e9
                entries[index].detectionDelaySeconds = delay
                entries[index].onset = onsetIndex
                result.incident = incident.id
                result.severity = incident.severity
                result.detectedAt = Timestamp.format(incident.openedAt)
                result.detectionDelaySeconds = delay
                if let resolved = incident.resolvedAt, let end = onset.endUnixNano {
                    result.resetSeconds = Double(resolved - end) / 1e9
                }
            }
            results.append(result)
        }
        // Every other incident of an onset's outcome opened during the onset also belongs to it.
        for index in entries.indices where entries[index].onset == nil {
            let incident = entries[index].incident
            if let onsetIndex = onsets.firstIndex(where: { onset in
                onset.outcome == incident.outcome && incident.openedAt >= onset.startUnixNano
                    && incident.openedAt <= (onset.endUnixNano ?? onset.startUnixNano + TimeSpan.hours(1).nanoseconds)
            }) {
                entries[index].onset = onsetIndex
                entries[index].detectionDelaySeconds = Double(incident.openedAt - onsets[onsetIndex].startUnixNano) / 1e9
            }
        }
        let days: Double = {
            guard let from = replay.from, let to = replay.to, to > from else { return 1 }
            return max(Double(to - from) / 86_400e9, 1.0 / 24)
        }()
        let quality = Quality(
            onsets: results,
            pagesPerDay: Double(incidents.count { $0.severity == .page }) / days,
            ticketsPerDay: Double(incidents.count { $0.severity == .ticket }) / days,
            unmatchedIncidents: onsets.isEmpty ? 0 : entries.count { $0.onset == nil }
        )
        return BacktestReport(incidents: entries, quality: quality, replay: replay, deploys: deploys)
    }
}
