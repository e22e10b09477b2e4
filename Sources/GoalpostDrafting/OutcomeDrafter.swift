import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostModel

/// A `goalpost/v1` Outcome drafted from a sentence, with every choice explained.
public struct OutcomeDraft: Sendable {
    public var outcome: Outcome
    /// The draft as a definitions file.
    public var yaml: String
    /// Why each part is what it is ("matched 'sign in' to auth-api /login and /sso/callback: 41,022 events/day").
    public var explanations: [String]
    /// What a person should look at before using it.
    public var warnings: [String]
    /// `grammar`, or `llm` when a language model drafted it.
    public var drafter: String
}

/// Turns a sentence into an Outcome bound to the telemetry that exists, deterministically: the grammar of
/// `SentenceParser`, the catalog's operations, and a proposed objective or bound from the observed baseline
/// when the sentence gives none. Ambiguity is an error that lists the choices, never a guess.
public struct OutcomeDrafter: Sendable {
    public var catalog: TelemetryCatalog
    /// The definitions' catalog (names already taken; services' owners).
    public var definitions: Catalog

    public init(catalog: TelemetryCatalog, definitions: Catalog = Catalog()) {
        self.catalog = catalog
        self.definitions = definitions
    }

    /// Objectives a proposal picks from, strictest first.
    static let ladder: [Double] = [0.9999, 0.9995, 0.999, 0.995, 0.99, 0.98, 0.95, 0.9]

    public func draft(_ text: String) throws(SentenceError) -> OutcomeDraft {
        let sentence = try SentenceParser.parse(text)
        var explanations: [String] = []
        var warnings: [String] = []

        // Bind the activity to operations; a service named outright narrows the choice to it.
        let named = sentence.activity.first { word in catalog.services.contains { $0.lowercased() == word } }
        let activity = sentence.activity.filter { $0 != named }
        let candidates = ActivityMatcher(catalog: catalog).candidates(activity.isEmpty ? sentence.activity : activity,
                                                                     service: named.flatMap { word in catalog.services.first { $0.lowercased() == word } })
        let phrase = (activity.isEmpty ? sentence.activity : activity).joined(separator: " ")
        if let named { explanations.append("the sentence names the service \(named)") }
        guard let best = candidates.first, best.score >= 0.5 else {
            let services = catalog.services.prefix(8).joined(separator: ", ")
            throw SentenceError(catalog.operations.isEmpty
                ? "no telemetry has been seen yet to match '\(phrase)' against: send some (or give recorded telemetry) and ask again"
                : "nothing in the telemetry matches '\(phrase)'\(candidates.first.map { " well (closest: \($0.operation.service) \($0.operation.operation))" } ?? ""); services seen: \(services). Name the activity as they do, or the service")
        }
        // The best score's operations; they must share a service and a signal.
        let top = candidates.filter { $0.score >= best.score - 1e-9 }
        let services = Set(top.map(\.operation.service))
        if services.count > 1 {
            let listed = top.prefix(6).map { "\($0.operation.service) \($0.operation.operation)" }.joined(separator: "; ")
            throw SentenceError("'\(phrase)' matches operations of \(services.count) services equally (\(listed)): name the service in the sentence, e.g. \"… on \(top[0].operation.service)\"")
        }
        let chosen = top.filter { $0.operation.signal == best.operation.signal }
        let service = best.operation.service
        let operations = chosen.map(\.operation.operation).sorted()
        let events = chosen.reduce(0) { $0 + $1.operation.events }
        let errors = chosen.reduce(0) { $0 + $1.operation.errors }
        let perDay = chosen.reduce(0) { $0 + $1.operation.eventsPerDay }
        let source: IndicatorSource = best.operation.signal == "log" ? .logs : best.operation.signal == "event" ? .events : .traces
        explanations.append("matched '\(phrase)' to \(service) \(operations.joined(separator: " and ")) (\(Self.count(perDay)) events/day; \(chosen.flatMap(\.reasons).uniqued.joined(separator: ", ")))")
        let runnersUp = candidates.filter { $0.score < best.score - 1e-9 && $0.score >= 0.5 }.prefix(3)
        if !runnersUp.isEmpty {
            explanations.append("also close, left out: " + runnersUp.map { "\($0.operation.service) \($0.operation.operation)" }.joined(separator: ", "))
        }

        // The kind, and the bound for latency.
        var latency: TimeSpan?
        let observedGood = events > 0 ? (events - errors) / events : nil
        let days = Double(max(60_000_000_000, (chosen.map(\.operation.lastSeen).max() ?? 0) - (chosen.map(\.operation.firstSeen).min() ?? 0))) / 86_400e9
        switch sentence.kind {
        case .success:
            explanations.append("good: \(source == .logs ? "log records below ERROR severity" : "events without an error status"); valid: every event of these operations")
        case .latency(let bound):
            guard source != .logs else { throw SentenceError("'\(phrase)' matched log records, which have no duration: a latency outcome needs spans or timed events") }
            if let bound {
                latency = bound
                explanations.append("good: no error and within \(bound)")
            } else {
                let quantile = sentence.objective ?? 0.99
                let observed = Self.observedQuantile(chosen.map(\.operation), quantile)
                guard let observed else { throw SentenceError("the sentence asks for speed without a bound, and no latency was seen for \(service) \(operations.joined(separator: ", ")): give one, e.g. \"within 2 seconds\"") }
                let proposed = Self.niceBound(observed * 1.5)
                latency = proposed
                explanations.append("no bound given: p\(SentenceParser.number(quantile * 100)) is \(Self.milliseconds(observed)) now; proposed \(proposed) (half again, rounded up)")
                warnings.append("the latency bound \(proposed) was proposed from what is observed; say the bound customers expect")
            }
        }

        // The objective: as written, or proposed from the baseline.
        var objective: Double
        if let written = sentence.objective {
            objective = written
            explanations.append(sentence.objectiveFromFailures
                ? "objective \(Self.percent(written)): at most '\(sentence.objectivePhrase ?? "")' may fail"
                : "objective \(Self.percent(written)) as written ('\(sentence.objectivePhrase ?? "")')")
            if let observedGood, latency == nil, observedGood < written {
                warnings.append("these operations are \(Self.percent(observedGood)) good over the \(Self.days(days)) seen, below the objective: the outcome starts out of budget")
            }
        } else if let observedGood, latency == nil {
            let bad = 1 - observedGood
            objective = Self.ladder.first { 1 - $0 >= 2 * bad } ?? 0.9
            let room = bad > 0 ? (1 - objective) / bad : Double.infinity
            explanations.append("no objective given: currently \(Self.percent(observedGood)) good over the \(Self.days(days)) seen; \(Self.percent(objective)) "
                + (room.isFinite ? "leaves room for \(SentenceParser.number((room * 10).rounded() / 10))× today's failures" : "with no failure seen yet"))
            warnings.append("the objective \(Self.percent(objective)) was proposed from the baseline; set what customers are promised")
        } else {
            objective = 0.99
            explanations.append("no objective given: 99% of events within the bound (a common start; the observed share within it is not known)")
            warnings.append("the objective 99% is a default; set what customers are promised")
        }

        // Per customer, and by which attribute.
        let attributes = Set(chosen.flatMap(\.operation.attributes).map(\.key))
        let customerAttribute = ["customer.id", "tenant.id", "account.id", "workspace.id", "organization.id", "org.id", "customer_id", "tenant_id"].first(where: attributes.contains)
        var customers = CustomerEvaluation()
        switch sentence.perCustomer {
        case true?:
            explanations.append("per customer: the sentence says so")
        case false?:
            customers.enabled = false
            explanations.append("overall only: the sentence says so")
        case nil:
            explanations.append("per customer as well as overall (Goalpost's default; say \"overall\" to turn it off)")
        }
        if customers.enabled {
            if let customerAttribute {
                customers.attribute = customerAttribute
                if customerAttribute != CustomerEvaluation.defaultAttribute { explanations.append("customers told apart by \(customerAttribute), seen on these operations") }
            } else {
                warnings.append("no customer attribute (customer.id, tenant.id, …) was seen on these operations: every event counts for the whole, none for a customer")
            }
        }

        // The window.
        let window = sentence.window ?? .rolling(.days(30))
        explanations.append(sentence.windowPhrase.map { "window: '\($0)'" } ?? "window: 30 days, rolling (the default)")

        // Dimensions the investigator can use: low-cardinality attributes seen.
        let keep: Set<String> = ["customer.tier", "http.route", "service.version", "cloud.region", "error.type", "deployment.environment", "http.request.method"]
        let dimensions = chosen.flatMap(\.operation.attributes).filter { keep.contains($0.key) && $0.distinctValues <= 50 }.map(\.key).uniqued.sorted()

        let name = uniqueName(Self.slug(sentence, matched: best))
        let outcome = Outcome(
            name: name, statement: sentence.text, owner: definitions.services.first { $0.name == service }?.owner,
            indicator: Indicator(source: source, service: service, operations: operations, latency: latency),
            objective: objective, window: window, customers: customers, dimensions: dimensions
        )
        let yaml: String
        do {
            yaml = try DefinitionWriter.yaml(for: outcome)
        } catch {
            throw SentenceError("the draft could not be written as YAML: \(error)")
        }
        // The same linter as hand-written definitions.
        let loaded = DefinitionLoader.load(sources: [("draft.yaml", yaml)])
        if !loaded.errors.isEmpty {
            throw SentenceError("the draft does not pass lint: \(loaded.errors.map(\.description).joined(separator: "; "))")
        }
        warnings += loaded.warnings.map(\.description)
        return OutcomeDraft(outcome: outcome, yaml: yaml, explanations: explanations, warnings: warnings, drafter: "grammar")
    }

    /// A name not already defined.
    func uniqueName(_ base: String) -> String {
        let taken = Set(definitions.outcomes.map(\.name))
        guard taken.contains(base) else { return base }
        var index = 2
        while taken.contains("\(base)-\(index)") { index += 1 }
        return "\(base)-\(index)"
    }

    /// `sign-in`, `checkout-latency`, `report-generate-latency`.
    static func slug(_ sentence: OutcomeSentence, matched: ActivityMatcher.Candidate) -> String {
        let canonical = ActivityMatcher.canonical(sentence.activity)
        let names = ["signin": "sign-in", "signup": "sign-up"]
        var words = canonical.prefix(2).map { names[$0] ?? $0 }
        if words.isEmpty { words = [matched.operation.service] }
        if case .latency = sentence.kind { words.append("latency") }
        let text = words.joined(separator: "-").lowercased()
        let cleaned = String(text.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
        return String(cleaned.prefix(60))
    }

    /// The highest of the operations' observed quantiles (p50, p95 or p99, the nearest at or above `quantile`).
    static func observedQuantile(_ operations: [TelemetryCatalog.Operation], _ quantile: Double) -> Double? {
        operations.compactMap { operation -> Double? in
            if quantile <= 0.5 { return operation.p50Milliseconds }
            if quantile <= 0.95 { return operation.p95Milliseconds }
            return operation.p99Milliseconds
        }.max()
    }

    /// Rounded up to 1, 2 or 5 times a power of ten milliseconds.
    static func niceBound(_ milliseconds: Double) -> TimeSpan {
        var scale = 1.0
        while scale * 10 <= milliseconds { scale *= 10 }
        let step = [1.0, 2.0, 5.0, 10.0].first { $0 * scale >= milliseconds } ?? 10
        let value = Int64(step * scale)
        return value % 1000 == 0 ? .seconds(value / 1000) : .milliseconds(value)
    }

    /// `99.96%`.
    public static func percent(_ value: Double) -> String {
        let scaled = (value * 100_000).rounded() / 1000
        return SentenceParser.number(scaled) + "%"
    }

    /// `41,022`.
    public static func count(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: value.rounded())) ?? String(Int(value))
    }

    static func milliseconds(_ value: Double) -> String {
        value >= 1000 ? "\(SentenceParser.number((value / 100).rounded() / 10)) s" : "\(Int(value.rounded())) ms"
    }

    static func days(_ value: Double) -> String {
        value >= 1.5 ? "\(SentenceParser.number((value * 10).rounded() / 10)) days" : value >= 1 / 24 ? "\(Int((value * 24).rounded())) hours" : "minutes"
    }
}

extension Array where Element: Hashable {
    var uniqued: [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

extension OutcomeDraft: Encodable {
    private enum CodingKeys: String, CodingKey { case name, yaml, explanations, warnings, drafter, objective, service, operations }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome.name, forKey: .name)
        try container.encode(yaml, forKey: .yaml)
        try container.encode(explanations, forKey: .explanations)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(drafter, forKey: .drafter)
        try container.encode(outcome.objective, forKey: .objective)
        try container.encodeIfPresent(outcome.indicator.service, forKey: .service)
        try container.encode(outcome.indicator.operations, forKey: .operations)
    }
}
