import Foundation
import GoalpostModel
import Yams

/// A line and column in a file (1-based).
public struct SourceLocation: Hashable, Sendable {
    public var line: Int
    public var column: Int
}

/// YAML nodes to `DocumentValue`s and back: scalars keep their resolved type (a quoted "0.99" stays a string,
/// a plain 0.99 a number), mappings their key order.
enum DocumentYAML {
    static func value(_ node: Node) -> DocumentValue {
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case YAMLTags.null: return .null
            case YAMLTags.bool: return Bool.construct(from: scalar).map(DocumentValue.bool) ?? .string(scalar.string)
            case YAMLTags.int: return Int64(scalar.string).map(DocumentValue.int) ?? Double.construct(from: scalar).map(DocumentValue.double) ?? .string(scalar.string)
            case YAMLTags.float: return Double.construct(from: scalar).map(DocumentValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            return .list(sequence.map(value))
        case .mapping(let mapping):
            return .map(mapping.map { pair in (pair.key.string ?? "\(pair.key)", value(pair.value)) })
        case .alias:
            return .null
        }
    }

    static func node(_ value: DocumentValue) -> Node {
        switch value {
        case .null: return Node("null", .init(.null))
        case .bool(let flag): return Node(flag ? "true" : "false", .init(.bool))
        case .int(let number): return Node(String(number), .init(.int))
        case .double(let number):
            // The shortest text that reads back as the same double. YAML 1.1 reads a float only with a '.' in its
            // mantissa, so 1e-05 is written 1.0e-05 (a whole number keeps its ".0" already).
            var text = "\(number)"
            if number.isNaN {
                text = ".nan"
            } else if number.isInfinite {
                text = number > 0 ? ".inf" : "-.inf"
            } else if !text.contains("."), let exponent = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                text.insert(contentsOf: ".0", at: exponent)
            }
            return Node(text, .init(.float))
        case .string(let text):
            if text.contains("\n") { return Node(text, .init(.str), .literal) }
            return DefinitionWriter.text(text)
        case .list(let values):
            return Node(values.map(node), .init(.seq), .block)
        case .map(let pairs):
            return Node(pairs.map { (DefinitionWriter.text($0.key), node($0.value)) }, .init(.map), .block)
        }
    }

    /// Where each value of a document starts, by path (`spec.objectives[0].target`), for diagnostics.
    static func locations(_ node: Node, path: String = "", into map: inout [String: SourceLocation]) {
        if let mark = node.mark { map[path] = SourceLocation(line: mark.line, column: mark.column) }
        switch node {
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() { locations(element, path: "\(path)[\(index)]", into: &map) }
        case .mapping(let mapping):
            for pair in mapping {
                let key = pair.key.string ?? "\(pair.key)"
                locations(pair.value, path: path.isEmpty ? key : "\(path).\(key)", into: &map)
            }
        default:
            break
        }
    }

    /// The location of the deepest value on `path` that exists: `spec.objectives[0].target` when given, else
    /// `spec.objectives[0]`, else `spec.objectives`…
    static func location(of path: String, in map: [String: SourceLocation]) -> SourceLocation? {
        var candidate = Substring(path)
        while !candidate.isEmpty {
            if let found = map[String(candidate)] { return found }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = candidate[..<cut]
        }
        return map[""]
    }

    /// The YAML text of documents (`---` between them).
    static func text(_ values: [DocumentValue]) throws -> String {
        try values.map { try Yams.serialize(node: node($0), width: -1, allowUnicode: true, sortKeys: false) }.joined(separator: "---\n")
    }
}

extension DocumentValue {
    /// Every document of a YAML text (`---` separated), as written.
    public static func documents(yaml: String) throws -> [DocumentValue] {
        let parser = try Parser(yaml: yaml)
        var values: [DocumentValue] = []
        while let root = try parser.nextRoot() { values.append(DocumentYAML.value(root)) }
        return values
    }
}
