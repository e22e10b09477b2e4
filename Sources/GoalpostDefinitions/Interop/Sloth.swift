import Foundation
import GoalpostModel
import Yams

/// Sloth specifications in (docs/interop.md): the `prometheus/v1` spec and the Kubernetes
/// `sloth.slok.dev/v1` `PrometheusServiceLevel`, with `AlertWindows` for custom alert windows.
///
/// Each SLO becomes an Outcome named like Sloth's `sloth_id` (`SERVICE-SLO`), its `events` SLI a PromQL
/// indicator (`bad`: the error query, `total`: the total query; `{{.window}}` is kept, Goalpost fills it in),
/// its objective a ratio, its period and alert windows the outcome's window and burn-rate rules. The whole spec
/// is kept (`x-sloth`) so `goalpost export sloth` gives it back and `goalpost export prometheus-rules` keeps
/// Sloth's alert names, labels and annotations.
public enum Sloth {
    public static let specVersion = "prometheus/v1"
    public static let kubernetesAPIVersion = "sloth.slok.dev/v1"

    /// Sloth's default alert windows for a 30-day period (its `windows/30d.yaml`, the SRE Workbook's table):
    /// page on 2% of the budget in 1 h (5 m short) or 5% in 6 h (30 m), ticket on 10% in 1 d (2 h) or 3 d (6 h).
    public static let defaultAlerting = AlertPolicy(rules: [
        BurnRateRule(severity: .page, longWindow: .hours(1), shortWindow: .minutes(5), budgetConsumed: 0.02),
        BurnRateRule(severity: .page, longWindow: .hours(6), shortWindow: .minutes(30), budgetConsumed: 0.05),
        BurnRateRule(severity: .ticket, longWindow: .days(1), shortWindow: .hours(2), budgetConsumed: 0.10),
        BurnRateRule(severity: .ticket, longWindow: .days(3), shortWindow: .hours(6), budgetConsumed: 0.10),
    ])

    /// Reads Sloth files and converts them; `AlertWindows` documents among them apply to every spec.
    public static func importFiles(_ paths: [String]) -> OpenSLO.ImportResult {
        let (sources, problems) = OpenSLO.readSources(paths)
        var converted = convert(sources: sources)
        converted.diagnostics = problems + converted.diagnostics
        return converted
    }

    public static func convert(sources: [(file: String, text: String)]) -> OpenSLO.ImportResult {
        var result = OpenSLO.ImportResult()
        var specs: [(value: DocumentValue, file: String, line: Int, column: Int, locations: [String: SourceLocation])] = []
        var windows: DocumentValue?
        for source in sources {
            do {
                let parser = try Parser(yaml: source.text)
                while let root = try parser.nextRoot() {
                    if case .scalar = root, root.tag.rawValue == YAMLTags.null { continue }
                    let value = DocumentYAML.value(root)
                    let line = root.mark?.line ?? 1, column = root.mark?.column ?? 1
                    if value["version"]?.string == specVersion || value["apiVersion"]?.string == kubernetesAPIVersion && value["kind"]?.string == "PrometheusServiceLevel" {
                        var locations: [String: SourceLocation] = [:]
                        DocumentYAML.locations(root, into: &locations)
                        specs.append((value, source.file, line, column, locations))
                    } else if value["apiVersion"]?.string == kubernetesAPIVersion, value["kind"]?.string == "AlertWindows" {
                        windows = value
                    } else {
                        result.diagnostics.append(Diagnostic(file: source.file, line: line, column: column, severity: .error,
                                                             message: "not a Sloth spec: expected version: \(specVersion), or apiVersion: \(kubernetesAPIVersion) with kind PrometheusServiceLevel or AlertWindows"))
                    }
                }
            } catch let error as YamlError {
                result.diagnostics.append(DefinitionDecoder.diagnostic(for: error, file: source.file, yaml: source.text))
            } catch {
                result.diagnostics.append(Diagnostic(file: source.file, line: 1, column: 1, severity: .error, message: "could not read YAML: \(error)"))
            }
        }
        var alerting = defaultAlerting
        var period = TimeSpan.days(30)
        if let windows {
            let custom = alertWindows(windows)
            if let custom { (period, alerting) = custom } else {
                result.diagnostics.append(Diagnostic(file: sources.first?.file ?? "", line: 1, column: 1, severity: .error,
                                                     message: "AlertWindows: expected spec.sloPeriod and spec.page/ticket quick and slow windows (errorBudgetPercent, shortWindow, longWindow)"))
            }
        }
        for spec in specs {
            let kubernetes = spec.value["apiVersion"]?.string == kubernetesAPIVersion
            result.catalog.outcomes += outcomes(spec.value, period: period, alerting: alerting) { severity, message in
                // The place of the path the message starts with (under spec: in the Kubernetes form).
                var path = message.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
                if path.contains(" ") { path = "" } else if kubernetes { path = "spec." + path }
                let place = DocumentYAML.location(of: path, in: spec.locations) ?? SourceLocation(line: spec.line, column: spec.column)
                result.diagnostics.append(Diagnostic(file: spec.file, line: place.line, column: place.column, severity: severity, message: message))
            }
        }
        return result
    }

    /// The outcomes of one spec (either form), one per SLO.
    static func outcomes(_ document: DocumentValue, period: TimeSpan, alerting: AlertPolicy, report: (Diagnostic.Severity, String) -> Void) -> [Outcome] {
        let kubernetes = document["apiVersion"]?.string == kubernetesAPIVersion
        let spec = kubernetes ? (document["spec"] ?? .map([])) : document
        guard let service = spec["service"]?.string, !service.isEmpty else {
            report(.error, "service: is required")
            return []
        }
        let serviceLabels = (spec["labels"]?.pairs ?? []).reduce(into: [String: String]()) { $0[$1.key] = $1.value.string ?? $1.value.number.map { "\($0)" } ?? "" }
        guard let slos = spec["slos"]?.list, !slos.isEmpty else {
            report(.error, "slos: at least one SLO is required")
            return []
        }
        var outcomes: [Outcome] = []
        for (index, slo) in slos.enumerated() {
            let path = "slos[\(index)]"
            guard let name = slo["name"]?.string else {
                report(.error, "\(path).name: is required")
                continue
            }
            let id = "\(service)-\(name)"
            guard DefinitionDecoder.isValidName(id) else {
                report(.error, "\(path).name: '\(id)' (service-name) is not a valid outcome name (lower-case letters, digits and '-', at most 63 characters)")
                continue
            }
            guard let percent = slo["objective"]?.number, percent > 0, percent < 100 else {
                report(.error, "\(path).objective: a percentage between 0 and 100 is required")
                continue
            }
            let sli = slo["sli"] ?? .map([])
            let indicator: Indicator
            if let events = sli["events"] {
                let errorQuery = events[kubernetes ? "errorQuery" : "error_query"]?.string ?? events["error_query"]?.string ?? events["errorQuery"]?.string
                let totalQuery = events[kubernetes ? "totalQuery" : "total_query"]?.string ?? events["total_query"]?.string ?? events["totalQuery"]?.string
                guard let errorQuery, let totalQuery else {
                    report(.error, "\(path).sli.events: error_query and total_query are required")
                    continue
                }
                indicator = Indicator(source: .prometheus, prometheus: PrometheusIndicator(bad: errorQuery, total: totalQuery))
            } else if sli["raw"] != nil {
                report(.warning, "\(path).sli.raw: an error-ratio query gives no good and total counts for Goalpost to evaluate; kept, not evaluated")
                indicator = Indicator(source: .external, external: ExternalIndicator(type: "Prometheus", description: "Sloth raw SLI (error ratio query)"))
            } else if let plugin = sli["plugin"] {
                report(.warning, "\(path).sli.plugin: Sloth SLI plugins run inside Sloth; kept, not evaluated")
                indicator = Indicator(source: .external, external: ExternalIndicator(type: "Sloth plugin", description: plugin["id"]?.string))
            } else {
                report(.error, "\(path).sli: one of events, raw or plugin is required")
                continue
            }
            var labels = serviceLabels
            for pair in slo["labels"]?.pairs ?? [] { labels[pair.key] = pair.value.string ?? pair.value.number.map { "\($0)" } ?? "" }
            var outcome = Outcome(
                name: id, labels: labels,
                statement: slo["description"]?.string ?? "The \(name) SLO of \(service) holds \(ObjectiveText.percent(percent / 100)) of the time.",
                owner: labels["owner"], indicator: indicator, objective: ratio(percent: percent), window: .rolling(period), alerting: alerting)
            if slo["alerting"]?["page_alert"]?["disable"]?.bool == true || slo["alerting"]?["pageAlert"]?["disable"]?.bool == true {
                outcome.alerting.rules.removeAll { $0.severity == .page }
            }
            if slo["alerting"]?["ticket_alert"]?["disable"]?.bool == true || slo["alerting"]?["ticketAlert"]?["disable"]?.bool == true {
                outcome.alerting.rules.removeAll { $0.severity == .ticket }
            }
            outcome.customers.enabled = false  // A Sloth SLI is one series per service unless its queries group by a customer label.
            outcome.origin = SpecOrigin(format: .sloth, part: index, document: document)
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// `AlertWindows`: the SLO period and the page and ticket quick/slow windows.
    static func alertWindows(_ document: DocumentValue) -> (TimeSpan, AlertPolicy)? {
        guard let spec = document["spec"], let periodText = spec["sloPeriod"]?.string, let period = OpenSLO.span(periodText) else { return nil }
        var rules: [BurnRateRule] = []
        for (key, severity) in [("page", Severity.page), ("ticket", .ticket)] {
            for speed in ["quick", "slow"] {
                guard let window = spec[key]?[speed], let percent = window["errorBudgetPercent"]?.number,
                      let short = window["shortWindow"]?.string.flatMap(TimeSpan.init(parsing:)),
                      let long = window["longWindow"]?.string.flatMap(TimeSpan.init(parsing:)) else { return nil }
                rules.append(BurnRateRule(severity: severity, longWindow: long, shortWindow: short, budgetConsumed: percent / 100))
            }
        }
        return (period, AlertPolicy(rules: rules))
    }

    // MARK: Export

    /// Sloth specs for a catalog: imported specs as they were (with Goalpost's objective changes written over
    /// them); outcomes with a PromQL `bad` (or `good`) and `total` query as new `prometheus/v1` specs, one per service.
    public static func export(_ catalog: Catalog) -> (documents: [DocumentValue], skipped: [String]) {
        var documents: [DocumentValue] = []
        var skipped: [String] = []
        var byService: [(service: String, slos: [DocumentValue])] = []
        for outcome in catalog.outcomes {
            if let origin = outcome.origin, origin.format == .sloth {
                var document = origin.document
                let parts = catalog.outcomes.filter { $0.origin?.format == .sloth && $0.origin?.document == origin.document }
                guard parts.first?.name == outcome.name else { continue }  // One document per imported spec.
                let kubernetes = document["apiVersion"]?.string == kubernetesAPIVersion
                var spec = kubernetes ? (document["spec"] ?? .map([])) : document
                var slos = spec["slos"]?.list ?? []
                for part in parts {
                    guard let index = part.origin?.part, slos.indices.contains(index) else { continue }
                    if slos[index]["objective"]?.number.map({ ratio(percent: $0) }) != part.objective {
                        slos[index] = slos[index].setting("objective", to: .double((part.objective * 100 * 1e9).rounded() / 1e9))
                    }
                }
                spec = spec.setting("slos", to: .list(slos))
                document = kubernetes ? document.setting("spec", to: spec) : spec
                documents.append(document)
                continue
            }
            guard let prometheus = outcome.indicator.prometheus else {
                skipped.append(outcome.name)
                continue
            }
            let errorQuery = prometheus.bad ?? prometheus.good.map { "(\(prometheus.total)) - (\($0))" } ?? ""
            let slo = DocumentValue.map([
                ("name", .string(outcome.name)),
                ("objective", .double((outcome.objective * 100 * 1e9).rounded() / 1e9)),
                ("description", .string(outcome.statement)),
                ("sli", .map([("events", .map([("error_query", .string(errorQuery)), ("total_query", .string(prometheus.total))]))])),
                ("alerting", .map([("name", .string(alertName(outcome.name)))])),
            ])
            let service = outcome.indicator.service ?? outcome.owner ?? "goalpost"
            if let index = byService.firstIndex(where: { $0.service == service }) { byService[index].slos.append(slo) } else { byService.append((service, [slo])) }
        }
        for entry in byService {
            documents.append(.map([("version", .string(specVersion)), ("service", .string(entry.service)), ("slos", .list(entry.slos))]))
        }
        return (documents, skipped)
    }

    /// A Sloth objective (a percentage) as a ratio, rounded to 12 decimals: 99.9 → 0.999, not 0.9990000000000001.
    static func ratio(percent: Double) -> Double { (percent * 1e10).rounded() / 1e12 }

    /// `public-api-availability` → `PublicApiAvailability`.
    static func alertName(_ name: String) -> String {
        name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
