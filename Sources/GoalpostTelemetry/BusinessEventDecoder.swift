import Foundation
import GoalpostModel

/// Decodes the body of `POST /api/v1/events`: business events that never pass through OpenTelemetry
/// (a signup completed, an invoice failed to send), as a JSON array of objects:
///
/// ```json
/// [{"name": "invoice.sent", "time": "2026-11-23T14:05:00Z", "customer": "acme",
///   "outcome": "error", "duration_ms": 840, "attributes": {"plan": "enterprise", "retries": 2}}]
/// ```
///
/// `name` (required) becomes the event's operation, so an outcome with `source: events` selects it with
/// `operations:`; `time` is RFC 3339 text or `time_unix_nano` an integer (one is required); `outcome` is `ok`
/// (default) or `error`; `customer` becomes the attribute `customer.id`; `service` (or the attribute
/// `service.name`) the service. Attribute values are strings, numbers or booleans.
///
/// All or nothing: the first bad element fails the whole body, naming it (`events[3].outcome: ...`).
public struct BusinessEventDecoder: Sendable {
    /// The most events one body may carry.
    public var maximumEvents: Int

    public init(maximumEvents: Int = 100_000) {
        self.maximumEvents = maximumEvents
    }

    /// Decodes every event of `body`, interning its strings in `symbols`.
    ///
    /// - Throws: `TelemetryDecodingError` naming the element and field (byte offset 0 for field errors, the
    ///   JSON parser's position for malformed text).
    public func decode(_ body: [UInt8], symbols: inout SymbolTable) throws(TelemetryDecodingError) -> [Event] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body), options: [])
        } catch {
            throw TelemetryDecodingError(byteOffset: 0, message: "events: the body is not JSON (\(Self.reason(error)))")
        }
        guard let array = object as? [Any] else {
            throw TelemetryDecodingError(byteOffset: 0, message: "events: expected a JSON array of event objects")
        }
        guard array.count <= maximumEvents else {
            throw TelemetryDecodingError(byteOffset: 0, message: "events: \(array.count) events in one body, more than the limit of \(maximumEvents)")
        }
        var events = [Event]()
        events.reserveCapacity(array.count)
        let customerKey = symbols.intern("customer.id")
        let serviceKey = symbols.intern("service.name")
        for (index, element) in array.enumerated() {
            let at = "events[\(index)]"
            guard let fields = element as? [String: Any] else {
                throw TelemetryDecodingError(byteOffset: 0, message: "\(at): expected an object")
            }
            for key in fields.keys where !Self.allowed.contains(key) {
                throw TelemetryDecodingError(byteOffset: 0, message: "\(at).\(key): unknown field (expected one of \(Self.allowed.sorted().joined(separator: ", ")))")
            }
            guard let name = fields["name"] as? String, !name.isEmpty else {
                throw TelemetryDecodingError(byteOffset: 0, message: "\(at).name: required, a non-empty string")
            }
            let time = try Self.time(fields, at: at)
            var status = EventStatus.ok
            switch fields["outcome"] {
            case nil: break
            case let text as String where text == "ok": break
            case let text as String where text == "error": status = .error
            default:
                throw TelemetryDecodingError(byteOffset: 0, message: "\(at).outcome: expected \"ok\" or \"error\"")
            }
            var duration: Int64 = 0
            if let value = fields["duration_ms"] {
                guard let number = value as? NSNumber, !JSONText.isBool(number), number.doubleValue >= 0, number.doubleValue < 9e12 else {
                    throw TelemetryDecodingError(byteOffset: 0, message: "\(at).duration_ms: expected a number of milliseconds, 0 or more")
                }
                duration = Int64((number.doubleValue * 1e6).rounded())
            }
            var attributes = [Attribute]()
            var service = SymbolTable.empty
            if let raw = fields["attributes"] {
                guard let map = raw as? [String: Any] else {
                    throw TelemetryDecodingError(byteOffset: 0, message: "\(at).attributes: expected an object of strings, numbers or booleans")
                }
                for key in map.keys.sorted() {
                    let value = try Self.value(map[key] as Any, at: "\(at).attributes.\(key)", symbols: &symbols)
                    let symbol = symbols.intern(key)
                    attributes.append(Attribute(key: symbol, value: value))
                    if symbol == serviceKey, case .string(let name) = value { service = name }
                }
            }
            if let raw = fields["service"] {
                guard let text = raw as? String else {
                    throw TelemetryDecodingError(byteOffset: 0, message: "\(at).service: expected a string")
                }
                service = symbols.intern(text)
            }
            if let raw = fields["customer"] {
                guard let text = raw as? String, !text.isEmpty else {
                    throw TelemetryDecodingError(byteOffset: 0, message: "\(at).customer: expected a non-empty string")
                }
                attributes.removeAll { $0.key == customerKey }
                attributes.append(Attribute(key: customerKey, value: .string(symbols.intern(text))))
            }
            events.append(Event(
                timeUnixNano: time, signal: .event, service: service, operation: symbols.intern(name), status: status,
                durationNanos: duration, attributes: attributes
            ))
        }
        return events
    }

    static let allowed: Set<String> = ["name", "time", "time_unix_nano", "customer", "service", "outcome", "duration_ms", "attributes"]

    private static func time(_ fields: [String: Any], at: String) throws(TelemetryDecodingError) -> Int64 {
        if let raw = fields["time_unix_nano"] {
            if let number = raw as? NSNumber, !JSONText.isBool(number), let value = Int64(exactly: number.doubleValue), value > 0 { return value }
            if let text = raw as? String, let value = Int64(text), value > 0 { return value }
            throw TelemetryDecodingError(byteOffset: 0, message: "\(at).time_unix_nano: expected a positive integer")
        }
        guard let raw = fields["time"] else {
            throw TelemetryDecodingError(byteOffset: 0, message: "\(at).time: required (RFC 3339 text, or time_unix_nano)")
        }
        guard let text = raw as? String, let value = Timestamp.parse(text) else {
            throw TelemetryDecodingError(byteOffset: 0, message: "\(at).time: expected RFC 3339 text such as 2026-11-23T14:05:00Z")
        }
        return value
    }

    private static func value(_ raw: Any, at: String, symbols: inout SymbolTable) throws(TelemetryDecodingError) -> AttributeValue {
        switch raw {
        case let text as String: return .string(symbols.intern(text))
        case let number as NSNumber:
            if JSONText.isBool(number) { return .bool(number.boolValue) }
            let double = number.doubleValue
            if double == double.rounded(), abs(double) < 9e15, !"\(number)".contains(".") { return .int(Int64(double)) }
            return .double(double)
        default:
            throw TelemetryDecodingError(byteOffset: 0, message: "\(at): expected a string, number or boolean")
        }
    }

    private static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
