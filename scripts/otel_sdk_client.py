#!/usr/bin/env python3
"""Export spans and logs to a Goalpost server with the real OpenTelemetry Python SDK (OTLP/HTTP, protobuf).

Used by the integration test (Tests/GoalpostServerTests/OpenTelemetrySDKTests.swift): it makes a known number
of spans and log records per customer, some failing, exports them through the SDK's own OTLP/HTTP exporters
(gzip on or off), and prints what it sent as JSON so the test can compare with what the server stored.

    .venv/bin/python scripts/otel_sdk_client.py --endpoint http://127.0.0.1:4318 --gzip
"""
import argparse
import json
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
import logging

# Per customer: (spans, failing spans, log records, error log records). Distinct numbers so a count that lands
# on the wrong customer cannot match by accident.
PLAN = {
    "acme": (23, 4, 11, 2),
    "globex": (17, 0, 7, 1),
    "initech": (9, 9, 5, 0),
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True, help="base URL of the Goalpost server")
    parser.add_argument("--gzip", action="store_true", help="compress request bodies")
    args = parser.parse_args()
    compression = Compression.Gzip if args.gzip else Compression.NoCompression

    span_exporter = OTLPSpanExporter(endpoint=f"{args.endpoint}/v1/traces", compression=compression, timeout=10)
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    # SimpleSpanProcessor exports each span as its own request: many small protobuf requests.
    provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    tracer = provider.get_tracer("goalpost-integration-test")
    for customer, (spans, failing, _, _) in PLAN.items():
        for index in range(spans):
            with tracer.start_as_current_span("POST /checkout", kind=trace.SpanKind.SERVER) as span:
                span.set_attribute("customer.id", customer)
                span.set_attribute("http.route", "/checkout")
                span.set_attribute("http.request.method", "POST")
                if index < failing:
                    span.set_status(Status(StatusCode.ERROR, "payment declined"))
    provider.shutdown()

    log_exporter = OTLPLogExporter(endpoint=f"{args.endpoint}/v1/logs", compression=compression, timeout=10)
    logger_provider = LoggerProvider(resource=Resource.create({"service.name": "billing"}))
    # The batch processor sends several records per request.
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(log_exporter, max_export_batch_size=8))
    handler = LoggingHandler(level=logging.INFO, logger_provider=logger_provider)
    logger = logging.getLogger("billing")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(handler)
    for customer, (_, _, records, errors) in PLAN.items():
        for index in range(records):
            if index < errors:
                logger.error("invoice failed to send", extra={"customer.id": customer})
            else:
                logger.info("invoice sent", extra={"customer.id": customer})
    logger_provider.shutdown()

    json.dump({customer: {"spans": s, "failing": f, "logs": l, "errorLogs": e} for customer, (s, f, l, e) in PLAN.items()}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
