import Foundation
import GoalpostModel
import Yams

/// A YAML node together with the dotted path that leads to it (`spec.indicator.source`), for messages.
struct Field {
    let node: Node
    let path: String

    var line: Int { node.mark?.line ?? 1 }
    var column: Int { node.mark?.column ?? 1 }

    /// The path of a child: `spec` + `indicator` → `spec.indicator`; `rules` + 2 → `rules[2]`.
    func child(_ key: String, _ node: Node) -> Field { Field(node: node, path: path.isEmpty ? key : "\(path).\(key)") }
    func element(_ index: Int, _ node: Node) -> Field { Field(node: node, path: "\(path)[\(index)]") }

    /// What kind of node this is, for "expected a string, found a mapping".
    var kindName: String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case YAMLTags.null: "nothing (null)"
            case YAMLTags.bool: "a boolean"
            case YAMLTags.int: "a number"
            case YAMLTags.float: "a number"
            default: "a string"
            }
        }
    }

    var isNull: Bool {
        // Node.tag resolves plain scalars (`~`, `null`, empty) through the resolver; Scalar.tag does not.
        if case .scalar = node { return node.tag.rawValue == YAMLTags.null }
        return false
    }
}

/// The keys of one YAML mapping, checked for duplicates and for keys this place does not know.
struct Mapping {
    let field: Field
    private(set) var entries: [(key: String, keyNode: Node, value: Node)] = []

    func value(_ key: String) -> Field? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        return field.child(key, entry.value)
    }

    /// The value unless it is absent or null (`owner:` with nothing after it reads as absent).
    func present(_ key: String) -> Field? {
        guard let value = value(key), !value.isNull else { return nil }
        return value
    }

    func keyField(_ key: String) -> Field? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        return field.child(key, entry.keyNode)
    }

    var keys: [String] { entries.map(\.key) }

    init?(_ field: Field, context: inout DecodingContext) {
        guard case .mapping(let mapping) = field.node else { return nil }
        self.field = field
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                context.error("\(field.path.isEmpty ? "" : field.path + ": ")keys must be plain strings", at: Field(node: keyNode, path: field.path))
                continue
            }
            let key = scalar.string
            if let first = entries.first(where: { $0.key == key }) {
                let where_ = first.keyNode.mark.map { "line \($0.line)" } ?? "earlier"
                context.error("\(field.child(key, keyNode).path): duplicate key (first given at \(where_))", at: Field(node: keyNode, path: key))
                continue
            }
            entries.append((key, keyNode, value))
        }
    }

    /// Reports every key not in `allowed`, suggesting the closest allowed one.
    func rejectUnknownKeys(allowed: [String], context: inout DecodingContext) {
        for entry in entries where !allowed.contains(entry.key) {
            let path = field.child(entry.key, entry.keyNode).path
            let hint = DidYouMean.hint(for: entry.key, among: allowed)
            context.error("\(path): unknown key\(hint)", at: Field(node: entry.keyNode, path: path))
        }
    }
}

/// Collects diagnostics while one file is decoded, and reads typed values out of YAML nodes.
struct DecodingContext {
    let file: String
    var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func error(_ message: String, at field: Field) {
        diagnostics.append(Diagnostic(file: file, line: field.line, column: field.column, severity: .error, message: message))
    }

    mutating func warning(_ message: String, at field: Field) {
        diagnostics.append(Diagnostic(file: file, line: field.line, column: field.column, severity: .warning, message: message))
    }

    mutating func error(_ message: String, line: Int, column: Int) {
        diagnostics.append(Diagnostic(file: file, line: line, column: column, severity: .error, message: message))
    }

    // MARK: Typed reads. Each returns nil after reporting an error when the node has the wrong shape.

    mutating func mapping(_ field: Field) -> Mapping? {
        if let mapping = Mapping(field, context: &self) { return mapping }
        error("\(field.path): expected a mapping, found \(field.kindName)", at: field)
        return nil
    }

    mutating func string(_ field: Field) -> String? {
        guard case .scalar(let scalar) = field.node, field.node.tag.rawValue != YAMLTags.null else {
            error("\(field.path): expected a string, found \(field.kindName)", at: field)
            return nil
        }
        return scalar.string
    }

    /// A required, non-empty string.
    mutating func requiredString(_ key: String, in mapping: Mapping) -> String? {
        guard let field = mapping.value(key) else {
            error("\(mapping.field.child(key, mapping.field.node).path): is required", at: mapping.field)
            return nil
        }
        guard let text = string(field) else { return nil }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            error("\(field.path): must not be empty", at: field)
            return nil
        }
        return text
    }

    mutating func optionalString(_ key: String, in mapping: Mapping) -> String? {
        guard let field = mapping.present(key) else { return nil }
        return string(field)
    }

    mutating func int(_ field: Field) -> Int? {
        guard case .scalar(let scalar) = field.node, let value = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            error("\(field.path): expected a whole number, found \(describe(field))", at: field)
            return nil
        }
        return value
    }

    mutating func number(_ field: Field) -> Double? {
        guard case .scalar(let scalar) = field.node, field.node.tag.rawValue != YAMLTags.null,
              let value = Double(scalar.string.replacingOccurrences(of: "_", with: "")), value.isFinite
        else {
            error("\(field.path): expected a number, found \(describe(field))", at: field)
            return nil
        }
        return value
    }

    mutating func bool(_ field: Field) -> Bool? {
        guard case .scalar(let scalar) = field.node else {
            error("\(field.path): expected true or false, found \(field.kindName)", at: field)
            return nil
        }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error("\(field.path): expected true or false, found \(describe(field))", at: field)
            return nil
        }
    }

    mutating func duration(_ field: Field) -> TimeSpan? {
        guard case .scalar(let scalar) = field.node, field.node.tag.rawValue != YAMLTags.null else {
            error("\(field.path): expected a duration such as 5m or 30d, found \(field.kindName)", at: field)
            return nil
        }
        guard let span = TimeSpan(parsing: scalar.string) else {
            error("\(field.path): '\(scalar.string)' is not a duration (use a number and a unit: ns, us, ms, s, m, h, d, w; e.g. 5m, 30d)", at: field)
            return nil
        }
        guard span.nanoseconds > 0 else {
            error("\(field.path): must be longer than zero", at: field)
            return nil
        }
        return span
    }

    /// A ratio written as `99.9%` or `0.999`, strictly between 0 and 1 unless `allowOne`.
    mutating func ratio(_ field: Field, allowOne: Bool = false) -> Double? {
        guard case .scalar(let scalar) = field.node, field.node.tag.rawValue != YAMLTags.null else {
            error("\(field.path): expected a percentage such as 99.9% or a ratio such as 0.999, found \(field.kindName)", at: field)
            return nil
        }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        let value: Double
        if text.hasSuffix("%") {
            // "99.9%" → 99.9e-2, parsed in one step so the result is the correctly rounded 0.999.
            guard let parsed = Double(text.dropLast().trimmingCharacters(in: .whitespaces) + "e-2"), parsed.isFinite else {
                error("\(field.path): '\(text)' is not a percentage", at: field)
                return nil
            }
            value = parsed
        } else {
            guard let parsed = Double(text), parsed.isFinite else {
                error("\(field.path): '\(text)' is not a percentage such as 99.9% or a ratio such as 0.999", at: field)
                return nil
            }
            if parsed >= 50, parsed < 100 {
                error("\(field.path): \(text) is not between 0 and 1 (did you mean \(text)%?)", at: field)
                return nil
            }
            value = parsed
        }
        let upperOK = allowOne ? value <= 1 : value < 1
        guard value > 0, upperOK else {
            let range = allowOne ? "between 0 (exclusive) and 1" : "between 0 and 1 (exclusive: an objective of 100% leaves no error budget)"
            error("\(field.path): \(text) is not \(range)", at: field)
            return nil
        }
        return value
    }

    mutating func stringList(_ field: Field) -> [String]? {
        if case .scalar(let scalar) = field.node, field.node.tag.rawValue != YAMLTags.null {
            // A single string where a list is expected is read as a list of one, as Kubernetes tools do.
            return [scalar.string]
        }
        guard case .sequence(let sequence) = field.node else {
            error("\(field.path): expected a list of strings, found \(field.kindName)", at: field)
            return nil
        }
        var out: [String] = []
        for (index, node) in sequence.enumerated() {
            if let text = string(field.element(index, node)) { out.append(text) }
        }
        return out
    }

    mutating func stringMap(_ field: Field) -> [String: String]? {
        guard let mapping = mapping(field) else { return nil }
        var out: [String: String] = [:]
        for key in mapping.keys {
            if let value = mapping.value(key), let text = string(value) { out[key] = text }
        }
        return out
    }

    /// A short rendering of a scalar for messages: `'abc'`, or the node kind.
    func describe(_ field: Field) -> String {
        if case .scalar(let scalar) = field.node, field.node.tag.rawValue != YAMLTags.null { return "'\(scalar.string)'" }
        return field.kindName
    }
}

/// Resolved tag names of plain scalars (Yams keeps `Tag.name` internal; `rawValue` is the same text).
enum YAMLTags {
    static let null = Tag.Name.null.rawValue
    static let bool = Tag.Name.bool.rawValue
    static let int = Tag.Name.int.rawValue
    static let float = Tag.Name.float.rawValue
}
