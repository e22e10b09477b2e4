import GoalpostModel
import GoalpostTelemetry
import Testing

/// The mapping rules, checked on hand-written fixtures with every expected event spelled out.
@Suite struct OTLPJSONDecoderTests {
    private let checkoutResource: [String] = [#"service.name="checkout""#, #"service.version="2.4.1""#, "process.pid=4242"]

    @Test("spans: http.route or name, end time, end minus start, status codes, resource then span attributes")
    func spans() throws {
        let decoded = try decode(try fixture("traces.json"))
        #expect(decoded.summary == DecodeSummary(spans: 4))
        #expect(decoded.samples.isEmpty)
        let expected = [
            ReadableEvent(
                signal: .span, time: 1_700_000_000_250_000_000, service: "checkout", operation: "/checkout/{cartId}",
                status: .error, duration: 250_000_000,
                attributes: checkoutResource + [
                    #"http.route="/checkout/{cartId}""#, #"customer.id="acme""#,
                    "http.response.status_code=503", "retry=true", "cart.total=129.5",
                ],
                traceID: "5b8efff798038103d269b633813fc60c", message: "payment provider timed out"
            ),
            ReadableEvent(
                signal: .span, time: 1_700_000_001_000_500_000, service: "checkout", operation: "GET /health",
                status: .ok, duration: 500_000,
                attributes: checkoutResource + [#"customer.id="globex""#],
                traceID: "0af7651916cd43dd8448eb211c80319c"
            ),
            ReadableEvent(
                signal: .span, time: 1_700_000_002_000_001_000, service: "checkout", operation: "render receipt",
                status: .unset, duration: 1_000,
                attributes: checkoutResource + [
                    #"tags="["a",7,0.25,false,null]""#,
                    #"limits="{"max":10,"name":"q\"uote","inner":[{}]}""#,
                    #"digest="deadbeef""#,
                    #"empty="""#,
                ]
            ),
            ReadableEvent(
                signal: .span, time: 1_700_000_003_000_000_100, service: "billing", operation: "charge",
                status: .unset, duration: 100,
                attributes: [#"service.name="billing""#, #"customer.id="resource-level""#, #"customer.id="initech""#]
            ),
        ]
        #expect(decoded.events.count == expected.count)
        for (actual, wanted) in zip(decoded.events, expected) {
            #expect(actual == wanted)
        }
    }

    @Test("an item's attribute wins over the resource's when looked up")
    func itemAttributeWins() throws {
        var decoder = OTLPJSONDecoder()
        var symbols = SymbolTable()
        var sink = CollectingSink()
        let bytes = Array(try fixture("traces.json").utf8)
        _ = try bytes.withUnsafeBytes { try decoder.decode($0, symbols: &symbols, into: &sink) }
        let key = try #require(symbols.lookup("customer.id"))
        let charge = try #require(sink.events.last)
        #expect(charge.attribute(key) == .string(try #require(symbols.lookup("initech"))))
    }

    @Test("snake_case keys, enum names, int64 extremes and a resource after its spans")
    func snakeCase() throws {
        let decoded = try decode(try fixture("traces-snake-case.json"))
        #expect(decoded.events == [
            ReadableEvent(
                signal: .span, time: 35, service: "python-svc", operation: "snake", status: .error, duration: 25,
                attributes: [
                    #"service.name="python-svc""#, "n=-9223372036854775808", #"s="x""#, "d=nan", "b=true",
                    #"a="["y"]""#, #"k="{"z":"0102"}""#,
                ],
                traceID: "00000000000000000000000000000001", message: "snake failed"
            ),
        ])
    }

    @Test("log records: time or observed time, severity to status, event name from the field or the attribute, body as text")
    func logs() throws {
        let decoded = try decode(try fixture("logs.json"))
        #expect(decoded.summary == DecodeSummary(logRecords: 4))
        #expect(decoded.events == [
            ReadableEvent(
                signal: .log, time: 1_700_000_010_000_000_000, service: "auth", operation: "auth.login", status: .error,
                severity: 17, attributes: [#"service.name="auth""#, #"customer.id="acme""#],
                traceID: "4bf92f3577b34da6a3ce929d0e0e4736", message: "login failed for acme"
            ),
            ReadableEvent(
                signal: .log, time: 1_700_000_011_000_000_000, service: "auth", operation: "auth.mfa", status: .ok,
                severity: 9, attributes: [#"service.name="auth""#, #"event.name="auth.mfa""#],
                message: #"{"user":"ann","attempt":2}"#
            ),
            ReadableEvent(
                signal: .log, time: 1_700_000_012_000_000_000, service: "auth", operation: "", status: .error,
                severity: 19, attributes: [#"service.name="auth""#], message: "42"
            ),
            ReadableEvent(
                signal: .log, time: 1_700_000_013_000_000_000, service: "auth", operation: "from.attribute", status: .ok,
                severity: 16, attributes: [#"service.name="auth""#, #"event.name="from.attribute""#], message: "1.5"
            ),
        ])
    }

    @Test("metrics: sums and gauges as counts, histograms with bounds, temporality; the rest counted as skipped")
    func metrics() throws {
        let decoded = try decode(try fixture("metrics.json"))
        #expect(decoded.events.isEmpty)
        #expect(decoded.summary == DecodeSummary(metricSamples: 4, skippedDataPoints: 4))
        #expect(decoded.samples == [
            ReadableSample(
                time: 2000, start: 1000, service: "api", name: "http.server.requests", temporality: .cumulative,
                attributes: [#"service.name="api""#, #"customer.id="acme""#], value: .count(120)
            ),
            ReadableSample(
                time: 3000, start: 2500, service: "api", name: "queue.depth.change", temporality: .delta,
                attributes: [#"service.name="api""#], value: .count(-2.5)
            ),
            ReadableSample(
                time: 4000, start: 0, service: "api", name: "cpu.utilization", temporality: .unspecified,
                attributes: [#"service.name="api""#], value: .count(0.75)
            ),
            ReadableSample(
                time: 5000, start: 1000, service: "api", name: "http.server.duration", temporality: .cumulative,
                attributes: [#"service.name="api""#, #"http.route="/login""#],
                value: .histogram(count: 10, bounds: [0.1, 1], counts: [1, 6, 3])
            ),
        ])
    }

    @Test("unicode escapes, surrogate pairs, a lone surrogate, raw UTF-8, and re-escaping in nested text")
    func unicode() throws {
        let decoded = try decode(try fixture("unicode.json"))
        let event = try #require(decoded.events.first)
        #expect(event.service == "café")
        #expect(event.operation == "smile 😀 done")
        #expect(event.attributes == [
            #"service.name="café""#,
            "esc\"aped=\"line1\nline2\ttab \\ back / slash Aß中\"",
            "lone=\"a\u{FFFD}b\"",
            #"raw="naïve 日本 🎉""#,
            #"nested="["tab\there \"q\" \u0001"]""#,
        ])
    }

    /// Every way a number may be written for the same int64 and the same enum.
    static let timeCases: [(json: String, value: Int64)] = [
        (#""1700000000000000001""#, 1_700_000_000_000_000_001),
        ("1700000000000000001", 1_700_000_000_000_000_001),
        (#""-5""#, -5),
        ("1e3", 1000),
        (#""2.0""#, 2),
        ("null", 0),
        (#""9223372036854775807""#, Int64.max),
    ]

    @Test("int64 fields as strings, numbers, exponent forms and null", arguments: timeCases)
    func int64Spellings(json: String, value: Int64) throws {
        #expect(Self.timeCases.count == 7)
        let text = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"endTimeUnixNano":"# + json + "}]}]}]}"
        let event = try #require(try decode(text).events.first)
        #expect(event.time == value)
    }

    static let statusCases: [(json: String, status: EventStatus)] = [
        ("0", .unset), ("1", .ok), ("2", .error), ("3", .unset),
        (#""STATUS_CODE_UNSET""#, .unset), (#""STATUS_CODE_OK""#, .ok), (#""STATUS_CODE_ERROR""#, .error),
    ]

    @Test("status codes as numbers and names", arguments: statusCases)
    func statusSpellings(json: String, status: EventStatus) throws {
        #expect(Self.statusCases.count == 7)
        let text = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"status":{"code":"# + json + "}}]}]}]}"
        #expect(try #require(try decode(text).events.first).status == status)
    }

    static let severityCases: [(json: String, number: UInt8, status: EventStatus)] = [
        ("0", 0, .ok), (#""SEVERITY_NUMBER_UNSPECIFIED""#, 0, .ok), (#""SEVERITY_NUMBER_TRACE""#, 1, .ok),
        (#""SEVERITY_NUMBER_DEBUG2""#, 6, .ok), (#""SEVERITY_NUMBER_INFO4""#, 12, .ok), ("16", 16, .ok),
        (#""SEVERITY_NUMBER_ERROR""#, 17, .error), ("20", 20, .error), (#""SEVERITY_NUMBER_FATAL""#, 21, .error),
        (#""SEVERITY_NUMBER_FATAL4""#, 24, .error),
    ]

    @Test("severity numbers as numbers and names; ERROR (17) and up fail", arguments: severityCases)
    func severitySpellings(json: String, number: UInt8, status: EventStatus) throws {
        #expect(Self.severityCases.count == 10)
        let text = #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"# + json + "}]}]}]}"
        let event = try #require(try decode(text).events.first)
        #expect(event.severity == number)
        #expect(event.status == status)
    }

    @Test("empty requests, null members and whitespace decode to nothing")
    func emptyForms() throws {
        for text in ["{}", " { } \n", #"{"resourceSpans":[]}"#, #"{"resourceSpans":null}"#, #"{"resourceLogs":[{}]}"#,
                     #"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[]}]}]}"#, "{\"resourceSpans\" :\t[ ] }\r\n"] {
            let decoded = try decode(text)
            #expect(decoded.events.isEmpty && decoded.samples.isEmpty, "\(text)")
        }
    }

    @Test("a base64 trace id, as generic protobuf JSON writes it, reads the same as hex")
    func base64TraceID() throws {
        let text = #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"W47/95gDgQPSabYzgT/GDA=="}]}]}]}"#
        #expect(try decode(text).events.first?.traceID == "5b8efff798038103d269b633813fc60c")
    }

    @Test("strings are interned once: the same text gives the same symbol across requests")
    func interning() throws {
        var decoder = OTLPJSONDecoder()
        var symbols = SymbolTable()
        let first = try decode(try fixture("traces.json"), decoder: &decoder, symbols: &symbols)
        let count = symbols.count
        let second = try decode(try fixture("traces.json"), decoder: &decoder, symbols: &symbols)
        #expect(first.events == second.events)
        #expect(symbols.count == count)
        // A different table with the decoder's warm cache still gets right answers.
        var other = SymbolTable()
        _ = other.intern("something else first")
        let third = try decode(try fixture("traces.json"), decoder: &decoder, symbols: &other)
        #expect(third.events == first.events)
    }
}
