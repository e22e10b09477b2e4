import Foundation
import GoalpostModel

/// Loads an outcomes folder: every `.yaml`/`.yml` file below it, validated together.
///
/// Problems are collected, not thrown one at a time, so `goalpost lint` can show them all. Cross-document checks
/// (duplicate names, references to undefined services and parents, parent cycles, unknown tiers) run after
/// every file has been read.
public enum DefinitionLoader {
    /// The result of loading: the catalog of everything that decoded cleanly, and every diagnostic.
    public struct Result: Sendable {
        public var catalog: Catalog
        public var diagnostics: [Diagnostic]
        public var files: [String]

        public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
        public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
    }

    /// Loads every definition file under `paths` (files or folders).
    public static func load(paths: [String]) -> Result {
        var diagnostics: [Diagnostic] = []
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                diagnostics.append(Diagnostic(file: path, line: 1, column: 1, severity: .error, message: "no such file or folder"))
                continue
            }
            if isDirectory.boolValue {
                files += definitionFiles(in: path)
            } else {
                files.append(path)
            }
        }
        var sources: [(file: String, text: String)] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                diagnostics.append(Diagnostic(file: file, line: 1, column: 1, severity: .error, message: "cannot read the file"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                let offset = firstInvalidUTF8Offset(data)
                diagnostics.append(Diagnostic(file: file, line: 1, column: 1, severity: .error, message: "not UTF-8 text (invalid byte at offset \(offset))"))
                continue
            }
            sources.append((file, text))
        }
        var result = load(sources: sources)
        result.diagnostics = diagnostics + result.diagnostics
        result.files = files
        return result
    }

    /// Loads definitions from texts already in memory (`file` names them in diagnostics).
    public static func load(sources: [(file: String, text: String)]) -> Result {
        var diagnostics: [Diagnostic] = []
        var definitions: [(file: String, definition: LocatedDefinition)] = []
        for source in sources {
            let decoded = DefinitionDecoder.decode(yaml: source.text, file: source.file)
            diagnostics += decoded.diagnostics
            definitions += decoded.definitions.map { (source.file, $0) }
        }
        var catalog = Catalog()
        diagnostics += CrossChecks.run(definitions, into: &catalog)
        diagnostics.sort { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
        return Result(catalog: catalog, diagnostics: diagnostics, files: sources.map(\.file))
    }

    /// Loads and throws when there is any error; the catalog otherwise.
    public static func catalog(paths: [String]) throws(DefinitionsError) -> Catalog {
        let result = load(paths: paths)
        guard result.errors.isEmpty else { throw DefinitionsError(diagnostics: result.diagnostics) }
        return result.catalog
    }

    static func definitionFiles(in folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") { enumerator.skipDescendants(); continue }
            if relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") {
                found.append(folder.hasSuffix("/") ? folder + relative : folder + "/" + relative)
            }
        }
        return found.sorted()
    }

    static func firstInvalidUTF8Offset(_ data: Data) -> Int {
        var decoder = UTF8()
        var iterator = data.makeIterator()
        var offset = 0
        var consumed = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += String(scalar).utf8.count
                consumed = offset
            case .emptyInput: return consumed
            case .error: return consumed
            }
        }
    }
}

/// Checks that need every definition at once.
enum CrossChecks {
    static func run(_ definitions: [(file: String, definition: LocatedDefinition)], into catalog: inout Catalog) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        func error(_ file: String, _ field: Field, _ message: String) {
            diagnostics.append(Diagnostic(file: file, line: field.line, column: field.column, severity: .error, message: message))
        }
        func warning(_ file: String, _ field: Field, _ message: String) {
            diagnostics.append(Diagnostic(file: file, line: field.line, column: field.column, severity: .warning, message: message))
        }

        // Duplicate names per kind (and duplicate external customer ids).
        var firstByKey: [String: (file: String, line: Int)] = [:]
        var kept: [(file: String, definition: LocatedDefinition)] = []
        for entry in definitions {
            let kindName: String
            var keys: [String]
            switch entry.definition.kind {
            case .outcome: kindName = "outcome"; keys = ["outcome/\(entry.definition.name)"]
            case .customer(let customer):
                kindName = "customer"
                keys = ["customer/\(entry.definition.name)", "customer-id/\(customer.id)"]
            case .service: kindName = "service"; keys = ["service/\(entry.definition.name)"]
            case .notificationTarget: kindName = "notification target"; keys = ["target/\(entry.definition.name)"]
            case .escalationPolicy: kindName = "escalation policy"; keys = ["policy/\(entry.definition.name)"]
            case .runbook: kindName = "runbook"; keys = ["runbook/\(entry.definition.name)"]
            case .foreign(let document):
                // Kept as written: names are the other tool's to check.
                kindName = "\(document.apiVersion) \(document.kind)"
                keys = []
            }
            var duplicate = false
            for key in keys {
                if let first = firstByKey[key], !duplicate {
                    let what = key.hasPrefix("customer-id/") ? "external id '\(key.dropFirst(12))'" : "name '\(entry.definition.name)'"
                    error(entry.file, entry.definition.nameField, "metadata.name: \(kindName == "outcome" ? "an" : "a") \(kindName) with the \(what) is already defined at \(first.file):\(first.line)")
                    duplicate = true
                } else {
                    firstByKey[key] = (entry.file, entry.definition.nameField.line)
                }
            }
            if !duplicate { kept.append(entry) }
        }

        for entry in kept {
            switch entry.definition.kind {
            case .outcome(let outcome): catalog.outcomes.append(outcome)
            case .customer(let customer): catalog.customers.append(customer)
            case .service(let service): catalog.services.append(service)
            case .notificationTarget(let target): catalog.notificationTargets.append(target)
            case .escalationPolicy(let policy): catalog.escalationPolicies.append(policy)
            case .runbook(let runbook): catalog.runbooks.append(runbook)
            case .foreign(let document): catalog.foreignDocuments.append(document)
            }
        }

        // Escalation policies name targets and outcomes that exist; runbooks name outcomes that exist.
        let targetNames = Set(catalog.notificationTargets.map(\.name))
        let allOutcomes = Set(catalog.outcomes.map(\.name))
        for entry in kept {
            switch entry.definition.kind {
            case .escalationPolicy(let policy):
                if let field = entry.definition.references["outcomes"] {
                    for outcome in policy.outcomes where !allOutcomes.contains(outcome) {
                        error(entry.file, field, "\(field.path): outcome '\(outcome)' is not defined\(DidYouMean.hint(for: outcome, among: allOutcomes.sorted()))")
                    }
                }
                for (index, step) in policy.steps.enumerated() {
                    guard let field = entry.definition.references["steps[\(index)].targets"] else { continue }
                    if step.targets.isEmpty { error(entry.file, field, "\(field.path): name at least one NotificationTarget") }
                    for target in step.targets where !targetNames.contains(target) {
                        error(entry.file, field, "\(field.path): notification target '\(target)' is not defined\(DidYouMean.hint(for: target, among: targetNames.sorted()))")
                    }
                }
            case .runbook(let runbook):
                if let outcome = runbook.match.outcome, let field = entry.definition.references["outcome"], !allOutcomes.contains(outcome) {
                    error(entry.file, field, "\(field.path): outcome '\(outcome)' is not defined\(DidYouMean.hint(for: outcome, among: allOutcomes.sorted()))")
                }
            default: break
            }
        }

        let serviceNames = Set(catalog.services.map(\.name))
        let outcomeNames = Set(catalog.outcomes.map(\.name))
        let tiers = Set(catalog.customers.compactMap(\.tier))
        var warnedNoServices = false
        for entry in kept {
            guard case .outcome(let outcome) = entry.definition.kind else { continue }
            if let service = outcome.indicator.service, let field = entry.definition.references["service"], !serviceNames.contains(service) {
                if catalog.services.isEmpty {
                    if !warnedNoServices {
                        warning(entry.file, field, "\(field.path): no Service is defined, so '\(service)' cannot be checked; define the services your outcomes use")
                        warnedNoServices = true
                    }
                } else {
                    error(entry.file, field, "\(field.path): service '\(service)' is not defined\(DidYouMean.hint(for: service, among: serviceNames.sorted()))")
                }
            }
            if let parent = outcome.parent, let field = entry.definition.references["parent"] {
                if parent == outcome.name {
                    error(entry.file, field, "\(field.path): an outcome cannot be its own parent")
                } else if !outcomeNames.contains(parent) {
                    error(entry.file, field, "\(field.path): outcome '\(parent)' is not defined\(DidYouMean.hint(for: parent, among: outcomeNames.sorted()))")
                }
            }
            if !tiers.isEmpty {
                for tier in outcome.customers.tierObjectives.keys.sorted() where !tiers.contains(tier) {
                    warning(entry.file, entry.definition.nameField, "spec.customers.objectives.\(tier): no customer has tier '\(tier)'\(DidYouMean.hint(for: tier, among: tiers.sorted()))")
                }
            }
        }

        // Parent cycles (a → b → a): each outcome on a cycle is reported once, at its parent field.
        let parents = Dictionary(catalog.outcomes.compactMap { o in o.parent.map { (o.name, $0) } }, uniquingKeysWith: { a, _ in a })
        for entry in kept {
            guard case .outcome(let outcome) = entry.definition.kind, let field = entry.definition.references["parent"] else { continue }
            var seen: [String] = [outcome.name]
            var current = outcome.parent
            while let next = current, parents[next] != nil || next == outcome.name {
                if next == outcome.name, seen.count > 1 {
                    error(entry.file, field, "\(field.path): parents form a cycle: \((seen + [next]).joined(separator: " → "))")
                    break
                }
                if seen.contains(next) { break }
                seen.append(next)
                current = parents[next]
            }
        }
        return diagnostics
    }
}
