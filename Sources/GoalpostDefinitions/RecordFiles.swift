import Foundation
import GoalpostModel

/// A JSON input file (deploys, customers, onsets) that does not read: which file, which element, which field.
public struct RecordFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// `[3].time`, or empty for the whole file.
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)" }
}

/// Ground truth for a backtest: when a known problem started (and ended) for an outcome, optionally for some customers.
public struct KnownOnset: Hashable, Sendable, Codable {
    public var outcome: String
    public var customers: [String]
    public var startUnixNano: Int64
    public var endUnixNano: Int64?
    public var description: String?

    public init(outcome: String, customers: [String] = [], startUnixNano: Int64, endUnixNano: Int64? = nil, description: String? = nil) {
        self.outcome = outcome
        self.customers = customers
        self.startUnixNano = startUnixNano
        self.endUnixNano = endUnixNano
        self.description = description
    }
}

/// Reads the JSON files `goalpost backtest` and the deploys API accept.
///
/// - deploys: `[{service, version, time | time_unix_nano, title, description, changed_files, commit, environment, plans}]`
/// - customers: `[{id, name, tier, arr, region, contact, runbook}]`
/// - onsets: `[{outcome, customers, start | start_unix_nano, end | end_unix_nano, description}]`
///
/// Times are RFC 3339 strings (`2026-11-16T14:05:00Z`) or nanoseconds since the epoch (number or string).
public enum RecordFiles {
    public static func deploys(contentsOf path: String) throws(RecordFileError) -> [Deploy] {
        try decodeArray(path) { (object, element: String) throws(RecordFileError) in try deploy(object, file: path, at: element) }
    }

    public static func customers(contentsOf path: String) throws(RecordFileError) -> [Customer] {
        try decodeArray(path) { (object, element: String) throws(RecordFileError) in try customer(object, file: path, at: element) }
    }

    public static func onsets(contentsOf path: String) throws(RecordFileError) -> [KnownOnset] {
        try decodeArray(path) { (object, element: String) throws(RecordFileError) in try onset(object, file: path, at: element) }
    }

    /// Decodes deploys from JSON bytes already in memory (the deploys API); `source` names them in errors.
    public static func deploys(json: Data, source: String) throws(RecordFileError) -> [Deploy] {
        let objects = try array(json, file: source)
        var out: [Deploy] = []
        for (index, object) in objects.enumerated() { out.append(try deploy(object, file: source, at: "[\(index)]")) }
        return out
    }

    /// Decodes a change to plan for (`POST /api/v1/plans`): one object `{title, description, files, commit, service,
    /// environment}`; `source` names it in errors.
    public static func change(json: Data, source: String) throws(RecordFileError) -> ChangeRequest {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: json, options: [])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw RecordFileError(file: source, path: "", message: "not valid JSON: \(detail)")
        }
        guard let object = parsed as? [String: Any] else {
            throw RecordFileError(file: source, path: "", message: "expected a JSON object {title, description, files, commit, service, environment}")
        }
        let fields = Fields(object: object, file: source, element: "")
        try fields.rejectUnknown(["title", "description", "files", "commit", "service", "environment"])
        return ChangeRequest(title: try fields.requiredString("title"), description: try fields.string("description"), files: try fields.strings("files"),
                             commit: try fields.string("commit"), service: try fields.string("service"), environment: try fields.string("environment"))
    }

    /// Decodes customers from JSON bytes already in memory (the customers API); `source` names them in errors.
    public static func customers(json: Data, source: String) throws(RecordFileError) -> [Customer] {
        let objects = try array(json, file: source)
        var out: [Customer] = []
        for (index, object) in objects.enumerated() { out.append(try customer(object, file: source, at: "[\(index)]")) }
        return out
    }

    /// Merges customers from a records file into defined ones: the file's fields win where given.
    public static func merge(_ records: [Customer], into defined: [Customer]) -> [Customer] {
        var merged = defined
        for record in records {
            if let index = merged.firstIndex(where: { $0.id == record.id }) {
                var customer = merged[index]
                customer.name = record.name ?? customer.name
                customer.tier = record.tier ?? customer.tier
                customer.arr = record.arr ?? customer.arr
                customer.region = record.region ?? customer.region
                customer.contact = record.contact ?? customer.contact
                customer.runbook = record.runbook ?? customer.runbook
                merged[index] = customer
            } else {
                merged.append(record)
            }
        }
        return merged
    }

    // MARK: Elements

    static func deploy(_ object: [String: Any], file: String, at element: String) throws(RecordFileError) -> Deploy {
        let fields = Fields(object: object, file: file, element: element)
        try fields.rejectUnknown(["service", "version", "time", "time_unix_nano", "title", "description", "changed_files", "commit", "environment", "plans"])
        return Deploy(
            service: try fields.requiredString("service"), version: try fields.requiredString("version"),
            timeUnixNano: try fields.time("time", nanosKey: "time_unix_nano", required: true) ?? 0,
            title: try fields.string("title"), description: try fields.string("description"),
            changedFiles: try fields.strings("changed_files"), commit: try fields.string("commit"), environment: try fields.string("environment"),
            plans: try fields.strings("plans"))
    }

    static func customer(_ object: [String: Any], file: String, at element: String) throws(RecordFileError) -> Customer {
        let fields = Fields(object: object, file: file, element: element)
        try fields.rejectUnknown(["id", "name", "tier", "arr", "region", "contact", "runbook"])
        let arr = try fields.number("arr")
        if let arr, arr < 0 { throw fields.error("arr", "annual revenue cannot be negative (\(arr))") }
        return Customer(id: try fields.requiredString("id"), name: try fields.string("name"), tier: try fields.string("tier"), arr: arr,
                        region: try fields.string("region"), contact: try fields.string("contact"), runbook: try fields.string("runbook"))
    }

    static func onset(_ object: [String: Any], file: String, at element: String) throws(RecordFileError) -> KnownOnset {
        let fields = Fields(object: object, file: file, element: element)
        try fields.rejectUnknown(["outcome", "customers", "start", "start_unix_nano", "end", "end_unix_nano", "description"])
        let start = try fields.time("start", nanosKey: "start_unix_nano", required: true) ?? 0
        let end = try fields.time("end", nanosKey: "end_unix_nano", required: false)
        if let end, end < start { throw fields.error("end", "ends before it starts") }
        return KnownOnset(outcome: try fields.requiredString("outcome"), customers: try fields.strings("customers"),
                          startUnixNano: start, endUnixNano: end, description: try fields.string("description"))
    }

    // MARK: Plumbing

    static func decodeArray<T>(_ path: String, _ element: (_ object: [String: Any], _ at: String) throws(RecordFileError) -> T) throws(RecordFileError) -> [T] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecordFileError(file: path, path: "", message: "cannot read the file")
        }
        let objects = try array(data, file: path)
        var out: [T] = []
        for (index, object) in objects.enumerated() { out.append(try element(object, "[\(index)]")) }
        return out
    }

    static func array(_ data: Data, file: String) throws(RecordFileError) -> [[String: Any]] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw RecordFileError(file: file, path: "", message: "not valid JSON: \(detail)")
        }
        guard let list = parsed as? [Any] else {
            throw RecordFileError(file: file, path: "", message: "expected a JSON array of objects")
        }
        var out: [[String: Any]] = []
        for (index, element) in list.enumerated() {
            guard let object = element as? [String: Any] else {
                throw RecordFileError(file: file, path: "[\(index)]", message: "expected an object")
            }
            out.append(object)
        }
        return out
    }

    struct Fields {
        let object: [String: Any]
        let file: String
        let element: String

        func error(_ key: String, _ message: String) -> RecordFileError {
            RecordFileError(file: file, path: "\(element).\(key)", message: message)
        }

        func rejectUnknown(_ allowed: [String]) throws(RecordFileError) {
            for key in object.keys.sorted() where !allowed.contains(key) {
                throw error(key, "unknown field\(DidYouMean.hint(for: key, among: allowed))")
            }
        }

        func string(_ key: String) throws(RecordFileError) -> String? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw error(key, "expected a string") }
            return text
        }

        func requiredString(_ key: String) throws(RecordFileError) -> String {
            guard let text = try string(key) else { throw error(key, "is required") }
            guard !text.isEmpty else { throw error(key, "must not be empty") }
            return text
        }

        func strings(_ key: String) throws(RecordFileError) -> [String] {
            guard let value = object[key], !(value is NSNull) else { return [] }
            guard let list = value as? [Any] else { throw error(key, "expected an array of strings") }
            var out: [String] = []
            for (index, element) in list.enumerated() {
                guard let text = element as? String else { throw error("\(key)[\(index)]", "expected a string") }
                out.append(text)
            }
            return out
        }

        func number(_ key: String) throws(RecordFileError) -> Double? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let number = value as? NSNumber, !JSONText.isBool(value), number.doubleValue.isFinite else { throw error(key, "expected a number") }
            return number.doubleValue
        }

        /// A time given as RFC 3339 under `key` or as nanoseconds under `nanosKey`.
        func time(_ key: String, nanosKey: String, required: Bool) throws(RecordFileError) -> Int64? {
            if let value = object[nanosKey], !(value is NSNull) {
                if let text = value as? String {
                    guard let nanos = Int64(text) else { throw error(nanosKey, "'\(text)' is not a whole number of nanoseconds") }
                    return nanos
                }
                guard let number = value as? NSNumber, !JSONText.isBool(value) else { throw error(nanosKey, "expected nanoseconds since the epoch") }
                return number.int64Value
            }
            guard let text = try string(key) else {
                if required { throw error(key, "is required (an RFC 3339 time such as 2026-11-16T14:05:00Z, or \(nanosKey))") }
                return nil
            }
            guard let nanos = Timestamp.parse(text) else {
                throw error(key, "'\(text)' is not an RFC 3339 time such as 2026-11-16T14:05:00Z")
            }
            return nanos
        }
    }
}
