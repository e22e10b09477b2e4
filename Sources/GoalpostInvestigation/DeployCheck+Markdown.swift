import Foundation
import GoalpostEvaluation
import GoalpostModel

extension ChangePlan {
    /// The plan as Markdown fit for a pull-request comment.
    public var markdown: String {
        var lines = ["### Goalpost monitoring plan: \(Self.escape(change.title))", ""]
        var head = "`\(id)`"
        if let commit = change.commit { head += " · commit `\(commit)`" }
        if let service = change.service { head += " · service `\(service)`" }
        lines += [head, ""]
        if services.isEmpty {
            lines.append("No service matched the change.")
        } else {
            lines.append("**Services touched**")
            for match in services { lines.append("- \(match.service): \(match.reasons.map(Self.escape).joined(separator: "; "))") }
        }
        lines.append("")
        if outcomes.isEmpty {
            lines.append("**No outcome is at risk** from what the change says and touches.")
        } else {
            lines += ["**Outcomes at risk**", "", "| Outcome | Why | Watch first |", "|---|---|---|"]
            for risk in outcomes {
                let watch = risk.watch.prefix(6).map { customer in
                    let tier = customer.tier.map { "\($0), " } ?? ""
                    return "\(customer.customer) (\(tier)\(Self.percent(customer.share)))"
                }
                lines.append("| **\(risk.outcome)**: \(Self.escape(risk.statement)) | \(Self.escape(risk.reasons.joined(separator: "; "))) | \(watch.isEmpty ? "(no traffic yet)" : watch.joined(separator: ", ")) |")
            }
            let metrics = Set(outcomes.flatMap(\.metrics))
            let ordered = CanaryMetric.allCases.filter(metrics.contains).map(\.label)
            lines += ["", "Compared per customer and in aggregate: \(ordered.joined(separator: ", ")); at \(checks.map(\.description).joined(separator: ", ")) after the deploy."]
        }
        if !intendedEffects.isEmpty {
            lines += ["", "**Intended effect**"]
            for effect in intendedEffects {
                lines.append("- \(effect.outcome): \(effect.metric.label) should \(effect.expected == .down ? "fall" : "rise") (\"\(Self.escape(effect.phrase))\")")
            }
        }
        if !notes.isEmpty {
            lines.append("")
            for note in notes { lines.append("> \(Self.escape(note))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func percent(_ share: Double) -> String {
        let value = (share * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}

extension DeployCheck {
    /// The check as a pull-request comment update: verdict, intended effect, regressions by customer, cost.
    public var markdown: String {
        var lines = ["#### \(deploy), \(after) after the deploy: **\(verdict.rawValue.uppercased())**", "", summary, ""]
        if !intendedEffects.isEmpty {
            for effect in intendedEffects {
                let status: String
                switch effect.status {
                case .confirmed: status = "confirmed"
                case .notYet: status = "not yet"
                case .contradicted: status = "contradicted"
                case .noData: status = "no data"
                }
                var line = "- Intended effect (\(effect.effect.outcome) \(effect.effect.metric.label) \(effect.effect.expected == .down ? "falls" : "rises")): **\(status)**"
                if let comparison = effect.comparison { line += ", \(Self.movement(comparison))" }
                lines.append(line)
            }
            lines.append("")
        }
        lines += ["| Outcome | Verdict | Aggregate | Customers | Budget spent | SLI before → after |", "|---|---|---|---|---|---|"]
        for outcome in outcomes {
            let regressed = outcome.customers.filter { $0.verdict == .fail || $0.verdict == .marginal }.count
            let sli = "\(outcome.release.sliBefore.map(Self.sli) ?? "–") → \(outcome.release.sliAfter.map(Self.sli) ?? "–")"
            lines.append("| \(outcome.outcome) | \(outcome.verdict.rawValue) | \(outcome.aggregateVerdict.rawValue) | \(regressed) of \(outcome.customersCompared) regressed | \(ChangePlan.percent(outcome.release.budgetSpent)) | \(sli) |")
        }
        for outcome in outcomes {
            let moved = outcome.aggregate.filter { $0.verdict == .regressed || $0.verdict == .improved }
            guard !moved.isEmpty || !outcome.customers.isEmpty else { continue }
            lines += ["", "**\(outcome.outcome)**"]
            for comparison in moved { lines.append("- everyone: \(Self.movement(comparison))") }
            for customer in outcome.customers.prefix(20) {
                lines.append("- \(customer.customer): " + customer.comparisons.map(Self.movement).joined(separator: "; "))
            }
            if outcome.customers.count > 20 { lines.append("- and \(outcome.customers.count - 20) more customers") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// "p95 latency regressed: 640 ms → 850 ms (+205 ms, 95% CI +190…+221)".
    static func movement(_ comparison: MetricComparison) -> String {
        func value(_ number: Double) -> String { format(number, comparison.metric) }
        var text = "\(comparison.metric.label) \(comparison.verdict.rawValue.replacingOccurrences(of: "_", with: " "))"
        if let before = comparison.baselineMedian, let after = comparison.afterMedian {
            text += ": \(value(before)) → \(value(after))"
        }
        if let shift = comparison.shift, let lower = comparison.lower, let upper = comparison.upper {
            let level = trimmed(comparison.confidenceLevel * 100, digits: 1)
            text += " (\(shift >= 0 ? "+" : "")\(value(shift)), \(level)% CI \(value(lower))…\(value(upper)))"
        }
        return text
    }

    static func format(_ number: Double, _ metric: CanaryMetric) -> String {
        switch metric {
        case .errorRatio: return trimmed(number * 100, digits: 2) + "%"
        case .latencyP50, .latencyP95, .latencyP99: return trimmed(number, digits: 0) + " ms"
        case .throughput: return trimmed(number, digits: 1) + "/min"
        }
    }

    static func sli(_ value: Double) -> String { trimmed(value * 100, digits: 3) + "%" }

    static func trimmed(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if digits == 0 || rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}
