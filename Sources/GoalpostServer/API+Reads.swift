import Foundation
import GoalpostEvaluation
import GoalpostModel
import GoalpostRuntime
import GoalpostStore
import GoalpostTelemetry
import Hummingbird
import Logging

/// The read side of the REST API (outcomes, customers, incidents, series) and the people's side of incidents
/// (acknowledge, resolve, customer-reported). Engine state is read on the pipeline's worker thread, so an answer
/// includes everything acknowledged before the request.
extension API {
    // MARK: Outcomes

    /// One outcome: its definition and its status now (global and per customer).
    func outcome(name: String) async -> Response {
        let found: OutcomeDetail?? = await pipeline.read { view in
            guard let definition = view.catalog.outcomes.first(where: { $0.name == name }),
                  let status = view.engine.status(outcome: name, now: view.now) else { return nil }
            return OutcomeDetail(definition: definition, status: status)
        }
        guard let found else { return Self.unavailable() }
        guard let detail = found else { return Self.jsonError(.notFound, "no outcome named '\(name)'") }
        return Self.json(.ok, detail)
    }

    /// `GET /api/v1/outcomes/{name}/series`: SLI, budget and burn per bucket for one scope.
    func series(_ request: Request, name: String) async -> Response {
        let range: QueryRange
        let scope: Scope
        switch QueryRange.parse(request) {
        case .success(let parsed): range = parsed
        case .failure(let failure): return Self.jsonError(.badRequest, failure.message)
        }
        switch Self.scope(request.uri.queryParameters["scope"].map(String.init)) {
        case .success(let parsed): scope = parsed
        case .failure(let failure): return Self.jsonError(.badRequest, failure.message)
        }
        let answer: SeriesAnswer?? = await pipeline.read { view in
            guard view.catalog.outcomes.contains(where: { $0.name == name }) else { return nil }
            let (from, to, step) = range.resolved(now: view.now)
            let points = view.engine.series(outcome: name, scope: scope, from: from, to: to, step: step) ?? []
            return SeriesAnswer(outcome: name, scope: scope, from: from, to: to, step: TimeSpan(nanoseconds: step), points: points)
        }
        guard let answer else { return Self.unavailable() }
        guard let series = answer else { return Self.jsonError(.notFound, "no outcome named '\(name)'") }
        return Self.json(.ok, series)
    }

    /// `GET /api/v1/outcomes/{name}/heatmap`: customers × buckets of bad ratio, worst customers first.
    func heatmap(_ request: Request, name: String) async -> Response {
        let range: QueryRange
        switch QueryRange.parse(request) {
        case .success(let parsed): range = parsed
        case .failure(let failure): return Self.jsonError(.badRequest, failure.message)
        }
        let limitText = request.uri.queryParameters["limit"].map(String.init)
        guard let limit = limitText.map({ Int($0) }) ?? 50, limit > 0, limit <= 1000 else {
            return Self.jsonError(.badRequest, "limit: expected a whole number from 1 to 1000, found '\(limitText ?? "")'")
        }
        let answer: HeatmapAnswer?? = await pipeline.read { view in
            guard view.catalog.outcomes.contains(where: { $0.name == name }) else { return nil }
            let (from, to, step) = range.resolved(now: view.now)
            let rows = view.engine.heatmap(outcome: name, from: from, to: to, step: step, limit: limit) ?? []
            return HeatmapAnswer(outcome: name, from: from, to: to, step: TimeSpan(nanoseconds: step), rows: rows)
        }
        guard let answer else { return Self.unavailable() }
        guard let heatmap = answer else { return Self.jsonError(.notFound, "no outcome named '\(name)'") }
        return Self.json(.ok, heatmap)
    }

    // MARK: Customers

    /// Every known customer (the definitions' directory merged with those recorded through the API).
    func customers() async -> Response {
        let answer: [CustomerSummary]? = await pipeline.read { view in
            CustomerSummary.all(view).sorted { ($0.customer.arr ?? 0, $1.customer.id) > ($1.customer.arr ?? 0, $0.customer.id) }
        }
        guard let answer else { return Self.unavailable() }
        return Self.json(.ok, answer)
    }

    /// One customer: its directory entry, every outcome's status for it, and the incidents it was part of.
    func customer(id: String) async -> Response {
        let answer: CustomerDetail?? = await pipeline.read { view in
            let statuses = view.engine.customerStatus(id, now: view.now).map { CustomerOutcomeStatus(outcome: $0.outcome, status: $0.status) }
            let entry = view.directory.first { $0.id == id }
            guard entry != nil || !statuses.isEmpty else { return nil }
            return CustomerDetail(customer: entry ?? Customer(id: id), outcomes: statuses, incidents: [])
        }
        guard let answer else { return Self.unavailable() }
        guard var detail = answer else { return Self.jsonError(.notFound, "no customer '\(id)' in the directory or the telemetry") }
        do {
            let notes = try store.notes()
            detail.incidents = try store.incidents(from: 0, to: .max)
                .filter { $0.scopes.contains(.customer(id)) || $0.impact.customers.contains(id) }
                .map { IncidentSummary(incident: $0, note: notes[$0.id]) }
        } catch {
            return storeFailure(error, "read incidents")
        }
        return Self.json(.ok, detail)
    }

    // MARK: Incidents

    /// `GET /api/v1/incidents` with filters: `status` (open, resolved), `outcome`, `customer`, `severity`,
    /// `from`/`to` (opening time), `sort` (`time`, newest first, or `rank`, highest first) and `limit`.
    func incidentList(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        var from: Int64 = 0
        var to = Int64.max
        for (name, target) in [("from", 0), ("to", 1)] {
            guard let text = query[name[...]].map(String.init) else { continue }
            guard let value = Timestamp.parse(text) else {
                return Self.jsonError(.badRequest, "\(name): expected an RFC 3339 time such as 2026-11-23T14:00:00Z, found '\(text)'")
            }
            if target == 0 { from = value } else { to = value }
        }
        let status = query["status"].map(String.init)
        guard status == nil || status == "open" || status == "resolved" else {
            return Self.jsonError(.badRequest, "status: expected 'open' or 'resolved', found '\(status ?? "")'")
        }
        let severityText = query["severity"].map(String.init)
        let severity = severityText.flatMap(Severity.init(rawValue:))
        guard severityText == nil || severity != nil else {
            return Self.jsonError(.badRequest, "severity: expected 'page' or 'ticket', found '\(severityText ?? "")'")
        }
        let sort = query["sort"].map(String.init) ?? "time"
        guard sort == "time" || sort == "rank" else {
            return Self.jsonError(.badRequest, "sort: expected 'time' or 'rank', found '\(sort)'")
        }
        let limitText = query["limit"].map(String.init)
        guard let limit = limitText.map({ Int($0) }) ?? 100, limit > 0, limit <= 1000 else {
            return Self.jsonError(.badRequest, "limit: expected a whole number from 1 to 1000, found '\(limitText ?? "")'")
        }
        let outcome = query["outcome"].map(String.init)
        let customer = query["customer"].map(String.init)
        do {
            let notes = try store.notes()
            var incidents = try store.incidents(from: from, to: to).filter { incident in
                (status == nil || (status == "open") == incident.isOpen)
                    && (outcome == nil || incident.outcome == outcome)
                    && (severity == nil || incident.severity == severity)
                    && (customer.map { incident.scopes.contains(.customer($0)) || incident.impact.customers.contains($0) } ?? true)
            }
            if sort == "rank" { incidents.sort { ($0.rank, $1.openedAt) > ($1.rank, $0.openedAt) } }
            return Self.json(.ok, incidents.prefix(limit).map { IncidentSummary(incident: $0, note: notes[$0.id]) })
        } catch {
            return storeFailure(error, "read incidents")
        }
    }

    /// `GET /api/v1/incidents/{id}`: the incident, what people noted, and its latest investigation.
    func incidentDetail(id: String) -> Response {
        do {
            guard let incident = try store.incident(id: id) else { return Self.jsonError(.notFound, "no incident '\(id)'") }
            let note = try store.notes()[id]
            let investigation = try store.investigation(incident: id)
            let notifications = try store.notifications(incident: id, limit: 200)
            let runbooks = try store.runbooks(incident: id)
            var body = String(decoding: try Self.encoder.encode(IncidentSummary(incident: incident, note: note)), as: UTF8.self)
            body.removeLast()  // Splice the stored investigation JSON in as it was written.
            body += ",\"investigation\":" + (investigation?.json ?? "null")
            body += ",\"notifications\":" + String(decoding: try Self.encoder.encode(notifications), as: UTF8.self)
            body += ",\"runbooks\":" + String(decoding: try Self.encoder.encode(runbooks), as: UTF8.self) + "}"
            return Self.rawJSON(.ok, body)
        } catch {
            return storeFailure(error, "read incident \(id)")
        }
    }

    /// `GET /api/v1/notifications?incident=ID&limit=N`: what was sent, failed for good (dead letters) or
    /// suppressed and why, newest first.
    func notifications(_ request: Request) -> Response {
        let limitText = request.uri.queryParameters["limit"].map(String.init)
        guard let limit = limitText.map({ Int($0) }) ?? 100, limit > 0, limit <= 1000 else {
            return Self.jsonError(.badRequest, "limit: expected a whole number from 1 to 1000, found '\(limitText ?? "")'")
        }
        do {
            return Self.json(.ok, try store.notifications(incident: request.uri.queryParameters["incident"].map(String.init), limit: limit))
        } catch {
            return storeFailure(error, "read notifications")
        }
    }

    /// `POST /api/v1/incidents/{id}/acknowledge` and `/customer-reported`: records who and when.
    func noteIncident(_ request: Request, id: String, kind: NoteKind) async -> Response {
        let who: String?
        switch await actor(request) {
        case .success(let name): who = name
        case .failure(let failure): return Self.jsonError(.badRequest, failure.message)
        }
        do {
            guard try store.incident(id: id) != nil else { return Self.jsonError(.notFound, "no incident '\(id)'") }
        } catch {
            return storeFailure(error, "read incident \(id)")
        }
        let now = IngestPipeline.systemClock()
        let note = kind == .acknowledged
            ? IncidentNote(incident: id, acknowledgedAt: now, acknowledgedBy: who)
            : IncidentNote(incident: id, customerReportedAt: now, customerReportedBy: who)
        switch await pipeline.submit(.note(note), reserved: 0) {
        case .accepted: return incidentDetail(id: id)
        case .unavailable(let message): return Self.jsonError(.serviceUnavailable, message)
        default: return Self.jsonError(.internalServerError, "unexpected reply")
        }
    }

    /// `POST /api/v1/incidents/{id}/resolve`: closes an open incident by hand (it reopens as a new incident if
    /// the outcome keeps burning). 409 when the incident is already resolved.
    func resolveIncident(_ request: Request, id: String) async -> Response {
        let who: String?
        switch await actor(request) {
        case .success(let name): who = name
        case .failure(let failure): return Self.jsonError(.badRequest, failure.message)
        }
        do {
            guard let stored = try store.incident(id: id) else { return Self.jsonError(.notFound, "no incident '\(id)'") }
            guard stored.isOpen else { return Self.jsonError(.conflict, "incident '\(id)' is already resolved") }
        } catch {
            return storeFailure(error, "read incident \(id)")
        }
        switch await pipeline.submit(.resolve(incident: id, by: who), reserved: 0) {
        case .value(let value):
            guard let resolved = value as? Incident? else { return Self.jsonError(.internalServerError, "unexpected reply") }
            guard resolved != nil else { return Self.jsonError(.conflict, "incident '\(id)' is not open") }
            return incidentDetail(id: id)
        case .unavailable(let message): return Self.jsonError(.serviceUnavailable, message)
        default: return Self.jsonError(.internalServerError, "unexpected reply")
        }
    }

    enum NoteKind { case acknowledged, customerReported }

    /// The optional `{"by": "..."}` body of an incident action.
    private func actor(_ request: Request) async -> Result<String?, QueryFailure> {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 64 << 10) else {
            return .failure(QueryFailure(message: "the body is over 64 KiB"))
        }
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .success(nil) }
        struct Body: Decodable { var by: String? }
        do {
            return .success(try JSONDecoder().decode(Body.self, from: Data(bytes)).by)
        } catch {
            return .failure(QueryFailure(message: "expected an empty body or {\"by\": \"name\"}: \(error)"))
        }
    }

    // MARK: Helpers

    func storeFailure(_ error: any Error, _ what: String) -> Response {
        logger.error("\(what) failed", metadata: ["error": "\(error)"])
        return Self.jsonError(.internalServerError, "could not \(what)")
    }

    static func unavailable() -> Response {
        jsonError(.serviceUnavailable, "the server is shutting down")
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// `global` (default) or `customer:ID`.
    static func scope(_ text: String?) -> Result<Scope, QueryFailure> {
        guard let text, text != "global" else { return .success(.global) }
        if text.hasPrefix("customer:"), text.count > 9 { return .success(.customer(String(text.dropFirst(9)))) }
        return .failure(QueryFailure(message: "scope: expected 'global' or 'customer:ID', found '\(text)'"))
    }
}

/// A bad query parameter, with the message naming it.
struct QueryFailure: Error {
    var message: String
}

/// `from`, `to` (RFC 3339) and `step` (a duration such as `5m`) of a time-series query; what is not given is
/// filled in from now: the last 24 hours, in about 144 buckets.
struct QueryRange: Sendable {
    var from: Int64?
    var to: Int64?
    var step: Int64?

    static let maximumPoints: Int64 = 2000

    static func parse(_ request: Request) -> Result<QueryRange, QueryFailure> {
        let query = request.uri.queryParameters
        var range = QueryRange()
        if let text = query["from"].map(String.init) {
            guard let value = Timestamp.parse(text) else { return .failure(QueryFailure(message: "from: expected an RFC 3339 time, found '\(text)'")) }
            range.from = value
        }
        if let text = query["to"].map(String.init) {
            guard let value = Timestamp.parse(text) else { return .failure(QueryFailure(message: "to: expected an RFC 3339 time, found '\(text)'")) }
            range.to = value
        }
        if let text = query["step"].map(String.init) {
            guard let span = TimeSpan(parsing: text), span.nanoseconds >= 60_000_000_000 else {
                return .failure(QueryFailure(message: "step: expected a duration of at least 1m such as 5m or 1h, found '\(text)'"))
            }
            range.step = span.nanoseconds
        }
        if let from = range.from, let to = range.to, to <= from {
            return .failure(QueryFailure(message: "to: must be after from"))
        }
        if let from = range.from, let to = range.to, let step = range.step, (to - from) / step > maximumPoints {
            return .failure(QueryFailure(message: "step: \(TimeSpan(nanoseconds: step)) gives more than \(maximumPoints) points between from and to"))
        }
        return .success(range)
    }

    /// The range with defaults filled in, aligned to whole steps.
    func resolved(now: Int64) -> (from: Int64, to: Int64, step: Int64) {
        let minute: Int64 = 60_000_000_000
        var to = self.to ?? now
        let from = self.from ?? to - 24 * 60 * minute
        var step = self.step ?? max(minute, ((to - from) / 144 + minute - 1) / minute * minute)
        if (to - from) / step > Self.maximumPoints { step = (to - from) / Self.maximumPoints }
        // Whole minutes, the last bucket ending at `to` rounded up to a minute.
        to = (to + minute - 1) / minute * minute
        let count = max(1, (to - from + step - 1) / step)
        return (to - count * step, to, step)
    }
}

struct OutcomeDetail: Codable, Sendable {
    var definition: Outcome
    var status: OutcomeStatus
}

struct SeriesAnswer: Codable, Sendable {
    var outcome: String
    var scope: Scope
    var from: Int64
    var to: Int64
    var step: TimeSpan
    var points: [SeriesPoint]
}

struct HeatmapAnswer: Codable, Sendable {
    var outcome: String
    var from: Int64
    var to: Int64
    var step: TimeSpan
    var rows: [HeatmapRow]
}

struct CustomerSummary: Codable, Sendable {
    var customer: Customer
    /// Outcomes where this customer's scope is firing or out of budget now.
    var outcomesFailing: Int
    var hasTraffic: Bool

    /// Every customer of the directory and every customer seen in telemetry, with how many outcomes it fails.
    static func all(_ view: IngestPipeline.EngineView) -> [CustomerSummary] {
        var failing = [String: Int]()
        var seen = Set<String>()
        for status in view.engine.status(now: view.now) {
            for scope in status.customers {
                guard let id = scope.scope.customer else { continue }
                seen.insert(id)
                if scope.firing != nil || scope.budgetRemaining < 0 { failing[id, default: 0] += 1 }
            }
        }
        var summaries = view.directory.map { CustomerSummary(customer: $0, outcomesFailing: failing[$0.id] ?? 0, hasTraffic: seen.contains($0.id)) }
        for id in seen.subtracting(view.directory.map(\.id)).sorted() {
            summaries.append(CustomerSummary(customer: Customer(id: id), outcomesFailing: failing[id] ?? 0, hasTraffic: true))
        }
        return summaries
    }
}

struct CustomerOutcomeStatus: Codable, Sendable {
    var outcome: String
    var status: ScopeStatus
}

struct CustomerDetail: Codable, Sendable {
    var customer: Customer
    var outcomes: [CustomerOutcomeStatus]
    var incidents: [IncidentSummary]
}

/// An incident as the API lists it: the engine's record, with what people noted as one more field (`note`).
struct IncidentSummary: Codable, Sendable {
    var incident: Incident
    var note: IncidentNote?

    init(incident: Incident, note: IncidentNote?) {
        self.incident = incident
        self.note = note
    }

    private enum Extra: String, CodingKey { case note }

    init(from decoder: any Decoder) throws {
        incident = try Incident(from: decoder)
        note = try decoder.container(keyedBy: Extra.self).decodeIfPresent(IncidentNote.self, forKey: .note)
    }

    func encode(to encoder: any Encoder) throws {
        try incident.encode(to: encoder)
        var container = encoder.container(keyedBy: Extra.self)
        try container.encodeIfPresent(note, forKey: .note)
    }
}

// MARK: - Silences

extension API {
    /// `POST /api/v1/silences`: `{"outcome", "customer", "for": "2h" | "until": RFC 3339, "reason", "by"}`.
    func createSilence(_ request: Request) async -> Response {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 64 << 10) else { return Self.jsonError(.contentTooLarge, "the body is over 64 KiB") }
        struct Body: Decodable {
            var outcome: String?
            var customer: String?
            var `for`: String?
            var until: String?
            var reason: String?
            var by: String?
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
        } catch {
            return Self.jsonError(.badRequest, "expected {\"outcome\", \"customer\", \"for\" or \"until\", \"reason\", \"by\"}: \(error)")
        }
        guard body.outcome != nil || body.customer != nil else {
            return Self.jsonError(.badRequest, "outcome, customer: give at least one (a silence of everything is not allowed)")
        }
        guard let reason = body.reason?.trimmingCharacters(in: .whitespaces), !reason.isEmpty else {
            return Self.jsonError(.badRequest, "reason: is required (say why notifications are held back)")
        }
        let now = IngestPipeline.systemClock()
        let end: Int64
        switch (body.for, body.until) {
        case (let text?, nil):
            guard let span = TimeSpan(parsing: text), span.nanoseconds > 0, span.nanoseconds <= TimeSpan.days(30).nanoseconds else {
                return Self.jsonError(.badRequest, "for: '\(text)' is not a duration between 1s and 30d such as 2h")
            }
            end = now + span.nanoseconds
        case (nil, let text?):
            guard let time = Timestamp.parse(text), time > now, time - now <= TimeSpan.days(30).nanoseconds else {
                return Self.jsonError(.badRequest, "until: '\(text)' is not an RFC 3339 time within the next 30 days")
            }
            end = time
        default:
            return Self.jsonError(.badRequest, "for, until: give exactly one")
        }
        if let outcome = body.outcome {
            guard let known = await pipeline.read({ view in view.catalog.outcomes.contains { $0.name == outcome } }) else { return Self.unavailable() }
            guard known else { return Self.jsonError(.badRequest, "outcome: '\(outcome)' is not defined") }
        }
        let id = "s-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let silence = Silence(id: id, outcome: body.outcome, customer: body.customer, startsAt: now, endsAt: end, reason: reason, createdBy: body.by)
        do {
            try store.add(silence: silence)
        } catch {
            return storeFailure(error, "store the silence")
        }
        return Self.json(.created, silence)
    }

    /// `GET /api/v1/silences`: the silences still running (`?all=true`: every one).
    func listSilences(_ request: Request) -> Response {
        let all = request.uri.queryParameters["all"] == "true"
        do {
            return Self.json(.ok, try store.silences(endingAfter: all ? .min : IngestPipeline.systemClock()))
        } catch {
            return storeFailure(error, "read silences")
        }
    }

    /// `DELETE /api/v1/silences/{id}`: ends a silence now.
    func expireSilence(id: String) -> Response {
        do {
            guard try store.expire(silence: id, at: IngestPipeline.systemClock()) else {
                return Self.jsonError(.notFound, "no running silence '\(id)'")
            }
            return Self.rawJSON(.ok, "{\"expired\":\(OTLPResponse.jsonString(id))}")
        } catch {
            return storeFailure(error, "expire the silence")
        }
    }
}
