import Foundation
import GoalpostModel

// MARK: - JSON

/// The JSON form (the backtest's `incidents[].investigation`): `onset`, `suspects[]` with `attributes` as a flat
/// object, `change` (`service`, `version`, `score`, …) or null, `changes`, `evidence`, `impact`, `recommendation`,
/// `summary`. Times are RFC 3339 UTC.
extension Investigation: Encodable {
    private enum CodingKeys: String, CodingKey {
        case incident, outcome, summary, onset, suspects, derivedDimensions, change, changes, evidence, impact, recommendation
    }

    private struct OnsetJSON: Encodable {
        var at: String
        var badRatioBefore: Double
        var badRatioAfter: Double
        var logLikelihoodRatio: Double
    }

    private struct SuspectJSON: Encodable {
        var attributes: [String: String]
        var shareOfExcess: Double
        var badEvents: Double
        var expectedBadEvents: Double
        var events: Double?
        var badRatioInside: Double?
        var badRatioOutside: Double?
        var confidence: Double
    }

    private struct ChangeJSON: Encodable {
        var service: String
        var version: String
        var score: Double
        var time: String
        var title: String?
        var minutesBeforeOnset: Double
        var confinement: Double
        var evidence: [String]

        init(_ c: ChangeScore) {
            service = c.service
            version = c.version
            score = (c.score * 1000).rounded() / 1000
            time = Timestamp.format(c.time)
            title = c.title
            minutesBeforeOnset = (c.minutesBeforeOnset * 10).rounded() / 10
            confinement = (c.confinement * 1000).rounded() / 1000
            evidence = c.evidence
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(incident, forKey: .incident)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(summary, forKey: .summary)
        if let onset {
            try container.encode(
                OnsetJSON(at: Timestamp.format(onset.at), badRatioBefore: onset.badRatioBefore, badRatioAfter: onset.badRatioAfter, logLikelihoodRatio: onset.logLikelihoodRatio),
                forKey: .onset
            )
        } else {
            try container.encodeNil(forKey: .onset)
        }
        try container.encode(suspects.map { s in
            SuspectJSON(
                attributes: Dictionary(s.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                shareOfExcess: s.shareOfExcess, badEvents: s.actual, expectedBadEvents: s.expected, events: s.events,
                badRatioInside: s.badRatioInside, badRatioOutside: s.badRatioOutside, confidence: s.confidence
            )
        }, forKey: .suspects)
        try container.encode(derivedDimensions, forKey: .derivedDimensions)
        if let change { try container.encode(ChangeJSON(change), forKey: .change) } else { try container.encodeNil(forKey: .change) }
        try container.encode(changes.map(ChangeJSON.init), forKey: .changes)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(impact, forKey: .impact)
        try container.encode(recommendation, forKey: .recommendation)
    }
}

// MARK: - Markdown

extension Investigation {
    /// One line: what is broken, where, why, and for whom.
    public var summary: String {
        var parts: [String] = []
        if let top = suspects.first {
            // The share is of the net excess: above 100% when other cells did better than in the baseline.
            let share = top.shareOfExcess >= 0.995 ? "all" : Self.percent(max(0, top.shareOfExcess))
            parts.append("\(outcome) is failing in \(Self.describe(top.attributes)) (\(share) of the excess bad events)")
        } else {
            parts.append("\(outcome) is failing; no single dimension value stands out yet")
        }
        if let change {
            parts.append("after \(change.service) \(change.version) was deployed")
        } else if !changes.isEmpty {
            parts.append("no recorded change explains it")
        }
        let customers = impact.customers.count
        parts.append("\(customers) customer\(customers == 1 ? "" : "s") affected, \(Self.money(impact.arrAtRisk)) ARR at risk")
        return parts.joined(separator: "; ") + "."
    }

    /// The report a person reads in a minute: summary, impact, where, what changed, evidence, recommendation.
    public var markdown: String {
        var lines: [String] = ["# \(incident)", "", "**\(summary)**", ""]
        lines.append("## Impact")
        lines.append("")
        var impactLine = "\(Int(impact.badEvents)) bad of \(Int(impact.totalEvents)) events; \(Self.percent(impact.budgetBurned)) of the error budget burned"
        if let seconds = impact.timeToExhaustionSeconds { impactLine += "; budget exhausted in \(Self.duration(seconds))" }
        impactLine += "; rank \(String(format: "%.3f", impact.rank))."
        lines.append(impactLine)
        if !impact.customers.isEmpty {
            lines.append("")
            lines.append("| customer | tier | ARR | bad events | failing |")
            lines.append("|---|---|---:|---:|---:|")
            for c in impact.customers.prefix(10) {
                lines.append("| \(c.name.map { "\($0) (\(c.id))" } ?? c.id) | \(c.tier ?? "–") | \(c.arr.map(Self.money) ?? "–") | \(Int(c.badEvents)) | \(Self.percent(c.failureShare)) |")
            }
            if impact.customers.count > 10 { lines.append("| … and \(impact.customers.count - 10) more | | | | |") }
        }
        lines.append("")
        lines.append("## Where")
        lines.append("")
        if let onset {
            lines.append("Started \(Timestamp.format(onset.at)) (bad ratio \(Self.percent(onset.badRatioBefore)) → \(Self.percent(onset.badRatioAfter))).")
        }
        for s in suspects {
            var line = "- `\(Self.describe(s.attributes))`: \(Self.percent(s.shareOfExcess)) of the excess"
            if let inside = s.badRatioInside, let outside = s.badRatioOutside {
                line += ", \(Self.percent(inside)) failing inside vs \(Self.percent(outside)) outside"
            }
            if let events = s.events { line += ", \(Int(events)) events" }
            line += ", confidence \(String(format: "%.2f", s.confidence))"
            lines.append(line)
        }
        if suspects.isEmpty { lines.append("No attribute combination explains the excess: it is spread evenly.") }
        lines.append("")
        lines.append("## What changed")
        lines.append("")
        if let change {
            lines.append("**\(change.service) \(change.version)**\(change.title.map { " (\($0))" } ?? ""), score \(String(format: "%.2f", change.score)): \(change.evidence.joined(separator: "; ")).")
        } else if let nearest = changes.first {
            lines.append("No recorded change explains it. Nearest: \(nearest.service) \(nearest.version), score \(String(format: "%.2f", nearest.score)): \(nearest.evidence.joined(separator: "; ")).")
        } else {
            lines.append("No change was recorded near the onset.")
        }
        lines.append("")
        lines.append("## Evidence")
        lines.append("")
        if evidence.errorTypes.isEmpty && evidence.messages.isEmpty {
            lines.append("No failing events were sampled.")
        }
        for e in evidence.errorTypes { lines.append("- error `\(e.text)`: \(e.before) before, \(e.during) during") }
        for m in evidence.messages { lines.append("- \"\(m.text)\": \(m.before) before, \(m.during) during") }
        if !evidence.traceIDs.isEmpty { lines.append("- traces: \(evidence.traceIDs.map { "`\($0)`" }.joined(separator: ", "))") }
        lines.append("")
        lines.append("## Recommendation")
        lines.append("")
        lines.append(recommendation.text + (recommendation.runbook.map { " Runbook: \($0)" } ?? ""))
        return lines.joined(separator: "\n") + "\n"
    }

    static func describe(_ attributes: [Suspect.Attribute]) -> String {
        attributes.map { "\($0.name)=\($0.value.isEmpty ? "(none)" : $0.value)" }.joined(separator: ", ")
    }

    static func percent(_ x: Double) -> String {
        let p = x * 100
        return p >= 10 || p == 0 ? "\(Int(p.rounded()))%" : String(format: "%.1f%%", p)
    }

    static func money(_ x: Double) -> String {
        x >= 1_000_000 ? String(format: "$%.1fM", x / 1_000_000) : (x >= 1000 ? "$\(Int((x / 1000).rounded()))k" : "$\(Int(x))")
    }

    static func duration(_ seconds: Double) -> String {
        seconds >= 86_400 ? String(format: "%.1f days", seconds / 86_400) : (seconds >= 3600 ? String(format: "%.1f h", seconds / 3600) : "\(Int(seconds / 60)) min")
    }
}
