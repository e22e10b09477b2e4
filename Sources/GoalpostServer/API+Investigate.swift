import Foundation
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostRuntime
import GoalpostStore
import Hummingbird
import Logging

/// A fresh investigation of an outcome over a window, incident or not.
extension API {
    /// `POST /api/v1/investigations` `{"outcome", "customer"?, "from"?, "to"?}` (scope `read`: nothing is kept): the
    /// investigator run over the window as if an incident of the outcome (or of one customer) had opened at
    /// `from` (default an hour ago) and was looked at at `to` (default now). JSON, or Markdown with
    /// `?format=markdown`.
    func investigateWindow(_ request: Request) async -> Response {
        let object: [String: Any]
        switch await jsonObject(request, route: "POST /api/v1/investigations", allowed: ["outcome", "customer", "from", "to"]) {
        case .success(let found): object = found
        case .failure(let refusal): return refusal.response
        }
        guard let outcome = object["outcome"] as? String, !outcome.isEmpty else { return Self.jsonError(.badRequest, "request body: outcome: is required, a string") }
        var times: [String: Int64] = [:]
        for key in ["from", "to"] {
            guard let value = object[key] else { continue }
            guard let text = value as? String, let time = Timestamp.parse(text) else {
                return Self.jsonError(.badRequest, "request body: \(key): '\(value)' is not RFC 3339 (e.g. 2026-11-23T14:05:00Z)")
            }
            times[key] = time
        }
        let window = times
        let customer = object["customer"] as? String
        let deploys = (try? store.deploys(from: (times["from"] ?? 0) - 86_400_000_000_000, to: .max)) ?? []
        let samples = (try? store.samples(outcome: outcome, from: (times["from"] ?? 0) - 4 * 3_600_000_000_000, to: times["to"] ?? .max, limit: 2_000)) ?? []
        enum Answer: Sendable { case unknown, badWindow, done(Investigation) }
        let answer: Answer? = await pipeline.read { view in
            guard view.catalog.outcome(named: outcome) != nil else { return Answer.unknown }
            let to = window["to"] ?? view.now
            let from = window["from"] ?? (to - 3_600_000_000_000)
            guard from < to, to <= view.now + 60_000_000_000 else { return Answer.badWindow }
            let scope: Scope = customer.map { .customer($0) } ?? .global
            let incident = Incident(id: "\(outcome)-window-\(from / 1_000_000_000)", outcome: outcome, scope: scope, scopes: [scope], severity: .ticket, openedAt: from)
            var catalog = view.catalog
            catalog.customers = view.directory
            var investigations = IncidentInvestigations(catalog: catalog, deploys: deploys)
            investigations.keep(samples.sorted { $0.timeUnixNano < $1.timeUnixNano }, now: to)
            investigations.investigate(incident, engine: view.engine, symbols: view.symbols, now: to)
            guard let result = investigations.results[incident.id] else { return Answer.unknown }
            return Answer.done(result)
        }
        switch answer {
        case nil: return Self.jsonError(.serviceUnavailable, "the server is shutting down")
        case .unknown?: return Self.jsonError(.notFound, "no outcome named '\(outcome)'")
        case .badWindow?: return Self.jsonError(.badRequest, "request body: from must be before to, and to not in the future")
        case .done(let investigation)?:
            if request.uri.queryParameters["format"] == "markdown" { return Self.markdown(.ok, investigation.markdown) }
            return Self.json(.ok, investigation)
        }
    }
}
