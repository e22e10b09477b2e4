import Foundation
import GoalpostModel
import Yams

/// One definition read from a file, with where it was written (for cross-document checks).
struct LocatedDefinition {
    enum Kind {
        case outcome(Outcome), customer(Customer), service(Service)
        case notificationTarget(NotificationTarget), escalationPolicy(EscalationPolicy), runbook(Runbook)
        /// An OpenSLO document with no Goalpost equivalent, kept as written (`goalpost import openslo` writes them).
        case foreign(ForeignDocument)
    }
    var kind: Kind
    var name: String
    /// The `metadata.name` node.
    var nameField: Field
    /// Where fields that point to other definitions were written: `service` → its node.
    var references: [String: Field] = [:]
}

/// Decodes `goalpost/v1` documents into model values, collecting every problem instead of stopping at the first.
struct DefinitionDecoder {
    static let apiVersion = "goalpost/v1"
    static let kinds = ["Outcome", "Customer", "Service", "NotificationTarget", "EscalationPolicy", "Runbook"]
    /// Whether `name` is a valid `metadata.name`: lower-case letters, digits and '-', at most 63 characters,
    /// starting and ending with a letter or digit (a Kubernetes DNS label).
    /// Services are named by the `service.name` they report, which OpenTelemetry does not restrict to DNS labels
    /// (`auth_api`, `Checkout.API`), so a service name may also hold capitals, '.', '_' and '/'.
    static func isValidServiceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...255).contains(bytes.count) else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x2F
        }
    }

    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alphanumeric(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard let first = bytes.first, let last = bytes.last, alphanumeric(first), alphanumeric(last) else { return false }
        return bytes.allSatisfy { alphanumeric($0) || $0 == 0x2D }
    }

    /// Decodes every document of one file.
    static func decode(yaml: String, file: String) -> (definitions: [LocatedDefinition], diagnostics: [Diagnostic]) {
        var context = DecodingContext(file: file)
        var definitions: [LocatedDefinition] = []
        do {
            let parser = try Parser(yaml: yaml)
            while let root = try parser.nextRoot() {
                let field = Field(node: root, path: "")
                if case .sequence(let list) = root {
                    // A YAML list of definitions, as OpenSLO tools also accept.
                    for (index, node) in list.enumerated() {
                        if let definition = decodeDocument(field.element(index, node), context: &context) { definitions.append(definition) }
                    }
                } else if !field.isNull {
                    if let definition = decodeDocument(field, context: &context) { definitions.append(definition) }
                }
            }
        } catch let error as YamlError {
            context.diagnostics.append(diagnostic(for: error, file: file, yaml: yaml))
        } catch {
            context.error("could not read YAML: \(error)", line: 1, column: 1)
        }
        return (definitions, context.diagnostics)
    }

    static func diagnostic(for error: YamlError, file: String, yaml: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _), .composer(let context, let problem, let mark, _):
            // libyaml's context says what it was reading and where that began ("while parsing a flow sequence" at 7:15).
            let suffix = context.map { " (\($0.text) that starts at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            return Diagnostic(file: file, line: mark.line, column: mark.column, severity: .error, message: "YAML syntax: \(problem)\(suffix)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKeyDiagnostic(keys: duplicates, mappingStart: context.mark, file: file, yaml: yaml)
        case .reader(let problem, let offset, _, _):
            return Diagnostic(file: file, line: 1, column: 1, severity: .error, message: "YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            return Diagnostic(file: file, line: 1, column: 1, severity: .error, message: "YAML: \(error)")
        }
    }

    /// Yams rejects a mapping with a repeated key before we see its nodes, naming only where the mapping starts.
    /// For a block mapping the keys sit at that column on later lines, so the second occurrence can be found.
    static func duplicateKeyDiagnostic(keys: [String], mappingStart: Mark, file: String, yaml: String) -> Diagnostic {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let indent = String(repeating: " ", count: max(0, mappingStart.column - 1))
        for key in keys {
            var first: Int?
            for lineNumber in mappingStart.line...max(mappingStart.line, lines.count) where lineNumber - 1 < lines.count {
                let line = lines[lineNumber - 1]
                let trimmed = line.drop { $0 == " " }
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                // A line indented less than the keys ends the mapping.
                guard line.hasPrefix(indent) else { break }
                let rest = line.dropFirst(indent.count)
                guard rest.hasPrefix(key + ":") || rest.hasPrefix("\"\(key)\":") || rest.hasPrefix("'\(key)':") else { continue }
                if let first {
                    return Diagnostic(file: file, line: lineNumber, column: mappingStart.column, severity: .error,
                                      message: "\(key): duplicate key (first given at line \(first))")
                }
                first = lineNumber
            }
        }
        let names = keys.map { "'\($0)'" }.joined(separator: ", ")
        return Diagnostic(file: file, line: mappingStart.line, column: mappingStart.column, severity: .error,
                          message: "duplicate key \(names) in the mapping that starts here")
    }

    // MARK: Document envelope

    static func decodeDocument(_ field: Field, context: inout DecodingContext) -> LocatedDefinition? {
        // Any error inside the document, envelope and metadata included, keeps the definition out of the catalog.
        let errorsBefore = context.diagnostics.count { $0.severity == .error }
        guard let document = context.mapping(field) else { return nil }
        if let apiVersion = document.present("apiVersion").flatMap({ context.string($0) }), OpenSLO.isAPIVersion(apiVersion) {
            return decodeForeign(field, document: document, apiVersion: apiVersion, context: &context)
        }
        document.rejectUnknownKeys(allowed: ["apiVersion", "kind", "metadata", "spec"], context: &context)
        guard let apiVersion = context.requiredString("apiVersion", in: document) else { return nil }
        let apiField = document.value("apiVersion") ?? field
        guard apiVersion == Self.apiVersion else {
            let hint: String
            if apiVersion.hasPrefix("sloth") || apiVersion.hasPrefix("prometheus/") {
                hint = " (Sloth specs need converting: goalpost import sloth)"
            } else {
                hint = DidYouMean.hint(for: apiVersion, among: [Self.apiVersion])
            }
            context.error("apiVersion: '\(apiVersion)' is not supported; expected '\(Self.apiVersion)'\(hint)", at: apiField)
            return nil
        }
        guard let kind = context.requiredString("kind", in: document) else { return nil }
        guard Self.kinds.contains(kind) else {
            let kindField = document.value("kind") ?? field
            context.error("kind: unknown kind '\(kind)'\(DidYouMean.hint(for: kind, among: Self.kinds)); expected one of \(Self.kinds.joined(separator: ", "))", at: kindField)
            return nil
        }
        guard let metadataField = document.value("metadata") else {
            context.error("metadata: is required", at: field)
            return nil
        }
        guard let metadata = context.mapping(metadataField) else { return nil }
        metadata.rejectUnknownKeys(allowed: ["name", "displayName", "labels", "annotations"], context: &context)
        guard let name = context.requiredString("name", in: metadata), let nameField = metadata.value("name") else { return nil }
        var nameIsValid = true
        if kind == "Service", !Self.isValidServiceName(name) {
            context.error("metadata.name: '\(name)' is not a valid service name (the service.name your telemetry reports: letters, digits, '.', '_', '-', '/', at most 255 characters)", at: nameField)
            nameIsValid = false
        } else if kind != "Service", !Self.isValidName(name) {
            context.error("metadata.name: '\(name)' is not a valid name (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)", at: nameField)
            nameIsValid = false
        }
        let displayName = context.optionalString("displayName", in: metadata)
        let labels = metadata.present("labels").flatMap { context.stringMap($0) } ?? [:]
        let annotations = metadata.present("annotations").flatMap { context.stringMap($0) } ?? [:]
        let header = Header(name: name, displayName: displayName, labels: labels, annotations: annotations)

        guard let specField = document.value("spec") else {
            context.error("spec: is required", at: field)
            return nil
        }
        guard let spec = context.mapping(specField) else { return nil }
        var references: [String: Field] = [:]
        let decoded: LocatedDefinition.Kind?
        switch kind {
        case "Outcome": decoded = decodeOutcome(spec, header: header, references: &references, context: &context).map { .outcome($0) }
        case "Customer": decoded = decodeCustomer(spec, header: header, context: &context).map { .customer($0) }
        case "NotificationTarget": decoded = decodeNotificationTarget(spec, header: header, context: &context).map { .notificationTarget($0) }
        case "EscalationPolicy": decoded = decodeEscalationPolicy(spec, header: header, references: &references, context: &context).map { .escalationPolicy($0) }
        case "Runbook": decoded = decodeRunbook(spec, header: header, references: &references, context: &context).map { .runbook($0) }
        default: decoded = decodeService(spec, header: header, context: &context).map { .service($0) }
        }
        let errorsAfter = context.diagnostics.count { $0.severity == .error }
        guard let decoded, nameIsValid, errorsAfter == errorsBefore else { return nil }
        return LocatedDefinition(kind: decoded, name: name, nameField: nameField, references: references)
    }

    /// An OpenSLO document in a definitions folder: kept as written, for export. SLOs and SLIs among them are
    /// not evaluated until converted (`goalpost import openslo`), and lint says so.
    static func decodeForeign(_ field: Field, document: Mapping, apiVersion: String, context: inout DecodingContext) -> LocatedDefinition? {
        guard let kind = context.requiredString("kind", in: document) else { return nil }
        let metadata = document.present("metadata").flatMap { context.mapping($0) }
        guard let nameField = metadata?.present("name"), let name = context.string(nameField) else {
            context.error("metadata.name: is required", at: document.value("metadata") ?? field)
            return nil
        }
        if kind == "SLO" || kind == "SLI" {
            context.warning("\(apiVersion) \(kind) '\(name)' is kept as written but not evaluated; convert it with `goalpost import openslo`", at: field)
        }
        let foreign = ForeignDocument(apiVersion: apiVersion, kind: kind, name: name, document: DocumentYAML.value(field.node))
        return LocatedDefinition(kind: .foreign(foreign), name: name, nameField: nameField)
    }

    struct Header {
        var name: String
        var displayName: String?
        var labels: [String: String]
        var annotations: [String: String]
    }
}
