import GoalpostModel
import GoalpostTelemetry
import GoalpostTestSupport
import Testing

/// A seeded property: random requests, written as OTLP/JSON text in every allowed spelling
/// (camelCase or snake_case per key, int64 as string or number, enums as numbers or names,
/// escaped or raw characters, random whitespace, unknown fields), decode to exactly the events
/// the generator meant.
@Suite struct OTLPJSONRoundTripTests {
    @Test("random requests decode to the events they were written from", arguments: [1, 2, 3, 4])
    func roundTrip(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var decoder = OTLPJSONDecoder()
        var symbols = SymbolTable()
        for _ in 0..<150 {
            let request = RandomRequest(&random)
            var writer = RequestWriter(random: SeededRandom(seed: random.next()))
            let text = writer.write(request)
            let decoded = try decode(text, decoder: &decoder, symbols: &symbols)
            let expected = request.expectedEvents
            #expect(decoded.events.count == expected.count)
            for (actual, wanted) in zip(decoded.events, expected) where actual != wanted {
                Issue.record("decoded \(actual)\nexpected \(wanted)\nfrom \(text)")
                return
            }
        }
    }
}


indirect enum RandomValue {
    case string(String), int(Int64), double(Double), bool(Bool), bytes([UInt8])
    case array([RandomValue]), kvlist([(String, RandomValue)]), empty

    static func make(_ r: inout SeededRandom, depth: Int = 0) -> RandomValue {
        switch Int.random(in: 0..<(depth < 2 ? 9 : 6), using: &r) {
        case 0, 1: .string(randomString(&r))
        case 2: .int(randomInt64(&r))
        case 3: .double(randomDouble(&r))
        case 4: .bool(Bool.random(using: &r))
        case 5: Int.random(in: 0..<4, using: &r) == 0 ? .empty : .bytes((0..<Int.random(in: 0..<6, using: &r)).map { _ in UInt8.random(in: 0...255, using: &r) })
        case 6: .array((0..<Int.random(in: 0..<4, using: &r)).map { _ in make(&r, depth: depth + 1) })
        default: .kvlist((0..<Int.random(in: 0..<4, using: &r)).map { _ in (randomString(&r), make(&r, depth: depth + 1)) })
        }
    }

    /// How the decoder reports the value, as the test's readable attribute text.
    var expectedText: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .int(let i): "\(i)"
        case .double(let d): "\(d)"
        case .bool(let b): "\(b)"
        case .bytes(let b): "\"\(hex(b))\""
        case .empty: "\"\""
        case .array, .kvlist: "\"\(compactJSON)\""
        }
    }

    /// The compact JSON text of the value, as the decoder writes nested values.
    var compactJSON: String {
        switch self {
        case .string(let s): jsonQuoted(s)
        case .int(let i): "\(i)"
        case .double(let d): d.isNaN ? "\"NaN\"" : d == .infinity ? "\"Infinity\"" : d == -.infinity ? "\"-Infinity\"" : "\(d)"
        case .bool(let b): "\(b)"
        case .bytes(let b): "\"\(hex(b))\""
        case .empty: "null"
        case .array(let values): "[" + values.map(\.compactJSON).joined(separator: ",") + "]"
        case .kvlist(let pairs): "{" + pairs.map { jsonQuoted($0.0) + ":" + $0.1.compactJSON }.joined(separator: ",") + "}"
        }
    }

    /// The log body as the decoder turns it into a message.
    var messageText: String {
        switch self {
        case .string(let s): s
        case .int(let i): "\(i)"
        case .bool(let b): "\(b)"
        case .bytes(let b): hex(b)
        case .empty: ""
        case .double, .array, .kvlist: compactJSON
        }
    }
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case let c where c.value < 0x20:
            let h = String(c.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

private let alphabet: [Character] = Array("abcXYZ09 ./-_\"\\\n\t\u{01}\u{7F}é中😀") + ["{", "}", "[", "]", ":", ","]

func randomString(_ r: inout SeededRandom) -> String {
    String((0..<Int.random(in: 0..<12, using: &r)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &r)] })
}

func randomInt64(_ r: inout SeededRandom) -> Int64 {
    switch Int.random(in: 0..<4, using: &r) {
    case 0: [Int64.min, Int64.max, 0, -1][Int.random(in: 0..<4, using: &r)]
    case 1: Int64.random(in: -1000...1000, using: &r)
    default: Int64(bitPattern: r.next())
    }
}

func randomDouble(_ r: inout SeededRandom) -> Double {
    switch Int.random(in: 0..<5, using: &r) {
    case 0:
        let special: [Double] = [0.1, -0.0, 1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity, .nan, 1.2345678901234568e17]
        return special[Int.random(in: 0..<special.count, using: &r)]
    case 1:
        return Double(Int.random(in: -100_000...100_000, using: &r)) / 100
    case 2:
        return Double.random(in: -1e6...1e6, using: &r)
    default:
        let d = Double(bitPattern: r.next())
        return d.isFinite ? d : 1.5
    }
}

// MARK: - The random request and what it should decode to

struct RandomSpan {
    var name: String
    var start: Int64
    var end: Int64
    var code: Int
    var message: String
    var traceID: [UInt8]?
    var attributes: [(String, RandomValue)]
}

struct RandomLog {
    var time: Int64
    var observed: Int64
    var severity: UInt8
    var body: RandomValue?
    var eventName: String?
    var traceID: [UInt8]?
    var attributes: [(String, RandomValue)]
}

struct RandomResource {
    var attributes: [(String, RandomValue)]
    var spans: [RandomSpan]
    var logs: [RandomLog]
}

struct RandomRequest {
    var isTraces: Bool
    var resources: [RandomResource]

    init(_ r: inout SeededRandom) {
        isTraces = Bool.random(using: &r)
        resources = (0..<Int.random(in: 0..<3, using: &r)).map { _ in
            var attributes = Self.attributes(&r, special: ["service.name"])
            if Bool.random(using: &r) { attributes.insert(("service.name", .string(randomString(&r))), at: 0) }
            return RandomResource(
                attributes: attributes,
                spans: (0..<Int.random(in: 0..<4, using: &r)).map { _ in
                    let start = Int64.random(in: 0...2_000_000_000_000_000_000, using: &r)
                    return RandomSpan(
                        name: randomString(&r), start: start,
                        end: Int.random(in: 0..<8, using: &r) == 0 ? start - 5 : start + Int64.random(in: 0...10_000_000_000, using: &r),
                        code: Int.random(in: 0...2, using: &r), message: randomString(&r),
                        traceID: Self.traceID(&r), attributes: Self.attributes(&r, special: ["http.route"])
                    )
                },
                logs: (0..<Int.random(in: 0..<4, using: &r)).map { _ in
                    RandomLog(
                        time: Bool.random(using: &r) ? 0 : Int64.random(in: 1...Int64.max, using: &r),
                        observed: Int64.random(in: 0...Int64.max, using: &r),
                        severity: UInt8.random(in: 0...24, using: &r),
                        body: Bool.random(using: &r) ? RandomValue.make(&r) : nil,
                        eventName: Bool.random(using: &r) ? randomString(&r) : nil,
                        traceID: Self.traceID(&r), attributes: Self.attributes(&r, special: ["event.name"])
                    )
                }
            )
        }
    }

    static func traceID(_ r: inout SeededRandom) -> [UInt8]? {
        guard Bool.random(using: &r) else { return nil }
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &r) }
        bytes[15] |= 1  // Never all zero: that reads as no trace.
        return bytes
    }

    static func attributes(_ r: inout SeededRandom, special: [String]) -> [(String, RandomValue)] {
        (0..<Int.random(in: 0..<6, using: &r)).map { _ in
            let key = Int.random(in: 0..<4, using: &r) == 0 ? special[0] : randomString(&r)
            return (key, RandomValue.make(&r))
        }
    }

    var expectedEvents: [ReadableEvent] {
        var events: [ReadableEvent] = []
        for resource in resources {
            let service = resource.attributes.last { $0.0 == "service.name" && $0.1.isString }.map { $0.1.stringValue } ?? ""
            let resourceText = resource.attributes.map { "\($0.0)=\($0.1.expectedText)" }
            if isTraces {
                for span in resource.spans {
                    let route = span.attributes.last { $0.0 == "http.route" && $0.1.isString }.map { $0.1.stringValue }
                    events.append(ReadableEvent(
                        signal: .span, time: span.end, service: service, operation: route ?? span.name,
                        status: span.code == 2 ? .error : span.code == 1 ? .ok : .unset,
                        duration: max(0, span.end - span.start),
                        attributes: resourceText + span.attributes.map { "\($0.0)=\($0.1.expectedText)" },
                        traceID: span.traceID.map(hex), message: span.message
                    ))
                }
            } else {
                for log in resource.logs {
                    var operation = log.eventName ?? ""
                    if operation.isEmpty {
                        operation = log.attributes.last { $0.0 == "event.name" && $0.1.isString }.map { $0.1.stringValue } ?? ""
                    }
                    events.append(ReadableEvent(
                        signal: .log, time: log.time != 0 ? log.time : log.observed, service: service, operation: operation,
                        status: log.severity >= 17 ? .error : .ok, severity: log.severity,
                        attributes: resourceText + log.attributes.map { "\($0.0)=\($0.1.expectedText)" },
                        traceID: log.traceID.map(hex), message: log.body?.messageText ?? ""
                    ))
                }
            }
        }
        return events
    }
}

extension RandomValue {
    /// Arrays and maps become strings too, so `service.name` may be one.
    var isString: Bool {
        switch self {
        case .string, .array, .kvlist, .bytes, .empty: true
        default: false
        }
    }

    var stringValue: String {
        switch self {
        case .string(let s): s
        case .array, .kvlist: compactJSON
        case .bytes(let b): hex(b)
        default: ""
        }
    }
}

// MARK: - Writing the request as OTLP/JSON in random spellings

struct RequestWriter {
    var random: SeededRandom
    var out = ""

    mutating func write(_ request: RandomRequest) -> String {
        object([
            (request.isTraces ? key("resourceSpans", "resource_spans") : key("resourceLogs", "resource_logs"), { w in
                w.array(request.resources) { w, resource in w.resource(resource, traces: request.isTraces) }
            }),
        ])
        return out
    }

    mutating func coin() -> Bool { Bool.random(using: &random) }

    mutating func key(_ camel: String, _ snake: String) -> String { coin() ? camel : snake }

    mutating func space() {
        if Int.random(in: 0..<4, using: &random) == 0 { out += [" ", "\n", "\t ", "\r\n"][Int.random(in: 0..<4, using: &random)] }
    }

    /// An object whose members come in a random order, sometimes with an unknown member.
    mutating func object(_ members: [(String, (inout RequestWriter) -> Void)]) {
        var members = members
        if Int.random(in: 0..<5, using: &random) == 0 {
            members.append(("unknownField", { w in w.out += #"{"a":[1,-2.5e3,"x\"y",true,false,null,{}],"b":{}}"# }))
        }
        members.shuffle(using: &random)
        out += "{"
        for (index, member) in members.enumerated() {
            if index > 0 { out += "," }
            space()
            string(member.0)
            space()
            out += ":"
            space()
            member.1(&self)
            space()
        }
        out += "}"
    }

    mutating func array<T>(_ items: [T], _ body: (inout RequestWriter, T) -> Void) {
        out += "["
        for (index, item) in items.enumerated() {
            if index > 0 { out += "," }
            space()
            body(&self, item)
        }
        out += "]"
    }

    /// A JSON string, each character raw or escaped at random (surrogate pairs above U+FFFF).
    mutating func string(_ s: String) {
        out += "\""
        for scalar in s.unicodeScalars {
            let mustEscape = scalar == "\"" || scalar == "\\" || scalar.value < 0x20
            if mustEscape || Int.random(in: 0..<6, using: &random) == 0 {
                if scalar.value > 0xFFFF {
                    let v = scalar.value - 0x10000
                    out += String(format4: 0xD800 + (v >> 10)) + String(format4: 0xDC00 + (v & 0x3FF))
                } else if scalar == "\"" && coin() {
                    out += "\\\""
                } else if scalar == "\n" && coin() {
                    out += "\\n"
                } else if scalar == "/" && coin() {
                    out += "\\/"
                } else {
                    out += String(format4: scalar.value)
                }
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    mutating func int64(_ value: Int64) {
        if coin() { out += "\"\(value)\"" } else { out += "\(value)" }
    }

    mutating func traceID(_ bytes: [UInt8]) {
        let text = hex(bytes)
        string(coin() ? text : text.uppercased())
    }

    mutating func resource(_ resource: RandomResource, traces: Bool) {
        var members: [(String, (inout RequestWriter) -> Void)] = []
        if !resource.attributes.isEmpty || coin() {
            members.append(("resource", { w in w.object([("attributes", { w in w.attributes(resource.attributes) })]) }))
        }
        if traces {
            members.append((key("scopeSpans", "scope_spans"), { w in
                w.array([resource.spans]) { w, spans in
                    w.object([
                        ("scope", { w in w.out += #"{"name":"s"}"# }),
                        ("spans", { w in w.array(spans) { w, span in w.span(span) } }),
                    ])
                }
            }))
        } else {
            members.append((key("scopeLogs", "scope_logs"), { w in
                w.array([resource.logs]) { w, logs in
                    w.object([(w.key("logRecords", "log_records"), { w in w.array(logs) { w, log in w.log(log) } })])
                }
            }))
        }
        object(members)
    }

    mutating func span(_ span: RandomSpan) {
        var members: [(String, (inout RequestWriter) -> Void)] = [
            ("name", { w in w.string(span.name) }),
            (key("startTimeUnixNano", "start_time_unix_nano"), { w in w.int64(span.start) }),
            (key("endTimeUnixNano", "end_time_unix_nano"), { w in w.int64(span.end) }),
            ("attributes", { w in w.attributes(span.attributes) }),
            ("status", { w in
                w.object([
                    ("code", { w in
                        if w.coin() { w.out += "\(span.code)" } else { w.string(["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"][span.code]) }
                    }),
                    ("message", { w in w.string(span.message) }),
                ])
            }),
            (key("spanId", "span_id"), { w in w.out += "\"00f067aa0ba902b7\"" }),
            ("kind", { w in w.out += "2" }),
        ]
        if let id = span.traceID { members.append((key("traceId", "trace_id"), { w in w.traceID(id) })) }
        object(members)
    }

    mutating func log(_ log: RandomLog) {
        var members: [(String, (inout RequestWriter) -> Void)] = [
            (key("observedTimeUnixNano", "observed_time_unix_nano"), { w in w.int64(log.observed) }),
            (key("severityNumber", "severity_number"), { w in
                if w.coin() { w.out += "\(log.severity)" } else { w.string(severityName(log.severity)) }
            }),
            ("attributes", { w in w.attributes(log.attributes) }),
        ]
        if log.time != 0 || coin() { members.append((key("timeUnixNano", "time_unix_nano"), { w in w.int64(log.time) })) }
        if let body = log.body { members.append(("body", { w in w.anyValue(body) })) }
        if let name = log.eventName { members.append((key("eventName", "event_name"), { w in w.string(name) })) }
        if let id = log.traceID { members.append((key("traceId", "trace_id"), { w in w.traceID(id) })) }
        object(members)
    }

    mutating func attributes(_ attributes: [(String, RandomValue)]) {
        array(attributes) { w, attribute in
            w.object([("key", { w in w.string(attribute.0) }), ("value", { w in w.anyValue(attribute.1) })])
        }
    }

    mutating func anyValue(_ value: RandomValue) {
        switch value {
        case .string(let s): object([(key("stringValue", "string_value"), { w in w.string(s) })])
        case .int(let i): object([(key("intValue", "int_value"), { w in w.int64(i) })])
        case .double(let d):
            object([(key("doubleValue", "double_value"), { w in
                if d.isNaN { w.string("NaN") }
                else if d.isInfinite { w.string(d > 0 ? "Infinity" : "-Infinity") }
                else if w.coin() { w.out += "\(d)" } else { w.string("\(d)") }
            })])
        case .bool(let b): object([(key("boolValue", "bool_value"), { w in w.out += "\(b)" })])
        case .bytes(let b): object([(key("bytesValue", "bytes_value"), { w in w.string(base64(b)) })])
        case .empty: out += "{}"
        case .array(let values):
            object([(key("arrayValue", "array_value"), { w in
                w.object([("values", { w in w.array(values) { w, v in w.anyValue(v) } })])
            })])
        case .kvlist(let pairs):
            object([(key("kvlistValue", "kvlist_value"), { w in
                w.object([("values", { w in w.attributes(pairs) })])
            })])
        }
    }
}

func severityName(_ n: UInt8) -> String {
    if n == 0 { return "SEVERITY_NUMBER_UNSPECIFIED" }
    let names = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
    let step = (n - 1) % 4
    return "SEVERITY_NUMBER_" + names[Int(n - 1) / 4] + (step == 0 ? "" : "\(step + 1)")
}

func base64(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var out = ""
    var index = 0
    while index < bytes.count {
        let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
        let n = (UInt32(chunk[0]) << 16) | (chunk.count > 1 ? UInt32(chunk[1]) << 8 : 0) | (chunk.count > 2 ? UInt32(chunk[2]) : 0)
        out.append(table[Int(n >> 18 & 63)])
        out.append(table[Int(n >> 12 & 63)])
        out.append(chunk.count > 1 ? table[Int(n >> 6 & 63)] : "=")
        out.append(chunk.count > 2 ? table[Int(n & 63)] : "=")
        index += 3
    }
    return out
}

extension String {
    /// `\uXXXX` for a UTF-16 code unit.
    init(format4 value: UInt32) {
        let h = String(value, radix: 16, uppercase: Bool.random())
        self = "\\u" + String(repeating: "0", count: 4 - h.count) + h
    }
}
