#!/usr/bin/env python3
"""Writes random valid OTLP export requests in both encodings, for the differential test of the
protobuf decoder against the JSON decoder (Tests/GoalpostTelemetryTests/OTLPDifferentialTests.swift).

Each request is built with the `opentelemetry-proto` classes (pip), then written twice:
  NNNN-KIND.pb    SerializeToString() of the request (KIND: traces, logs or metrics)
  NNNN-KIND.json  its OTLP/JSON form: protobuf's JSON mapping, except that trace and span ids are
                  hex, as OTLP/JSON requires (the mapping would write base64). Enums are written as
                  numbers or, for some requests, as names; 64-bit integers as strings.

The messages cover what the mapping reads (every AnyValue kind, nested arrays and maps, bytes,
negative integers, infinities, unicode and control characters in strings, empty and all-zero trace
ids, every status code and severity, gauges, sums, histograms, exponential histograms, summaries,
points flagged "no recorded value") and fields it ignores (events, links, scopes, exemplars ...).

usage: otlp_differential.py OUT_DIR [--count N] [--seed S]
"""
import argparse
import base64
import json
import os
import random

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2

WORDS = ["checkout", "GET /api", "é", "日本", "a\"quote", "back\\slash", "tab\there", "line\nbreak",
         "ctl\x01", "emoji 🎯", "", "x" * 40, "/cart/{id}", "customer.id", "service.name"]
KEYS = ["http.route", "service.name", "customer.id", "event.name", "k", "tier", "", "nested", "é.key"]
TIME_BASE = 1_763_900_000_000_000_000


def text(r):
    return r.choice(WORDS) if r.random() < 0.8 else "".join(chr(r.randint(0x20, 0x2FF)) for _ in range(r.randint(0, 12)))


def int64(r):
    return r.choice([0, 1, -1, 42, -(2 ** 63), 2 ** 63 - 1, r.randint(-(2 ** 40), 2 ** 40)])


def double(r):
    return r.choice([0.0, -0.0, 1.5, -2.25, 1e-300, 1.7976931348623157e308, float("inf"), float("-inf"), r.uniform(-1e6, 1e6)])


def any_value(r, value, depth):
    choice = r.randint(0, 8 if depth < 3 else 5)
    if choice == 0:
        value.string_value = text(r)
    elif choice == 1:
        value.bool_value = r.random() < 0.5
    elif choice == 2:
        value.int_value = int64(r)
    elif choice == 3:
        value.double_value = double(r)
    elif choice == 4:
        value.bytes_value = bytes(r.getrandbits(8) for _ in range(r.randint(0, 6)))
    elif choice == 5:
        pass  # An empty AnyValue.
    elif choice == 6:
        value.array_value.SetInParent()
        for _ in range(r.randint(0, 3)):
            any_value(r, value.array_value.values.add(), depth + 1)
    else:
        value.kvlist_value.SetInParent()
        for _ in range(r.randint(0, 3)):
            key_value(r, value.kvlist_value.values.add(), depth + 1)


def key_value(r, kv, depth=0):
    kv.key = r.choice(KEYS) if r.random() < 0.7 else text(r)
    if r.random() < 0.95:
        any_value(r, kv.value, depth)


def attributes(r, repeated, most=6):
    for _ in range(r.randint(0, most)):
        key_value(r, repeated.add())
    if r.random() < 0.5:
        kv = repeated.add()
        kv.key = r.choice(["http.route", "service.name", "event.name"])
        kv.value.string_value = text(r)


def trace_id(r):
    return r.choice([b"", bytes(16), bytes(r.getrandbits(8) for _ in range(16))])


def timestamp(r):
    return r.choice([0, TIME_BASE + r.randint(0, 10 ** 12), r.randint(0, 2 ** 63 - 1)])


def resource(r, entry):
    if r.random() < 0.9:
        entry.resource.SetInParent()
        attributes(r, entry.resource.attributes)
        if r.random() < 0.8:
            kv = entry.resource.attributes.add()
            kv.key = "service.name"
            kv.value.string_value = r.choice(["api", "checkout", "billing", ""])
        entry.resource.dropped_attributes_count = r.randint(0, 2)
    if r.random() < 0.3:
        entry.schema_url = "https://opentelemetry.io/schemas/1.26.0"


def scope(r, scope_entry):
    if r.random() < 0.7:
        scope_entry.scope.name = text(r)
        scope_entry.scope.version = "1.0"
        attributes(r, scope_entry.scope.attributes, 2)


def traces(r):
    request = trace_service_pb2.ExportTraceServiceRequest()
    for _ in range(r.randint(0, 3)):
        rs = request.resource_spans.add()
        resource(r, rs)
        for _ in range(r.randint(0, 3)):
            ss = rs.scope_spans.add()
            scope(r, ss)
            for _ in range(r.randint(0, 5)):
                span = ss.spans.add()
                span.trace_id = trace_id(r)
                span.span_id = bytes(r.getrandbits(8) for _ in range(8))
                if r.random() < 0.5:
                    span.parent_span_id = bytes(r.getrandbits(8) for _ in range(8))
                span.name = text(r)
                span.kind = r.randint(0, 5)
                span.flags = r.getrandbits(32)
                start = timestamp(r)
                span.start_time_unix_nano = start
                span.end_time_unix_nano = r.choice([start + r.randint(0, 10 ** 10), timestamp(r)])
                attributes(r, span.attributes)
                if r.random() < 0.3:
                    event = span.events.add()
                    event.name = "exception"
                    event.time_unix_nano = timestamp(r)
                    attributes(r, event.attributes, 2)
                if r.random() < 0.2:
                    link = span.links.add()
                    link.trace_id = bytes(16)
                    link.span_id = bytes(8)
                    attributes(r, link.attributes, 2)
                if r.random() < 0.7:
                    span.status.code = r.randint(0, 2)
                    if r.random() < 0.5:
                        span.status.message = text(r)
    return request


def logs(r):
    request = logs_service_pb2.ExportLogsServiceRequest()
    for _ in range(r.randint(0, 3)):
        rl = request.resource_logs.add()
        resource(r, rl)
        for _ in range(r.randint(0, 3)):
            sl = rl.scope_logs.add()
            scope(r, sl)
            for _ in range(r.randint(0, 5)):
                record = sl.log_records.add()
                record.time_unix_nano = r.choice([0, timestamp(r)])
                record.observed_time_unix_nano = timestamp(r)
                record.severity_number = r.randint(0, 24)
                record.severity_text = r.choice(["", "INFO", "ERROR"])
                if r.random() < 0.9:
                    any_value(r, record.body, 0)
                attributes(r, record.attributes)
                record.flags = r.getrandbits(8)
                record.trace_id = trace_id(r)
                if r.random() < 0.5:
                    record.span_id = bytes(r.getrandbits(8) for _ in range(8))
                if r.random() < 0.4:
                    record.event_name = text(r)
    return request


def number_point(r, point):
    attributes(r, point.attributes, 3)
    point.start_time_unix_nano = timestamp(r)
    point.time_unix_nano = timestamp(r)
    roll = r.random()
    if roll < 0.45:
        point.as_double = double(r)
    elif roll < 0.9:
        point.as_int = int64(r)
    point.flags = r.choice([0, 0, 0, 1, 2, 3])
    if r.random() < 0.2:
        exemplar = point.exemplars.add()
        exemplar.as_double = 1.0
        exemplar.trace_id = bytes(16)


def histogram_point(r, point):
    attributes(r, point.attributes, 3)
    point.start_time_unix_nano = timestamp(r)
    point.time_unix_nano = timestamp(r)
    bounds = sorted(r.uniform(0, 100) for _ in range(r.randint(0, 6)))
    point.explicit_bounds.extend(bounds)
    if r.random() < 0.9:
        point.bucket_counts.extend(r.choice([0, 1, r.getrandbits(64)]) for _ in range(len(bounds) + 1))
    point.count = r.getrandbits(64)
    if r.random() < 0.5:
        point.sum = r.uniform(0, 1e4)
        point.min = 0.0
        point.max = 99.0
    point.flags = r.choice([0, 0, 0, 1])


def metrics(r):
    request = metrics_service_pb2.ExportMetricsServiceRequest()
    for _ in range(r.randint(0, 3)):
        rm = request.resource_metrics.add()
        resource(r, rm)
        for _ in range(r.randint(0, 3)):
            sm = rm.scope_metrics.add()
            scope(r, sm)
            for _ in range(r.randint(0, 4)):
                metric = sm.metrics.add()
                metric.name = text(r)
                metric.unit = r.choice(["", "s", "1"])
                kind = r.randint(0, 5)
                if kind == 0:
                    metric.gauge.SetInParent()
                    for _ in range(r.randint(0, 3)):
                        number_point(r, metric.gauge.data_points.add())
                elif kind == 1:
                    metric.sum.aggregation_temporality = r.randint(0, 2)
                    metric.sum.is_monotonic = r.random() < 0.5
                    for _ in range(r.randint(0, 3)):
                        number_point(r, metric.sum.data_points.add())
                elif kind == 2:
                    metric.histogram.aggregation_temporality = r.randint(0, 2)
                    for _ in range(r.randint(0, 3)):
                        histogram_point(r, metric.histogram.data_points.add())
                elif kind == 3:
                    metric.exponential_histogram.aggregation_temporality = 1
                    for _ in range(r.randint(0, 3)):
                        point = metric.exponential_histogram.data_points.add()
                        point.count = 3
                        point.scale = -2
                        point.positive.bucket_counts.extend([1, 2])
                elif kind == 4:
                    metric.summary.SetInParent()
                    for _ in range(r.randint(0, 3)):
                        point = metric.summary.data_points.add()
                        point.count = 2
                        point.quantile_values.add(quantile=0.5, value=1.0)
                else:
                    metric.description = "no data"
    return request


ID_FIELDS = {"traceId", "spanId", "parentSpanId"}


def hex_ids(node):
    """OTLP/JSON writes trace and span ids as hex where protobuf's JSON mapping writes base64."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ID_FIELDS and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                hex_ids(value)
    elif isinstance(node, list):
        for item in node:
            hex_ids(item)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=60, help="requests of each kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    r = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    number = 0
    for kind, build in (("traces", traces), ("logs", logs), ("metrics", metrics)):
        for _ in range(args.count):
            request = build(r)
            names = r.random() < 0.25
            document = json_format.MessageToDict(request, use_integers_for_enums=not names)
            hex_ids(document)
            base = os.path.join(args.out, "%04d-%s" % (number, kind))
            with open(base + ".pb", "wb") as out:
                out.write(request.SerializeToString())
            with open(base + ".json", "w", encoding="utf-8") as out:
                json.dump(document, out, ensure_ascii=r.random() < 0.5, separators=(",", ":"))
            number += 1
    print("wrote %d request pairs to %s" % (number, args.out))


if __name__ == "__main__":
    main()
