import Foundation
import GoalpostModel
import Yams

/// Writes model values back as `goalpost/v1` YAML, leaving out what equals the default.
///
/// Used by importers (OpenSLO, Sloth, plain-English drafts) and by round-trip tests:
/// `decode(write(x)) == x` for every valid definition.
public enum DefinitionWriter {
    /// A multi-document YAML text for a whole catalog: services, customers, then outcomes.
    public static func yaml(for catalog: Catalog) throws -> String {
        let nodes = catalog.services.map(node(for:)) + catalog.customers.map(node(for:)) + catalog.outcomes.map(node(for:))
            + catalog.foreignDocuments.map { DocumentYAML.node($0.document) }
        return try nodes.map { try Yams.serialize(node: $0, width: -1, allowUnicode: true, sortKeys: false) }.joined(separator: "---\n")
    }

    /// One outcome as a YAML document.
    public static func yaml(for outcome: Outcome) throws -> String {
        try Yams.serialize(node: node(for: outcome), width: -1, sortKeys: false)
    }

    // MARK: Nodes

    static func document(kind: String, name: String, displayName: String?, labels: [String: String], annotations: [String: String], spec: [(String, Node)]) -> Node {
        var metadata: [(String, Node)] = [("name", Node(name))]
        if let displayName { metadata.append(("displayName", Node(displayName))) }
        if !labels.isEmpty { metadata.append(("labels", map(labels))) }
        if !annotations.isEmpty { metadata.append(("annotations", map(annotations))) }
        return mapping([
            ("apiVersion", Node(DefinitionDecoder.apiVersion)),
            ("kind", Node(kind)),
            ("metadata", mapping(metadata)),
            ("spec", Node(spec.map { (Node($0.0), $0.1) })),
        ])
    }

    /// A block mapping with keys in the given order.
    static func mapping(_ pairs: [(String, Node)]) -> Node {
        Node(pairs.map { (Node($0.0), $0.1) })
    }

    static func map(_ dictionary: [String: String]) -> Node {
        mapping(dictionary.sorted { $0.key < $1.key }.map { ($0.key, text($0.value)) })
    }

    /// A string node, quoted when the plain form would read back as something else (a number, a bool, null).
    static func text(_ value: String) -> Node {
        let resolved = Resolver.default.resolveTag(of: Node(value))
        let style: Node.Scalar.Style = (resolved == .str && !value.isEmpty) ? .any : .doubleQuoted
        return Node(value, .init(.str), style)
    }

    static func number(_ value: Double) -> Node {
        if value == value.rounded(), abs(value) < 1e15 { return Node(String(Int64(value)), .init(.int)) }
        return Node("\(value)", .init(.float))
    }

    static func list(_ values: [String]) -> Node { Node(values.map(text), .init(.seq), .flow) }

    static func node(for service: Service) -> Node {
        var spec: [(String, Node)] = []
        if let owner = service.owner { spec.append(("owner", text(owner))) }
        if let description = service.description { spec.append(("description", text(description))) }
        if let repository = service.repository { spec.append(("repository", text(repository))) }
        if !service.sourcePaths.isEmpty { spec.append(("sourcePaths", list(service.sourcePaths))) }
        if let origin = service.origin { spec.append(node(for: origin)) }
        return document(kind: "Service", name: service.name, displayName: nil, labels: [:], annotations: [:], spec: spec)
    }

    static func node(for customer: Customer) -> Node {
        var spec: [(String, Node)] = []
        if customer.id != customerName(customer) { spec.append(("externalId", text(customer.id))) }
        if let tier = customer.tier { spec.append(("tier", text(tier))) }
        if let arr = customer.arr { spec.append(("arr", number(arr))) }
        if let region = customer.region { spec.append(("region", text(region))) }
        if let contact = customer.contact { spec.append(("contact", text(contact))) }
        if let runbook = customer.runbook { spec.append(("runbook", text(runbook))) }
        return document(kind: "Customer", name: customerName(customer), displayName: customer.name, labels: customer.labels, annotations: [:], spec: spec)
    }

    /// A customer's `metadata.name`: its id when that is a valid name, else a name derived from it.
    static func customerName(_ customer: Customer) -> String {
        if DefinitionDecoder.isValidName(customer.id) { return customer.id }
        var slug = customer.id.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        slug = slug.split(separator: "-").joined(separator: "-")
        return String(slug.prefix(63)).isEmpty ? "customer" : String(slug.prefix(63))
    }

    static func node(for outcome: Outcome) -> Node {
        var spec: [(String, Node)] = [("statement", text(outcome.statement))]
        if let owner = outcome.owner { spec.append(("owner", text(owner))) }
        if let journey = outcome.journey { spec.append(("journey", text(journey))) }
        if outcome.criticality != .medium { spec.append(("criticality", Node(outcome.criticality.rawValue))) }
        if let parent = outcome.parent { spec.append(("parent", text(parent))) }
        spec.append(("indicator", node(for: outcome.indicator)))
        spec.append(("objective", Node(ObjectiveText.exact(outcome.objective))))
        switch outcome.window {
        case .rolling(let span): if span != .days(30) { spec.append(("window", Node(span.text))) }
        case .calendar(let period, let zone): spec.append(("window", mapping([("calendar", Node(period.rawValue)), ("timeZone", text(zone))])))
        }
        switch outcome.budgeting {
        case .occurrences: break
        case .timeslices(let slice, let threshold):
            spec.append(("budgeting", mapping([("method", "timeslices"), ("slice", Node(slice.text)), ("threshold", Node(ObjectiveText.exact(threshold)))])))
        case .ratioTimeslices(let slice):
            spec.append(("budgeting", mapping([("method", "ratioTimeslices"), ("slice", Node(slice.text))])))
        }
        let customers = outcome.customers
        if customers != CustomerEvaluation() {
            var pairs: [(String, Node)] = []
            if !customers.enabled { pairs.append(("enabled", Node("false", .init(.bool)))) }
            if customers.attribute != CustomerEvaluation.defaultAttribute { pairs.append(("attribute", text(customers.attribute))) }
            if customers.minEvents != CustomerEvaluation.defaultMinEvents { pairs.append(("minEvents", Node(String(customers.minEvents), .init(.int)))) }
            if customers.minBadEvents != CustomerEvaluation.defaultMinBadEvents { pairs.append(("minBadEvents", Node(String(customers.minBadEvents), .init(.int)))) }
            if !customers.tierObjectives.isEmpty {
                pairs.append(("objectives", mapping(customers.tierObjectives.sorted { $0.key < $1.key }.map { ($0.key, Node(ObjectiveText.exact($0.value))) })))
            }
            spec.append(("customers", mapping(pairs)))
        }
        if !outcome.dimensions.isEmpty { spec.append(("dimensions", list(outcome.dimensions))) }
        if outcome.alerting != .workbook {
            var pairs: [(String, Node)] = []
            if outcome.alerting.resolveAfter != AlertPolicy.workbook.resolveAfter { pairs.append(("resolveAfter", Node(outcome.alerting.resolveAfter.text))) }
            if outcome.alerting.rules != AlertPolicy.workbook.rules {
                pairs.append(("rules", Node(outcome.alerting.rules.map(node(for:)), .init(.seq), .block)))
            }
            spec.append(("alerting", mapping(pairs)))
        }
        if let origin = outcome.origin { spec.append(node(for: origin)) }
        return document(kind: "Outcome", name: outcome.name, displayName: outcome.displayName, labels: outcome.labels, annotations: outcome.annotations, spec: spec)
    }

    /// `x-openslo` / `x-sloth`: where an imported definition came from, as written there.
    static func node(for origin: SpecOrigin) -> (String, Node) {
        var pairs: [(String, Node)] = [(origin.format == .openslo ? "objective" : "slo", Node(String(origin.part), .init(.int)))]
        pairs.append(("document", DocumentYAML.node(origin.document)))
        return ("x-\(origin.format.rawValue)", mapping(pairs))
    }

    static func node(for rule: BurnRateRule) -> Node {
        var pairs: [(String, Node)] = [("severity", Node(rule.severity.rawValue)), ("long", Node(rule.longWindow.text)), ("short", Node(rule.shortWindow.text))]
        if let burn = rule.burnRate {
            pairs.append(("burnRate", number(burn)))
        } else if let consumed = rule.budgetConsumed {
            pairs.append(("budgetConsumed", Node(ObjectiveText.exact(consumed))))
        }
        return mapping(pairs)
    }

    static func node(for indicator: Indicator) -> Node {
        var pairs: [(String, Node)] = [("source", Node(indicator.source.rawValue))]
        if let service = indicator.service { pairs.append(("service", text(service))) }
        if !indicator.operations.isEmpty { pairs.append(("operations", list(indicator.operations))) }
        if let filter = indicator.filter { pairs.append(("where", text(filter.source))) }
        if indicator.latency != nil || indicator.goodFilter != nil {
            var good: [(String, Node)] = []
            if let latency = indicator.latency { good.append(("latency", Node(latency.text))) }
            if let filter = indicator.goodFilter { good.append(("where", text(filter.source))) }
            pairs.append(("good", mapping(good)))
        }
        if let metrics = indicator.metrics {
            let entries = [("good", metrics.good), ("bad", metrics.bad), ("total", metrics.total), ("histogram", metrics.histogram)]
            pairs.append(("metrics", Node(entries.compactMap { key, value in value.map { (Node(key), text($0)) } })))
        }
        if let prometheus = indicator.prometheus {
            let entries = [("url", prometheus.url), ("good", prometheus.good), ("bad", prometheus.bad), ("total", prometheus.total)]
            var nodes = entries.compactMap { key, value in value.map { (Node(key), text($0)) } }
            if prometheus.counter { nodes.append((Node("counter"), Node("true", .init(.bool)))) }
            pairs.append(("prometheus", Node(nodes)))
        }
        if let sql = indicator.sql {
            pairs.append(("sql", mapping([("connection", text(sql.connection)), ("query", text(sql.query))])))
        }
        if let external = indicator.external {
            var entries: [(String, Node)] = [("type", text(external.type))]
            if let description = external.description { entries.append(("description", text(description))) }
            pairs.append(("external", mapping(entries)))
        }
        return mapping(pairs)
    }
}
