#!/usr/bin/env python3
"""OTLP/HTTP protobuf load generator for Goalpost, and the checker that compares what was acknowledged with
what the store holds.

Every request carries `--spans` spans of service `shop`, route `/checkout`, for one customer whose id names the
request (`r<worker>-<sequence>`), and the first `--errors` of them fail. So after a run, each request is either
fully in the store or not at all, and the checker can tell which requests landed:

    otlp_load.py send --endpoint http://127.0.0.1:4318 --workers 8 --seconds 10 --log acks.jsonl
    otlp_load.py check --database DATA/goalpost.sqlite --log acks.jsonl

`send` appends one JSON line per finished request to the log: {"id", "status"} (status 0: no answer, the
connection failed). It retries nothing: a refused or failed request is recorded as such, and a later request
uses a new id. `--unique` off (`--customers N`) reuses N customer ids instead, for throughput runs.

The bodies are built once with opentelemetry-proto and the customer id patched in place (ids have a fixed
length), so the generator spends its time sending, not serializing.
"""
import argparse
import http.client
import json
import sqlite3
import sys
import threading
import time
import urllib.parse

ID_WIDTH = 12  # "r03-0000123" padded: every id has the same length so the template can be patched.


def make_template(spans: int, errors: int, placeholder: str, now_ns: int) -> bytes:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
    from opentelemetry.proto.trace.v1.trace_pb2 import Status

    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.append(KeyValue(key="service.name", value=AnyValue(string_value="shop")))
    scope = resource_spans.scope_spans.add()
    scope.scope.name = "goalpost-load"
    for index in range(spans):
        span = scope.spans.add()
        span.trace_id = (index + 1).to_bytes(16, "big")
        span.span_id = (index + 1).to_bytes(8, "big")
        span.name = "POST /checkout"
        span.kind = 2
        span.start_time_unix_nano = now_ns - 20_000_000
        span.end_time_unix_nano = now_ns
        span.attributes.append(KeyValue(key="customer.id", value=AnyValue(string_value=placeholder)))
        span.attributes.append(KeyValue(key="http.route", value=AnyValue(string_value="/checkout")))
        span.attributes.append(KeyValue(key="http.request.method", value=AnyValue(string_value="POST")))
        span.status.code = Status.STATUS_CODE_ERROR if index < errors else Status.STATUS_CODE_OK
    return request.SerializeToString()


def request_id(worker: int, sequence: int) -> str:
    return f"r{worker:02d}-{sequence:0{ID_WIDTH - 4}d}"


def send(args) -> int:
    url = urllib.parse.urlparse(args.endpoint)
    placeholder = request_id(0, 0)
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1) if args.log else None
    totals = {"acked": 0, "spans": 0, "refused": 0, "failed": 0, "other": 0}
    deadline = time.monotonic() + args.seconds
    started = time.monotonic()

    def worker(number: int) -> None:
        # A fresh template per minute keeps span times current (the server drops spans older than 5 minutes).
        built_at = 0.0
        template = b""
        connection = None
        sequence = 0
        consecutive_failures = 0
        while time.monotonic() < deadline:
            if time.monotonic() - built_at > 30:
                template = make_template(args.spans, args.errors, placeholder, time.time_ns())
                built_at = time.monotonic()
            sequence += 1
            if args.customers:
                rid = request_id(0, (number * 7919 + sequence) % args.customers)
                body = template.replace(placeholder.encode(), rid.encode())
                rid = f"{number}:{sequence}"
            else:
                rid = request_id(number, sequence)
                body = template.replace(placeholder.encode(), rid.encode())
            status = 0
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                connection.request("POST", "/v1/traces", body=body, headers={"Content-Type": "application/x-protobuf"})
                response = connection.getresponse()
                response.read()
                status = response.status
                retry_after = response.getheader("Retry-After")
            except (OSError, http.client.HTTPException):
                if connection is not None:
                    connection.close()
                connection = None
                retry_after = None
            with lock:
                if log:
                    log.write(json.dumps({"id": rid, "status": status}) + "\n")
                if status == 200:
                    totals["acked"] += 1
                    totals["spans"] += args.spans
                elif status in (429, 503):
                    totals["refused"] += 1
                elif status == 0:
                    totals["failed"] += 1
                else:
                    totals["other"] += 1
            if status == 0:
                consecutive_failures += 1
                if args.stop_when_down and consecutive_failures >= 20:
                    return
                time.sleep(0.05)
            else:
                consecutive_failures = 0
                if status in (429, 503) and args.honor_retry_after and retry_after:
                    time.sleep(min(float(retry_after), 1.0))

    threads = [threading.Thread(target=worker, args=(args.first_worker + n,)) for n in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if log:
        log.close()
    totals["seconds"] = round(elapsed, 3)
    totals["spans_per_second"] = round(totals["spans"] / elapsed) if elapsed > 0 else 0
    json.dump(totals, sys.stdout)
    print()
    return 0


def check(args) -> int:
    """Every acknowledged request is in the store in full; every other one is in full or absent; nothing else is."""
    outcomes = {}
    with open(args.log) as log:
        for line in log:
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by the kill of the generator itself
            outcomes[entry["id"]] = entry["status"]
    database = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    stored = {}
    for cell, good, total in database.execute(
        "SELECT cell, sum(good), sum(total) FROM aggregate WHERE outcome = ? GROUP BY cell", (args.outcome,)
    ):
        stored[json.loads(cell)[0]] = (good, total)
    problems = []
    acked = [rid for rid, status in outcomes.items() if status == 200]
    unknown = [rid for rid, status in outcomes.items() if status != 200]
    for rid in acked:
        good, total = stored.get(rid, (0, 0))
        if total != args.spans or good != args.spans - args.errors:
            problems.append(f"acknowledged request {rid}: stored {good} good of {total}, expected {args.spans - args.errors} of {args.spans}")
    landed_unacked = 0
    for rid in unknown:
        good, total = stored.get(rid, (0, 0))
        if total == 0:
            continue
        if total == args.spans and good == args.spans - args.errors:
            landed_unacked += 1  # committed, but the answer was lost with the connection
        else:
            problems.append(f"unacknowledged request {rid}: partly stored ({good} good of {total})")
    strays = [rid for rid in stored if rid not in outcomes]
    if strays:
        problems.append(f"{len(strays)} stored cells no request made, e.g. {strays[:3]}")
    refused = sum(1 for status in outcomes.values() if status in (429, 503))
    report = {
        "requests": len(outcomes), "acknowledged": len(acked), "refused": refused,
        "unanswered": sum(1 for status in outcomes.values() if status == 0),
        "committedButUnanswered": landed_unacked,
        "storedSpans": sum(total for _, total in stored.values()),
        "acknowledgedSpans": len(acked) * args.spans, "problems": len(problems),
    }
    json.dump(report, sys.stdout)
    print()
    for problem in problems[:20]:
        print("problem:", problem, file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    s = commands.add_parser("send", help="send load")
    s.add_argument("--endpoint", required=True)
    s.add_argument("--workers", type=int, default=4)
    s.add_argument("--first-worker", type=int, default=0, help="number workers from here, so ids stay unique across runs")
    s.add_argument("--seconds", type=float, default=10)
    s.add_argument("--spans", type=int, default=50)
    s.add_argument("--errors", type=int, default=3)
    s.add_argument("--customers", type=int, default=0, help="reuse this many customer ids (0: one id per request)")
    s.add_argument("--log", help="append one JSON line per finished request")
    s.add_argument("--stop-when-down", action="store_true", help="stop a worker after 20 failed connections in a row")
    s.add_argument("--honor-retry-after", action="store_true")
    c = commands.add_parser("check", help="compare acknowledgements with the store")
    c.add_argument("--database", required=True)
    c.add_argument("--log", required=True)
    c.add_argument("--outcome", default="checkout")
    c.add_argument("--spans", type=int, default=50)
    c.add_argument("--errors", type=int, default=3)
    args = parser.parse_args()
    return send(args) if args.command == "send" else check(args)


if __name__ == "__main__":
    sys.exit(main())
