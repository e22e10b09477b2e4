import Foundation
import MCP

/// The tools, resources and prompts, each answered from the API.
public struct GoalpostTools: Sendable {
    public var client: APIClient

    public init(client: APIClient) { self.client = client }

    static func schema(_ properties: [String: Value], required: [String] = []) -> Value {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })])
    }

    static func property(_ type: String, _ description: String) -> Value {
        .object(["type": .string(type), "description": .string(description)])
    }

    /// Every tool, with its JSON schema and a description an agent can act on.
    public static let definitions: [Tool] = [
        Tool(name: "list_outcomes",
             description: "Every outcome (what must be true for customers) with its statement, global SLI, error budget left, 1-hour burn rate, how many customers are failing it, and its open incident. Start here.",
             inputSchema: schema([:]), annotations: .init(readOnlyHint: true)),
        Tool(name: "outcome_status",
             description: "One outcome's status now: SLI, budget left, burn rate per alert rule, firing severity; for one customer when `customer` is given, else globally with the customers that are burning.",
             inputSchema: schema(["outcome": property("string", "The outcome's name (list_outcomes)"),
                                  "customer": property("string", "A customer id, for that customer's status only")], required: ["outcome"]),
             annotations: .init(readOnlyHint: true)),
        Tool(name: "customer_health",
             description: "One customer: its tier and ARR, and its status on every outcome (SLI, budget left, burn rate, firing).",
             inputSchema: schema(["customer": property("string", "The customer id")], required: ["customer"]), annotations: .init(readOnlyHint: true)),
        Tool(name: "list_incidents",
             description: "Incidents ranked by business impact, newest first, with the customers affected and ARR at risk. Paginated: pass `cursor` from the previous answer.",
             inputSchema: schema(["outcome": property("string", "Only this outcome's"), "status": property("string", "open or resolved"),
                                  "limit": property("integer", "At most this many (1–50, default 20)"), "cursor": property("string", "Where the previous page ended")]),
             annotations: .init(readOnlyHint: true)),
        Tool(name: "get_investigation",
             description: "The investigation attached to an incident: where it breaks (attributes), which change, evidence, impact in customers and ARR, and what to do. Markdown.",
             inputSchema: schema(["incident": property("string", "The incident id (list_incidents)")], required: ["incident"]), annotations: .init(readOnlyHint: true)),
        Tool(name: "query_events",
             description: "Good and total events of an outcome over time, from the stored aggregates: one point per bucket, for everyone or one customer. Bounded to 200 points.",
             inputSchema: schema(["outcome": property("string", "The outcome's name"), "customer": property("string", "Only this customer"),
                                  "from": property("string", "RFC 3339 start (default 24 hours ago)"), "to": property("string", "RFC 3339 end (default now)")],
                                 required: ["outcome"]),
             annotations: .init(readOnlyHint: true)),
        Tool(name: "record_deploy",
             description: "Record a deploy so Goalpost ties it to the outcomes it touches (changes state: the token needs the ingest or admin scope).",
             inputSchema: schema(["service": property("string", "The deployed service"), "version": property("string", "The version now running"),
                                  "title": property("string", "One line saying what changed"), "commit": property("string", "The commit id"),
                                  "time": property("string", "RFC 3339 (default now)")], required: ["service", "version"]),
             annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: false)),
        Tool(name: "investigate",
             description: "Run a fresh investigation of an outcome over a time range: where it breaks (attribute combinations that explain the bad events), which change, evidence, impact in customers and ARR, what to do. Markdown. Use it when there is no incident yet, or to look at another window.",
             inputSchema: schema(["outcome": property("string", "The outcome's name (list_outcomes)"), "customer": property("string", "Only this customer's scope"),
                                  "from": property("string", "RFC 3339 start of the window (default 1 hour ago)"), "to": property("string", "RFC 3339 end (default now)")],
                                 required: ["outcome"]),
             annotations: .init(readOnlyHint: true)),
        Tool(name: "plan_change",
             description: "The monitoring plan for a change (a diff or pull request): which outcomes it puts at risk and why, which customers carry that traffic (watch them first), what is compared after it ships and when, and the effect it says it has. Markdown fit for a pull-request comment. Kept, so the deploy of its commit is checked against it (changes state: the token needs the admin scope).",
             inputSchema: schema(["title": property("string", "The change's title"), "description": property("string", "What the change does, in words"),
                                  "files": .object(["type": "array", "items": .object(["type": "string"]), "description": "Paths the change touches"]),
                                  "commit": property("string", "The change's commit"), "service": property("string", "The service it ships in, if known")],
                                 required: ["title"]),
             annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: true)),
        Tool(name: "draft_outcome",
             description: "Turn a sentence about what must be true for customers (\"every customer can sign in successfully 99.9% of the time\", \"checkout responds within 2 seconds for 99% of requests\") into a goalpost/v1 Outcome bound to the telemetry that exists, with every choice explained; or the reason it cannot. Changes nothing.",
             inputSchema: schema(["sentence": property("string", "The outcome in plain words")], required: ["sentence"]),
             annotations: .init(readOnlyHint: true)),
    ]

    public static let prompts: [Prompt] = [
        Prompt(name: "investigate-incident", description: "Investigate a Goalpost incident: what broke, for whom, why, and what to do.",
               arguments: [.init(name: "incident", description: "The incident id", required: true)]),
        Prompt(name: "last-deploy-impact", description: "What did my last deploy do to customers?",
               arguments: [.init(name: "service", description: "The service that was deployed", required: false)]),
    ]

    public static func prompt(_ name: String, _ arguments: [String: String]) throws -> GetPrompt.Result {
        switch name {
        case "investigate-incident":
            guard let incident = arguments["incident"], !incident.isEmpty else { throw MCPError.invalidParams("incident: is required") }
            return .init(description: "Investigate \(incident)", messages: [.user(.text(text: """
                Investigate the Goalpost incident \(incident). Call get_investigation for it, then outcome_status for its outcome and \
                customer_health for the most affected customers. Say what broke, for which customers (with ARR at risk), which change \
                caused it and how sure Goalpost is, and what to do now.
                """))])
        case "last-deploy-impact":
            let service = arguments["service"].map { " of \($0)" } ?? ""
            return .init(description: "The last deploy\(service) and its effect on customers", messages: [.user(.text(text: """
                Find the most recent deploy\(service) (list_incidents shows the changes investigations blamed; record_deploy is how deploys \
                get in). For each outcome the service's traffic feeds (list_outcomes), compare before and after it with query_events, \
                per customer where one stands out, and say whether any customer got worse.
                """))])
        default:
            throw MCPError.invalidParams("unknown prompt '\(name)'")
        }
    }

    // MARK: Tools

    public func call(_ name: String, _ arguments: [String: Value]) async -> CallTool.Result {
        do {
            let text = try await answer(name, arguments)
            return .init(content: [.text(text: text, annotations: nil, _meta: nil)], isError: false)
        } catch {
            return .init(content: [.text(text: "\(error)", annotations: nil, _meta: nil)], isError: true)
        }
    }

    func string(_ arguments: [String: Value], _ key: String, required: Bool = false) throws -> String? {
        let value = arguments[key]?.stringValue
        if required, (value ?? "").isEmpty { throw MCPError.invalidParams("\(key): is required") }
        return value
    }

    static func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/", "?", "&", "="])) ?? text }

    func json(_ path: String) async throws -> Any { try JSONSerialization.jsonObject(with: try await client.send("GET", path)) }

    static func text(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    func answer(_ name: String, _ arguments: [String: Value]) async throws -> String {
        switch name {
        case "list_outcomes":
            let statuses = try await json("/api/v1/outcomes") as? [[String: Any]] ?? []
            let summary: [[String: Any]] = statuses.map { status in
                let global = status["global"] as? [String: Any] ?? [:]
                let customers = status["customers"] as? [[String: Any]] ?? []
                var entry: [String: Any] = ["outcome": status["outcome"] ?? "", "sli": global["sli"] ?? NSNull(),
                                            "budgetRemaining": global["budgetRemaining"] ?? NSNull(), "burnRate1h": global["burnRate1h"] ?? NSNull(),
                                            "customersFiring": customers.count { $0["firing"] != nil && !($0["firing"] is NSNull) }]
                if let incident = status["openIncident"] as? [String: Any] { entry["openIncident"] = incident["id"] ?? NSNull() }
                return entry
            }
            return Self.text(summary)
        case "outcome_status":
            let outcome = try string(arguments, "outcome", required: true) ?? ""
            let detail = try await json("/api/v1/outcomes/\(Self.escape(outcome))") as? [String: Any] ?? [:]
            let status = detail["status"] as? [String: Any] ?? [:]
            if let customer = try string(arguments, "customer"), !customer.isEmpty {
                let customers = status["customers"] as? [[String: Any]] ?? []
                guard let scope = customers.first(where: { ($0["scope"] as? [String: Any])?["customer"] as? String == customer }) else {
                    throw MCPError.invalidParams("customer '\(customer)' has no status on \(outcome) (too few events, or unknown)")
                }
                return Self.text(scope)
            }
            var global = status["global"] as? [String: Any] ?? [:]
            let customers = status["customers"] as? [[String: Any]] ?? []
            global["customersFiring"] = customers.filter { $0["firing"] != nil && !($0["firing"] is NSNull) }
                .compactMap { ($0["scope"] as? [String: Any])?["customer"] as? String }
            global["openIncident"] = status["openIncident"] ?? NSNull()
            return Self.text(global)
        case "customer_health":
            let customer = try string(arguments, "customer", required: true) ?? ""
            return Self.text(try await json("/api/v1/customers/\(Self.escape(customer))"))
        case "list_incidents":
            let limit = min(max(arguments["limit"]?.intValue ?? Int(arguments["limit"]?.stringValue ?? "") ?? 20, 1), 50)
            let offset = Int(try string(arguments, "cursor") ?? "0") ?? 0
            var query = "?limit=1000"
            if let outcome = try string(arguments, "outcome"), !outcome.isEmpty { query += "&outcome=\(Self.escape(outcome))" }
            if let status = try string(arguments, "status"), !status.isEmpty { query += "&status=\(Self.escape(status))" }
            let incidents = try await json("/api/v1/incidents" + query) as? [[String: Any]] ?? []
            let page = Array(incidents.dropFirst(offset).prefix(limit))
            var result: [String: Any] = ["incidents": page, "total": incidents.count]
            if offset + limit < incidents.count { result["nextCursor"] = String(offset + limit) }
            return Self.text(result)
        case "get_investigation":
            let incident = try string(arguments, "incident", required: true) ?? ""
            return String(decoding: try await client.send("GET", "/api/v1/incidents/\(Self.escape(incident))/investigation?format=markdown"), as: UTF8.self)
        case "query_events":
            let outcome = try string(arguments, "outcome", required: true) ?? ""
            var query = ""
            var items: [String] = []
            if let customer = try string(arguments, "customer"), !customer.isEmpty { items.append("scope=customer:\(Self.escape(customer))") }
            if let from = try string(arguments, "from"), !from.isEmpty { items.append("from=\(Self.escape(from))") }
            if let to = try string(arguments, "to"), !to.isEmpty { items.append("to=\(Self.escape(to))") }
            if !items.isEmpty { query = "?" + items.joined(separator: "&") }
            let series = try await json("/api/v1/outcomes/\(Self.escape(outcome))/series\(query)")
            if var object = series as? [String: Any], let points = object["points"] as? [Any], points.count > 200 {
                object["points"] = Array(points.suffix(200))
                object["truncated"] = true
                return Self.text(object)
            }
            return Self.text(series)
        case "record_deploy":
            var deploy: [String: Any] = ["service": try string(arguments, "service", required: true) ?? "", "version": try string(arguments, "version", required: true) ?? ""]
            for key in ["title", "commit"] { if let value = try string(arguments, key), !value.isEmpty { deploy[key] = value } }
            deploy["time"] = try string(arguments, "time") ?? ISO8601DateFormatter().string(from: Date())
            let body = try JSONSerialization.data(withJSONObject: deploy)
            return String(decoding: try await client.send("POST", "/api/v1/deploys", json: body), as: UTF8.self)
        case "investigate":
            let outcome = try string(arguments, "outcome", required: true) ?? ""
            var request: [String: Any] = ["outcome": outcome]
            for key in ["customer", "from", "to"] { if let value = try string(arguments, key), !value.isEmpty { request[key] = value } }
            let body = try JSONSerialization.data(withJSONObject: request)
            return String(decoding: try await client.send("POST", "/api/v1/investigations?format=markdown", json: body), as: UTF8.self)
        case "plan_change":
            var change: [String: Any] = ["title": try string(arguments, "title", required: true) ?? ""]
            for key in ["description", "commit", "service"] { if let value = try string(arguments, key), !value.isEmpty { change[key] = value } }
            if case .array(let files)? = arguments["files"] { change["files"] = files.compactMap(\.stringValue) }
            let body = try JSONSerialization.data(withJSONObject: change)
            return String(decoding: try await client.send("POST", "/api/v1/plans?format=markdown", json: body), as: UTF8.self)
        case "draft_outcome":
            let sentence = try string(arguments, "sentence", required: true) ?? ""
            let body = try JSONSerialization.data(withJSONObject: ["sentence": sentence])
            let draft = try JSONSerialization.jsonObject(with: try await client.send("POST", "/api/v1/outcomes/draft", json: body)) as? [String: Any] ?? [:]
            let explanations = (draft["explanations"] as? [String] ?? []).map { "- \($0)" }.joined(separator: "\n")
            let warnings = (draft["warnings"] as? [String] ?? []).map { "- \($0)" }.joined(separator: "\n")
            return "```yaml\n\(draft["yaml"] as? String ?? "")```\n\nWhy:\n\(explanations)\n" + (warnings.isEmpty ? "" : "\nCheck:\n\(warnings)\n")
        default:
            throw MCPError.methodNotFound("unknown tool '\(name)'")
        }
    }

    // MARK: Resources

    /// Outcome definitions (`goalpost://outcomes/NAME`) and incident reports (`goalpost://incidents/ID`), as Markdown.
    public func resources() async throws -> [Resource] {
        let outcomes = try await json("/api/v1/outcomes") as? [[String: Any]] ?? []
        let incidents = try await json("/api/v1/incidents?limit=50") as? [[String: Any]] ?? []
        return outcomes.compactMap { $0["outcome"] as? String }.map {
            Resource(name: "Outcome \($0)", uri: "goalpost://outcomes/\($0)", description: "The definition and status of the outcome \($0)", mimeType: "text/markdown")
        } + incidents.compactMap { $0["id"] as? String }.map {
            Resource(name: "Incident \($0)", uri: "goalpost://incidents/\($0)", description: "The investigation report of \($0)", mimeType: "text/markdown")
        }
    }

    public func read(_ uri: String) async throws -> Resource.Content {
        if uri.hasPrefix("goalpost://outcomes/") {
            let name = String(uri.dropFirst("goalpost://outcomes/".count))
            let detail = try await json("/api/v1/outcomes/\(Self.escape(name))") as? [String: Any] ?? [:]
            let definition = detail["definition"].map { Self.text($0) } ?? "{}"
            let status = (detail["status"] as? [String: Any])?["global"].map { Self.text($0) } ?? "{}"
            return .text("# Outcome \(name)\n\n## Definition\n\n```json\n\(definition)\n```\n\n## Status now\n\n```json\n\(status)\n```\n", uri: uri, mimeType: "text/markdown")
        }
        if uri.hasPrefix("goalpost://incidents/") {
            let id = String(uri.dropFirst("goalpost://incidents/".count))
            let markdown = String(decoding: try await client.send("GET", "/api/v1/incidents/\(Self.escape(id))/investigation?format=markdown"), as: UTF8.self)
            return .text(markdown, uri: uri, mimeType: "text/markdown")
        }
        throw MCPError.invalidParams("unknown resource \(uri): expected goalpost://outcomes/NAME or goalpost://incidents/ID")
    }
}
