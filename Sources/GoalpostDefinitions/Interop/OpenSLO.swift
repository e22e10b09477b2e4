import Foundation
import GoalpostModel
import Yams

/// OpenSLO in and out (docs/interop.md).
///
/// Import: every document of the files is read as written (`DocumentValue`). Each SLO objective becomes an
/// Outcome carrying the SLO as it was (`x-openslo`); each Service a Service; every other kind (SLI, DataSource,
/// AlertPolicy, AlertCondition, AlertNotificationTarget) is kept as written. Export gives back the kept documents
/// and, for each imported SLO, the original with only what was changed in Goalpost written over it; outcomes
/// written for Goalpost become new SLOs whose annotation `goalpost.dev/outcome` holds the full definition.
public enum OpenSLO {
    /// v2alpha moved to `openslo.com/v2alpha` (Kubernetes-style group); early drafts wrote `openslo/v2alpha`.
    public static let apiVersions = ["openslo/v1", "openslo/v1alpha", "openslo/v2alpha", "openslo.com/v2alpha"]

    static func isAPIVersion(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("openslo/") || lowered.hasPrefix("openslo.com/")
    }

    /// The annotation that carries a Goalpost-native outcome through OpenSLO.
    public static let outcomeAnnotation = "goalpost.dev/outcome"

    /// One document as read, with where it starts.
    public struct Document: Sendable {
        public var apiVersion: String
        public var kind: String
        public var name: String
        public var value: DocumentValue
        public var file: String
        public var line: Int
        public var column: Int
        /// Where each value starts, by path.
        var locations: [String: SourceLocation] = [:]

        /// Where a message about `path…: what` points: the deepest value of the path that exists, else the document.
        func location(ofMessage message: String) -> SourceLocation {
            let path = message.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            guard !path.contains(" ") else { return SourceLocation(line: line, column: column) }
            return DocumentYAML.location(of: path, in: locations) ?? SourceLocation(line: line, column: column)
        }
    }

    public struct ImportResult: Sendable {
        /// Outcomes, services and kept documents.
        public var catalog = Catalog()
        public var diagnostics: [Diagnostic] = []
        public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    }

    // MARK: Reading

    /// Reads the OpenSLO documents of some files: single documents, `---` separated ones and YAML lists.
    public static func read(sources: [(file: String, text: String)]) -> (documents: [Document], diagnostics: [Diagnostic]) {
        var documents: [Document] = []
        var diagnostics: [Diagnostic] = []
        for source in sources {
            do {
                let parser = try Parser(yaml: source.text)
                while let root = try parser.nextRoot() {
                    let nodes: [Node]
                    if case .sequence(let list) = root { nodes = Array(list) } else { nodes = [root] }
                    for node in nodes {
                        let line = node.mark?.line ?? 1, column = node.mark?.column ?? 1
                        func error(_ message: String) {
                            diagnostics.append(Diagnostic(file: source.file, line: line, column: column, severity: .error, message: message))
                        }
                        if case .scalar = node, node.tag.rawValue == YAMLTags.null { continue }
                        let value = DocumentYAML.value(node)
                        guard value.pairs != nil else {
                            error("expected an OpenSLO document (a mapping with apiVersion, kind, metadata, spec)")
                            continue
                        }
                        guard let apiVersion = value["apiVersion"]?.string else {
                            error("apiVersion: is required")
                            continue
                        }
                        guard apiVersions.contains(apiVersion) else {
                            error("apiVersion: '\(apiVersion)' is not an OpenSLO version Goalpost reads (\(apiVersions.joined(separator: ", ")))")
                            continue
                        }
                        guard let kind = value["kind"]?.string else {
                            error("kind: is required")
                            continue
                        }
                        guard let name = value["metadata"]?["name"]?.string else {
                            error("metadata.name: is required")
                            continue
                        }
                        var document = Document(apiVersion: apiVersion, kind: kind, name: name, value: value, file: source.file, line: line, column: column)
                        DocumentYAML.locations(node, into: &document.locations)
                        documents.append(document)
                    }
                }
            } catch let error as YamlError {
                diagnostics.append(DefinitionDecoder.diagnostic(for: error, file: source.file, yaml: source.text))
            } catch {
                diagnostics.append(Diagnostic(file: source.file, line: 1, column: 1, severity: .error, message: "could not read YAML: \(error)"))
            }
        }
        return (documents, diagnostics)
    }

    /// Reads files and folders (every .yaml and .yml file in a folder, recursively).
    public static func importFiles(_ paths: [String]) -> ImportResult {
        let (sources, problems) = readSources(paths)
        let read = read(sources: sources)
        var converted = convert(read.documents)
        converted.diagnostics = problems + read.diagnostics + converted.diagnostics
        return converted
    }

    /// The texts of files and folders (every .yaml and .yml file in a folder, recursively), and what could not be read.
    static func readSources(_ paths: [String]) -> (sources: [(file: String, text: String)], diagnostics: [Diagnostic]) {
        var sources: [(file: String, text: String)] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                diagnostics.append(Diagnostic(file: path, line: 1, column: 1, severity: .error, message: "no such file or folder"))
                continue
            }
            for file in isFolder.boolValue ? DefinitionLoader.definitionFiles(in: path) : [path] {
                guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                    diagnostics.append(Diagnostic(file: file, line: 1, column: 1, severity: .error, message: "cannot be read as UTF-8 text"))
                    continue
                }
                sources.append((file, text))
            }
        }
        return (sources, diagnostics)
    }

    // MARK: Conversion

    /// Turns documents into Goalpost definitions; what has no equivalent is kept as written.
    public static func convert(_ documents: [Document]) -> ImportResult {
        var result = ImportResult()
        let slis = Dictionary(documents.filter { $0.kind == "SLI" }.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let dataSources = Dictionary(documents.filter { $0.kind == "DataSource" }.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for document in documents {
            func diagnose(_ severity: Diagnostic.Severity, _ message: String) {
                let place = document.location(ofMessage: message)
                result.diagnostics.append(Diagnostic(file: document.file, line: place.line, column: place.column, severity: severity,
                                                     message: "\(document.kind) '\(document.name)': \(message)"))
            }
            switch document.kind {
            case "SLO":
                let outcomes = outcomes(from: document.value, slis: slis.mapValues(\.value), dataSources: dataSources.mapValues(\.value), report: diagnose)
                result.catalog.outcomes += outcomes
            case "Service":
                let service = Service(name: document.name, description: document.value["spec"]?["description"]?.string,
                                      origin: SpecOrigin(format: .openslo, document: document.value))
                if !DefinitionDecoder.isValidServiceName(document.name) {
                    diagnose(.error, "metadata.name: '\(document.name)' is not a valid service name")
                } else if result.catalog.services.contains(where: { $0.name == document.name }) {
                    diagnose(.warning, "a service of this name was imported already; this one is kept as written, for export")
                    result.catalog.foreignDocuments.append(ForeignDocument(apiVersion: document.apiVersion, kind: document.kind, name: document.name, document: document.value))
                } else {
                    result.catalog.services.append(service)
                }
            default:
                result.catalog.foreignDocuments.append(ForeignDocument(apiVersion: document.apiVersion, kind: document.kind, name: document.name, document: document.value))
            }
        }
        return result
    }

    /// The outcomes of one SLO document: one per objective.
    static func outcomes(
        from slo: DocumentValue, slis: [String: DocumentValue], dataSources: [String: DocumentValue],
        report: (Diagnostic.Severity, String) -> Void
    ) -> [Outcome] {
        let name = slo["metadata"]?["name"]?.string ?? ""
        let spec = slo["spec"] ?? .map([])
        // A Goalpost outcome that went out through OpenSLO comes back whole.
        if let carried = slo["metadata"]?["annotations"]?[outcomeAnnotation]?.string {
            let loaded = DefinitionLoader.load(sources: [("\(name) (annotation \(outcomeAnnotation))", carried)])
            for diagnostic in loaded.diagnostics where diagnostic.severity == .error { report(.error, diagnostic.description) }
            if loaded.errors.isEmpty, let outcome = loaded.catalog.outcomes.first { return [outcome] }
            return []
        }
        let objectives = spec["objectives"]?.list ?? []
        guard !objectives.isEmpty else {
            report(.error, "spec.objectives: at least one objective is required")
            return []
        }
        guard DefinitionDecoder.isValidName(name) else {
            report(.error, "metadata.name: '\(name)' is not a valid outcome name (lower-case letters, digits and '-')")
            return []
        }
        var outcomes: [Outcome] = []
        for (index, objective) in objectives.enumerated() {
            let path = "spec.objectives[\(index)]"
            var target = objective["target"]?.number
            if target == nil, let percent = objective["targetPercent"]?.number { target = percent / 100 }
            guard let target, target > 0, target < 1 else {
                report(.error, "\(path).target: a target between 0 and 1 (or targetPercent) is required")
                continue
            }
            // The indicator: the objective's own (v1 composite, v1alpha ratioMetrics), else the SLO's.
            let indicator = indicator(objective: objective, spec: spec, slis: slis, dataSources: dataSources, path: path, report: report)
            guard let indicator else { continue }
            var outcome = Outcome(name: outcomes.isEmpty && objectives.count == 1 ? name : partName(name, objective, index),
                                  statement: spec["description"]?.string ?? slo["metadata"]?["displayName"]?.string ?? "Imported from the OpenSLO SLO '\(name)'.",
                                  indicator: indicator, objective: target)
            outcome.displayName = [slo["metadata"]?["displayName"]?.string, objectives.count > 1 ? objective["displayName"]?.string : nil]
                .compactMap { $0 }.joined(separator: ": ").nilIfEmpty
            outcome.labels = labels(slo["metadata"]?["labels"])
            outcome.annotations = (slo["metadata"]?["annotations"]?.pairs ?? []).reduce(into: [:]) { $0[$1.key] = $1.value.string ?? "" }
            outcome.window = window(spec, report: report) ?? outcome.window
            outcome.budgeting = budgeting(spec, objective: objective, path: path, report: report)
            outcome.origin = SpecOrigin(format: .openslo, part: index, document: slo)
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// `NAME-DISPLAYNAME` (slugged) or `NAME-N` for the objectives of an SLO with several.
    static func partName(_ name: String, _ objective: DocumentValue, _ index: Int) -> String {
        let slug = (objective["displayName"]?.string ?? "").lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
            .split(separator: "-").joined(separator: "-")
        let candidate = slug.isEmpty ? "\(name)-\(index + 1)" : "\(name)-\(slug)"
        return DefinitionDecoder.isValidName(candidate) ? candidate : "\(name)-\(index + 1)"
    }

    /// OpenSLO v1 labels are a value or a list of values per key; Goalpost keeps one text (the list joined with ",").
    static func labels(_ value: DocumentValue?) -> [String: String] {
        (value?.pairs ?? []).reduce(into: [:]) { labels, pair in
            switch pair.value {
            case .list(let values): labels[pair.key] = values.compactMap { $0.string ?? $0.number.map { "\($0)" } }.joined(separator: ",")
            default: labels[pair.key] = pair.value.string ?? pair.value.number.map { "\($0)" } ?? ""
            }
        }
    }

    static func indicator(
        objective: DocumentValue, spec: DocumentValue, slis: [String: DocumentValue], dataSources: [String: DocumentValue], path: String,
        report: (Diagnostic.Severity, String) -> Void
    ) -> Indicator? {
        // v1alpha: ratioMetrics on the objective, thresholdMetric on spec.indicator.
        if let ratio = objective["ratioMetrics"] {
            return ratioIndicator(good: ratio["good"], bad: ratio["bad"], total: ratio["total"], counter: ratio["counter"]?.bool ?? false,
                                  dataSources: dataSources, path: "\(path).ratioMetrics", report: report, v1alpha: true)
        }
        // The objective's own indicator (a composite) before the SLO's; each written inline or referred to by name.
        // v2alpha names them `sli` and `sliRef`.
        var sli: DocumentValue?
        for owner in [objective, spec] where sli == nil {
            sli = owner["indicator"] ?? owner["sli"]
            if sli == nil, let reference = owner["indicatorRef"]?.string ?? owner["sliRef"]?.string {
                guard let referenced = slis[reference] else {
                    report(.error, "\(path): the SLI '\(reference)' it refers to (indicatorRef) is not among the imported documents")
                    return nil
                }
                sli = referenced
            }
        }
        guard let sli else {
            report(.error, "spec.indicator: an indicator or indicatorRef is required")
            return nil
        }
        let sliSpec = sli["spec"] ?? sli
        if let ratio = sliSpec["ratioMetric"] {
            if let raw = ratio["raw"] {
                let type = raw["metricSource"]?["type"]?.string ?? "unknown"
                report(.warning, "\(path): a raw ratio metric (\(type)) has no good and total counts for Goalpost to evaluate; kept, not evaluated")
                return Indicator(source: .external, external: ExternalIndicator(type: type, description: "raw \(ratio["rawType"]?.string ?? "") ratio"))
            }
            return ratioIndicator(good: ratio["good"], bad: ratio["bad"], total: ratio["total"], counter: ratio["counter"]?.bool ?? false,
                                  dataSources: dataSources, path: path, report: report, v1alpha: false)
        }
        if let threshold = sliSpec["thresholdMetric"] {
            let type = threshold["metricSource"]?["type"]?.string ?? threshold["source"]?.string ?? "unknown"
            report(.warning, "\(path): a threshold metric (\(type)) compares one value with the objective's op and value; Goalpost counts good and total events, so it is kept, not evaluated")
            return Indicator(source: .external, external: ExternalIndicator(type: type, description: "threshold metric"))
        }
        report(.error, "\(path): the indicator has neither ratioMetric nor thresholdMetric")
        return nil
    }

    /// A ratio metric's indicator. `counter` (OpenSLO: "true if the metric is a monotonically increasing counter")
    /// goes onto the PromQL indicator, whose source then counts each minute as the counter's rise.
    static func ratioIndicator(
        good: DocumentValue?, bad: DocumentValue?, total: DocumentValue?, counter: Bool, dataSources: [String: DocumentValue], path: String,
        report: (Diagnostic.Severity, String) -> Void, v1alpha: Bool
    ) -> Indicator? {
        // The server's address in a DataSource's connection details (a mapping, or a list of mappings).
        func url(_ details: DocumentValue?) -> String? {
            details?["url"]?.string ?? details?.list?.compactMap { $0["url"]?.string }.first
        }
        // v1: {metricSource: {metricSourceRef, type, spec: {query}}}; v1alpha: {source, queryType, query};
        // v2alpha: {dataSourceRef | dataSourceSpec: {type, connectionDetails}, spec: {query}} (no metricSource).
        func parts(_ value: DocumentValue?) -> (type: String, query: String?, url: String?)? {
            guard let value else { return nil }
            if v1alpha { return (value["source"]?.string ?? "unknown", value["query"]?.string, nil) }
            if value["metricSource"] == nil, value["dataSourceRef"] != nil || value["dataSourceSpec"] != nil {
                let source = value["dataSourceSpec"] ?? value["dataSourceRef"]?.string.flatMap { dataSources[$0]?["spec"] }
                return (source?["type"]?.string ?? "unknown", value["spec"]?["query"]?.string, url(source?["connectionDetails"]))
            }
            let source = value["metricSource"] ?? value
            let reference = source["metricSourceRef"]?.string
            return (source["type"]?.string ?? "unknown", source["spec"]?["query"]?.string,
                    reference.flatMap { url(dataSources[$0]?["spec"]?["connectionDetails"]) })
        }
        guard let totalParts = parts(total) else {
            report(.error, "\(path): a ratio metric needs total, and good or bad")
            return nil
        }
        let goodParts = parts(good), badParts = parts(bad)
        guard goodParts != nil || badParts != nil else {
            report(.error, "\(path): a ratio metric needs good or bad besides total")
            return nil
        }
        let type = totalParts.type
        guard type.lowercased() == "prometheus", let totalQuery = totalParts.query,
              (goodParts?.query ?? badParts?.query) != nil else {
            report(.warning, "\(path): measured by \(type), which Goalpost does not query; kept, not evaluated")
            return Indicator(source: .external, external: ExternalIndicator(type: type, description: "ratio metric"))
        }
        // The server's address: from the DataSource the metric source refers to, or the one written inline.
        return Indicator(source: .prometheus, prometheus: PrometheusIndicator(url: totalParts.url, good: goodParts?.query, bad: badParts?.query, total: totalQuery,
                                                                              counter: counter))
    }

    static func window(_ spec: DocumentValue, report: (Diagnostic.Severity, String) -> Void) -> BudgetWindow? {
        // v1: timeWindow: [{duration: 28d, isRolling: true, calendar: {startTime, timeZone}}]; v1alpha: timeWindows: [{unit, count, …}].
        if let first = spec["timeWindow"]?.list?.first {
            guard let duration = first["duration"]?.string else { return nil }
            let rolling = first["isRolling"]?.bool ?? false
            if rolling {
                if let span = span(duration) { return .rolling(span) }
                report(.warning, "spec.timeWindow[0].duration: '\(duration)' is not a duration Goalpost reads; 30 days assumed")
                return nil
            }
            let zone = first["calendar"]?["timeZone"]?.string ?? "UTC"
            if let period = period(duration) { return .calendar(period, timeZone: zone) }
            let minutes = duration.hasSuffix("m") ? " ('m' is minutes; a month is 'M')" : ""
            if let span = span(duration), span >= .days(1) {
                report(.warning, "spec.timeWindow[0].duration: a calendar window of '\(duration)' has no Goalpost equivalent (1d, 1w, 1M, 1Q, 1Y); a rolling window of \(duration) is evaluated")
                return .rolling(span)
            }
            report(.warning, "spec.timeWindow[0].duration: a calendar window of '\(duration)'\(minutes) has no Goalpost equivalent (1d, 1w, 1M, 1Q, 1Y); 30 days rolling is evaluated (the original is kept for export)")
            return nil
        }
        if let first = spec["timeWindows"]?.list?.first, let unit = first["unit"]?.string, let count = first["count"]?.number {
            let letter = ["second": "s", "minute": "m", "hour": "h", "day": "d", "week": "w", "month": "M", "quarter": "Q", "year": "Y"][unit.lowercased()] ?? unit
            let duration = "\(Int(count))\(letter)"
            if first["isRolling"]?.bool ?? false { return span(duration).map { .rolling($0) } }
            return period(duration).map { .calendar($0, timeZone: first["calendar"]?["timeZone"]?.string ?? "UTC") } ?? span(duration).map { .rolling($0) }
        }
        return nil
    }

    /// An OpenSLO duration (`28d`, `1w`, `2h`, `1M`…) as a span; months, quarters and years nominal (30, 90, 365 days).
    static func span(_ duration: String) -> TimeSpan? {
        guard let unit = duration.last, let count = Int64(duration.dropLast()), count > 0 else { return nil }
        switch unit {
        case "M": return .days(30 * count)
        case "Q": return .days(90 * count)
        case "Y": return .days(365 * count)
        case "w": return .days(7 * count)
        default: return TimeSpan(parsing: duration)
        }
    }

    static func period(_ duration: String) -> CalendarPeriod? {
        ["1d": .day, "1w": .week, "1M": .month, "1Q": .quarter, "1Y": .year][duration]
    }

    static func budgeting(_ spec: DocumentValue, objective: DocumentValue, path: String, report: (Diagnostic.Severity, String) -> Void) -> BudgetingMethod {
        let method = spec["budgetingMethod"]?.string ?? "Occurrences"
        let slice = objective["timeSliceWindow"]?.string.flatMap(span) ?? objective["timeSliceWindow"]?.number.map { .seconds(Int64($0)) }
        switch method {
        case "Timeslices":
            guard let slice, let threshold = objective["timeSliceTarget"]?.number else {
                report(.warning, "\(path): Timeslices needs timeSliceWindow and timeSliceTarget; occurrences assumed")
                return .occurrences
            }
            return .timeslices(slice: slice, threshold: threshold)
        case "RatioTimeslices":
            guard let slice else {
                report(.warning, "\(path): RatioTimeslices needs timeSliceWindow; occurrences assumed")
                return .occurrences
            }
            return .ratioTimeslices(slice: slice)
        default:
            return .occurrences
        }
    }

    // MARK: Export

    /// The OpenSLO documents for a catalog: imported SLOs with Goalpost's changes written over them, new SLOs
    /// for outcomes written for Goalpost, services, and every kept document.
    public static func export(_ catalog: Catalog) throws -> [DocumentValue] {
        var documents: [DocumentValue] = []
        var done = Set<String>()
        for outcome in catalog.outcomes {
            if let origin = outcome.origin, origin.format == .openslo {
                let key = origin.document["metadata"]?["name"]?.string ?? outcome.name
                guard !done.contains(key) else { continue }
                done.insert(key)
                let parts = catalog.outcomes.filter { $0.origin?.format == .openslo && $0.origin?.document == origin.document }
                documents.append(overlay(origin.document, with: parts, catalog: catalog))
            } else {
                documents.append(try native(outcome))
            }
        }
        for service in catalog.services {
            if let origin = service.origin, origin.format == .openslo {
                documents.append(origin.document)
            } else {
                var spec: [(key: String, value: DocumentValue)] = []
                if let description = service.description { spec.append(("description", .string(description))) }
                documents.append(.map([("apiVersion", .string("openslo/v1")), ("kind", .string("Service")),
                                       ("metadata", .map([("name", .string(service.name))])), ("spec", .map(spec))]))
            }
        }
        documents += catalog.foreignDocuments.filter { isAPIVersion($0.apiVersion) }.map(\.document)
        return documents
    }

    /// The original SLO, with the objectives, window and budgeting the outcomes now have where they differ from
    /// what the original imports as.
    static func overlay(_ slo: DocumentValue, with parts: [Outcome], catalog: Catalog) -> DocumentValue {
        let slis = Dictionary(catalog.foreignDocuments.filter { $0.kind == "SLI" }.map { ($0.name, $0.document) }, uniquingKeysWith: { first, _ in first })
        let sources = Dictionary(catalog.foreignDocuments.filter { $0.kind == "DataSource" }.map { ($0.name, $0.document) }, uniquingKeysWith: { first, _ in first })
        let original = outcomes(from: slo, slis: slis, dataSources: sources) { _, _ in }
        var spec = slo["spec"] ?? .map([])
        var objectives = spec["objectives"]?.list ?? []
        for part in parts {
            guard let index = part.origin?.part, objectives.indices.contains(index) else { continue }
            let before = original.first { $0.origin?.part == index }
            if before?.objective != part.objective {
                objectives[index] = objectives[index].removing("targetPercent").setting("target", to: .double(part.objective))
            }
            if before?.budgeting != part.budgeting {
                switch part.budgeting {
                case .occurrences: spec = spec.setting("budgetingMethod", to: .string("Occurrences"))
                case .timeslices(let slice, let threshold):
                    spec = spec.setting("budgetingMethod", to: .string("Timeslices"))
                    objectives[index] = objectives[index].setting("timeSliceTarget", to: .double(threshold)).setting("timeSliceWindow", to: .string(slice.text))
                case .ratioTimeslices(let slice):
                    spec = spec.setting("budgetingMethod", to: .string("RatioTimeslices"))
                    objectives[index] = objectives[index].setting("timeSliceWindow", to: .string(slice.text))
                }
            }
            if before?.window != part.window { spec = spec.setting("timeWindow", to: .list([windowValue(part.window)])).removing("timeWindows") }
            if let counter = part.indicator.prometheus?.counter, let was = before?.indicator.prometheus?.counter, counter != was {
                // Where the ratio metric is written in the SLO: the objective's own (v1alpha, composites), else the SLO's.
                // One in a referenced SLI document stays as that document has it.
                if objectives[index]["ratioMetrics"] != nil {
                    objectives[index] = objectives[index].setting(path: ["ratioMetrics", "counter"], to: .bool(counter))
                } else if let key = ["indicator", "sli"].first(where: { objectives[index][$0]?["spec"]?["ratioMetric"] != nil }) {
                    objectives[index] = objectives[index].setting(path: [key, "spec", "ratioMetric", "counter"], to: .bool(counter))
                } else if let key = ["indicator", "sli"].first(where: { spec[$0]?["spec"]?["ratioMetric"] != nil }) {
                    spec = spec.setting(path: [key, "spec", "ratioMetric", "counter"], to: .bool(counter))
                }
            }
        }
        spec = spec.setting("objectives", to: .list(objectives))
        return slo.setting("spec", to: spec)
    }

    static func windowValue(_ window: BudgetWindow) -> DocumentValue {
        switch window {
        case .rolling(let span): return .map([("duration", .string(span.openSLODuration)), ("isRolling", .bool(true))])
        case .calendar(let period, let zone):
            let letter = ["day": "1d", "week": "1w", "month": "1M", "quarter": "1Q", "year": "1Y"][period.rawValue] ?? "1M"
            return .map([("duration", .string(letter)), ("isRolling", .bool(false)),
                         ("calendar", .map([("startTime", .string("2020-01-01 00:00:00")), ("timeZone", .string(zone))]))])
        }
    }

    /// A new SLO for an outcome written for Goalpost: what OpenSLO can say, and the whole definition in an annotation.
    static func native(_ outcome: Outcome) throws -> DocumentValue {
        var metadata: [(key: String, value: DocumentValue)] = [("name", .string(outcome.name))]
        if let displayName = outcome.displayName { metadata.append(("displayName", .string(displayName))) }
        if !outcome.labels.isEmpty { metadata.append(("labels", .map(outcome.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))) }
        var annotations = outcome.annotations.sorted { $0.key < $1.key }.map { (key: $0.key, value: DocumentValue.string($0.value)) }
        annotations.append((outcomeAnnotation, .string(try DefinitionWriter.yaml(for: outcome))))
        metadata.append(("annotations", .map(annotations)))
        func source(_ query: String) -> DocumentValue {
            .map([("metricSource", .map([("type", .string("Prometheus")), ("spec", .map([("query", .string(query))]))]))])
        }
        // A Goalpost-counted or windowed PromQL indicator gives counts per window, not a cumulative counter.
        var ratio: [(key: String, value: DocumentValue)] = [("counter", .bool(outcome.indicator.prometheus?.counter ?? false))]
        if let prometheus = outcome.indicator.prometheus {
            if let good = prometheus.good { ratio.append(("good", source(good))) }
            if let bad = prometheus.bad { ratio.append(("bad", source(bad))) }
            ratio.append(("total", source(prometheus.total)))
        } else {
            // Goalpost counts the events itself: the metric source names Goalpost and what it selects.
            let selection = DocumentValue.map([("metricSource", .map([("type", .string("Goalpost")),
                                                                       ("spec", .map([("outcome", .string(outcome.name)), ("source", .string(outcome.indicator.source.rawValue))]))]))])
            ratio.append(("good", selection))
            ratio.append(("total", selection))
        }
        var objective: [(key: String, value: DocumentValue)] = [("target", .double(outcome.objective))]
        var method = "Occurrences"
        switch outcome.budgeting {
        case .occurrences: break
        case .timeslices(let slice, let threshold):
            method = "Timeslices"
            objective += [("timeSliceTarget", .double(threshold)), ("timeSliceWindow", .string(slice.text))]
        case .ratioTimeslices(let slice):
            method = "RatioTimeslices"
            objective.append(("timeSliceWindow", .string(slice.text)))
        }
        let spec: [(key: String, value: DocumentValue)] = [
            ("description", .string(outcome.statement)),
            ("service", .string(outcome.indicator.service ?? outcome.owner ?? outcome.name)),
            ("indicator", .map([("metadata", .map([("name", .string("\(outcome.name)-sli"))])), ("spec", .map([("ratioMetric", .map(ratio))]))])),
            ("timeWindow", .list([windowValue(outcome.window)])),
            ("budgetingMethod", .string(method)),
            ("objectives", .list([.map(objective)])),
        ]
        return .map([("apiVersion", .string("openslo/v1")), ("kind", .string("SLO")), ("metadata", .map(metadata)), ("spec", .map(spec))])
    }

    /// The documents as YAML text, `---` between them.
    public static func yaml(_ documents: [DocumentValue]) throws -> String { try DocumentYAML.text(documents) }
}

extension TimeSpan {
    /// The largest whole OpenSLO unit: `28d`, `1w` stays `7d` (OpenSLO reads both), `2h`, `90s`.
    var openSLODuration: String {
        let seconds = nanoseconds / 1_000_000_000
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension DocumentValue {
    /// The value with the one at `path` (mapping keys) set, the mappings on the way made when missing.
    func setting(path: [String], to value: DocumentValue) -> DocumentValue {
        guard let key = path.first else { return value }
        return setting(key, to: (self[key] ?? .map([])).setting(path: Array(path.dropFirst()), to: value))
    }
}
