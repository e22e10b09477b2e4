import Foundation
import GoalpostModel

extension DefinitionDecoder {
    static let customerKeys = ["externalId", "tier", "arr", "region", "contact", "runbook"]
    static let serviceKeys = ["owner", "description", "repository", "sourcePaths", "x-openslo"]

    static func decodeCustomer(_ spec: Mapping, header: Header, context: inout DecodingContext) -> Customer? {
        spec.rejectUnknownKeys(allowed: customerKeys, context: &context)
        var customer = Customer(id: header.name, name: header.displayName, labels: header.labels)
        if let field = spec.present("externalId"), let id = context.string(field) {
            if id.isEmpty { context.error("\(field.path): must not be empty", at: field) } else { customer.id = id }
        }
        customer.tier = context.optionalString("tier", in: spec)
        if let field = spec.present("arr"), let arr = context.number(field) {
            if arr < 0 { context.error("\(field.path): annual revenue cannot be negative (\(arr))", at: field) } else { customer.arr = arr }
        }
        customer.region = context.optionalString("region", in: spec)
        customer.contact = context.optionalString("contact", in: spec)
        if let field = spec.present("runbook"), let link = context.string(field) {
            if URL(string: link)?.scheme == nil {
                context.error("\(field.path): '\(link)' is not a URL", at: field)
            } else {
                customer.runbook = link
            }
        }
        return customer
    }

    static func decodeService(_ spec: Mapping, header: Header, context: inout DecodingContext) -> Service? {
        spec.rejectUnknownKeys(allowed: serviceKeys, context: &context)
        var service = Service(name: header.name)
        service.owner = context.optionalString("owner", in: spec)
        service.description = context.optionalString("description", in: spec)
        service.repository = context.optionalString("repository", in: spec)
        if let field = spec.present("sourcePaths") {
            let paths = context.stringList(field) ?? []
            for path in paths where path.isEmpty || path.hasPrefix("/") {
                context.error("\(field.path): '\(path)' must be a non-empty path relative to the repository root", at: field)
            }
            service.sourcePaths = paths
        }
        service.origin = decodeOrigin(spec, context: &context)
        return service
    }
}

/// How objectives are written: `99.9%` when that reads back to exactly the same number, else `0.99925`.
public enum ObjectiveText {
    public static func percent(_ value: Double) -> String {
        let scaled = (value * 100 * 1e9).rounded() / 1e9
        var text = "\(scaled)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + "%"
    }

    /// The text that parses back to exactly `value`.
    public static func exact(_ value: Double) -> String {
        let candidate = percent(value)
        if Double(candidate.dropLast() + "e-2") == value { return candidate }
        return "\(value)"
    }
}
