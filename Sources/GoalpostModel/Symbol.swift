/// An interned string: attribute keys and string values travel as small integers past the decoder.
///
/// Comparing two symbols is an integer comparison; a string is stored once per `SymbolTable`.
public struct Symbol: Hashable, Sendable, Codable, Comparable {
    /// The index in the owning `SymbolTable`.
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static func < (lhs: Symbol, rhs: Symbol) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Interns strings to `Symbol`s. Not shared: each pipeline owns one and passes it where needed.
///
/// The empty string is always symbol 0, so a zeroed symbol is a valid "nothing".
public struct SymbolTable: Sendable {
    private var strings: [String] = [""]
    private var ids: [String: Symbol] = ["": Symbol(rawValue: 0)]

    public init() {}

    /// The symbol of the empty string.
    public static let empty = Symbol(rawValue: 0)

    /// How many distinct strings are interned.
    public var count: Int { strings.count }

    /// The symbol for `string`, adding it if it is new.
    public mutating func intern(_ string: String) -> Symbol {
        if let id = ids[string] { return id }
        let id = Symbol(rawValue: UInt32(truncatingIfNeeded: strings.count))
        strings.append(string)
        ids[string] = id
        return id
    }

    /// The symbol for `string` if it was interned, without adding it.
    public func lookup(_ string: String) -> Symbol? { ids[string] }

    /// The string of a symbol from this table; the empty string for a symbol it never issued.
    public subscript(symbol: Symbol) -> String {
        let index = Int(symbol.rawValue)
        return index < strings.count ? strings[index] : ""
    }
}
