import Foundation
import GoalpostModel
import Yams

extension DefinitionDecoder {
    static let outcomeKeys = [
        "statement", "owner", "journey", "criticality", "parent", "indicator", "objective", "window",
        "budgeting", "customers", "dimensions", "alerting", "x-openslo", "x-sloth",
    ]

    static func decodeOutcome(_ spec: Mapping, header: Header, references: inout [String: Field], context: inout DecodingContext) -> Outcome? {
        spec.rejectUnknownKeys(allowed: outcomeKeys, context: &context)
        let statement = context.requiredString("statement", in: spec)
        let owner = context.optionalString("owner", in: spec)
        let journey = context.optionalString("journey", in: spec)
        var criticality = Criticality.medium
        if let field = spec.present("criticality"), let text = context.string(field) {
            if let value = Criticality(rawValue: text) {
                criticality = value
            } else {
                let options = Criticality.allCases.map(\.rawValue)
                context.error("\(field.path): '\(text)' is not a criticality\(DidYouMean.hint(for: text, among: options)); expected one of \(options.joined(separator: ", "))", at: field)
            }
        }
        let parent = context.optionalString("parent", in: spec)
        if let field = spec.present("parent") { references["parent"] = field }

        var indicator: Indicator?
        if let field = spec.value("indicator") {
            indicator = decodeIndicator(field, references: &references, context: &context)
        } else {
            context.error("spec.indicator: is required", at: spec.field)
        }

        var objective: Double?
        if let field = spec.present("objective") {
            objective = context.ratio(field)
        } else {
            context.error("spec.objective: is required (e.g. objective: 99.9%)", at: spec.field)
        }

        var window = BudgetWindow.rolling(.days(30))
        if let field = spec.present("window"), let value = decodeWindow(field, context: &context) { window = value }

        var budgeting = BudgetingMethod.occurrences
        if let field = spec.present("budgeting"), let value = decodeBudgeting(field, context: &context) { budgeting = value }

        var customers = CustomerEvaluation()
        if let field = spec.present("customers"), let value = decodeCustomerEvaluation(field, context: &context) { customers = value }

        var dimensions: [String] = []
        if let field = spec.present("dimensions"), let list = context.stringList(field) {
            var seen: Set<String> = []
            for (index, name) in list.enumerated() {
                let element: Field
                if case .sequence(let sequence) = field.node, index < sequence.count {
                    element = field.element(index, sequence[index])
                } else {
                    element = field
                }
                if name.isEmpty {
                    context.error("\(element.path): a dimension must name an attribute", at: element)
                } else if !seen.insert(name).inserted {
                    context.error("\(element.path): '\(name)' is listed twice", at: element)
                } else if name == customers.attribute {
                    context.warning("\(element.path): '\(name)' is the customer attribute, which every cell already keeps", at: element)
                } else {
                    dimensions.append(name)
                }
            }
        }

        // The Workbook's rules, less any whose long window does not fit in a short outcome window (the 3-day
        // ticket rule means nothing for a 1-day window).
        var alerting = AlertPolicy.workbook
        alerting.rules = alerting.rules.filter { $0.longWindow <= window.nominalLength }
        if let field = spec.present("alerting"), let value = decodeAlerting(field, window: window, context: &context) { alerting = value }


        guard let statement, let indicator, let objective else { return nil }
        for (tier, tierObjective) in customers.tierObjectives where tierObjective < objective {
            if let field = spec.present("customers") {
                context.warning("spec.customers.objectives.\(tier): \(percent(tierObjective)) is lower than the outcome's \(percent(objective)); tiers usually promise more, not less", at: field)
            }
        }
        return Outcome(
            name: header.name, displayName: header.displayName, labels: header.labels, annotations: header.annotations,
            statement: statement, owner: owner, journey: journey, criticality: criticality, parent: parent,
            indicator: indicator, objective: objective, window: window, budgeting: budgeting, customers: customers,
            dimensions: dimensions, alerting: alerting, origin: decodeOrigin(spec, context: &context)
        )
    }

    static func percent(_ value: Double) -> String { ObjectiveText.percent(value) }

    /// `x-openslo: {objective, document}` or `x-sloth: {slo, document}`: what an import kept.
    static func decodeOrigin(_ spec: Mapping, context: inout DecodingContext) -> SpecOrigin? {
        for (key, format, partKey) in [("x-openslo", SpecOrigin.Format.openslo, "objective"), ("x-sloth", .sloth, "slo")] {
            guard let field = spec.present(key), let mapping = context.mapping(field) else { continue }
            mapping.rejectUnknownKeys(allowed: [partKey, "document"], context: &context)
            guard let document = mapping.present("document") else {
                context.error("\(field.path).document: is required", at: field)
                return nil
            }
            let part = mapping.present(partKey).flatMap { context.int($0) } ?? 0
            return SpecOrigin(format: format, part: part, document: DocumentYAML.value(document.node))
        }
        return nil
    }

    // MARK: Indicator

    static let indicatorKeys = ["source", "service", "operations", "where", "good", "metrics", "prometheus", "sql", "external"]

    static func decodeIndicator(_ field: Field, references: inout [String: Field], context: inout DecodingContext) -> Indicator? {
        guard let mapping = context.mapping(field) else { return nil }
        mapping.rejectUnknownKeys(allowed: indicatorKeys, context: &context)
        guard let sourceText = context.requiredString("source", in: mapping), let sourceField = mapping.value("source") else { return nil }
        guard let source = IndicatorSource(rawValue: sourceText) else {
            let options = IndicatorSource.allCases.map(\.rawValue)
            context.error("\(sourceField.path): '\(sourceText)' is not a source\(DidYouMean.hint(for: sourceText, among: options)); expected one of \(options.joined(separator: ", "))", at: sourceField)
            return nil
        }
        var indicator = Indicator(source: source)
        var ok = true
        indicator.service = context.optionalString("service", in: mapping)
        if let serviceField = mapping.present("service") { references["service"] = serviceField }
        if let operations = mapping.present("operations") {
            indicator.operations = context.stringList(operations) ?? []
        }
        if let whereField = mapping.present("where") {
            if let filter = decodeFilter(whereField, context: &context) { indicator.filter = filter } else { ok = false }
        }
        if let goodField = mapping.present("good"), let good = context.mapping(goodField) {
            good.rejectUnknownKeys(allowed: ["latency", "where"], context: &context)
            if let latency = good.present("latency") {
                if source == .logs {
                    context.error("\(latency.path): log records have no duration; use source: traces or events for latency", at: latency)
                    ok = false
                } else {
                    indicator.latency = context.duration(latency)
                }
            }
            if let whereField = good.present("where") {
                if let filter = decodeFilter(whereField, context: &context) { indicator.goodFilter = filter } else { ok = false }
            }
        }

        // Blocks that belong to one source only.
        let blocks: [(key: String, source: IndicatorSource)] = [("metrics", .metrics), ("prometheus", .prometheus), ("sql", .sql), ("external", .external)]
        for block in blocks {
            let given = mapping.present(block.key)
            if block.source == source, given == nil {
                context.error("\(field.path).\(block.key): is required when source is \(source.rawValue)", at: sourceField)
                ok = false
            } else if block.source != source, let given {
                context.error("\(given.path): only applies when source is \(block.source.rawValue) (source is \(source.rawValue))", at: mapping.keyField(block.key) ?? given)
                ok = false
            }
        }
        switch source {
        case .metrics:
            if let block = mapping.present("metrics") { indicator.metrics = decodeMetrics(block, key: mapping.keyField("metrics"), latency: indicator.latency, context: &context) }
        case .prometheus:
            if let block = mapping.present("prometheus") { indicator.prometheus = decodePrometheus(block, key: mapping.keyField("prometheus"), context: &context) }
        case .sql:
            if let block = mapping.present("sql") { indicator.sql = decodeSQL(block, context: &context) }
        case .external:
            if let block = mapping.present("external"), let external = context.mapping(block) {
                external.rejectUnknownKeys(allowed: ["type", "description"], context: &context)
                if let type = context.requiredString("type", in: external) {
                    indicator.external = ExternalIndicator(type: type, description: context.optionalString("description", in: external))
                    context.warning("\(field.path): measured by \(type), which Goalpost does not query: the outcome is kept (and exported) but not evaluated", at: sourceField)
                } else {
                    ok = false
                }
            }
        case .traces, .logs, .events:
            break
        }
        if source == .prometheus || source == .sql || source == .external {
            // These sources return good and total counts themselves: event selectors would be silently ignored.
            for key in ["operations", "where", "good"] {
                if let given = mapping.keyField(key) {
                    let place = source == .prometheus ? "inside the PromQL queries" : source == .sql ? "inside the SQL query" : "in the tool that measures it"
                    context.error("\(given.path): does not apply to source \(source.rawValue); select and classify events \(place)", at: given)
                    ok = false
                }
            }
        }
        return ok ? indicator : nil
    }

    static func decodeFilter(_ field: Field, context: inout DecodingContext) -> Filter? {
        guard let source = context.string(field) else { return nil }
        do {
            let expression = try FilterParser.parse(source)
            return Filter(source: source, expression: expression)
        } catch {
            let (line, column) = location(ofColumn: error.column, in: field)
            // Columns the parser names inside its message ("the '(' at column 37") are relative to the expression;
            // shift them by the same amount so every number in the message refers to the file.
            let shift = column - error.column
            let message = error.message.replacing(/column (\d+)/) { match in
                "column \((Int(match.output.1) ?? 0) + shift)"
            }
            context.error("\(field.path): \(message)", line: line, column: column)
            return nil
        }
    }

    /// Maps a column inside a scalar's text to the file: exact for plain and quoted one-line scalars,
    /// the first line of the text for block scalars.
    static func location(ofColumn column: Int, in field: Field) -> (line: Int, column: Int) {
        guard case .scalar(let scalar) = field.node, let mark = scalar.mark else { return (field.line, field.column) }
        switch scalar.style {
        case .singleQuoted, .doubleQuoted: return (mark.line, mark.column + column)
        case .literal, .folded: return (mark.line + 1, column)
        default: return (mark.line, mark.column + column - 1)
        }
    }

    static func decodeMetrics(_ field: Field, key: Field?, latency: TimeSpan?, context: inout DecodingContext) -> MetricIndicator? {
        guard let mapping = context.mapping(field) else { return nil }
        let at = key ?? field
        mapping.rejectUnknownKeys(allowed: ["good", "bad", "total", "histogram"], context: &context)
        let metrics = MetricIndicator(
            good: context.optionalString("good", in: mapping), bad: context.optionalString("bad", in: mapping),
            total: context.optionalString("total", in: mapping), histogram: context.optionalString("histogram", in: mapping)
        )
        if metrics.histogram != nil, latency == nil {
            context.error("\(field.path).histogram: a histogram needs good.latency (the bound at or under which an event is good)", at: at)
        }
        if metrics.histogram != nil {
            if metrics.good != nil || metrics.bad != nil || metrics.total != nil {
                context.error("\(field.path): give either histogram (with good.latency) or counters (good/bad/total), not both", at: at)
            }
        } else {
            let counters = [metrics.good, metrics.bad, metrics.total].compactMap { $0 }.count
            if counters < 2 {
                context.error("\(field.path): needs two of good, bad and total (or a histogram)", at: at)
            } else if counters == 3 {
                context.error("\(field.path): give two of good, bad and total; the third follows from them", at: at)
            }
        }
        return metrics
    }

    static func decodePrometheus(_ field: Field, key: Field?, context: inout DecodingContext) -> PrometheusIndicator? {
        guard let mapping = context.mapping(field) else { return nil }
        let at = key ?? field
        mapping.rejectUnknownKeys(allowed: ["url", "good", "bad", "total", "counter"], context: &context)
        let url = context.optionalString("url", in: mapping)
        if let url, let urlField = mapping.value("url") {
            let parsed = URL(string: url)
            if parsed?.scheme == nil || !["http", "https"].contains(parsed?.scheme ?? "") || parsed?.host == nil {
                context.error("\(urlField.path): '\(url)' is not an http(s) URL", at: urlField)
            }
        }
        let good = context.optionalString("good", in: mapping)
        let bad = context.optionalString("bad", in: mapping)
        guard let total = context.requiredString("total", in: mapping) else { return nil }
        if (good == nil) == (bad == nil) {
            context.error("\(field.path): give exactly one of good and bad", at: at)
            return nil
        }
        var counter = false
        if let field = mapping.present("counter") { counter = context.bool(field) ?? false }
        return PrometheusIndicator(url: url, good: good, bad: bad, total: total, counter: counter)
    }

    static func decodeSQL(_ field: Field, context: inout DecodingContext) -> SQLIndicator? {
        guard let mapping = context.mapping(field) else { return nil }
        mapping.rejectUnknownKeys(allowed: ["connection", "query"], context: &context)
        guard let connection = context.requiredString("connection", in: mapping), let query = context.requiredString("query", in: mapping) else { return nil }
        if let queryField = mapping.value("query"), !query.contains("$1") || !query.contains("$2") {
            context.warning("\(queryField.path): the query does not use $1 and $2 (the start and end of the evaluated range); it will scan all rows on every tick", at: queryField)
        }
        return SQLIndicator(connection: connection, query: query)
    }

    // MARK: Window and budgeting

    static func decodeWindow(_ field: Field, context: inout DecodingContext) -> BudgetWindow? {
        if case .scalar = field.node {
            guard let span = context.duration(field) else { return nil }
            return checkedRolling(span, field: field, context: &context)
        }
        guard let mapping = context.mapping(field) else { return nil }
        mapping.rejectUnknownKeys(allowed: ["rolling", "calendar", "timeZone"], context: &context)
        if let rolling = mapping.present("rolling") {
            if let calendar = mapping.present("calendar") {
                context.error("\(calendar.path): give either rolling or calendar, not both", at: calendar)
                return nil
            }
            if let zone = mapping.present("timeZone") {
                context.error("\(zone.path): only applies to calendar windows", at: zone)
            }
            guard let span = context.duration(rolling) else { return nil }
            return checkedRolling(span, field: rolling, context: &context)
        }
        guard let calendarField = mapping.present("calendar") else {
            context.error("\(field.path): give rolling (e.g. rolling: 30d) or calendar (e.g. calendar: month)", at: field)
            return nil
        }
        guard let text = context.string(calendarField) else { return nil }
        guard let period = CalendarPeriod(rawValue: text) else {
            let options = CalendarPeriod.allCases.map(\.rawValue)
            context.error("\(calendarField.path): '\(text)' is not a calendar period\(DidYouMean.hint(for: text, among: options)); expected one of \(options.joined(separator: ", "))", at: calendarField)
            return nil
        }
        var zone = "UTC"
        if let zoneField = mapping.present("timeZone"), let text = context.string(zoneField) {
            guard TimeZone(identifier: text) != nil else {
                context.error("\(zoneField.path): '\(text)' is not an IANA time zone (such as UTC or Europe/Berlin)", at: zoneField)
                return nil
            }
            zone = text
        }
        return .calendar(period, timeZone: zone)
    }

    static func checkedRolling(_ span: TimeSpan, field: Field, context: inout DecodingContext) -> BudgetWindow? {
        guard span >= .hours(1), span <= .days(400) else {
            context.error("\(field.path): a rolling window must be between 1h and 400d, not \(span.text)", at: field)
            return nil
        }
        return .rolling(span)
    }

    static func decodeBudgeting(_ field: Field, context: inout DecodingContext) -> BudgetingMethod? {
        let methods = ["occurrences", "timeslices", "ratioTimeslices"]
        if case .scalar = field.node {
            guard let text = context.string(field) else { return nil }
            switch text {
            case "occurrences": return .occurrences
            case "timeslices", "ratioTimeslices":
                context.error("\(field.path): \(text) needs a slice length; write budgeting: {method: \(text), slice: 1m\(text == "timeslices" ? ", threshold: 95%" : "")}", at: field)
                return nil
            default:
                context.error("\(field.path): '\(text)' is not a budgeting method\(DidYouMean.hint(for: text, among: methods)); expected one of \(methods.joined(separator: ", "))", at: field)
                return nil
            }
        }
        guard let mapping = context.mapping(field) else { return nil }
        mapping.rejectUnknownKeys(allowed: ["method", "slice", "threshold"], context: &context)
        guard let method = context.requiredString("method", in: mapping), let methodField = mapping.value("method") else { return nil }
        switch method {
        case "occurrences":
            for key in ["slice", "threshold"] {
                if let extra = mapping.present(key) { context.error("\(extra.path): only applies to timeslices budgeting", at: extra) }
            }
            return .occurrences
        case "timeslices", "ratioTimeslices":
            guard let sliceField = mapping.present("slice") else {
                context.error("\(field.path).slice: is required for \(method) (e.g. slice: 1m)", at: methodField)
                return nil
            }
            guard let slice = context.duration(sliceField) else { return nil }
            guard slice <= .days(1) else {
                context.error("\(sliceField.path): a slice must be at most 1d, not \(context.describe(sliceField))", at: sliceField)
                return nil
            }
            guard slice >= .minutes(1), slice.nanoseconds % TimeSpan.minutes(1).nanoseconds == 0 else {
                context.error("\(sliceField.path): a slice must be a whole number of minutes (the aggregation resolution), not \(context.describe(sliceField))", at: sliceField)
                return nil
            }
            if method == "ratioTimeslices" {
                if let extra = mapping.present("threshold") { context.error("\(extra.path): ratioTimeslices has no threshold", at: extra) }
                return .ratioTimeslices(slice: slice)
            }
            guard let thresholdField = mapping.present("threshold") else {
                context.error("\(field.path).threshold: is required for timeslices (the share of good events that makes a slice good, e.g. 95%)", at: methodField)
                return nil
            }
            guard let threshold = context.ratio(thresholdField, allowOne: true) else { return nil }
            return .timeslices(slice: slice, threshold: threshold)
        default:
            context.error("\(methodField.path): '\(method)' is not a budgeting method\(DidYouMean.hint(for: method, among: methods)); expected one of \(methods.joined(separator: ", "))", at: methodField)
            return nil
        }
    }

    // MARK: Customers and alerting

    static func decodeCustomerEvaluation(_ field: Field, context: inout DecodingContext) -> CustomerEvaluation? {
        guard let mapping = context.mapping(field) else { return nil }
        mapping.rejectUnknownKeys(allowed: ["enabled", "attribute", "minEvents", "minBadEvents", "objectives"], context: &context)
        var evaluation = CustomerEvaluation()
        if let enabled = mapping.present("enabled"), let value = context.bool(enabled) { evaluation.enabled = value }
        if let attribute = mapping.present("attribute") {
            if let text = context.string(attribute) {
                if text.isEmpty { context.error("\(attribute.path): must name an attribute", at: attribute) } else { evaluation.attribute = text }
            }
        }
        if let minEvents = mapping.present("minEvents"), let value = context.int(minEvents) {
            if value < 0 || value > 1_000_000 {
                context.error("\(minEvents.path): \(value) is not between 0 and 1000000", at: minEvents)
            } else {
                evaluation.minEvents = value
            }
        }
        if let minBad = mapping.present("minBadEvents"), let value = context.int(minBad) {
            if value < 0 || value > 1_000_000 {
                context.error("\(minBad.path): \(value) is not between 0 and 1000000", at: minBad)
            } else {
                evaluation.minBadEvents = value
            }
        }
        if let objectives = mapping.present("objectives"), let tiers = context.mapping(objectives) {
            for tier in tiers.keys {
                if let value = tiers.value(tier), let ratio = context.ratio(value) { evaluation.tierObjectives[tier] = ratio }
            }
        }
        return evaluation
    }

    static func decodeAlerting(_ field: Field, window: BudgetWindow, context: inout DecodingContext) -> AlertPolicy? {
        guard let mapping = context.mapping(field) else { return nil }
        mapping.rejectUnknownKeys(allowed: ["resolveAfter", "rules"], context: &context)
        var policy = AlertPolicy.workbook
        policy.rules = policy.rules.filter { $0.longWindow <= window.nominalLength }
        if let resolve = mapping.present("resolveAfter"), let span = context.duration(resolve) { policy.resolveAfter = span }
        guard let rulesField = mapping.present("rules") else { return policy }
        guard case .sequence(let sequence) = rulesField.node else {
            context.error("\(rulesField.path): expected a list of rules, found \(rulesField.kindName)", at: rulesField)
            return nil
        }
        if sequence.isEmpty {
            context.error("\(rulesField.path): needs at least one rule (leave alerting out for the SRE Workbook defaults)", at: rulesField)
            return nil
        }
        var rules: [BurnRateRule] = []
        for (index, node) in sequence.enumerated() {
            let ruleField = rulesField.element(index, node)
            if let rule = decodeRule(ruleField, window: window, context: &context) { rules.append(rule) }
        }
        guard rules.count == sequence.count else { return nil }
        policy.rules = rules
        return policy
    }

    static func decodeRule(_ field: Field, window: BudgetWindow, context: inout DecodingContext) -> BurnRateRule? {
        guard let mapping = context.mapping(field) else { return nil }
        mapping.rejectUnknownKeys(allowed: ["severity", "long", "short", "budgetConsumed", "burnRate"], context: &context)
        guard let severityText = context.requiredString("severity", in: mapping), let severityField = mapping.value("severity") else { return nil }
        guard let severity = Severity(rawValue: severityText) else {
            context.error("\(severityField.path): '\(severityText)' is not a severity; expected page or ticket", at: severityField)
            return nil
        }
        guard let longField = mapping.present("long") else {
            context.error("\(field.path).long: is required (the long window, e.g. 1h)", at: field)
            return nil
        }
        guard let shortField = mapping.present("short") else {
            context.error("\(field.path).short: is required (the short window, e.g. 5m)", at: field)
            return nil
        }
        guard let long = context.duration(longField), let short = context.duration(shortField) else { return nil }
        guard short < long else {
            context.error("\(shortField.path): the short window (\(short.text)) must be shorter than the long window (\(long.text))", at: shortField)
            return nil
        }
        guard long <= window.nominalLength else {
            context.error("\(longField.path): the long window (\(long.text)) is longer than the outcome's window (\(window.nominalLength.text))", at: longField)
            return nil
        }
        let consumedField = mapping.present("budgetConsumed"), burnField = mapping.present("burnRate")
        switch (consumedField, burnField) {
        case (nil, nil):
            context.error("\(field.path): give budgetConsumed (share of the budget, e.g. 2%) or burnRate (e.g. 14.4)", at: field)
            return nil
        case (.some, .some(let burnField)):
            context.error("\(burnField.path): give budgetConsumed or burnRate, not both", at: burnField)
            return nil
        case (.some(let consumedField), nil):
            guard let consumed = context.ratio(consumedField, allowOne: true) else { return nil }
            return BurnRateRule(severity: severity, longWindow: long, shortWindow: short, budgetConsumed: consumed)
        case (nil, .some(let burnField)):
            guard let burn = context.number(burnField) else { return nil }
            guard burn > 0 else {
                context.error("\(burnField.path): a burn rate must be above 0, not \(burn)", at: burnField)
                return nil
            }
            return BurnRateRule(severity: severity, longWindow: long, shortWindow: short, burnRate: burn)
        }
    }
}
