import GoalpostModel

/// The schema-driven part of the OTLP/JSON decoder: walks one request with a `JSONScanner` and
/// fills `PendingTelemetry`. Lives only for one `decode` call; the decoder lends it its symbol
/// table and buffers.
struct OTLPJSONParser {
    var scanner: JSONScanner
    var symbols: SymbolTable
    var pending: PendingTelemetry
    private var serviceNameKey = SymbolTable.empty
    private var httpRouteKey = SymbolTable.empty
    private var eventNameKey = SymbolTable.empty
    /// How deeply arrays and maps inside attribute values may nest.
    static let maximumValueDepth = 64

    init(scanner: JSONScanner, symbols: SymbolTable, pending: PendingTelemetry) {
        self.scanner = scanner
        self.symbols = symbols
        self.pending = pending
    }

    @inline(__always)
    private mutating func intern(_ bytes: ByteString) -> Symbol {
        symbols.intern(utf8: bytes.start, count: bytes.count)
    }

    // MARK: Request

    mutating func parseRequest() throws(DecodeFailure) {
        serviceNameKey = intern(ByteString("service.name"))
        httpRouteKey = intern(ByteString("http.route"))
        eventNameKey = intern(ByteString("event.name"))
        guard scanner.peek() == ASCII.openBrace else {
            if let kind = scanner.valueKind {
                let article = kind == "array" ? "an array" : kind == "null" ? "null" : "a \(kind)"
                throw scanner.syntaxError("expected an OTLP request object but found \(article)")
            }
            throw scanner.syntaxError("expected an OTLP request object but found \(scanner.describeByte(at: scanner.pos))")
        }
        var sawSignal = false
        var sawOther = false
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("resourceSpans") || key.equals("resource_spans") {
                    sawSignal = true
                    try parseResourceList(.traces)
                } else if key.equals("resourceLogs") || key.equals("resource_logs") {
                    sawSignal = true
                    try parseResourceList(.logs)
                } else if key.equals("resourceMetrics") || key.equals("resource_metrics") {
                    sawSignal = true
                    try parseResourceList(.metrics)
                } else {
                    sawOther = true
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        scanner.skipWhitespace()
        guard scanner.pos == scanner.end else {
            throw scanner.syntaxError("expected the end of the request but found \(scanner.describeByte(at: scanner.pos))")
        }
        if sawOther && !sawSignal {
            throw DecodeFailure(offset: 0, message: "not an OTLP request: no resourceSpans, resourceLogs or resourceMetrics", aboutValue: false)
        }
    }

    private enum Kind { case traces, logs, metrics }

    /// `resourceSpans`, `resourceLogs` or `resourceMetrics`: resources, each with scopes of items.
    private mutating func parseResourceList(_ kind: Kind) throws(DecodeFailure) {
        guard try scanner.beginArray() else { return }
        repeat {
            let resource = pending.resources.count
            pending.resources.append(PendingTelemetry.Resource())
            if try scanner.beginObject() {
                repeat {
                    let key = try scanner.readKey()
                    switch kind {
                    case .traces where key.equals("scopeSpans") || key.equals("scope_spans"):
                        try parseScopeList(kind, resource: resource)
                    case .logs where key.equals("scopeLogs") || key.equals("scope_logs"):
                        try parseScopeList(kind, resource: resource)
                    case .metrics where key.equals("scopeMetrics") || key.equals("scope_metrics"):
                        try parseScopeList(kind, resource: resource)
                    default:
                        if key.equals("resource") {
                            try parseResource(resource)
                        } else {
                            try scanner.skipValue()
                        }
                    }
                } while try scanner.nextMember()
            }
        } while try scanner.nextElement()
    }

    private mutating func parseScopeList(_ kind: Kind, resource: Int) throws(DecodeFailure) {
        guard try scanner.beginArray() else { return }
        repeat {
            if try scanner.beginObject() {
                repeat {
                    let key = try scanner.readKey()
                    switch kind {
                    case .traces where key.equals("spans"):
                        guard try scanner.beginArray() else { continue }
                        repeat { try parseSpan(resource: resource) } while try scanner.nextElement()
                    case .logs where key.equals("logRecords") || key.equals("log_records"):
                        guard try scanner.beginArray() else { continue }
                        repeat { try parseLogRecord(resource: resource) } while try scanner.nextElement()
                    case .metrics where key.equals("metrics"):
                        guard try scanner.beginArray() else { continue }
                        repeat { try parseMetric(resource: resource) } while try scanner.nextElement()
                    default:
                        try scanner.skipValue()
                    }
                } while try scanner.nextMember()
            }
        } while try scanner.nextElement()
    }

    private mutating func parseResource(_ index: Int) throws(DecodeFailure) {
        guard try scanner.beginObject() else { return }
        repeat {
            let key = try scanner.readKey()
            if key.equals("attributes") {
                let range = try parseAttributes()
                pending.resources[index].attributes = range
                pending.resources[index].service = stringAttribute(serviceNameKey, in: range) ?? SymbolTable.empty
            } else {
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
    }

    /// The last string value of `key` among the attributes in `range`.
    private func stringAttribute(_ key: Symbol, in range: Range<Int>) -> Symbol? {
        var index = range.upperBound
        while index > range.lowerBound {
            index -= 1
            let attribute = pending.attributes[index]
            if attribute.key == key, case .string(let value) = attribute.value { return value }
        }
        return nil
    }

    // MARK: Spans

    private mutating func parseSpan(resource: Int) throws(DecodeFailure) {
        var name = SymbolTable.empty
        var start: Int64 = 0
        var end: Int64 = 0
        var code = 0
        var message = SymbolTable.empty
        var traceID: TraceID?
        var attributes = pending.attributes.count..<pending.attributes.count
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("attributes") {
                    attributes = try parseAttributes()
                } else if key.equals("name") {
                    name = intern(try scanner.readString())
                } else if key.equals("startTimeUnixNano") || key.equals("start_time_unix_nano") {
                    start = try scanner.readInt64()
                } else if key.equals("endTimeUnixNano") || key.equals("end_time_unix_nano") {
                    end = try scanner.readInt64()
                } else if key.equals("traceId") || key.equals("trace_id") {
                    traceID = try readTraceID()
                } else if key.equals("status") {
                    if try scanner.beginObject() {
                        repeat {
                            let statusKey = try scanner.readKey()
                            if statusKey.equals("code") {
                                code = try readStatusCode()
                            } else if statusKey.equals("message") {
                                message = intern(try scanner.readString())
                            } else {
                                try scanner.skipValue()
                            }
                        } while try scanner.nextMember()
                    }
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        let (duration, overflow) = end.subtractingReportingOverflow(start)
        pending.events.append(PendingTelemetry.EventItem(
            signal: .span, timeUnixNano: end, durationNanos: overflow || duration < 0 ? 0 : duration,
            status: code == 2 ? .error : code == 1 ? .ok : .unset, severityNumber: 0,
            operation: stringAttribute(httpRouteKey, in: attributes) ?? name, message: message,
            traceID: traceID, resource: resource, attributes: attributes
        ))
        pending.summary.spans += 1
    }

    private mutating func readStatusCode() throws(DecodeFailure) -> Int {
        let valueStart = scanner.valueStart()
        if scanner.peek() == ASCII.quote {
            let name = try scanner.readString()
            if name.equals("STATUS_CODE_UNSET") { return 0 }
            if name.equals("STATUS_CODE_OK") { return 1 }
            if name.equals("STATUS_CODE_ERROR") { return 2 }
            throw scanner.valueError("unknown status code \"\(name.string)\"", at: valueStart)
        }
        return try readEnumNumber()
    }

    private mutating func readEnumNumber() throws(DecodeFailure) -> Int {
        let valueStart = scanner.valueStart()
        let value = try scanner.readInt64()
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else {
            throw scanner.valueError("enum value \(value) is out of range", at: valueStart)
        }
        return Int(value)
    }

    /// A trace id: 32 hex digits as OTLP/JSON writes it; base64 of 16 bytes (the generic
    /// protobuf JSON form some exporters write) is accepted too. Empty or all zero: none.
    private mutating func readTraceID() throws(DecodeFailure) -> TraceID? {
        let valueStart = scanner.valueStart()
        let text = try scanner.readString()
        if text.count == 0 { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var valid = false
        if text.count == 32, let h = parseHex16(text.start), let l = parseHex16(text.start + 16) {
            high = h
            low = l
            valid = true
        }
        if !valid, let bytes = decodeBase64(text), bytes.count == 16 {
            valid = true
            high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }
        guard valid else {
            throw scanner.valueError("expected a trace id of 32 hex digits, found \"\(text.string)\"", at: valueStart)
        }
        return high == 0 && low == 0 ? nil : TraceID(high: high, low: low)
    }

    // MARK: Logs

    private mutating func parseLogRecord(resource: Int) throws(DecodeFailure) {
        var time: Int64 = 0
        var observed: Int64 = 0
        var severity: UInt8 = 0
        var message = SymbolTable.empty
        var eventName = SymbolTable.empty
        var traceID: TraceID?
        var attributes = pending.attributes.count..<pending.attributes.count
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("attributes") {
                    attributes = try parseAttributes()
                } else if key.equals("body") {
                    message = try readBodyText()
                } else if key.equals("timeUnixNano") || key.equals("time_unix_nano") {
                    time = try scanner.readInt64()
                } else if key.equals("observedTimeUnixNano") || key.equals("observed_time_unix_nano") {
                    observed = try scanner.readInt64()
                } else if key.equals("severityNumber") || key.equals("severity_number") {
                    severity = try readSeverityNumber()
                } else if key.equals("traceId") || key.equals("trace_id") {
                    traceID = try readTraceID()
                } else if key.equals("eventName") || key.equals("event_name") {
                    eventName = intern(try scanner.readString())
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        if eventName == SymbolTable.empty {
            eventName = stringAttribute(eventNameKey, in: attributes) ?? SymbolTable.empty
        }
        pending.events.append(PendingTelemetry.EventItem(
            signal: .log, timeUnixNano: time != 0 ? time : observed, durationNanos: 0,
            status: severity >= 17 ? .error : .ok, severityNumber: severity,
            operation: eventName, message: message,
            traceID: traceID, resource: resource, attributes: attributes
        ))
        pending.summary.logRecords += 1
    }

    /// The body as text: a string as it is, anything else as its JSON text.
    private mutating func readBodyText() throws(DecodeFailure) -> Symbol {
        switch try parseAnyValue(depth: 0) {
        case .string(let symbol): return symbol
        case .int(let value): return symbols.intern(String(value))
        case .bool(let value): return symbols.intern(value ? "true" : "false")
        case .double(let value):
            pending.json.removeAll(keepingCapacity: true)
            pending.appendJSONDouble(value)
            return internJSON()
        case nil: return SymbolTable.empty
        }
    }

    private mutating func readSeverityNumber() throws(DecodeFailure) -> UInt8 {
        let valueStart = scanner.valueStart()
        if scanner.peek() == ASCII.quote {
            let name = try scanner.readString()
            guard let number = severityNumber(named: name) else {
                throw scanner.valueError("unknown severity number \"\(name.string)\"", at: valueStart)
            }
            return number
        }
        let number = try readEnumNumber()
        guard number >= 0, number <= 255 else {
            throw scanner.valueError("severity number \(number) is out of range", at: valueStart)
        }
        return UInt8(number)
    }

    /// `SEVERITY_NUMBER_UNSPECIFIED`, `SEVERITY_NUMBER_INFO`, `SEVERITY_NUMBER_ERROR3` ...
    private func severityNumber(named name: ByteString) -> UInt8? {
        let prefix: StaticString = "SEVERITY_NUMBER_"
        let prefixCount = prefix.utf8CodeUnitCount
        guard name.count > prefixCount, bytesEqual(name.start, prefix.utf8Start, prefixCount) else { return nil }
        var rest = ByteString(start: name.start + prefixCount, count: name.count - prefixCount)
        if rest.equals("UNSPECIFIED") { return 0 }
        var step: UInt8 = 0
        if let last = rest.start[rest.count - 1] as UInt8?, last >= UInt8(ascii: "2"), last <= UInt8(ascii: "4") {
            step = last - UInt8(ascii: "1")
            rest.count -= 1
        }
        let base: UInt8
        if rest.equals("TRACE") { base = 1 }
        else if rest.equals("DEBUG") { base = 5 }
        else if rest.equals("INFO") { base = 9 }
        else if rest.equals("WARN") { base = 13 }
        else if rest.equals("ERROR") { base = 17 }
        else if rest.equals("FATAL") { base = 21 }
        else { return nil }
        return base + step
    }

    // MARK: Metrics

    private mutating func parseMetric(resource: Int) throws(DecodeFailure) {
        let first = pending.samples.count
        var name = SymbolTable.empty
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("name") {
                    name = intern(try scanner.readString())
                } else if key.equals("sum") || key.equals("gauge") {
                    try parseNumberMetric(resource: resource)
                } else if key.equals("histogram") {
                    try parseHistogramMetric(resource: resource)
                } else if key.equals("exponentialHistogram") || key.equals("exponential_histogram") || key.equals("summary") {
                    try countSkippedPoints()
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        for index in first..<pending.samples.count { pending.samples[index].name = name }
    }

    /// A sum or a gauge (a gauge has no temporality, so it stays unspecified).
    private mutating func parseNumberMetric(resource: Int) throws(DecodeFailure) {
        let first = pending.samples.count
        var temporality = Temporality.unspecified
        guard try scanner.beginObject() else { return }
        repeat {
            let key = try scanner.readKey()
            if key.equals("dataPoints") || key.equals("data_points") {
                guard try scanner.beginArray() else { continue }
                repeat { try parseNumberPoint(resource: resource) } while try scanner.nextElement()
            } else if key.equals("aggregationTemporality") || key.equals("aggregation_temporality") {
                temporality = try readTemporality()
            } else {
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
        for index in first..<pending.samples.count { pending.samples[index].temporality = temporality }
    }

    private mutating func parseHistogramMetric(resource: Int) throws(DecodeFailure) {
        let first = pending.samples.count
        var temporality = Temporality.unspecified
        guard try scanner.beginObject() else { return }
        repeat {
            let key = try scanner.readKey()
            if key.equals("dataPoints") || key.equals("data_points") {
                guard try scanner.beginArray() else { continue }
                repeat { try parseHistogramPoint(resource: resource) } while try scanner.nextElement()
            } else if key.equals("aggregationTemporality") || key.equals("aggregation_temporality") {
                temporality = try readTemporality()
            } else {
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
        for index in first..<pending.samples.count { pending.samples[index].temporality = temporality }
    }

    private mutating func countSkippedPoints() throws(DecodeFailure) {
        guard try scanner.beginObject() else { return }
        repeat {
            let key = try scanner.readKey()
            if key.equals("dataPoints") || key.equals("data_points") {
                guard try scanner.beginArray() else { continue }
                repeat {
                    try scanner.skipValue()
                    pending.summary.skippedDataPoints += 1
                } while try scanner.nextElement()
            } else {
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
    }

    private mutating func readTemporality() throws(DecodeFailure) -> Temporality {
        let valueStart = scanner.valueStart()
        if scanner.peek() == ASCII.quote {
            let name = try scanner.readString()
            if name.equals("AGGREGATION_TEMPORALITY_DELTA") { return .delta }
            if name.equals("AGGREGATION_TEMPORALITY_CUMULATIVE") { return .cumulative }
            if name.equals("AGGREGATION_TEMPORALITY_UNSPECIFIED") { return .unspecified }
            throw scanner.valueError("unknown aggregation temporality \"\(name.string)\"", at: valueStart)
        }
        switch try readEnumNumber() {
        case 1: return .delta
        case 2: return .cumulative
        default: return .unspecified
        }
    }

    /// Flag bit 0 of a data point: the point carries no recorded value (a staleness marker).
    private static let noRecordedValue: Int64 = 1

    private mutating func parseNumberPoint(resource: Int) throws(DecodeFailure) {
        var time: Int64 = 0
        var start: Int64 = 0
        var value = 0.0
        var flags: Int64 = 0
        var attributes = pending.attributes.count..<pending.attributes.count
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("attributes") {
                    attributes = try parseAttributes()
                } else if key.equals("timeUnixNano") || key.equals("time_unix_nano") {
                    time = try scanner.readInt64()
                } else if key.equals("startTimeUnixNano") || key.equals("start_time_unix_nano") {
                    start = try scanner.readInt64()
                } else if key.equals("asDouble") || key.equals("as_double") {
                    value = try scanner.readDouble()
                } else if key.equals("asInt") || key.equals("as_int") {
                    value = Double(try scanner.readInt64())
                } else if key.equals("flags") {
                    flags = try scanner.readInt64()
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        guard flags & Self.noRecordedValue == 0 else {
            pending.summary.skippedDataPoints += 1
            return
        }
        pending.samples.append(PendingTelemetry.SampleItem(
            timeUnixNano: time, startTimeUnixNano: start, name: SymbolTable.empty, temporality: .unspecified,
            resource: resource, attributes: attributes, value: .count(value)
        ))
        pending.summary.metricSamples += 1
    }

    private mutating func parseHistogramPoint(resource: Int) throws(DecodeFailure) {
        let pointStart = scanner.valueStart()
        var time: Int64 = 0
        var start: Int64 = 0
        var count: UInt64 = 0
        var flags: Int64 = 0
        var bounds: [Double] = []
        var counts: [UInt64] = []
        var attributes = pending.attributes.count..<pending.attributes.count
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("attributes") {
                    attributes = try parseAttributes()
                } else if key.equals("timeUnixNano") || key.equals("time_unix_nano") {
                    time = try scanner.readInt64()
                } else if key.equals("startTimeUnixNano") || key.equals("start_time_unix_nano") {
                    start = try scanner.readInt64()
                } else if key.equals("count") {
                    count = try scanner.readUInt64()
                } else if key.equals("bucketCounts") || key.equals("bucket_counts") {
                    counts.removeAll()
                    guard try scanner.beginArray() else { continue }
                    repeat { counts.append(try scanner.readUInt64()) } while try scanner.nextElement()
                } else if key.equals("explicitBounds") || key.equals("explicit_bounds") {
                    bounds.removeAll()
                    guard try scanner.beginArray() else { continue }
                    repeat { bounds.append(try scanner.readDouble()) } while try scanner.nextElement()
                } else if key.equals("flags") {
                    flags = try scanner.readInt64()
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        guard flags & Self.noRecordedValue == 0 else {
            pending.summary.skippedDataPoints += 1
            return
        }
        guard counts.isEmpty || counts.count == bounds.count + 1 else {
            throw scanner.valueError("histogram has \(counts.count) bucket counts for \(bounds.count) explicit bounds; expected \(bounds.count + 1)", at: pointStart)
        }
        pending.samples.append(PendingTelemetry.SampleItem(
            timeUnixNano: time, startTimeUnixNano: start, name: SymbolTable.empty, temporality: .unspecified,
            resource: resource, attributes: attributes, value: .histogram(count: count, bounds: bounds, counts: counts)
        ))
        pending.summary.metricSamples += 1
    }

    // MARK: Attributes and values

    /// A list of `KeyValue`s, appended to the request's attributes; returns where they went.
    private mutating func parseAttributes() throws(DecodeFailure) -> Range<Int> {
        let start = pending.attributes.count
        guard try scanner.beginArray() else { return start..<start }
        repeat {
            var key = SymbolTable.empty
            var value = AttributeValue.string(SymbolTable.empty)
            if try scanner.beginObject() {
                // The shape every exporter writes, {"key":"…","value":{…}}, without reading the member names as
                // strings; anything else (other order, whitespace inside, extra members) goes the general way.
                var more = true
                if scanner.consume("\"key\":\"") {
                    key = intern(try scanner.readStringBody())
                    more = try scanner.nextMember()
                    if more, scanner.consume("\"value\":") {
                        value = try parseAnyValue(depth: 0) ?? .string(SymbolTable.empty)
                        more = try scanner.nextMember()
                    }
                }
                while more {
                    let field = try scanner.readKey()
                    if field.equals("key") {
                        key = intern(try scanner.readString())
                    } else if field.equals("value") {
                        value = try parseAnyValue(depth: 0) ?? .string(SymbolTable.empty)
                    } else {
                        try scanner.skipValue()
                    }
                    more = try scanner.nextMember()
                }
            }
            pending.attributes.append(Attribute(key: key, value: value))
        } while try scanner.nextElement()
        return start..<pending.attributes.count
    }

    /// An `AnyValue`: scalars as themselves, arrays and maps as their compact JSON text, bytes
    /// as hex. Nil for an empty value.
    private mutating func parseAnyValue(depth: Int) throws(DecodeFailure) -> AttributeValue? {
        guard try scanner.beginObject() else { return nil }
        var result: AttributeValue?
        // Most values are strings: read `"stringValue":"` as bytes, then the rest of the object the general way.
        if scanner.consume("\"stringValue\":\"") {
            result = .string(intern(try scanner.readStringBody()))
            guard try scanner.nextMember() else { return result }
        }
        repeat {
            let key = try scanner.readKey()
            if key.equals("stringValue") || key.equals("string_value") {
                result = .string(intern(try scanner.readString()))
            } else if key.equals("intValue") || key.equals("int_value") {
                result = .int(try scanner.readInt64())
            } else if key.equals("doubleValue") || key.equals("double_value") {
                result = .double(try scanner.readDouble())
            } else if key.equals("boolValue") || key.equals("bool_value") {
                result = .bool(try scanner.readBool())
            } else if key.equals("arrayValue") || key.equals("array_value") {
                pending.json.removeAll(keepingCapacity: true)
                try writeArrayValue(depth: depth + 1)
                result = .string(internJSON())
            } else if key.equals("kvlistValue") || key.equals("kvlist_value") {
                pending.json.removeAll(keepingCapacity: true)
                try writeKeyValueList(depth: depth + 1)
                result = .string(internJSON())
            } else if key.equals("bytesValue") || key.equals("bytes_value") {
                pending.json.removeAll(keepingCapacity: true)
                try appendBytesAsHex()
                result = .string(internJSON())
            } else {
                try scanner.skipValue()
            }
        } while try scanner.nextMember()
        return result
    }

    private mutating func internJSON() -> Symbol {
        pending.json.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return SymbolTable.empty }
            return symbols.intern(utf8: start, count: buffer.count)
        }
    }

    /// Reads a base64 `bytes` value and appends it as lower-case hex.
    private mutating func appendBytesAsHex() throws(DecodeFailure) {
        let valueStart = scanner.valueStart()
        let text = try scanner.readString()
        guard let bytes = decodeBase64(text) else {
            throw scanner.valueError("expected base64 bytes, found \"\(text.string)\"", at: valueStart)
        }
        bytes.withUnsafeBufferPointer { pending.appendHex($0) }
    }

    // MARK: Nested values as JSON text

    private mutating func checkDepth(_ depth: Int) throws(DecodeFailure) {
        guard depth <= Self.maximumValueDepth else {
            throw scanner.syntaxError("attribute values nested deeper than \(Self.maximumValueDepth) levels")
        }
    }

    /// An `ArrayValue` (`{"values": [AnyValue]}`) written as a JSON array.
    private mutating func writeArrayValue(depth: Int) throws(DecodeFailure) {
        try writeValues(depth: depth, keyed: false)
    }

    /// A `KeyValueList` (`{"values": [KeyValue]}`) written as a JSON object.
    private mutating func writeKeyValueList(depth: Int) throws(DecodeFailure) {
        try writeValues(depth: depth, keyed: true)
    }

    /// The `values` list of an `ArrayValue` or `KeyValueList`, as a JSON array or object; other members are
    /// skipped, and a repeated `values` replaces what an earlier one wrote.
    private mutating func writeValues(depth: Int, keyed: Bool) throws(DecodeFailure) {
        try checkDepth(depth)
        let start = pending.json.count
        pending.json.append(keyed ? ASCII.openBrace : ASCII.openBracket)
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("values") {
                    pending.json.removeLast(pending.json.count - start - 1)
                    guard try scanner.beginArray() else { continue }
                    var first = true
                    repeat {
                        if !first { pending.json.append(ASCII.comma) }
                        first = false
                        if keyed {
                            try writeKeyValue(depth: depth + 1)
                        } else {
                            try writeAnyValue(depth: depth + 1)
                        }
                    } while try scanner.nextElement()
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        pending.json.append(keyed ? ASCII.closeBrace : ASCII.closeBracket)
    }

    /// One `KeyValue` as `"key":value`; the key may come after the value in the input.
    private mutating func writeKeyValue(depth: Int) throws(DecodeFailure) {
        let entryStart = pending.json.count
        var keyWritten = false
        var valueWritten = false
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                if key.equals("key"), !keyWritten {
                    let name = try scanner.readString()
                    if valueWritten {
                        let valueText = Array(pending.json[entryStart...])
                        pending.json.removeLast(valueText.count)
                        pending.appendJSONString(name)
                        pending.json.append(ASCII.colon)
                        pending.json.append(contentsOf: valueText)
                    } else {
                        pending.appendJSONString(name)
                        pending.json.append(ASCII.colon)
                    }
                    keyWritten = true
                } else if key.equals("value"), !valueWritten {
                    try writeAnyValue(depth: depth)
                    valueWritten = true
                } else {
                    try scanner.skipValue()
                }
            } while try scanner.nextMember()
        }
        if !keyWritten {
            pending.json.insert(contentsOf: [ASCII.quote, ASCII.quote, ASCII.colon], at: entryStart)
        }
        if !valueWritten { pending.appendLiteral("null") }
    }

    /// An `AnyValue` written as JSON: `"text"`, `12`, `1.5`, `true`, `[...]`, `{...}`, bytes as a
    /// hex string, an empty value as `null`.
    private mutating func writeAnyValue(depth: Int) throws(DecodeFailure) {
        try checkDepth(depth)
        let start = pending.json.count
        var wrote = false
        if try scanner.beginObject() {
            repeat {
                let key = try scanner.readKey()
                guard Self.isAnyValueKey(key) else {
                    try scanner.skipValue()
                    continue
                }
                // protobuf's JSON mapping lets the last of several values win.
                pending.json.removeLast(pending.json.count - start)
                wrote = true
                if key.equals("stringValue") || key.equals("string_value") {
                    pending.appendJSONString(try scanner.readString())
                } else if key.equals("intValue") || key.equals("int_value") {
                    pending.appendLiteral(String(try scanner.readInt64()))
                } else if key.equals("doubleValue") || key.equals("double_value") {
                    pending.appendJSONDouble(try scanner.readDouble())
                } else if key.equals("boolValue") || key.equals("bool_value") {
                    pending.appendLiteral(try scanner.readBool() ? "true" : "false")
                } else if key.equals("arrayValue") || key.equals("array_value") {
                    try writeArrayValue(depth: depth + 1)
                } else if key.equals("kvlistValue") || key.equals("kvlist_value") {
                    try writeKeyValueList(depth: depth + 1)
                } else {
                    pending.json.append(ASCII.quote)
                    try appendBytesAsHex()
                    pending.json.append(ASCII.quote)
                }
            } while try scanner.nextMember()
        }
        if !wrote { pending.appendLiteral("null") }
    }

    private static func isAnyValueKey(_ key: ByteString) -> Bool {
        key.equals("stringValue") || key.equals("string_value") || key.equals("intValue") || key.equals("int_value")
            || key.equals("doubleValue") || key.equals("double_value") || key.equals("boolValue") || key.equals("bool_value")
            || key.equals("arrayValue") || key.equals("array_value") || key.equals("kvlistValue") || key.equals("kvlist_value")
            || key.equals("bytesValue") || key.equals("bytes_value")
    }
}

/// Decodes standard or URL-safe base64, padded or not; nil when the text is not base64.
func decodeBase64(_ text: ByteString) -> [UInt8]? {
    var out = [UInt8]()
    out.reserveCapacity(text.count * 3 / 4)
    var accumulator: UInt32 = 0
    var bits = 0
    var padding = 0
    for i in 0..<text.count {
        let c = text.start[i]
        let value: UInt32
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(c - UInt8(ascii: "a")) + 26
        case ASCII.zero...ASCII.nine: value = UInt32(c - ASCII.zero) + 52
        case ASCII.plus, ASCII.minus: value = 62
        case ASCII.slash, UInt8(ascii: "_"): value = 63
        case UInt8(ascii: "="):
            padding += 1
            continue
        default: return nil
        }
        guard padding == 0 else { return nil }
        accumulator = accumulator << 6 | value
        bits += 6
        if bits >= 8 {
            bits -= 8
            out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
        }
    }
    // A single leftover character cannot encode a byte.
    guard bits < 6, padding <= 2 else { return nil }
    return out
}
