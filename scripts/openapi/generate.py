#!/usr/bin/env python3
"""Writes docs/openapi.json (the OpenAPI 3.1 description of Goalpost's HTTP API) and its embedded copy
Sources/GoalpostServer/OpenAPIDocument.swift, which the server serves at /api/v1/openapi.json.

Edit this file, run it, commit both outputs; a test checks that the two agree and that every route the
server registers is described.

    python3 scripts/openapi/generate.py
"""
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def error_responses(*codes):
    text = {
        "400": "A malformed body or query parameter; the message names it.",
        "401": "No token, or an unknown one (when authentication is on).",
        "403": "The token lacks the scope this route needs.",
        "404": "No such outcome, customer or incident.",
        "409": "The incident is already resolved.",
        "413": "The body is over the size limit.",
        "415": "An unsupported Content-Type or Content-Encoding.",
        "429": "The ingest queue is full; retry after `Retry-After` seconds.",
        "503": "The server is shutting down or the store failed; retry.",
    }
    return {code: {"description": text[code], "content": {"application/json": {"schema": ref("Error")}}} for code in codes}


def json_ok(schema, description="OK"):
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


def query(name, description, schema=None, required=False):
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema or {"type": "string"}}


def path_param(name, description):
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


RANGE = [
    query("from", "Start, RFC 3339 (default: 24 hours before `to`).", {"type": "string", "format": "date-time"}),
    query("to", "End, RFC 3339 (default: now).", {"type": "string", "format": "date-time"}),
    query("step", "Bucket length, at least `1m` (default: about 144 buckets); at most 2000 buckets.", {"type": "string", "example": "5m"}),
]

READ = [{"bearer": ["read"]}]
timespan_schema = {"type": "string", "description": "A duration such as 2h", "example": "2h"}
ADMIN = [{"bearer": ["admin"]}]
INGEST = [{"bearer": ["ingest"]}]


def otlp(signal, message):
    return {
        "post": {
            "summary": f"OTLP/HTTP export of {signal}",
            "description": f"The OTLP/HTTP receiver: an `{message}` as `application/x-protobuf` or `application/json`, "
                           "optionally `Content-Encoding: gzip`. Success is the matching Export*ServiceResponse in the "
                           "request's encoding, with `partial_success` when items were rejected; failures are a "
                           "`google.rpc.Status` in the request's encoding.",
            "tags": ["ingest"],
            "security": INGEST,
            "requestBody": {"required": True, "content": {
                "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "object"}},
            }},
            "responses": {
                "200": {"description": "Accepted and durable (possibly in part: see partial_success)."},
                "400": {"description": "Malformed: the message names the byte offset or field."},
                "401": {"description": "No or unknown token."},
                "403": {"description": "The token lacks `ingest`."},
                "413": {"description": "Over the body or decompressed size limit."},
                "415": {"description": "Unsupported Content-Type or Content-Encoding."},
                "429": {"description": "Queue full; `Retry-After` says when to retry."},
                "503": {"description": "Shutting down or the store failed; `Retry-After`."},
            },
        }
    }


paths = {
    "/v1/traces": otlp("traces", "ExportTraceServiceRequest"),
    "/v1/logs": otlp("logs", "ExportLogsServiceRequest"),
    "/v1/metrics": otlp("metrics", "ExportMetricsServiceRequest"),
    "/api/v1/events": {"post": {
        "summary": "Business events", "tags": ["ingest"], "security": INGEST,
        "description": "A JSON array (or object) of business events (docs/api.md): name, time, customer, outcome ok/error, attributes.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "array", "items": ref("BusinessEvent")}}}},
        "responses": {**json_ok(ref("Accepted")), **error_responses("400", "401", "403", "413", "415", "429", "503")},
    }},
    "/api/v1/deploys": {
        "get": {"summary": "Deploys, oldest first", "tags": ["changes"], "security": READ,
                "parameters": [query("from", "RFC 3339", {"type": "string", "format": "date-time"}), query("to", "RFC 3339", {"type": "string", "format": "date-time"})],
                "responses": {**json_ok({"type": "array", "items": ref("Deploy")}), **error_responses("401", "403", "503")}},
        "post": {"summary": "Record deploys", "tags": ["changes"], "security": ADMIN,
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [ref("Deploy"), {"type": "array", "items": ref("Deploy")}]}}}},
                 "responses": {**json_ok(ref("Accepted")), **error_responses("400", "401", "403", "415", "429", "503")}},
    },
    "/api/v1/customers": {
        "get": {"summary": "Customers: the directory and customers seen in telemetry, by ARR", "tags": ["customers"], "security": READ,
                "responses": {**json_ok({"type": "array", "items": ref("CustomerSummary")}), **error_responses("401", "403", "503")}},
        "post": {"summary": "Record or update customers (tier, ARR, region, runbook)", "tags": ["customers"], "security": ADMIN,
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [ref("Customer"), {"type": "array", "items": ref("Customer")}]}}}},
                 "responses": {**json_ok(ref("Accepted")), **error_responses("400", "401", "403", "415", "429", "503")}},
    },
    "/api/v1/customers/{id}": {"get": {
        "summary": "One customer: every outcome's status for it, and its incidents", "tags": ["customers"], "security": READ,
        "parameters": [path_param("id", "Customer id")],
        "responses": {**json_ok(ref("CustomerDetail")), **error_responses("401", "403", "404", "503")},
    }},
    "/api/v1/outcomes": {"get": {
        "summary": "Every outcome's status now: global and per customer", "tags": ["outcomes"], "security": READ,
        "responses": {**json_ok({"type": "array", "items": ref("OutcomeStatus")}), **error_responses("401", "403", "503")},
    }},
    "/api/v1/outcomes/{name}": {"get": {
        "summary": "One outcome's definition and status", "tags": ["outcomes"], "security": READ,
        "parameters": [path_param("name", "Outcome name")],
        "responses": {**json_ok(ref("OutcomeDetail")), **error_responses("401", "403", "404", "503")},
    }},
    "/api/v1/outcomes/{name}/series": {"get": {
        "summary": "SLI, error budget remaining and 1-hour burn rate per bucket for one scope", "tags": ["outcomes"], "security": READ,
        "parameters": [path_param("name", "Outcome name"), query("scope", "`global` (default) or `customer:ID`")] + RANGE,
        "responses": {**json_ok(ref("Series")), **error_responses("400", "401", "403", "404", "503")},
    }},
    "/api/v1/outcomes/{name}/heatmap": {"get": {
        "summary": "Customers × time of the bad-event ratio, worst customers first", "tags": ["outcomes"], "security": READ,
        "parameters": [path_param("name", "Outcome name")] + RANGE + [query("limit", "Rows, 1–1000 (default 50)", {"type": "integer"})],
        "responses": {**json_ok(ref("Heatmap")), **error_responses("400", "401", "403", "404", "503")},
    }},
    "/api/v1/incidents": {"get": {
        "summary": "Incidents, with filters", "tags": ["incidents"], "security": READ,
        "parameters": [
            query("status", "`open` or `resolved`", {"type": "string", "enum": ["open", "resolved"]}),
            query("outcome", "Outcome name"), query("customer", "Customer id (a scope of the incident or among the affected)"),
            query("severity", "`page` or `ticket`", {"type": "string", "enum": ["page", "ticket"]}),
            query("from", "Opened at or after, RFC 3339", {"type": "string", "format": "date-time"}),
            query("to", "Opened before, RFC 3339", {"type": "string", "format": "date-time"}),
            query("sort", "`time` (newest first, default) or `rank` (business impact, highest first)", {"type": "string", "enum": ["time", "rank"]}),
            query("limit", "1–1000 (default 100)", {"type": "integer"}),
        ],
        "responses": {**json_ok({"type": "array", "items": ref("Incident")}), **error_responses("400", "401", "403", "503")},
    }},
    "/api/v1/incidents/{id}": {"get": {
        "summary": "One incident with its latest investigation", "tags": ["incidents"], "security": READ,
        "parameters": [path_param("id", "Incident id")],
        "responses": {**json_ok(ref("IncidentDetail")), **error_responses("401", "403", "404", "503")},
    }},
    "/api/v1/incidents/{id}/investigation": {"get": {
        "summary": "The incident's latest investigation (JSON, or Markdown with format=markdown)", "tags": ["incidents"], "security": READ,
        "parameters": [path_param("id", "Incident id"), query("format", "`json` (default) or `markdown`", {"type": "string", "enum": ["json", "markdown"]})],
        "responses": {"200": {"description": "The report", "content": {"application/json": {"schema": ref("Investigation")}, "text/markdown": {"schema": {"type": "string"}}}},
                      **error_responses("401", "403", "404", "503")},
    }},
}
for action, summary in [("acknowledge", "Acknowledge an incident"), ("customer-reported", "Mark an incident as reported by a customer"),
                        ("resolve", "Resolve an open incident by hand (a new incident opens if the outcome keeps burning)")]:
    codes = ["400", "401", "403", "404", "503"] + (["409"] if action == "resolve" else [])
    paths[f"/api/v1/incidents/{{id}}/{action}"] = {"post": {
        "summary": summary, "tags": ["incidents"], "security": ADMIN,
        "parameters": [path_param("id", "Incident id")],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object", "properties": {"by": {"type": "string"}}}}}},
        "responses": {**json_ok(ref("IncidentDetail")), **error_responses(*sorted(codes))},
    }}
paths["/api/v1/notifications"] = {"get": {
    "summary": "Notifications and what became of them (sent, dead letter, suppressed and why), newest first", "tags": ["incidents"], "security": READ,
    "parameters": [query("incident", "Incident id"), query("limit", "1–1000 (default 100)", {"type": "integer"})],
    "responses": {**json_ok({"type": "array", "items": ref("Notification")}), **error_responses("400", "401", "403", "503")},
}}
paths["/api/v1/silences"] = {
    "get": {"summary": "Silences still running (all with all=true)", "tags": ["incidents"], "security": READ,
            "parameters": [query("all", "true for every silence, ended ones included", {"type": "boolean"})],
            "responses": {**json_ok({"type": "array", "items": ref("Silence")}), **error_responses("401", "403", "503")}},
    "post": {"summary": "Hold back notifications about an outcome or a customer for a while", "tags": ["incidents"], "security": ADMIN,
             "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["reason"], "properties": {
                 "outcome": {"type": "string"}, "customer": {"type": "string"}, "for": timespan_schema, "until": {"type": "string", "format": "date-time"},
                 "reason": {"type": "string"}, "by": {"type": "string"}}}}}},
             "responses": {"201": {"description": "The silence", "content": {"application/json": {"schema": ref("Silence")}}}, **error_responses("400", "401", "403", "503")}},
}
paths["/api/v1/silences/{id}"] = {"delete": {
    "summary": "End a silence now", "tags": ["incidents"], "security": ADMIN, "parameters": [path_param("id", "Silence id")],
    "responses": {"200": {"description": "Ended"}, **error_responses("401", "403", "404", "503")}}}
FORMAT = query("format", "`json` (default) or `markdown`", {"type": "string", "enum": ["json", "markdown"]})
paths["/api/v1/plans"] = {
    "get": {"summary": "Monitoring plans kept so far (posted, and made from deploys), oldest first", "tags": ["changes"], "security": READ,
            "responses": {**json_ok({"type": "array", "items": ref("ChangePlan")}), **error_responses("401", "403", "503")}},
    "post": {"summary": "The monitoring plan for a change: outcomes at risk, customers to watch, metrics, checks, intended effect (kept for its deploys)",
             "tags": ["changes"], "security": ADMIN, "parameters": [FORMAT],
             "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ChangeRequest")}}},
             "responses": {"201": {"description": "The plan", "content": {"application/json": {"schema": ref("ChangePlan")}, "text/markdown": {"schema": {"type": "string"}}}},
                           **error_responses("400", "401", "403", "413", "415", "503")}},
}
paths["/api/v1/plans/{id}"] = {"get": {
    "summary": "One plan (JSON, or Markdown for a pull-request comment with format=markdown)", "tags": ["changes"], "security": READ,
    "parameters": [path_param("id", "Plan id (plan-…)"), FORMAT],
    "responses": {"200": {"description": "The plan", "content": {"application/json": {"schema": ref("ChangePlan")}, "text/markdown": {"schema": {"type": "string"}}}},
                  **error_responses("401", "403", "404", "503")}}}
paths["/api/v1/deploys/{id}/checks"] = {"get": {
    "summary": "A deploy's checks so far: verdicts per outcome, metric and customer, intended effects, budget spent", "tags": ["changes"], "security": READ,
    "parameters": [path_param("id", "Deploy: service@version")],
    "responses": {**json_ok({"type": "array", "items": ref("DeployCheck")}), **error_responses("401", "403", "404", "503")}}}
paths["/api/v1/deploys/{id}/report"] = {"get": {
    "summary": "A deploy's plan, then one update per check, as Markdown for a pull request", "tags": ["changes"], "security": READ,
    "parameters": [path_param("id", "Deploy: service@version")],
    "responses": {"200": {"description": "Markdown", "content": {"text/markdown": {"schema": {"type": "string"}}}}, **error_responses("401", "403", "404", "503")}}}
paths["/api/v1/catalog"] = {"get": {
    "summary": "Every service, operation (with volume, error and latency profile, attributes) and metric received since the server started",
    "tags": ["outcomes"], "security": READ,
    "responses": {**json_ok(ref("TelemetryCatalog")), **error_responses("401", "403", "503")}}}
paths["/api/v1/coverage"] = {"get": {
    "summary": "Services and busy operations no outcome covers, with suggested outcomes as goalpost/v1 YAML", "tags": ["outcomes"], "security": READ,
    "parameters": [query("minimumPerDay", "Operations with fewer events a day are not listed one by one (default 1000)", {"type": "number"})],
    "responses": {**json_ok({"type": "object", "properties": {"covered": {"type": "object"}, "gaps": {"type": "array"}, "notes": {"type": "array"}}}),
                  **error_responses("400", "401", "403", "503")}}}
paths["/api/v1/outcomes/draft"] = {"post": {
    "summary": "Draft a goalpost/v1 Outcome from a sentence, bound to the telemetry received (docs/define.md); changes nothing",
    "tags": ["outcomes"], "security": READ,
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["sentence"], "properties": {"sentence": {"type": "string"}}}}}},
    "responses": {**json_ok(ref("OutcomeDraft")), "422": {"description": "The sentence cannot become an outcome: the reason and what to write", "content": {"application/json": {"schema": ref("Error")}}},
                  **error_responses("400", "401", "403", "413", "415", "503")}}}
paths["/api/v1/investigations"] = {"post": {
    "summary": "A fresh investigation of an outcome (or one customer's scope) over a window, incident or not; nothing is kept",
    "tags": ["incidents"], "security": READ, "parameters": [FORMAT],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "required": ["outcome"], "properties": {
        "outcome": {"type": "string"}, "customer": {"type": "string"},
        "from": {"type": "string", "format": "date-time", "description": "Default: an hour before `to`"},
        "to": {"type": "string", "format": "date-time", "description": "Default: now"}}}}}},
    "responses": {"200": {"description": "The investigation", "content": {"application/json": {"schema": ref("Investigation")}, "text/markdown": {"schema": {"type": "string"}}}},
                  **error_responses("400", "401", "403", "404", "413", "415", "503")}}}
MCP_NOTE = "The Model Context Protocol over the streamable HTTP transport, stateless (docs/mcp.md): any valid token; each tool's call to the API needs that route's scope"
paths["/mcp"] = {
    "post": {"summary": "One JSON-RPC message of the Model Context Protocol; the answer as JSON", "description": MCP_NOTE, "tags": ["agents"], "security": READ,
             "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
             "responses": {"200": {"description": "The JSON-RPC answer", "content": {"application/json": {"schema": {"type": "object"}}}},
                           "202": {"description": "A notification, accepted"}, "406": {"description": "The Accept header does not take application/json"}, **error_responses("400", "401", "403", "415")}},
    "get": {"summary": "No server-sent event stream in stateless mode: 405", "description": MCP_NOTE, "tags": ["agents"], "security": READ,
            "responses": {"405": {"description": "Method not allowed"}, **error_responses("401", "403")}},
    "delete": {"summary": "No session to end in stateless mode: 405", "description": MCP_NOTE, "tags": ["agents"], "security": READ,
               "responses": {"405": {"description": "Method not allowed"}, **error_responses("401", "403")}},
}
paths["/api/v1/sources"] = {"get": {
    "summary": "Pull sources (PromQL) and what each last did: up, last success, last error", "tags": ["outcomes"], "security": READ,
    "responses": {**json_ok({"type": "array", "items": ref("Source")}), **error_responses("401", "403")},
}}
paths["/api/v1/openapi.json"] = {"get": {"summary": "This document", "tags": ["meta"], "security": [],
                                         "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
paths["/metrics"] = {"get": {"summary": "Prometheus metrics of Goalpost itself", "tags": ["meta"], "security": [],
                             "responses": {"200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}}}}
paths["/healthz"] = {"get": {"summary": "Liveness", "tags": ["meta"], "security": [], "responses": {"200": {"description": "ok"}}}}
paths["/readyz"] = {"get": {"summary": "Readiness (503 while shutting down)", "tags": ["meta"], "security": [],
                            "responses": {"200": {"description": "ready"}, "503": {"description": "shutting down"}}}}

def page(summary, params=()):
    return {"get": {"summary": summary, "tags": ["dashboard"], "security": READ, "parameters": list(params),
                    "description": "An HTML page of the dashboard (docs/dashboard.md). Without a token it redirects to /login.",
                    "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}},
                                  "303": {"description": "To /login, when authentication is on and no token was sent"},
                                  "404": {"description": "No such outcome, customer or incident (HTML)"}}}}


paths["/"] = page("Overview: every outcome's status and the open incidents by business impact")
paths["/outcomes/{name}"] = page("One outcome: budget burn-down, SLI with deploy markers, customer heatmap", [path_param("name", "Outcome name")])
paths["/customers"] = page("Customers, failing first")
paths["/customers/{id}"] = page("One customer across outcomes, with its incidents", [path_param("id", "Customer id")])
paths["/incidents"] = page("Incidents, newest first")
paths["/incidents/{id}"] = page("One incident's investigation report and timeline", [path_param("id", "Incident id")])
paths["/login"] = {
    "get": {"summary": "The dashboard's sign-in form", "tags": ["dashboard"], "security": [],
            "responses": {"200": {"description": "HTML form", "content": {"text/html": {"schema": {"type": "string"}}}}}},
    "post": {"summary": "Sign in with a token (form field `token`); sets the HttpOnly, SameSite=Strict cookie goalpost_token",
             "tags": ["dashboard"], "security": [],
             "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"token": {"type": "string"}}}}}},
             "responses": {"303": {"description": "Signed in: to /"}, "400": {"description": "No token"}, "401": {"description": "Not a valid token"},
                           "403": {"description": "The token lacks the read scope"}}},
}

counts = {"type": "object", "properties": {"good": {"type": "number"}, "total": {"type": "number"}}}
timespan = {"type": "string", "description": "A duration such as 5m, 1h, 30d", "example": "5m"}
nanos = {"description": "RFC 3339 UTC time (nanoseconds since the epoch are accepted on input)", "type": "string", "format": "date-time"}
schemas = {
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": {"type": "string", "description": "A stable code from the status: bad_request, unauthorized, forbidden, not_found, conflict, …"},
        "message": {"type": "string", "description": "What was wrong, naming the field, parameter or byte offset"}}},
    "Accepted": {"type": "object", "properties": {"accepted": {"type": "integer"}, "rejected": {"type": "integer"}, "message": {"type": "string"}}},
    "BusinessEvent": {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "time": {"type": "string", "format": "date-time"}, "customer": {"type": "string"},
        "outcome": {"type": "string", "enum": ["ok", "error"]}, "attributes": {"type": "object"}}},
    "Deploy": {"type": "object", "required": ["service", "version", "time"], "properties": {
        "service": {"type": "string"}, "version": {"type": "string"}, "time": {"type": "string", "format": "date-time"},
        "environment": {"type": "string"}, "commit": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
        "changed_files": {"type": "array", "items": {"type": "string"}},
        "plans": {"type": "array", "items": {"type": "string"}, "description": "Ids of the plans of the changes it ships"}}},
    "TelemetryCatalog": {"type": "object", "properties": {
        "operations": {"type": "array", "items": {"type": "object", "properties": {
            "signal": {"type": "string", "enum": ["span", "log", "event"]}, "service": {"type": "string"}, "operation": {"type": "string"},
            "events": {"type": "number"}, "errors": {"type": "number"}, "firstSeen": {"type": "integer"}, "lastSeen": {"type": "integer"},
            "p50Milliseconds": {"type": "number"}, "p95Milliseconds": {"type": "number"}, "p99Milliseconds": {"type": "number"},
            "attributes": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "distinctValues": {"type": "integer"},
                                                                                         "capped": {"type": "boolean"}, "examples": {"type": "array", "items": {"type": "string"}}}}}}}},
        "metrics": {"type": "array", "items": {"type": "object", "properties": {"service": {"type": "string"}, "name": {"type": "string"}, "samples": {"type": "number"}}}}}},
    "OutcomeDraft": {"type": "object", "properties": {
        "name": {"type": "string"}, "yaml": {"type": "string", "description": "The goalpost/v1 Outcome, ready to save"}, "service": {"type": "string"},
        "operations": {"type": "array", "items": {"type": "string"}}, "objective": {"type": "number"},
        "explanations": {"type": "array", "items": {"type": "string"}}, "warnings": {"type": "array", "items": {"type": "string"}},
        "drafter": {"type": "string", "enum": ["grammar", "llm"]}}},
    "ChangeRequest": {"type": "object", "required": ["title"], "properties": {
        "title": {"type": "string"}, "description": {"type": "string"}, "files": {"type": "array", "items": {"type": "string"}},
        "commit": {"type": "string"}, "service": {"type": "string"}, "environment": {"type": "string"}}},
    "ChangePlan": {"type": "object", "description": "docs/deploys.md: id, change, services, outcomes (reasons, operations, metrics, watch), checks, intendedEffects, notes",
                   "properties": {"id": {"type": "string"}, "change": ref("ChangeRequest"), "services": {"type": "array"}, "outcomes": {"type": "array"},
                                  "checks": {"type": "array"}, "intendedEffects": {"type": "array"}, "notes": {"type": "array", "items": {"type": "string"}}}},
    "DeployCheck": {"type": "object", "description": "docs/deploys.md: deploy, after, verdict (pass, marginal, fail, no_data), outcomes (aggregate and per-customer comparisons, release cost, pages), intendedEffects, summary",
                    "properties": {"deploy": {"type": "string"}, "after": {"type": "string"}, "verdict": {"type": "string", "enum": ["pass", "marginal", "fail", "no_data"]},
                                   "outcomes": {"type": "array"}, "intendedEffects": {"type": "array"}, "summary": {"type": "string"}}},
    "Customer": {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "tier": {"type": "string"}, "arr": {"type": "number"},
        "region": {"type": "string"}, "contact": {"type": "string"}, "runbook": {"type": "string"}, "labels": {"type": "object"}}},
    "CustomerSummary": {"type": "object", "properties": {
        "customer": ref("Customer"), "outcomesFailing": {"type": "integer"}, "hasTraffic": {"type": "boolean"}}},
    "CustomerDetail": {"type": "object", "properties": {
        "customer": ref("Customer"),
        "outcomes": {"type": "array", "items": {"type": "object", "properties": {"outcome": {"type": "string"}, "status": ref("ScopeStatus")}}},
        "incidents": {"type": "array", "items": ref("Incident")}}},
    "Scope": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["global", "customer"]}, "customer": {"type": "string"}}},
    "ScopeStatus": {"type": "object", "properties": {
        "scope": ref("Scope"), "objective": {"type": "number"}, "windowStart": nanos, "events": counts, "sli": {"type": ["number", "null"]},
        "budgetRemaining": {"type": "number"}, "burnRate1h": {"type": "number"}, "timeToExhaustion": timespan,
        "rules": {"type": "array", "items": {"type": "object"}}, "firing": {"type": "string", "enum": ["page", "ticket"]},
        "latency": {"type": "object", "properties": {"count": {"type": "integer"}, "p50": timespan, "p90": timespan, "p99": timespan}}}},
    "OutcomeStatus": {"type": "object", "properties": {
        "outcome": {"type": "string"}, "at": nanos, "global": ref("ScopeStatus"),
        "customers": {"type": "array", "items": ref("ScopeStatus")}, "openIncident": ref("Incident")}},
    "OutcomeDetail": {"type": "object", "properties": {"definition": {"type": "object", "description": "The goalpost/v1 Outcome (docs/definitions.md)"}, "status": ref("OutcomeStatus")}},
    "Series": {"type": "object", "properties": {
        "outcome": {"type": "string"}, "scope": ref("Scope"), "from": nanos, "to": nanos, "step": timespan,
        "points": {"type": "array", "items": {"type": "object", "properties": {
            "time": nanos, "events": counts, "sli": {"type": ["number", "null"]}, "budgetRemaining": {"type": "number"}, "burnRate1h": {"type": "number"}}}}}},
    "Heatmap": {"type": "object", "properties": {
        "outcome": {"type": "string"}, "from": nanos, "to": nanos, "step": timespan,
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "customer": {"type": "string"}, "bad": {"type": "number"}, "total": {"type": "number"},
            "badRatios": {"type": "array", "items": {"type": ["number", "null"]}}}}}}},
    "IncidentNote": {"type": "object", "properties": {
        "incident": {"type": "string"}, "acknowledgedAt": {"type": "integer"}, "acknowledgedBy": {"type": "string"},
        "customerReportedAt": {"type": "integer"}, "customerReportedBy": {"type": "string"},
        "resolvedAt": {"type": "integer"}, "resolvedBy": {"type": "string"}}},
    "Incident": {"type": "object", "properties": {
        "id": {"type": "string"}, "outcome": {"type": "string"}, "scope": ref("Scope"), "scopes": {"type": "array", "items": ref("Scope")},
        "severity": {"type": "string", "enum": ["page", "ticket"]}, "openedAt": nanos, "resolvedAt": nanos,
        "impact": {"type": "object", "properties": {"customers": {"type": "array", "items": {"type": "string"}}, "badEvents": {"type": "number"},
                                                      "totalEvents": {"type": "number"}, "arrAtRisk": {"type": "number"}, "budgetBurned": {"type": "number"}}},
        "rank": {"type": "number"}, "history": {"type": "array", "items": {"type": "object"}}, "note": ref("IncidentNote")}},
    "IncidentDetail": {"allOf": [ref("Incident"), {"type": "object", "properties": {
        "investigation": {"oneOf": [ref("Investigation"), {"type": "null"}]},
        "notifications": {"type": "array", "items": ref("Notification")},
        "runbooks": {"type": "array", "items": ref("RunbookRun")}}}]},
    "Silence": {"type": "object", "properties": {
        "id": {"type": "string"}, "outcome": {"type": "string"}, "customer": {"type": "string"}, "startsAt": {"type": "integer"},
        "endsAt": {"type": "integer"}, "reason": {"type": "string"}, "createdBy": {"type": "string"}}},
    "Notification": {"type": "object", "properties": {
        "at": {"type": "integer", "description": "nanoseconds since the epoch"}, "incident": {"type": "string"}, "target": {"type": "string"},
        "event": {"type": "string", "enum": ["opened", "escalated", "investigated", "acknowledged", "resolved"]},
        "status": {"type": "string", "enum": ["sent", "dead", "suppressed"]}, "detail": {"type": "string"}, "attempts": {"type": "integer"}}},
    "Source": {"type": "object", "properties": {
        "outcome": {"type": "string"}, "kind": {"type": "string", "enum": ["prometheus"]}, "url": {"type": "string"},
        "up": {"type": "boolean", "description": "the last attempt succeeded; a source that is down gives no data and opens no incident"},
        "lastSuccess": {"type": "string", "format": "date-time"}, "lastAttempt": {"type": "string", "format": "date-time"},
        "lastError": {"type": "string"}, "minutes": {"type": "integer"}, "series": {"type": "integer"}}},
    "RunbookRun": {"type": "object", "properties": {
        "at": {"type": "integer"}, "incident": {"type": "string"}, "runbook": {"type": "string"},
        "status": {"type": "string", "enum": ["proposed", "succeeded", "failed", "dryRun"]}, "detail": {"type": "string"}}},
    "Investigation": {"type": "object", "description": "docs/investigation.md: onset, suspects, change, evidence, impact, recommendation, summary",
                      "properties": {"summary": {"type": "string"}, "onset": nanos, "suspects": {"type": "array", "items": {"type": "object"}},
                                     "change": {"type": ["object", "null"]}, "evidence": {"type": "object"}, "impact": {"type": "object"},
                                     "recommendation": {"type": "object"}}},
}

document = {
    "openapi": "3.1.0",
    "info": {"title": "Goalpost", "version": "1",
             "description": "Outcomes measured per customer from telemetry: OTLP/HTTP in, status, incidents and investigations out. "
                            "See docs/api.md for the prose."},
    "servers": [{"url": "http://127.0.0.1:4318"}],
    "security": READ,
    "tags": [{"name": n} for n in ["ingest", "outcomes", "customers", "incidents", "changes", "dashboard", "meta"]],
    "paths": paths,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description":
            "A token from `goalpost token create --scopes read,ingest,admin`. Scopes: `ingest` (OTLP and events), `read` (API and "
            "dashboard), `admin` (changes). Off only on loopback with `--no-auth`."}},
        "schemas": schemas,
    },
}

text = json.dumps(document, indent=2, sort_keys=True) + "\n"
with open(os.path.join(ROOT, "docs", "openapi.json"), "w") as f:
    f.write(text)
with open(os.path.join(ROOT, "Sources", "GoalpostServer", "OpenAPIDocument.swift"), "w") as f:
    f.write("// Generated by scripts/openapi/generate.py from the same data as docs/openapi.json; do not edit.\n\n")
    f.write("/// The OpenAPI 3.1 description served at /api/v1/openapi.json.\n")
    f.write("enum OpenAPIDocument {\n    static let json = #\"\"\"\n")
    f.write(text + "\n")  # A multi-line literal drops the line break before its closing delimiter.
    f.write("\"\"\"#\n}\n")
print(f"{len(paths)} paths")
