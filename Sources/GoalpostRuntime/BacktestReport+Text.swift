import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostModel

extension BacktestReport {
    /// A human report: one block per incident, then detection against known onsets, then what was replayed.
    public func text(catalog: Catalog) -> String {
        var lines: [String] = []
        let customers = Dictionary(catalog.customers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        if incidents.isEmpty {
            lines.append("No incident: every outcome stayed within its alert thresholds.")
        } else {
            lines.append("\(incidents.count) incident\(incidents.count == 1 ? "" : "s"), highest business impact first:")
        }
        for entry in incidents.sorted(by: { $0.incident.rank > $1.incident.rank }) {
            let incident = entry.incident
            let statement = catalog.outcome(named: incident.outcome)?.statement ?? ""
            let resolved = incident.resolvedAt.map { "resolved \(Format.clock($0))" } ?? "still open"
            lines.append("")
            lines.append("\(incident.severity.rawValue.uppercased())  \(incident.outcome) — \(scopeText(incident))")
            if !statement.isEmpty { lines.append("      \(statement)") }
            var timing = "      opened \(Format.clock(incident.openedAt)), \(resolved)"
            if let delay = entry.detectionDelaySeconds { timing += "; detected \(Format.duration(seconds: delay)) after onset" }
            lines.append(timing)
            let impact = incident.impact
            let failing = impact.totalEvents > 0 ? impact.badEvents / impact.totalEvents : 0
            lines.append("      impact: \(Format.count(impact.badEvents)) bad of \(Format.count(impact.totalEvents)) events (\(Format.percent(failing))), "
                + "\(impact.customers.count) customer\(impact.customers.count == 1 ? "" : "s"), ARR at risk \(Format.money(impact.arrAtRisk)), "
                + "budget burned \(Format.percent(impact.budgetBurned)); rank \(String(format: "%.3f", incident.rank))")
            if !impact.customers.isEmpty {
                let named = impact.customers.prefix(10).map { id in
                    let customer = customers[id]
                    return [customer?.name ?? id, customer?.tier].compactMap { $0 }.joined(separator: ", ")
                }
                lines.append("      customers: \(named.joined(separator: "; "))\(impact.customers.count > 10 ? "; …" : "")")
            }
        }
        if !quality.onsets.isEmpty {
            lines.append("")
            lines.append("Known onsets:")
            for onset in quality.onsets {
                let caught: String
                if let delay = onset.detectionDelaySeconds, let severity = onset.severity {
                    caught = "detected after \(Format.duration(seconds: delay)) (\(severity.rawValue))"
                        + (onset.resetSeconds.map { ", reset \(Format.duration(seconds: $0)) after it ended" } ?? "")
                } else {
                    caught = "NOT detected"
                }
                lines.append("  \(onset.outcome) at \(onset.start): \(caught)\(onset.description.map { " — \($0)" } ?? "")")
            }
            lines.append(String(format: "  pages per day: %.2f, tickets per day: %.2f, incidents matching no onset: %d",
                                quality.pagesPerDay, quality.ticketsPerDay, quality.unmatchedIncidents))
        }
        if !deploys.isEmpty {
            lines.append("")
            lines.append("Deploys during the replay:")
            for deploy in deploys.sorted(by: { $0.timeUnixNano < $1.timeUnixNano }) {
                lines.append("  \(Timestamp.format(deploy.timeUnixNano))  \(deploy.service) \(deploy.version)\(deploy.title.map { "  \($0)" } ?? "")")
            }
        }
        lines.append("")
        var replayed = "Replayed \(Format.count(Double(replay.spans))) spans, \(Format.count(Double(replay.logRecords))) log records, "
            + "\(Format.count(Double(replay.metricSamples))) metric samples"
        if let from = replay.from, let to = replay.to { replayed += " from \(Timestamp.format(from)) to \(Timestamp.format(to))" }
        lines.append(replayed)
        if replay.skippedLines > 0 { lines.append("Skipped \(replay.skippedLines) bad line\(replay.skippedLines == 1 ? "" : "s") (see the messages above).") }
        if replay.statistics.eventsDroppedLate > 0 { lines.append("Dropped \(replay.statistics.eventsDroppedLate) events that arrived too late.") }
        return lines.joined(separator: "\n")
    }

    private func scopeText(_ incident: Incident) -> String {
        let customers = incident.scopes.compactMap(\.customer)
        let global = incident.scopes.contains(.global)
        switch (global, customers.count) {
        case (true, 0): return "everyone (global)"
        case (true, let n): return "global and \(n) customer\(n == 1 ? "" : "s")"
        case (false, 1): return "customer \(customers[0])"
        case (false, let n): return "\(n) customers"
        }
    }
}

/// Number and time formats shared by the text reports.
public enum Format {
    /// `14:05:12` (UTC) for a time.
    public static func clock(_ nanos: Int64) -> String {
        let text = Timestamp.format(nanos - nanos % 1_000_000_000)
        return String(text.dropFirst(11).prefix(8))
    }

    /// `52s`, `4m10s`, `2h05m`.
    public static func duration(seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 0 { return "-" + duration(seconds: -seconds) }
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", total / 60 % 60))m"
    }

    /// `12,345` or `1.2M`.
    public static func count(_ value: Double) -> String {
        if value >= 10_000_000 { return String(format: "%.1fM", value / 1_000_000) }
        let whole = Int(value.rounded())
        var digits = String(whole)
        var out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return digits + out
    }

    /// `0.42%`, `38%`.
    public static func percent(_ ratio: Double) -> String {
        let value = ratio * 100
        if value != 0, abs(value) < 1 { return String(format: "%.2f%%", value) }
        return String(format: "%.0f%%", value)
    }

    /// `$2.3M`, `$480k`, `$0`.
    public static func money(_ value: Double) -> String {
        if value >= 1_000_000 { return String(format: "$%.1fM", value / 1_000_000) }
        if value >= 1_000 { return String(format: "$%.0fk", value / 1_000) }
        return String(format: "$%.0f", value)
    }
}
