/// A document of another specification (OpenSLO, Sloth) kept as written: scalars with their types, mappings
/// with their key order. Goalpost keeps what it has no equivalent for in this form, so an export gives it back.
public indirect enum DocumentValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([DocumentValue])
    case map([(key: String, value: DocumentValue)])

    /// The value at `key` of a mapping.
    public subscript(key: String) -> DocumentValue? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A number, whichever way it was written.
    public var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        case .string(let text): Double(text)
        default: nil
        }
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var list: [DocumentValue]? {
        if case .list(let values) = self { return values }
        return nil
    }

    public var pairs: [(key: String, value: DocumentValue)]? {
        if case .map(let pairs) = self { return pairs }
        return nil
    }

    /// A mapping with `key` set to `value` (appended when absent, replaced in place when present).
    public func setting(_ key: String, to value: DocumentValue) -> DocumentValue {
        guard case .map(var pairs) = self else { return self }
        if let index = pairs.firstIndex(where: { $0.key == key }) {
            pairs[index].value = value
        } else {
            pairs.append((key, value))
        }
        return .map(pairs)
    }

    /// A mapping without `key`.
    public func removing(_ key: String) -> DocumentValue {
        guard case .map(let pairs) = self else { return self }
        return .map(pairs.filter { $0.key != key })
    }

    public static func == (lhs: DocumentValue, rhs: DocumentValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .int(let value): hasher.combine(value)
        case .double(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .list(let values): hasher.combine(values)
        case .map(let pairs):
            hasher.combine(pairs.count)
            for pair in pairs {
                hasher.combine(pair.key)
                hasher.combine(pair.value)
            }
        }
    }
}

/// JSON: the natural form (a mapping is an object; its key order is kept when encoding, not when decoding).
extension DocumentValue: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: Key.self) {
            self = .map(try container.allKeys.sorted { $0.stringValue < $1.stringValue }.map { ($0.stringValue, try container.decode(DocumentValue.self, forKey: $0)) })
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var values: [DocumentValue] = []
            while !container.isAtEnd { values.append(try container.decode(DocumentValue.self)) }
            self = .list(values)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .map(let pairs):
            var container = encoder.container(keyedBy: Key.self)
            for pair in pairs { try container.encode(pair.value, forKey: Key(stringValue: pair.key)) }
        case .list(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
    }
}

/// Where a definition came from when it was imported from another specification: the format, the original
/// document (an SLI it refers to by name is kept beside it, as a document of its own), and which part of it this
/// definition is (an OpenSLO SLO with several objectives becomes one outcome per objective; a Sloth spec one
/// outcome per SLO).
public struct SpecOrigin: Hashable, Sendable, Codable {
    public enum Format: String, Hashable, Sendable, Codable { case openslo, sloth }

    public var format: Format
    public var part: Int
    public var document: DocumentValue

    public init(format: Format, part: Int = 0, document: DocumentValue) {
        self.format = format
        self.part = part
        self.document = document
    }
}

/// A document of another specification that has no Goalpost equivalent (an OpenSLO DataSource, AlertPolicy…),
/// kept as written so an export gives it back.
public struct ForeignDocument: Hashable, Sendable, Codable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var document: DocumentValue

    public init(apiVersion: String, kind: String, name: String, document: DocumentValue) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.document = document
    }
}
