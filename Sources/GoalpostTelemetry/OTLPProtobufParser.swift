import GoalpostModel

/// The schema-driven part of the OTLP protobuf decoder: walks one request with a `ProtobufReader`
/// and fills `PendingTelemetry`, as `OTLPJSONParser` does for JSON. Lives only for one `decode`
/// call; the decoder lends it its symbol table and buffers.
///
/// Field numbers are those of opentelemetry-proto v1.10.0 (`opentelemetry/proto/{common,resource,
/// trace,logs,metrics}/v1/*.proto`). A field the mapping reads must have its schema's wire type;
/// every other field is skipped whatever its wire type. Repeated message fields accumulate and a
/// message field given twice merges, as protobuf specifies; inside attribute values (`AnyValue`,
/// `KeyValue`) the last occurrence of a field wins, as in the JSON decoder.
struct OTLPProtobufParser {
    var reader: ProtobufReader
    var symbols: SymbolTable
    var pending: PendingTelemetry
    var recent: RecentValues
    private var serviceNameKey = SymbolTable.empty
    private var httpRouteKey = SymbolTable.empty
    private var eventNameKey = SymbolTable.empty
    /// How deeply arrays and maps inside attribute values may nest: the JSON decoder's limit.
    static let maximumValueDepth = OTLPJSONParser.maximumValueDepth

    init(reader: ProtobufReader, symbols: SymbolTable, pending: PendingTelemetry, recent: RecentValues) {
        self.reader = reader
        self.symbols = symbols
        self.pending = pending
        self.recent = recent
    }

    /// The symbol of `bytes`, from the strings seen earlier in this request when it is one of them,
    /// else from the table (which interns it when it is new).
    @inline(__always)
    private mutating func intern(_ bytes: ByteString) -> Symbol {
        let count = bytes.count
        guard count > 0, count < Int(Int32.max) else { return symbols.intern(utf8: bytes.start, count: count) }
        let (slot, seen) = recent.strings.lookup(bytes)
        if let seen { return seen }
        let symbol = symbols.intern(utf8: bytes.start, count: count)
        recent.strings.store(symbol, for: bytes, slot: slot)
        return symbol
    }

    // MARK: Request

    mutating func parseRequest(_ kind: OTLPSignalKind) throws(ProtobufFailure) {
        serviceNameKey = intern(ByteString("service.name"))
        httpRouteKey = intern(ByteString("http.route"))
        eventNameKey = intern(ByteString("event.name"))
        var index = 0
        while reader.hasMore {
            // resource_spans, resource_logs, resource_metrics: all field 1.
            let key = try reader.readKey()
            guard key.number == 1 else {
                try reader.skip(key)
                continue
            }
            do {
                try parseResourceEntry(kind, key)
            } catch {
                switch kind {
                case .traces: throw error.within("resource_spans", index)
                case .logs: throw error.within("resource_logs", index)
                case .metrics: throw error.within("resource_metrics", index)
                }
            }
            index += 1
        }
    }

    /// `ResourceSpans`, `ResourceLogs` or `ResourceMetrics`: 1 resource, 2 scopes.
    private mutating func parseResourceEntry(_ kind: OTLPSignalKind, _ entry: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(entry)
        let resource = pending.resources.count
        pending.resources.append(PendingTelemetry.Resource())
        var scopeIndex = 0
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 1:
                do { try parseResource(resource, key) } catch { throw error.within("resource") }
            case 2:
                do {
                    try parseScope(kind, resource: resource, key)
                } catch {
                    switch kind {
                    case .traces: throw error.within("scope_spans", scopeIndex)
                    case .logs: throw error.within("scope_logs", scopeIndex)
                    case .metrics: throw error.within("scope_metrics", scopeIndex)
                    }
                }
                scopeIndex += 1
            default:
                try reader.skip(key)
            }
        }
        reader.leave(outer)
    }

    /// `Resource`: 1 attributes.
    private mutating func parseResource(_ index: Int, _ field: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        var earlier = pending.resources[index].attributes
        if !earlier.isEmpty, earlier.upperBound != pending.attributes.count {
            // A second `resource` merges into the first; items refer to one range, so the first's
            // attributes move to the end, where this one's follow.
            let moved = Array(pending.attributes[earlier])
            let start = pending.attributes.count
            pending.attributes.append(contentsOf: moved)
            earlier = start..<pending.attributes.count
        }
        let start = earlier.isEmpty ? pending.attributes.count : earlier.lowerBound
        var attributeIndex = 0
        while reader.hasMore {
            let key = try reader.readKey()
            if key.number == 1 {
                do { try parseKeyValue(key) } catch { throw error.within("attributes", attributeIndex) }
                attributeIndex += 1
            } else {
                try reader.skip(key)
            }
        }
        reader.leave(outer)
        let range = start..<pending.attributes.count
        pending.resources[index].attributes = range
        pending.resources[index].service = stringAttribute(serviceNameKey, in: range) ?? SymbolTable.empty
    }

    /// `ScopeSpans`, `ScopeLogs` or `ScopeMetrics`: 2 spans, log records or metrics.
    private mutating func parseScope(_ kind: OTLPSignalKind, resource: Int, _ field: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        var itemIndex = 0
        while reader.hasMore {
            let key = try reader.readKey()
            guard key.number == 2 else {
                try reader.skip(key)
                continue
            }
            switch kind {
            case .traces:
                do { try parseSpan(resource: resource, key) } catch { throw error.within("spans", itemIndex) }
            case .logs:
                do { try parseLogRecord(resource: resource, key) } catch { throw error.within("log_records", itemIndex) }
            case .metrics:
                do { try parseMetric(resource: resource, key) } catch { throw error.within("metrics", itemIndex) }
            }
            itemIndex += 1
        }
        reader.leave(outer)
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

    /// `Span`: 1 trace_id, 5 name, 7 start_time_unix_nano, 8 end_time_unix_nano, 9 attributes, 15 status.
    private mutating func parseSpan(resource: Int, _ field: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        var name = SymbolTable.empty
        var start: Int64 = 0
        var end: Int64 = 0
        var code: Int32 = 0
        var message = SymbolTable.empty
        var traceID: TraceID?
        let firstAttribute = pending.attributes.count
        var attributeIndex = 0
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 9:
                do { try parseKeyValue(key) } catch { throw error.within("attributes", attributeIndex) }
                attributeIndex += 1
            case 5:
                name = intern(try reader.bytes(key, "name"))
            case 7:
                start = Int64(bitPattern: try reader.fixed64(key, "start_time_unix_nano"))
            case 8:
                end = Int64(bitPattern: try reader.fixed64(key, "end_time_unix_nano"))
            case 1:
                traceID = try readTraceID(key)
            case 15:
                do { try parseStatus(key, code: &code, message: &message) } catch { throw error.within("status") }
            default:
                try reader.skip(key)
            }
        }
        reader.leave(outer)
        // Nothing else in a span appends attributes, so the span's own are one run.
        let attributes = firstAttribute..<pending.attributes.count
        let (duration, overflow) = end.subtractingReportingOverflow(start)
        pending.events.append(PendingTelemetry.EventItem(
            signal: .span, timeUnixNano: end, durationNanos: overflow || duration < 0 ? 0 : duration,
            status: code == 2 ? .error : code == 1 ? .ok : .unset, severityNumber: 0,
            operation: stringAttribute(httpRouteKey, in: attributes) ?? name, message: message,
            traceID: traceID, resource: resource, attributes: attributes
        ))
        pending.summary.spans += 1
    }

    /// `Status`: 2 message, 3 code.
    private mutating func parseStatus(_ field: ProtobufFieldKey, code: inout Int32, message: inout Symbol) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 2: message = intern(try reader.bytes(key, "message"))
            case 3: code = Int32(truncatingIfNeeded: try reader.varint(key, "code"))
            default: try reader.skip(key)
            }
        }
        reader.leave(outer)
    }

    /// A trace id: 16 bytes. Empty or all zero: none.
    private mutating func readTraceID(_ key: ProtobufFieldKey) throws(ProtobufFailure) -> TraceID? {
        let bytes = try reader.bytes(key, "trace_id")
        if bytes.count == 0 { return nil }
        guard bytes.count == 16 else {
            throw ProtobufFailure(offset: key.offset, message: "expected 16 bytes, found \(bytes.count)", field: "trace_id")
        }
        let raw = UnsafeRawPointer(bytes.start)
        let high = UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self))
        let low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        return high == 0 && low == 0 ? nil : TraceID(high: high, low: low)
    }

    // MARK: Logs

    /// `LogRecord`: 1 time_unix_nano, 2 severity_number, 5 body, 6 attributes, 9 trace_id,
    /// 11 observed_time_unix_nano, 12 event_name.
    private mutating func parseLogRecord(resource: Int, _ field: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        var time: Int64 = 0
        var observed: Int64 = 0
        var severity: UInt8 = 0
        var message = SymbolTable.empty
        var eventName = SymbolTable.empty
        var traceID: TraceID?
        let firstAttribute = pending.attributes.count
        var attributeIndex = 0
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 6:
                do { try parseKeyValue(key) } catch { throw error.within("attributes", attributeIndex) }
                attributeIndex += 1
            case 5:
                do { message = try readBodyText(key) } catch { throw error.within("body") }
            case 1:
                time = Int64(bitPattern: try reader.fixed64(key, "time_unix_nano"))
            case 11:
                observed = Int64(bitPattern: try reader.fixed64(key, "observed_time_unix_nano"))
            case 2:
                let number = Int32(truncatingIfNeeded: try reader.varint(key, "severity_number"))
                guard number >= 0, number <= 255 else {
                    throw ProtobufFailure(offset: key.offset, message: "severity number \(number) is out of range", field: "severity_number")
                }
                severity = UInt8(number)
            case 9:
                traceID = try readTraceID(key)
            case 12:
                eventName = intern(try reader.bytes(key, "event_name"))
            default:
                try reader.skip(key)
            }
        }
        reader.leave(outer)
        let attributes = firstAttribute..<pending.attributes.count
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
    private mutating func readBodyText(_ key: ProtobufFieldKey) throws(ProtobufFailure) -> Symbol {
        switch try parseAnyValue(key, depth: 0) {
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

    // MARK: Metrics

    /// `Metric`: 1 name, 5 gauge, 7 sum, 9 histogram, 10 exponential_histogram, 11 summary.
    private mutating func parseMetric(resource: Int, _ field: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        let first = pending.samples.count
        var name = SymbolTable.empty
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 1:
                name = intern(try reader.bytes(key, "name"))
            case 5:
                do { try parsePoints(resource: resource, key, histogram: false) } catch { throw error.within("gauge") }
            case 7:
                do { try parsePoints(resource: resource, key, histogram: false) } catch { throw error.within("sum") }
            case 9:
                do { try parsePoints(resource: resource, key, histogram: true) } catch { throw error.within("histogram") }
            case 10:
                do { try countSkippedPoints(key) } catch { throw error.within("exponential_histogram") }
            case 11:
                do { try countSkippedPoints(key) } catch { throw error.within("summary") }
            default:
                try reader.skip(key)
            }
        }
        reader.leave(outer)
        for index in first..<pending.samples.count { pending.samples[index].name = name }
    }

    /// `Gauge`, `Sum` or `Histogram`: 1 data_points, 2 aggregation_temporality (a gauge has none,
    /// so it stays unspecified).
    private mutating func parsePoints(resource: Int, _ field: ProtobufFieldKey, histogram: Bool) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        let first = pending.samples.count
        var temporality = Temporality.unspecified
        var pointIndex = 0
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 1:
                do {
                    if histogram {
                        try parseHistogramPoint(resource: resource, key)
                    } else {
                        try parseNumberPoint(resource: resource, key)
                    }
                } catch {
                    throw error.within("data_points", pointIndex)
                }
                pointIndex += 1
            case 2:
                switch Int32(truncatingIfNeeded: try reader.varint(key, "aggregation_temporality")) {
                case 1: temporality = .delta
                case 2: temporality = .cumulative
                default: temporality = .unspecified
                }
            default:
                try reader.skip(key)
            }
        }
        reader.leave(outer)
        for index in first..<pending.samples.count { pending.samples[index].temporality = temporality }
    }

    /// `ExponentialHistogram` or `Summary`: 1 data_points, counted and skipped.
    private mutating func countSkippedPoints(_ field: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        var pointIndex = 0
        while reader.hasMore {
            let key = try reader.readKey()
            if key.number == 1 {
                do {
                    let point = try reader.enter(key)
                    reader.pos = reader.end
                    reader.leave(point)
                } catch {
                    throw error.within("data_points", pointIndex)
                }
                pointIndex += 1
                pending.summary.skippedDataPoints += 1
            } else {
                try reader.skip(key)
            }
        }
        reader.leave(outer)
    }

    /// Flag bit 0 of a data point: the point carries no recorded value (a staleness marker).
    private static let noRecordedValue: UInt64 = 1

    /// `NumberDataPoint`: 2 start_time_unix_nano, 3 time_unix_nano, 4 as_double, 6 as_int,
    /// 7 attributes, 8 flags.
    private mutating func parseNumberPoint(resource: Int, _ field: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        var time: Int64 = 0
        var start: Int64 = 0
        var value = 0.0
        var flags: UInt64 = 0
        let firstAttribute = pending.attributes.count
        var attributeIndex = 0
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 7:
                do { try parseKeyValue(key) } catch { throw error.within("attributes", attributeIndex) }
                attributeIndex += 1
            case 2: start = Int64(bitPattern: try reader.fixed64(key, "start_time_unix_nano"))
            case 3: time = Int64(bitPattern: try reader.fixed64(key, "time_unix_nano"))
            case 4: value = Double(bitPattern: try reader.fixed64(key, "as_double"))
            case 6: value = Double(Int64(bitPattern: try reader.fixed64(key, "as_int")))
            case 8: flags = try reader.varint(key, "flags")
            default: try reader.skip(key)
            }
        }
        reader.leave(outer)
        guard flags & Self.noRecordedValue == 0 else {
            pending.attributes.removeLast(pending.attributes.count - firstAttribute)
            pending.summary.skippedDataPoints += 1
            return
        }
        pending.samples.append(PendingTelemetry.SampleItem(
            timeUnixNano: time, startTimeUnixNano: start, name: SymbolTable.empty, temporality: .unspecified,
            resource: resource, attributes: firstAttribute..<pending.attributes.count, value: .count(value)
        ))
        pending.summary.metricSamples += 1
    }

    /// `HistogramDataPoint`: 2 start_time_unix_nano, 3 time_unix_nano, 4 count, 6 bucket_counts,
    /// 7 explicit_bounds (both packed or not), 9 attributes, 10 flags.
    private mutating func parseHistogramPoint(resource: Int, _ field: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        var time: Int64 = 0
        var start: Int64 = 0
        var count: UInt64 = 0
        var flags: UInt64 = 0
        var bounds: [UInt64] = []
        var counts: [UInt64] = []
        let firstAttribute = pending.attributes.count
        var attributeIndex = 0
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 9:
                do { try parseKeyValue(key) } catch { throw error.within("attributes", attributeIndex) }
                attributeIndex += 1
            case 2: start = Int64(bitPattern: try reader.fixed64(key, "start_time_unix_nano"))
            case 3: time = Int64(bitPattern: try reader.fixed64(key, "time_unix_nano"))
            case 4: count = try reader.fixed64(key, "count")
            case 6: try reader.appendFixed64(key, "bucket_counts", to: &counts)
            case 7: try reader.appendFixed64(key, "explicit_bounds", to: &bounds)
            case 10: flags = try reader.varint(key, "flags")
            default: try reader.skip(key)
            }
        }
        reader.leave(outer)
        guard flags & Self.noRecordedValue == 0 else {
            pending.attributes.removeLast(pending.attributes.count - firstAttribute)
            pending.summary.skippedDataPoints += 1
            return
        }
        guard counts.isEmpty || counts.count == bounds.count + 1 else {
            throw ProtobufFailure(
                offset: field.offset,
                message: "histogram has \(counts.count) bucket counts for \(bounds.count) explicit bounds; expected \(bounds.count + 1)"
            )
        }
        pending.samples.append(PendingTelemetry.SampleItem(
            timeUnixNano: time, startTimeUnixNano: start, name: SymbolTable.empty, temporality: .unspecified,
            resource: resource, attributes: firstAttribute..<pending.attributes.count,
            value: .histogram(count: count, bounds: bounds.map { Double(bitPattern: $0) }, counts: counts)
        ))
        pending.summary.metricSamples += 1
    }

    // MARK: Attributes and values

    /// `KeyValue` (1 key, 2 value), appended to the request's attributes.
    private mutating func parseKeyValue(_ field: ProtobufFieldKey) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        let whole = ByteString(start: reader.base + reader.pos, count: reader.end - reader.pos)
        let memo = whole.count > 0 && whole.count < Int(Int32.max) ? recent.attributes.lookup(whole) : nil
        if let attribute = memo?.value {
            reader.pos = reader.end
            reader.leave(outer)
            pending.attributes.append(attribute)
            return
        }
        var name = SymbolTable.empty
        var value = AttributeValue.string(SymbolTable.empty)
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 1:
                name = intern(try reader.bytes(key, "key"))
            case 2:
                do { value = try parseAnyValue(key, depth: 0) ?? .string(SymbolTable.empty) } catch { throw error.within("value") }
            default:
                try reader.skip(key)
            }
        }
        reader.leave(outer)
        let attribute = Attribute(key: name, value: value)
        if let memo { recent.attributes.store(attribute, for: whole, slot: memo.slot) }
        pending.attributes.append(attribute)
    }

    /// `AnyValue`: 1 string, 2 bool, 3 int, 4 double, 5 array, 6 kvlist, 7 bytes. Scalars as
    /// themselves, arrays and maps as their compact JSON text, bytes as hex; nil for an empty value.
    private mutating func parseAnyValue(_ field: ProtobufFieldKey, depth: Int) throws(ProtobufFailure) -> AttributeValue? {
        let outer = try reader.enter(field)
        var result: AttributeValue?
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 1:
                result = .string(intern(try reader.bytes(key, "string_value")))
            case 2:
                result = .bool(try reader.varint(key, "bool_value") != 0)
            case 3:
                result = .int(Int64(bitPattern: try reader.varint(key, "int_value")))
            case 4:
                result = .double(Double(bitPattern: try reader.fixed64(key, "double_value")))
            case 5:
                pending.json.removeAll(keepingCapacity: true)
                do { try writeValues(key, depth: depth + 1, keyed: false) } catch { throw error.within("array_value") }
                result = .string(internJSON())
            case 6:
                pending.json.removeAll(keepingCapacity: true)
                do { try writeValues(key, depth: depth + 1, keyed: true) } catch { throw error.within("kvlist_value") }
                result = .string(internJSON())
            case 7:
                let bytes = try reader.bytes(key, "bytes_value")
                pending.json.removeAll(keepingCapacity: true)
                pending.appendHex(UnsafeBufferPointer(start: bytes.start, count: bytes.count))
                result = .string(internJSON())
            default:
                try reader.skip(key)
            }
        }
        reader.leave(outer)
        return result
    }

    private mutating func internJSON() -> Symbol {
        pending.json.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return SymbolTable.empty }
            return symbols.intern(utf8: start, count: buffer.count)
        }
    }

    // MARK: Nested values as JSON text

    private func checkDepth(_ depth: Int, at offset: Int) throws(ProtobufFailure) {
        guard depth <= Self.maximumValueDepth else {
            throw ProtobufFailure(offset: offset, message: "attribute values nested deeper than \(Self.maximumValueDepth) levels")
        }
    }

    /// An `ArrayValue` or `KeyValueList` (1 values), as a JSON array or object.
    private mutating func writeValues(_ field: ProtobufFieldKey, depth: Int, keyed: Bool) throws(ProtobufFailure) {
        try checkDepth(depth, at: field.offset)
        let outer = try reader.enter(field)
        pending.json.append(keyed ? ASCII.openBrace : ASCII.openBracket)
        var index = 0
        while reader.hasMore {
            let key = try reader.readKey()
            guard key.number == 1 else {
                try reader.skip(key)
                continue
            }
            if index > 0 { pending.json.append(ASCII.comma) }
            do {
                if keyed {
                    try writeKeyValue(key, depth: depth + 1)
                } else {
                    try writeAnyValue(key, depth: depth + 1)
                }
            } catch {
                throw error.within("values", index)
            }
            index += 1
        }
        reader.leave(outer)
        pending.json.append(keyed ? ASCII.closeBrace : ASCII.closeBracket)
    }

    /// One `KeyValue` as `"key":value`; the key may come after the value in the input, so the
    /// value is found first and written after the key.
    private mutating func writeKeyValue(_ field: ProtobufFieldKey, depth: Int) throws(ProtobufFailure) {
        let outer = try reader.enter(field)
        var name = ByteString(start: reader.base, count: 0)
        var value: (key: ProtobufFieldKey, position: Int)?
        while reader.hasMore {
            let key = try reader.readKey()
            switch key.number {
            case 1:
                name = try reader.bytes(key, "key")
            case 2:
                value = (key, reader.pos)
                try reader.skip(key)
            default:
                try reader.skip(key)
            }
        }
        let entryEnd = reader.pos
        pending.appendJSONString(name)
        pending.json.append(ASCII.colon)
        if let value {
            reader.pos = value.position
            do { try writeAnyValue(value.key, depth: depth) } catch { throw error.within("value") }
            reader.pos = entryEnd
        } else {
            pending.appendLiteral("null")
        }
        reader.leave(outer)
    }

    /// An `AnyValue` written as JSON: `"text"`, `12`, `1.5`, `true`, `[...]`, `{...}`, bytes as a
    /// hex string, an empty value as `null`. The last of several values wins.
    private mutating func writeAnyValue(_ field: ProtobufFieldKey, depth: Int) throws(ProtobufFailure) {
        try checkDepth(depth, at: field.offset)
        let outer = try reader.enter(field)
        let start = pending.json.count
        var wrote = false
        while reader.hasMore {
            let key = try reader.readKey()
            guard key.number >= 1, key.number <= 7 else {
                try reader.skip(key)
                continue
            }
            pending.json.removeLast(pending.json.count - start)
            wrote = true
            switch key.number {
            case 1:
                pending.appendJSONString(try reader.bytes(key, "string_value"))
            case 2:
                pending.appendLiteral(try reader.varint(key, "bool_value") != 0 ? "true" : "false")
            case 3:
                pending.appendLiteral(String(Int64(bitPattern: try reader.varint(key, "int_value"))))
            case 4:
                pending.appendJSONDouble(Double(bitPattern: try reader.fixed64(key, "double_value")))
            case 5:
                do { try writeValues(key, depth: depth + 1, keyed: false) } catch { throw error.within("array_value") }
            case 6:
                do { try writeValues(key, depth: depth + 1, keyed: true) } catch { throw error.within("kvlist_value") }
            default:
                let bytes = try reader.bytes(key, "bytes_value")
                pending.json.append(ASCII.quote)
                pending.appendHex(UnsafeBufferPointer(start: bytes.start, count: bytes.count))
                pending.json.append(ASCII.quote)
            }
        }
        reader.leave(outer)
        if !wrote { pending.appendLiteral("null") }
    }
}

/// What runs of input bytes seen earlier in one request decoded to, by where the bytes are in the input:
/// strings to their symbols, whole attributes (`KeyValue` messages) to their `Attribute`.
///
/// The spans of one request repeat the same keys and values (`http.route`, the customer, the status
/// code's key …), and comparing two runs of input bytes is cheaper than decoding them again: than the
/// `SymbolTable`, which hashes every byte and checks its hit against the table's `String`, or than walking
/// a `KeyValue` and its `AnyValue` and interning both strings. Equal bytes decode to the same value
/// (decoding is deterministic and the table only grows). Entries point into the input, so they are good
/// for one request only: each request gets a new generation, and entries of older ones never match.
struct RecentBytes<Value: Sendable>: Sendable {
    struct Entry: Sendable {
        /// The address of the bytes in the input (a number, so the decoder stays `Sendable`).
        var address: UInt = 0
        var count: Int32 = 0
        var generation: UInt32 = 0
        var value: Value
    }

    static var slotBits: Int { 9 }
    private var entries: [Entry]
    private let blank: Value
    /// The current request's generation; entries of another never match. Starts at 1, so fresh entries do not either.
    private var generation: UInt32 = 1

    /// A table of `1 << slotBits` empty slots, or of none for a stand-in that is never used; `blank` fills them.
    init(blank: Value, slotCount: Int = 1 << Self.slotBits) {
        self.blank = blank
        entries = [Entry](repeating: Entry(value: blank), count: slotCount)
    }

    /// Starts a new request.
    mutating func nextRequest() {
        generation &+= 1
        if generation == 0 {
            entries = [Entry](repeating: Entry(value: blank), count: 1 << Self.slotBits)
            generation = 1
        }
    }

    /// The value of `bytes` (not empty, shorter than 2 GiB) when the same bytes were seen in this request,
    /// and the slot to `store` it in otherwise.
    @inline(__always)
    func lookup(_ bytes: ByteString) -> (slot: Int, value: Value?) {
        let slot = Self.index(of: bytes)
        let entry = entries[slot]
        if entry.generation == generation, Int(entry.count) == bytes.count,
            let start = UnsafePointer<UInt8>(bitPattern: entry.address), bytesEqual(start, bytes.start, bytes.count)
        {
            return (slot, entry.value)
        }
        return (slot, nil)
    }

    /// Remembers what `bytes` decoded to, in the slot `lookup` gave.
    @inline(__always)
    mutating func store(_ value: Value, for bytes: ByteString, slot: Int) {
        entries[slot] = Entry(address: UInt(bitPattern: bytes.start), count: Int32(bytes.count), generation: generation, value: value)
    }

    /// A slot for `bytes` (not empty): a hash of the length and the first and last eight bytes.
    @inline(__always)
    static func index(of bytes: ByteString) -> Int {
        let count = bytes.count
        let raw = UnsafeRawPointer(bytes.start)
        var hash: UInt64
        if count >= 8 {
            hash = raw.loadUnaligned(as: UInt64.self) &+ raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) &* 31
        } else {
            hash = UInt64(bytes.start[0]) | UInt64(bytes.start[count / 2]) << 8 | UInt64(bytes.start[count - 1]) << 16
        }
        hash = (hash ^ UInt64(truncatingIfNeeded: count)) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: hash >> UInt64(64 - slotBits))
    }
}
