import GoalpostModel
import GoalpostTelemetry
import Testing

/// The protobuf decoder on hand-built requests: what each signal maps to, and that it is what the
/// JSON decoder makes of the same request written as OTLP/JSON.
@Suite struct OTLPProtobufDecoderTests {
    static let traceBytes: [UInt8] = Array(1...16)

    /// Two spans of one resource: one failed with a route and a trace id, one that ended before it started.
    static var spans: [UInt8] {
        ProtobufBytes { request in
            request.message(1) { resourceSpans in
                resourceSpans.message(1) { resource in
                    resource.attribute(1, "service.name", "checkout")
                    resource.attribute(1, "region", "eu")
                    resource.attribute(1, "pid") { $0.int64(3, 42) }
                }
                resourceSpans.message(2) { scopeSpans in
                    scopeSpans.message(1) { $0.string(1, "lib") }
                    scopeSpans.message(2) { span in
                        span.data(1, traceBytes)
                        span.data(2, [1, 2, 3, 4, 5, 6, 7, 8])
                        span.string(5, "GET /cart/{id}")
                        span.varint(6, 2)
                        span.fixed64(7, 1_000)
                        span.fixed64(8, 1_500)
                        span.attribute(9, "http.route", "/cart/{id}")
                        span.attribute(9, "customer.id", "c1")
                        span.message(15) { status in
                            status.string(2, "boom")
                            status.varint(3, 2)
                        }
                        span.fixed32(16, 0x101)
                    }
                    scopeSpans.message(2) { span in
                        span.data(1, Array(repeating: 0, count: 16))
                        span.string(5, "work")
                        span.fixed64(7, 2_000)
                        span.fixed64(8, 1_000)
                        span.message(15) { $0.varint(3, 1) }
                    }
                }
            }
        }.bytes
    }

    static let spansJSON = #"""
    {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},
    {"key":"region","value":{"stringValue":"eu"}},{"key":"pid","value":{"intValue":"42"}}]},
    "scopeSpans":[{"scope":{"name":"lib"},"spans":[
    {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"GET /cart/{id}","kind":2,
     "startTimeUnixNano":"1000","endTimeUnixNano":"1500","attributes":[{"key":"http.route","value":{"stringValue":"/cart/{id}"}},
     {"key":"customer.id","value":{"stringValue":"c1"}}],"status":{"message":"boom","code":2},"flags":257},
    {"traceId":"00000000000000000000000000000000","name":"work","startTimeUnixNano":"2000","endTimeUnixNano":"1000","status":{"code":1}}
    ]}]}]}
    """#

    @Test("a span becomes an event: route or name, end time, error for code 2, resource attributes first")
    func spansMap() throws {
        let decoded = try decodeProtobuf(Self.spans, kind: .traces)
        let resource = [#"service.name="checkout""#, #"region="eu""#, "pid=42"]
        #expect(decoded.events == [
            ReadableEvent(
                signal: .span, time: 1_500, service: "checkout", operation: "/cart/{id}", status: .error, duration: 500,
                attributes: resource + [#"http.route="/cart/{id}""#, #"customer.id="c1""#],
                traceID: "0102030405060708090a0b0c0d0e0f10", message: "boom"
            ),
            ReadableEvent(
                signal: .span, time: 1_000, service: "checkout", operation: "work", status: .ok, duration: 0,
                attributes: resource, traceID: nil
            ),
        ])
        #expect(decoded.summary == DecodeSummary(spans: 2))
        let json = try decode(Self.spansJSON)
        #expect(decoded.events == json.events)
    }

    static func bodyKVList(_ body: inout ProtobufBytes) {
        body.message(6) { list in
            list.message(1) { kv in
                kv.message(2) { $0.int64(3, -3) }  // The value before the key.
                kv.string(1, "a")
            }
            list.message(1) { kv in
                kv.string(1, "b")
                kv.message(2) { value in
                    value.message(5) { array in
                        array.message(1) { $0.varint(2, 1) }
                        array.message(1) { $0.string(1, "x\"y") }
                        array.message(1) { $0.double(4, 1.5) }
                        array.message(1) { $0.data(7, [0xAB, 0x01]) }
                        array.message(1) { _ in }
                    }
                }
            }
            list.message(1) { $0.string(1, "none") }
        }
    }

    static var logs: [UInt8] {
        ProtobufBytes { request in
            request.message(1) { resourceLogs in
                resourceLogs.message(1) { $0.attribute(1, "service.name", "auth") }
                resourceLogs.message(2) { scopeLogs in
                    scopeLogs.message(2) { record in
                        record.fixed64(11, 77)
                        record.varint(2, 17)
                        record.string(3, "ERROR")
                        record.message(5) { $0.string(1, "failed") }
                        record.attribute(6, "event.name", "login")
                        record.data(9, traceBytes)
                        record.fixed32(8, 1)
                    }
                    scopeLogs.message(2) { record in
                        record.fixed64(1, 5)
                        record.fixed64(11, 6)
                        record.varint(2, 9)
                        record.message(5, bodyKVList)
                        record.string(12, "evt")
                    }
                    scopeLogs.message(2) { $0.message(5) { $0.int64(3, -7) } }
                    scopeLogs.message(2) { $0.message(5) { $0.double(4, 2.5) } }
                    scopeLogs.message(2) { $0.message(5) { $0.varint(2, 1) } }
                    scopeLogs.message(2) { $0.varint(2, 24) }
                }
            }
        }.bytes
    }

    static let logsJSON = #"""
    {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"auth"}}]},"scopeLogs":[{"logRecords":[
    {"observedTimeUnixNano":"77","severityNumber":17,"severityText":"ERROR","body":{"stringValue":"failed"},
     "attributes":[{"key":"event.name","value":{"stringValue":"login"}}],"traceId":"0102030405060708090a0b0c0d0e0f10","flags":1},
    {"timeUnixNano":"5","observedTimeUnixNano":"6","severityNumber":9,"eventName":"evt","body":{"kvlistValue":{"values":[
     {"key":"a","value":{"intValue":"-3"}},{"key":"b","value":{"arrayValue":{"values":[{"boolValue":true},{"stringValue":"x\"y"},
     {"doubleValue":1.5},{"bytesValue":"qwE="},{}]}}},{"key":"none"}]}}},
    {"body":{"intValue":"-7"}},{"body":{"doubleValue":2.5}},{"body":{"boolValue":true}},{"severityNumber":24}
    ]}]}]}
    """#

    @Test("a log record becomes an event: event name, error from severity 17, the body as text")
    func logsMap() throws {
        let decoded = try decodeProtobuf(Self.logs, kind: .logs)
        let service = #"service.name="auth""#
        #expect(decoded.events == [
            ReadableEvent(
                signal: .log, time: 77, service: "auth", operation: "login", status: .error, severity: 17,
                attributes: [service, #"event.name="login""#], traceID: "0102030405060708090a0b0c0d0e0f10", message: "failed"
            ),
            ReadableEvent(
                signal: .log, time: 5, service: "auth", operation: "evt", status: .ok, severity: 9, attributes: [service],
                message: #"{"a":-3,"b":[true,"x\"y",1.5,"ab01",null],"none":null}"#
            ),
            ReadableEvent(signal: .log, time: 0, service: "auth", operation: "", status: .ok, attributes: [service], message: "-7"),
            ReadableEvent(signal: .log, time: 0, service: "auth", operation: "", status: .ok, attributes: [service], message: "2.5"),
            ReadableEvent(signal: .log, time: 0, service: "auth", operation: "", status: .ok, attributes: [service], message: "true"),
            ReadableEvent(signal: .log, time: 0, service: "auth", operation: "", status: .error, severity: 24, attributes: [service]),
        ])
        #expect(decoded.summary == DecodeSummary(logRecords: 6))
        let json = try decode(Self.logsJSON)
        #expect(decoded.events == json.events)
    }

    static var metrics: [UInt8] {
        ProtobufBytes { request in
            request.message(1) { resourceMetrics in
                resourceMetrics.message(1) { $0.attribute(1, "service.name", "api") }
                resourceMetrics.message(2) { scopeMetrics in
                    scopeMetrics.message(2) { metric in
                        metric.string(1, "requests")
                        metric.message(7) { sum in
                            sum.message(1) { point in
                                point.attribute(7, "http.route", "/x")
                                point.fixed64(2, 10)
                                point.fixed64(3, 20)
                                point.fixed64(6, UInt64(bitPattern: -5))
                            }
                            sum.message(1) { point in
                                point.double(4, 2.5)
                                point.varint(8, 1)  // No recorded value: skipped.
                            }
                            sum.varint(2, 2)  // Temporality after the points.
                            sum.varint(3, 1)
                        }
                    }
                    scopeMetrics.message(2) { metric in
                        metric.message(9) { histogram in
                            histogram.varint(2, 1)
                            histogram.message(1) { point in
                                point.fixed64(3, 30)
                                point.fixed64(4, 6)
                                point.double(5, 1.25)
                                point.packed(6, [1, 2, 3])
                                point.packed(7, [(0.1).bitPattern, (0.5).bitPattern])
                            }
                            histogram.message(1) { point in
                                point.fixed64(4, 9)
                                point.fixed64(6, 4)
                                point.double(7, 1.0)
                                point.fixed64(6, 5)
                                point.attribute(9, "le", "x")
                            }
                        }
                        metric.string(1, "latency")  // The name after the data.
                    }
                    scopeMetrics.message(2) { metric in
                        metric.string(1, "temperature")
                        metric.message(5) { gauge in gauge.message(1) { $0.double(4, 21.5) } }
                    }
                    scopeMetrics.message(2) { metric in
                        metric.string(1, "exponential")
                        metric.message(10) { exponential in
                            exponential.message(1) { $0.fixed64(4, 3) }
                            exponential.message(1) { _ in }
                        }
                    }
                    scopeMetrics.message(2) { metric in
                        metric.string(1, "summary")
                        metric.message(11) { summary in summary.message(1) { $0.fixed64(4, 2) } }
                    }
                }
            }
        }.bytes
    }

    static let metricsJSON = #"""
    {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},"scopeMetrics":[{"metrics":[
    {"name":"requests","sum":{"dataPoints":[{"attributes":[{"key":"http.route","value":{"stringValue":"/x"}}],"startTimeUnixNano":"10",
     "timeUnixNano":"20","asInt":"-5"},{"asDouble":2.5,"flags":1}],"aggregationTemporality":2,"isMonotonic":true}},
    {"histogram":{"aggregationTemporality":1,"dataPoints":[{"timeUnixNano":"30","count":"6","sum":1.25,"bucketCounts":["1","2","3"],
     "explicitBounds":[0.1,0.5]},{"count":"9","bucketCounts":["4","5"],"explicitBounds":[1.0],
     "attributes":[{"key":"le","value":{"stringValue":"x"}}]}]},"name":"latency"},
    {"name":"temperature","gauge":{"dataPoints":[{"asDouble":21.5}]}},
    {"name":"exponential","exponentialHistogram":{"dataPoints":[{"count":"3"},{}]}},
    {"name":"summary","summary":{"dataPoints":[{"count":"2"}]}}
    ]}]}]}
    """#

    @Test("sum, gauge and histogram points become samples; packed and unpacked buckets read alike")
    func metricsMap() throws {
        let decoded = try decodeProtobuf(Self.metrics, kind: .metrics)
        let service = #"service.name="api""#
        #expect(decoded.samples == [
            ReadableSample(
                time: 20, start: 10, service: "api", name: "requests", temporality: .cumulative,
                attributes: [service, #"http.route="/x""#], value: .count(-5)
            ),
            ReadableSample(
                time: 30, start: 0, service: "api", name: "latency", temporality: .delta,
                attributes: [service], value: .histogram(count: 6, bounds: [0.1, 0.5], counts: [1, 2, 3])
            ),
            ReadableSample(
                time: 0, start: 0, service: "api", name: "latency", temporality: .delta,
                attributes: [service, #"le="x""#], value: .histogram(count: 9, bounds: [1.0], counts: [4, 5])
            ),
            ReadableSample(
                time: 0, start: 0, service: "api", name: "temperature", temporality: .unspecified,
                attributes: [service], value: .count(21.5)
            ),
        ])
        #expect(decoded.summary == DecodeSummary(metricSamples: 4, skippedDataPoints: 4))
        let json = try decode(Self.metricsJSON)
        #expect(decoded.samples == json.samples)
        #expect(decoded.summary == json.summary)
    }

    @Test("an empty request of any kind is valid and delivers nothing", arguments: OTLPSignalKind.allCases)
    func emptyRequest(kind: OTLPSignalKind) throws {
        #expect(OTLPSignalKind.allCases.count == 3)
        let decoded = try decodeProtobuf([], kind: kind)
        #expect(decoded.events.isEmpty && decoded.samples.isEmpty)
        #expect(decoded.summary == DecodeSummary())
        // A resource with nothing in it is still a resource with no items.
        let bare = try decodeProtobuf([0x0A, 0x00], kind: kind)
        #expect(bare.summary == DecodeSummary())
    }

    @Test("negative and extreme integers survive: ten-byte varints and sfixed64")
    func negativeIntegers() throws {
        let request = ProtobufBytes { request in
            request.message(1) { resourceSpans in
                resourceSpans.message(2) { scopeSpans in
                    scopeSpans.message(2) { span in
                        span.attribute(9, "minus-one") { $0.int64(3, -1) }
                        span.attribute(9, "min") { $0.int64(3, .min) }
                        span.attribute(9, "max") { $0.int64(3, .max) }
                        span.attribute(9, "negative-zero") { $0.double(4, -0.0) }
                        span.attribute(9, "list") { value in
                            value.message(5) { array in array.message(1) { $0.int64(3, -9) } }
                        }
                        span.fixed64(8, UInt64(bitPattern: -1))
                    }
                }
            }
        }.bytes
        #expect(request.count > 10)
        let event = try #require(try decodeProtobuf(request, kind: .traces).events.first)
        #expect(event.attributes == [
            "minus-one=-1", "min=-9223372036854775808", "max=9223372036854775807", "negative-zero=-0.0", #"list="[-9]""#,
        ])
        #expect(event.time == -1)
    }

    @Test("fields in any order: resource after the spans, key after value, a second resource merged")
    func fieldOrder() throws {
        let request = ProtobufBytes { request in
            request.message(1) { resourceSpans in
                resourceSpans.message(2) { scopeSpans in
                    scopeSpans.message(2) { span in
                        span.attribute(9, "a", "1")
                        span.string(5, "first")
                        span.attribute(9, "b", "2")
                    }
                }
                resourceSpans.message(1) { resource in
                    resource.message(1) { kv in
                        kv.message(2) { $0.string(1, "orders") }
                        kv.string(1, "service.name")
                    }
                }
                resourceSpans.message(2) { scopeSpans in
                    scopeSpans.message(2) { $0.string(5, "second") }
                }
                resourceSpans.message(1) { $0.attribute(1, "zone", "b") }
            }
        }.bytes
        let decoded = try decodeProtobuf(request, kind: .traces)
        let resource = [#"service.name="orders""#, #"zone="b""#]
        #expect(decoded.events.map(\.operation) == ["first", "second"])
        #expect(decoded.events.map(\.service) == ["orders", "orders"])
        #expect(decoded.events.map(\.attributes) == [resource + [#"a="1""#, #"b="2""#], resource])
    }

    @Test("unknown fields of every wire type are skipped at every level, groups included")
    func unknownFields() throws {
        func noise(_ message: inout ProtobufBytes) {
            message.varint(100, 300)
            message.fixed64(101, 7)
            message.fixed32(102, 9)
            message.string(103, "ignored")
            message.key(104, 3)  // A group holding a field and a nested group.
            message.varint(1, 5)
            message.key(2, 3)
            message.string(3, "deep")
            message.key(2, 4)
            message.key(104, 4)
            message.varint(536_870_911, 1)  // The largest field number.
        }
        let withNoise = ProtobufBytes { request in
            noise(&request)
            request.message(1) { resourceSpans in
                noise(&resourceSpans)
                resourceSpans.message(1) { resource in
                    noise(&resource)
                    resource.message(1) { kv in
                        noise(&kv)
                        kv.string(1, "service.name")
                        kv.message(2) { value in
                            noise(&value)
                            value.string(1, "api")
                        }
                    }
                }
                resourceSpans.message(2) { scopeSpans in
                    noise(&scopeSpans)
                    scopeSpans.message(2) { span in
                        noise(&span)
                        span.string(5, "op")
                        span.attribute(9, "nested") { value in
                            value.message(6) { list in
                                noise(&list)
                                list.message(1) { kv in
                                    noise(&kv)
                                    kv.string(1, "k")
                                    kv.message(2) { value in
                                        noise(&value)
                                        value.varint(2, 0)
                                    }
                                }
                            }
                        }
                        span.message(15) { status in
                            noise(&status)
                            status.varint(3, 2)
                        }
                    }
                }
            }
        }.bytes
        let decoded = try decodeProtobuf(withNoise, kind: .traces)
        #expect(decoded.events == [
            ReadableEvent(
                signal: .span, time: 0, service: "api", operation: "op", status: .error,
                attributes: [#"service.name="api""#, #"nested="{"k":false}""#]
            ),
        ])
    }

    @Test("a failed request delivers nothing, and the decoder goes on with the next one")
    func allOrNothing() throws {
        var bad = Self.spans
        bad.append(contentsOf: [0x0A, 0x05, 0x12])  // A second resource whose length runs past the end.
        var decoder = OTLPProtobufDecoder()
        var symbols = SymbolTable()
        var sink = CollectingSink()
        let failure = bad.withUnsafeBytes { buffer -> TelemetryDecodingError? in
            do throws(TelemetryDecodingError) {
                _ = try decoder.decode(buffer, kind: .traces, symbols: &symbols, into: &sink)
                return nil
            } catch {
                return error
            }
        }
        #expect(failure == TelemetryDecodingError(
            byteOffset: Self.spans.count,
            message: "resource_spans[1]: length 5 runs past the end of the enclosing message (1 byte left)"
        ))
        #expect(sink.events.isEmpty && sink.samples.isEmpty)
        let next = try decodeProtobuf(Self.spans, kind: .traces, decoder: &decoder, symbols: &symbols)
        #expect(next.events.count == 2)
    }

    @Test("a buffer reused for the next request with other bytes in the same place yields the new strings")
    func reusedBuffer() throws {
        // Strings seen in a request are remembered by their place in the input, for that request only.
        func request(_ name: String) -> [UInt8] {
            ProtobufBytes { request in
                request.message(1) { entry in
                    entry.message(2) { scope in
                        scope.message(2) { $0.string(5, name) }
                        scope.message(2) { $0.string(5, name) }
                    }
                }
            }.bytes
        }
        var buffer = request("aaaa")
        var decoder = OTLPProtobufDecoder()
        var symbols = SymbolTable()
        var sink = CollectingSink()
        var summaries: [DecodeSummary] = []
        for name in ["aaaa", "bbbb"] {
            let next = request(name)
            buffer.withUnsafeMutableBytes { $0.copyBytes(from: next) }
            let result = buffer.withUnsafeBytes { bytes in
                Result { () throws(TelemetryDecodingError) -> DecodeSummary in
                    try decoder.decode(bytes, kind: .traces, symbols: &symbols, into: &sink)
                }
            }
            summaries.append(try result.get())
        }
        #expect(summaries == [DecodeSummary(spans: 2), DecodeSummary(spans: 2)])
        #expect(sink.events.map { symbols[$0.operation] } == ["aaaa", "aaaa", "bbbb", "bbbb"])
    }

    @Test("the kind says which request the bytes are: the same bytes read as logs yield log records")
    func kindDecides() throws {
        // Field 1 of a resource entry is the resource, field 2 its scopes, in all three kinds.
        let bytes = ProtobufBytes { request in
            request.message(1) { entry in
                entry.message(2) { scope in scope.message(2) { _ in } }
            }
        }.bytes
        #expect(try decodeProtobuf(bytes, kind: .traces).summary == DecodeSummary(spans: 1))
        #expect(try decodeProtobuf(bytes, kind: .logs).summary == DecodeSummary(logRecords: 1))
        #expect(try decodeProtobuf(bytes, kind: .metrics).summary == DecodeSummary())
    }
}
