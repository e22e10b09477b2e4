import Foundation
import GoalpostEvaluation
import GoalpostModel

/// How well one change explains an incident.
public struct ChangeScore: Hashable, Sendable, Codable {
    /// The deployed service.
    public var service: String
    /// The version deployed.
    public var version: String
    /// When it went out, nanoseconds since the Unix epoch.
    public var time: Int64
    /// The deploy's title, if any.
    public var title: String?
    /// 0...1: `0.2 × timing + 0.2 × service + 0.3 × version among suspects + 0.3 × confinement`.
    public var score: Double
    /// Minutes from the deploy to the onset (negative: it went out after the degradation began).
    public var minutesBeforeOnset: Double
    /// Whether it deployed the outcome's own service.
    public var sameService: Bool
    /// Whether a suspect names its `service.version`.
    public var versionInSuspects: Bool
    /// The share of the excess bad events in cells that carry its version (0 when cells carry no version).
    public var confinement: Double
    /// The evidence, one short sentence each.
    public var evidence: [String]
}

/// Scores each deploy near the onset against the incident's suspects and cells.
public enum ChangeCorrelation {
    /// The dimension that carries a service's version in telemetry.
    public static let versionDimension = "service.version"

    /// Scores `deploys` that went out between `lookback` before `onset` and 5 minutes after it, best first.
    ///
    /// - Timing: 1 at the onset, halving every 20 minutes before it; 0.1 when it went out more than 2 minutes
    ///   after the onset (a change after the degradation began cannot have started it).
    /// - Service: 1 when it deployed the outcome's service (or the outcome names none), else 0.
    /// - Version: 1 when a suspect has `service.version` equal to its version.
    /// - Confinement: of the excess bad events (incident minus expected from the baseline), the share in cells
    ///   with its version; a version that carries the whole excess is the cause even when suspects say more.
    /// Version and confinement only count for the outcome's own service: another service's version string in
    /// these cells would be a coincidence.
    public static func score(
        deploys: [Deploy], outcome: Outcome, onset: Int64, suspects: [Suspect], cube: LocalizationCube,
        lookback: TimeSpan = .hours(2)
    ) -> [ChangeScore] {
        let versionColumn = cube.dimensions.firstIndex(of: versionDimension)
        var excessByVersion: [String: Double] = [:]
        var excess = 0.0
        for i in 0..<cube.count {
            let d = cube.actual[i] - cube.expected[i]
            excess += d
            if let versionColumn { excessByVersion[cube.value(leaf: i, dimension: versionColumn), default: 0] += d }
        }
        let from = onset - lookback.nanoseconds, to = onset + TimeSpan.minutes(5).nanoseconds
        return deploys.filter { $0.timeUnixNano >= from && $0.timeUnixNano <= to }.map { deploy in
            let minutes = Double(onset - deploy.timeUnixNano) / 60e9
            let timing = minutes < -2 ? 0.1 : pow(0.5, max(0, minutes) / 20)
            let sameService = outcome.indicator.service.map { $0 == deploy.service } ?? true
            let inSuspects = sameService && suspects.contains { s in
                s.attributes.contains { $0.name == versionDimension && $0.value == deploy.version }
            }
            let confinement = sameService && excess > 0 ? min(1, max(0, (excessByVersion[deploy.version] ?? 0) / excess)) : 0
            let score = 0.2 * timing + 0.2 * (sameService ? 1 : 0) + 0.3 * (inSuspects ? 1 : 0) + 0.3 * confinement
            var evidence: [String] = []
            evidence.append(minutes >= 0 ? "deployed \(Int(minutes.rounded())) min before the onset" : "deployed \(Int((-minutes).rounded())) min after the onset")
            evidence.append(sameService ? "\(deploy.service) serves this outcome" : "\(deploy.service) does not serve this outcome (\(outcome.indicator.service ?? "any"))")
            if inSuspects { evidence.append("the suspect cells run \(deploy.service) \(deploy.version)") }
            if versionColumn != nil, sameService {
                evidence.append("\(Int((confinement * 100).rounded()))% of the excess bad events are on \(deploy.version)")
            }
            return ChangeScore(
                service: deploy.service, version: deploy.version, time: deploy.timeUnixNano, title: deploy.title, score: score,
                minutesBeforeOnset: minutes, sameService: sameService, versionInSuspects: inSuspects, confinement: confinement,
                evidence: evidence
            )
        }.sorted { $0.score > $1.score }
    }

    /// The score a change needs to be named as the likely cause: its service, close in time, and either a
    /// suspect carrying its version or most of the excess on it.
    public static let threshold = 0.6
}
