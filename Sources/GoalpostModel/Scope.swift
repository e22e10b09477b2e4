/// What an evaluation is about: the outcome for everyone, or for one customer.
///
/// Codable as `{"kind":"global"}` or `{"kind":"customer","customer":"acme"}`, the form the backtest
/// JSON and the API use.
public enum Scope: Hashable, Sendable, Comparable {
    case global
    case customer(String)

    /// The customer id, if this is a customer scope.
    public var customer: String? {
        if case .customer(let id) = self { return id }
        return nil
    }
}

extension Scope: Codable {
    private enum CodingKeys: String, CodingKey { case kind, customer }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "global": self = .global
        case "customer": self = .customer(try container.decode(String.self, forKey: .customer))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "scope kind '\(kind)' is neither 'global' nor 'customer'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .global:
            try container.encode("global", forKey: .kind)
        case .customer(let id):
            try container.encode("customer", forKey: .kind)
            try container.encode(id, forKey: .customer)
        }
    }
}

extension Scope: CustomStringConvertible {
    public var description: String {
        switch self {
        case .global: "global"
        case .customer(let id): "customer \(id)"
        }
    }
}
