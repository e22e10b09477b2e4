#!/usr/bin/env python3
"""Writes a realistic recorded-telemetry file: OTLP/JSON export requests, one per line, in the
shape the OpenTelemetry Collector's file exporter writes (compact JSON, lowerCamelCase keys,
hex trace ids, 64-bit integers as strings, enums as numbers), for a B2B SaaS: services,
customers with tiers, HTTP routes, deploy versions. Mostly spans, with some log and metric lines.

usage: gen_otlp_json.py OUT_FILE SIZE_MB [--seed N] [--gzip]
"""
import argparse
import gzip
import json
import random

SERVICES = {
    "api-gateway": ["/api/v1/projects", "/api/v1/projects/{id}", "/api/v1/search", "/api/v1/me"],
    "checkout": ["/checkout", "/checkout/{cartId}/confirm", "/cart/{cartId}/items"],
    "billing": ["/invoices", "/invoices/{id}", "/subscriptions/{id}/renew"],
    "auth": ["/login", "/oauth/token", "/logout", "/sso/{provider}/callback"],
    "search": ["/search", "/search/suggest"],
    "reports": ["/reports/{id}/export", "/reports/scheduled"],
}
TIERS = ["free", "team", "business", "enterprise"]
METHODS = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
REGIONS = ["eu-west-1", "us-east-1", "ap-southeast-2"]


def s(v):
    return {"stringValue": v}


def i(v):
    return {"intValue": str(v)}


def kv(key, value):
    return {"key": key, "value": value}


class World:
    def __init__(self, rng):
        self.rng = rng
        self.customers = [("cust-%04d" % n, rng.choice(TIERS)) for n in range(400)]
        self.versions = {svc: "1.%d.%d" % (rng.randint(10, 40), rng.randint(0, 9)) for svc in SERVICES}
        self.now = 1_763_900_000_000_000_000

    def resource(self, service):
        r = self.rng
        pod = "%s-%x-%s" % (service, r.getrandbits(32), "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(5)))
        return {"attributes": [
            kv("service.name", s(service)),
            kv("service.namespace", s("goalpost-demo")),
            kv("service.version", s(self.versions[service])),
            kv("service.instance.id", s("%032x" % r.getrandbits(128))),
            kv("deployment.environment.name", s("production")),
            kv("telemetry.sdk.name", s("opentelemetry")),
            kv("telemetry.sdk.language", s(r.choice(["java", "go", "python", "nodejs"]))),
            kv("telemetry.sdk.version", s("1.%d.0" % r.randint(20, 40))),
            kv("host.name", s("ip-10-0-%d-%d.ec2.internal" % (r.randint(0, 255), r.randint(0, 255)))),
            kv("host.arch", s("amd64")),
            kv("os.type", s("linux")),
            kv("process.pid", i(r.randint(1, 65535))),
            kv("process.runtime.name", s("OpenJDK Runtime Environment")),
            kv("k8s.pod.name", s(pod)),
            kv("k8s.namespace.name", s("prod")),
            kv("k8s.node.name", s("node-%d" % r.randint(1, 40))),
            kv("cloud.provider", s("aws")),
            kv("cloud.region", s(r.choice(REGIONS))),
        ]}

    def span(self, service):
        r = self.rng
        customer, tier = r.choice(self.customers)
        route = r.choice(SERVICES[service])
        method = r.choice(METHODS)
        error = r.random() < 0.02
        status_code = r.choice([500, 502, 503]) if error else r.choice([200, 200, 200, 201, 204, 404])
        duration = int(r.lognormvariate(17.5, 0.8))
        end = self.now + r.randint(0, 60_000_000_000)
        start = end - duration
        path = route.replace("{id}", str(r.randint(1, 99999))).replace("{cartId}", "c%x" % r.getrandbits(24)).replace("{provider}", "okta")
        attributes = [
            kv("http.request.method", s(method)),
            kv("http.route", s(route)),
            kv("url.path", s(path)),
            kv("url.scheme", s("https")),
            kv("http.response.status_code", i(status_code)),
            kv("server.address", s("%s.internal" % service)),
            kv("server.port", i(8080)),
            kv("client.address", s("10.1.%d.%d" % (r.randint(0, 255), r.randint(0, 255)))),
            kv("network.protocol.version", s("1.1")),
            kv("user_agent.original", s("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")),
            kv("customer.id", s(customer)),
            kv("customer.tier", s(tier)),
            kv("enduser.id", s("user-%d" % r.randint(1, 20000))),
            kv("feature_flag.new_pricing", {"boolValue": r.random() < 0.3}),
            kv("app.request.size", {"doubleValue": round(r.random() * 4096, 2)}),
        ]
        if r.random() < 0.3:
            attributes.append(kv("db.system.name", s("postgresql")))
            attributes.append(kv("db.query.summary", s("SELECT projects")))
        span = {
            "traceId": "%032x" % r.getrandbits(128),
            "spanId": "%016x" % r.getrandbits(64),
            "parentSpanId": "%016x" % r.getrandbits(64) if r.random() < 0.7 else "",
            "flags": 257,
            "name": "%s %s" % (method, route),
            "kind": 2,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(end),
            "attributes": attributes,
            "status": {"code": 2, "message": "upstream returned %d" % status_code} if error else {},
        }
        if error:
            span["events"] = [{"timeUnixNano": str(end), "name": "exception", "attributes": [
                kv("exception.type", s("java.io.IOException")),
                kv("exception.message", s("connection reset by peer")),
                kv("exception.stacktrace", s("java.io.IOException: connection reset\n\tat com.example.Client.call(Client.java:42)\n\tat com.example.Handler.handle(Handler.java:17)")),
            ]}]
        return span

    def traces_line(self):
        r = self.rng
        resource_spans = []
        for _ in range(r.randint(1, 3)):
            service = r.choice(list(SERVICES))
            spans = [self.span(service) for _ in range(r.randint(20, 120))]
            resource_spans.append({
                "resource": self.resource(service),
                "scopeSpans": [{"scope": {"name": "io.opentelemetry.http", "version": "2.10.0"}, "spans": spans}],
                "schemaUrl": "https://opentelemetry.io/schemas/1.26.0",
            })
        self.now += 1_000_000_000
        return {"resourceSpans": resource_spans}

    def logs_line(self):
        r = self.rng
        service = r.choice(list(SERVICES))
        records = []
        for _ in range(r.randint(20, 80)):
            customer, tier = r.choice(self.customers)
            severity = r.choice([9, 9, 9, 9, 13, 17])
            records.append({
                "timeUnixNano": str(self.now + r.randint(0, 10**9)),
                "observedTimeUnixNano": str(self.now + r.randint(0, 10**9)),
                "severityNumber": severity,
                "severityText": {9: "INFO", 13: "WARN", 17: "ERROR"}[severity],
                "body": s("request handled for %s in %d ms" % (customer, r.randint(1, 900))),
                "attributes": [kv("customer.id", s(customer)), kv("customer.tier", s(tier)),
                               kv("code.function.name", s("handle")), kv("thread.name", s("worker-%d" % r.randint(1, 64)))],
                "traceId": "%032x" % r.getrandbits(128),
                "spanId": "%016x" % r.getrandbits(64),
            })
        return {"resourceLogs": [{"resource": self.resource(service), "scopeLogs": [{"scope": {"name": "app"}, "logRecords": records}]}]}

    def metrics_line(self):
        r = self.rng
        service = r.choice(list(SERVICES))
        start = str(self.now - 3_600_000_000_000)
        points = []
        hist_points = []
        for customer, tier in r.sample(self.customers, 20):
            attrs = [kv("customer.id", s(customer)), kv("customer.tier", s(tier)), kv("http.route", s(r.choice(SERVICES[service])))]
            points.append({"attributes": attrs, "startTimeUnixNano": start, "timeUnixNano": str(self.now), "asInt": str(r.randint(0, 10**6))})
            counts = [r.randint(0, 500) for _ in range(15)]
            hist_points.append({"attributes": attrs, "startTimeUnixNano": start, "timeUnixNano": str(self.now), "count": str(sum(counts)),
                                "sum": r.random() * 1e4, "bucketCounts": [str(c) for c in counts],
                                "explicitBounds": [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]})
        metrics = [
            {"name": "http.server.request.count", "unit": "1", "sum": {"dataPoints": points, "aggregationTemporality": 2, "isMonotonic": True}},
            {"name": "http.server.request.duration", "unit": "s", "histogram": {"dataPoints": hist_points, "aggregationTemporality": 2}},
        ]
        return {"resourceMetrics": [{"resource": self.resource(service), "scopeMetrics": [{"scope": {"name": "app"}, "metrics": metrics}]}]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("size_mb", type=float)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    world = World(rng)
    target = int(args.size_mb * 1e6)
    written = 0
    out = gzip.open(args.out, "wt", encoding="utf-8") if args.gzip else open(args.out, "w", encoding="utf-8")
    with out:
        while written < target:
            roll = rng.random()
            request = world.traces_line() if roll < 0.85 else world.logs_line() if roll < 0.95 else world.metrics_line()
            line = json.dumps(request, separators=(",", ":")) + "\n"
            out.write(line)
            written += len(line.encode("utf-8"))
    print("wrote %s: %.1f MB of OTLP/JSON lines" % (args.out, written / 1e6))


if __name__ == "__main__":
    main()
