import GoalpostModel
import GoalpostTelemetry
import GoalpostTestSupport
import Testing

/// Bad requests: where the decoder stops, what it says, and that nothing is delivered.
@Suite struct OTLPJSONErrorTests {
    static let cases: [(text: String, offset: Int, message: String)] = [
        (#"{"resourceSpans":[{"scopeSpans":["#, 33, "expected a value but found end of input"),
        (#"{"resourceSpans":[]]"#, 19, "expected ',' or '}' in object but found ']'"),
        (
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[{},{"startTimeUnixNano":{}}]}]}]}"#, 67,
            "resourceSpans[0].scopeSpans[0].spans[1].startTimeUnixNano: expected a string or number, found object"
        ),
        (
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}"#, 54,
            #"resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a trace id of 32 hex digits, found "xyz""#
        ),
        (
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"endTimeUnixNano":"99999999999999999999"}]}]}]}"#, 62,
            #"resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano: expected an int64, found the string "99999999999999999999""#
        ),
        (
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"status":{"code":"STATUS_CODE_MAYBE"}}]}]}]}"#, 61,
            #"resourceSpans[0].scopeSpans[0].spans[0].status.code: unknown status code "STATUS_CODE_MAYBE""#
        ),
        (
            #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":true}]}]}]}"#, 64,
            "resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber: expected a string or number, found boolean"
        ),
        (
            #"{"resourceMetrics":[{"resource":{"attributes":{}}}]}"#, 46,
            "resourceMetrics[0].resource.attributes: expected an array, found object"
        ),
        (#"{"resourceSpans":[{"resource":{"attributes":[{"key":"a\q"}]}}]}"#, 54, #"invalid escape '\q' in string"#),
        (
            #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[{"bucketCounts":["1"],"explicitBounds":[1]}]}}]}]}]}"#, 77,
            "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0]: histogram has 1 bucket counts for 1 explicit bounds; expected 2"
        ),
        (
            #"{"resource_logs":[{"scope_logs":[{"log_records":[{"body":{"kvlistValue":{"values":[{"key":"k","value":{"intValue":"x"}}]}}}]}]}]}"#, 114,
            #"resource_logs[0].scope_logs[0].log_records[0].body.kvlistValue.values[0].value.intValue: expected an int64, found the string "x""#
        ),
        ("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"tab\tin string\"}]}]}]}", 55, "unescaped control character byte 0x09 in string"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"abc"#, 55, "unterminated string (the string starts at byte 51)"),
        (#"{"hello":"world"}"#, 0, "not an OTLP request: no resourceSpans, resourceLogs or resourceMetrics"),
        (#"{"partialSuccess":{}}"#, 0, "not an OTLP request: no resourceSpans, resourceLogs or resourceMetrics"),
        ("[1,2]", 0, "expected an OTLP request object but found an array"),
        (#""resourceSpans""#, 0, "expected an OTLP request object but found a string"),
        ("", 0, "expected an OTLP request object but found end of input"),
        ("   ", 3, "expected an OTLP request object but found end of input"),
        ("{} x", 3, "expected the end of the request but found 'x'"),
        (#"{"resourceSpans":[],}"#, 20, "expected a string key in object but found '}'"),
        (#"{"resourceSpans" []}"#, 17, "expected ':' after the key in object but found '['"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":nul}]}]}]}"#, 54, "expected 'null' but found '}'"),
        (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":01}]}]}]}"#, 52, "expected ',' or '}' in object but found '1'"),
    ]

    @Test("a bad request names the byte, and the field path for a bad value", arguments: cases)
    func badRequest(text: String, offset: Int, message: String) {
        #expect(Self.cases.count == 24)
        let error = decodingError(text)
        #expect(error == TelemetryDecodingError(byteOffset: offset, message: message))
    }

    @Test("the description leads with the byte offset")
    func description() {
        let error = TelemetryDecodingError(byteOffset: 1832, message: "expected ',' or '}' in object but found ']'")
        #expect(error.description == "byte 1832: expected ',' or '}' in object but found ']'")
    }

    @Test("values nested too deep are rejected, not a stack overflow")
    func deepNesting() {
        let unknown = #"{"resourceSpans":[{"x":"# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}]}"
        #expect(decodingError(unknown)?.message == "values nested deeper than 256 levels")
        var nested = #"{"stringValue":"leaf"}"#
        for _ in 0..<100 { nested = #"{"arrayValue":{"values":["# + nested + "]}}" }
        let attribute = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":"# + nested + "}]}}]}"
        #expect(decodingError(attribute)?.message == "attribute values nested deeper than 64 levels")
    }

    @Test("all or nothing: a request that fails part way delivers nothing, and the decoder goes on")
    func allOrNothing() throws {
        var decoder = OTLPJSONDecoder()
        var symbols = SymbolTable()
        var sink = CollectingSink()
        let good = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a"},{"name":"b"}]}]}]}"#
        let bad = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a"},{"name":"b"}]}]},{"scopeSpans":[{"spans":[{"name":5}]}]}]}"#
        let failure = Array(bad.utf8).withUnsafeBytes { buffer in
            Result { () throws(TelemetryDecodingError) in try decoder.decode(buffer, symbols: &symbols, into: &sink) }
        }
        guard case .failure(let error) = failure else {
            Issue.record("the bad request decoded")
            return
        }
        #expect(error.message == "resourceSpans[1].scopeSpans[0].spans[0].name: expected a string, found number")
        #expect(sink.events.isEmpty)
        let summary = try Array(good.utf8).withUnsafeBytes { try decoder.decode($0, symbols: &symbols, into: &sink) }
        #expect(summary == DecodeSummary(spans: 2))
        #expect(sink.events.map { symbols[$0.operation] } == ["a", "b"])
    }
}

/// Trace ids are read eight hex digits at a time; these pin that to the plain definition.
@Suite struct TraceIDHexTests {
    private func span(traceID: String) -> String {
        #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"\#(traceID)"}]}]}]}"#
    }

    @Test("every hex digit in either case reads as its value, the first digit most significant")
    func digits() throws {
        var random = SeededRandom(seed: 7)
        let digits = Array("0123456789abcdefABCDEF")
        for _ in 0..<500 {
            let text = String((0..<32).map { _ in digits[Int(random.next() % UInt64(digits.count))] })
            let decoded = try decode(span(traceID: text))
            let expected = text.lowercased() == String(repeating: "0", count: 32) ? nil : text.lowercased()
            #expect(decoded.events.first?.traceID == expected, "\(text)")
        }
        #expect(try decode(span(traceID: "0123456789ABCDEFfedcba9876543210")).events.first?.traceID
            == "0123456789abcdeffedcba9876543210")
    }

    @Test("a byte next to a hex range, at any position, is refused")
    func neighbours() {
        // The bytes just outside each hex range, and ones that fold onto a range when the case bit is set.
        let neighbours: [Character] = ["/", ":", "@", "G", "`", "g", " ", "\u{10}", "\u{19}", "\u{7F}", "é"]
        for position in 0..<32 {
            for bad in neighbours {
                var chars = Array(repeating: Character("a"), count: 32)
                chars[position] = bad
                let text = String(chars).replacingControlCharacters()
                #expect(throws: TelemetryDecodingError.self, "\(position) \(bad.unicodeScalars.first?.value ?? 0)") {
                    try decode(span(traceID: text))
                }
            }
        }
    }
}

private extension String {
    /// JSON needs control bytes escaped; the escape decodes back to the same byte in the trace id.
    func replacingControlCharacters() -> String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Attributes in the shape exporters write take a byte-level fast path; every other shape must read the same.
@Suite struct AttributeShapeTests {
    private func attributes(_ list: String) throws -> [String] {
        let text = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"s","attributes":["# + list + #"]}]}]}]}"#
        return try decode(text).events.first?.attributes ?? []
    }

    @Test("compact, spaced, reordered, extra members, snake case, null key and mixed values all read alike")
    func shapes() throws {
        let expected = try attributes(#"{"key":"a","value":{"stringValue":"x"}},{"key":"n","value":{"intValue":"5"}}"#)
        #expect(expected == [#"a="x""#, "n=5"])
        let variants = [
            #"{ "key": "a", "value": { "stringValue": "x" } }, {"key":"n","value":{"intValue":5}}"#,
            #"{"value":{"stringValue":"x"},"key":"a"},{"value":{"intValue":"5"},"key":"n"}"#,
            #"{"key":"a","other":1,"value":{"stringValue":"x"}},{"key":"n","value":{"intValue":"5"},"extra":[1,2]}"#,
            #"{"key":"a","value":{"string_value":"x"}},{"key":"n","value":{"int_value":"5"}}"#,
            #"{"key":"a","value":{"stringValue":"y","stringValue":"x"}},{"key":"n","value":{"stringValue":"z","intValue":"5"}}"#,
            #"{"key":"\u0061","value":{"stringValue":"\u0078"}},{"key":"n","value":{"intValue":"5"}}"#,
        ]
        for variant in variants {
            #expect(try attributes(variant) == expected, "\(variant)")
        }
        #expect(try attributes(#"{"key":null,"value":{"stringValue":"x"}}"#) == [#"="x""#])
        #expect(try attributes(#"{"key":"a","value":{}}"#) == [#"a="""#])
    }
}
