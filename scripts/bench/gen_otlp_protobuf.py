#!/usr/bin/env python3
"""Writes a file of OTLP ExportTraceServiceRequest messages, each preceded by its length as a varint
(protobuf's length-delimited stream, as `writeDelimitedTo` writes it), for the protobuf decode
benchmark. Spans are about 250 bytes serialized: ids, name, kind, times, six attributes, a status
for errors; 50 to 150 spans per resource, one to three resources per request. Services, routes
and customers are those of examples/, so the evaluation engine routes and aggregates them.

usage: gen_otlp_protobuf.py OUT_FILE SIZE_MB [--seed N]   (needs opentelemetry-proto: pip)
"""
import argparse
import random

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

SERVICES = {
    "checkout-api": ["/checkout", "/cart/{cartId}/items", "/checkout/{id}/confirm"],
    "auth-api": ["/login", "/sso/callback", "/logout"],
    "search-api": ["/search", "/search/facets", "/search/suggest"],
}
CUSTOMERS = [("acme", "enterprise"), ("globex", "enterprise"), ("initech", "enterprise"), ("cust-0042", "enterprise"),
             ("hooli", "business"), ("vandelay", "business"), ("pied-piper", "free")] + \
            [("cust-%04d" % n, random.Random(n).choice(["free", "team", "business"])) for n in range(200)]
METHODS = ["GET", "GET", "POST", "PUT"]
REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2"]


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def add(attributes, key, value):
    kv = attributes.add()
    kv.key = key
    if isinstance(value, int):
        kv.value.int_value = value
    else:
        kv.value.string_value = value


class World:
    def __init__(self, rng):
        self.rng = rng
        self.now = 1_763_900_000_000_000_000

    def request(self):
        r = self.rng
        request = trace_service_pb2.ExportTraceServiceRequest()
        for _ in range(r.randint(1, 3)):
            service = r.choice(list(SERVICES))
            rs = request.resource_spans.add()
            for key, value in (("service.name", service), ("service.version", "1.%d.0" % r.randint(10, 14)),
                               ("deployment.environment.name", "production"), ("cloud.region", r.choice(REGIONS)),
                               ("telemetry.sdk.language", "java"), ("host.name", "ip-10-0-%d-%d" % (r.randint(0, 255), r.randint(0, 255)))):
                add(rs.resource.attributes, key, value)
            ss = rs.scope_spans.add()
            ss.scope.name = "io.opentelemetry.http"
            ss.scope.version = "2.10.0"
            for _ in range(r.randint(50, 150)):
                self.span(ss.spans.add(), service)
        self.now += 1_000_000_000
        return request

    def span(self, span, service):
        r = self.rng
        customer, tier = r.choice(CUSTOMERS)
        route = r.choice(SERVICES[service])
        method = r.choice(METHODS)
        error = r.random() < 0.02
        status = r.choice([500, 502, 503]) if error else r.choice([200, 200, 200, 201, 204, 404])
        end = self.now + r.randint(0, 1_000_000_000)
        span.trace_id = r.getrandbits(128).to_bytes(16, "big")
        span.span_id = r.getrandbits(64).to_bytes(8, "big")
        if r.random() < 0.7:
            span.parent_span_id = r.getrandbits(64).to_bytes(8, "big")
        span.flags = 257
        span.name = "%s %s" % (method, route)
        span.kind = 2
        span.start_time_unix_nano = end - int(r.lognormvariate(17.5, 0.8))
        span.end_time_unix_nano = end
        add(span.attributes, "http.request.method", method)
        add(span.attributes, "http.route", route)
        add(span.attributes, "http.response.status_code", status)
        add(span.attributes, "customer.id", customer)
        add(span.attributes, "customer.tier", tier)
        add(span.attributes, "url.path", route.replace("{id}", str(r.randint(1, 99999))).replace("{cartId}", "c%x" % r.getrandbits(20)))
        if error:
            span.status.code = 2
            span.status.message = "upstream returned %d" % status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("size_mb", type=float)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    world = World(random.Random(args.seed))
    target = int(args.size_mb * 1e6)
    written = spans = 0
    with open(args.out, "wb") as out:
        while written < target:
            request = world.request()
            body = request.SerializeToString()
            out.write(varint(len(body)))
            out.write(body)
            written += len(body)
            spans += sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
    print("wrote %s: %.1f MB of ExportTraceServiceRequest messages, %d spans, %.0f bytes per span"
          % (args.out, written / 1e6, spans, written / spans))


if __name__ == "__main__":
    main()
