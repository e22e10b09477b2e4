import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostRuntime
import GoalpostStore
import Hummingbird
import Logging

/// Monitoring plans for changes, and what each deploy's checks found.
extension API {
    /// `POST /api/v1/plans`: the plan for a change, from the catalog and the last day's traffic; kept, so a deploy
    /// of the change (by commit or by the plan's id) is checked against it. JSON, or Markdown with
    /// `?format=markdown`.
    func createPlan(_ request: Request) async -> Response {
        let body: Data
        switch await jsonBody(request, route: "POST /api/v1/plans") {
        case .success(let data): body = data
        case .failure(let refusal): return refusal.response
        }
        let change: ChangeRequest
        do {
            change = try RecordFiles.change(json: body, source: "request body")
        } catch {
            return Self.jsonError(.badRequest, error.description)
        }
        let checks = pipeline.configuration.deployChecks.isEmpty ? ChangePlanner.defaultChecks : pipeline.configuration.deployChecks
        let made: ChangePlan?? = await pipeline.read { view in
            var traffic: [String: [CellCounts]] = [:]
            for outcome in view.catalog.outcomes {
                traffic[outcome.name] = view.engine.cells(outcome: outcome.name, from: view.now - 86_400_000_000_000, to: view.now, symbols: view.symbols)
            }
            var catalog = view.catalog
            catalog.customers = view.directory
            return ChangePlanner(catalog: catalog, traffic: traffic, checks: checks).plan(change)
        }
        guard let plan = made ?? nil else { return Self.jsonError(.serviceUnavailable, "the server is shutting down") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let json = try encoder.encode(plan)
            try store.add(plan: StoredPlan(id: plan.id, commit: plan.change.commit, createdAt: IngestPipeline.systemClock(),
                                           json: String(decoding: json, as: UTF8.self), markdown: plan.markdown))
            if request.uri.queryParameters["format"] == "markdown" { return Self.markdown(.created, plan.markdown) }
            return Self.rawJSON(.created, String(decoding: json, as: UTF8.self))
        } catch {
            logger.error("storing a plan failed", metadata: ["error": "\(error)"])
            return Self.jsonError(.internalServerError, "could not store the plan")
        }
    }

    /// `GET /api/v1/plans`: every plan, oldest first.
    func listPlans() -> Response {
        do {
            return Self.rawJSON(.ok, "[" + (try store.plans()).map(\.json).joined(separator: ",") + "]")
        } catch {
            logger.error("reading plans failed", metadata: ["error": "\(error)"])
            return Self.jsonError(.internalServerError, "could not read plans")
        }
    }

    /// `GET /api/v1/plans/{id}`: JSON, or Markdown with `?format=markdown`.
    func plan(_ request: Request, id: String) -> Response {
        do {
            guard let plan = try store.plan(id: id) else { return Self.jsonError(.notFound, "no plan '\(id)'") }
            return request.uri.queryParameters["format"] == "markdown" ? Self.markdown(.ok, plan.markdown) : Self.rawJSON(.ok, plan.json)
        } catch {
            logger.error("reading plans failed", metadata: ["error": "\(error)"])
            return Self.jsonError(.internalServerError, "could not read plans")
        }
    }

    /// `GET /api/v1/deploys/{service@version}/checks`: the deploy's checks so far, earliest first (JSON).
    func deployChecks(id: String) -> Response {
        do {
            let checks = try store.deployChecks(deploy: id, from: .min)
            guard try !checks.isEmpty || knownDeploy(id) else { return Self.jsonError(.notFound, "no deploy '\(id)' (give service@version)") }
            return Self.rawJSON(.ok, "[" + checks.map(\.json).joined(separator: ",") + "]")
        } catch {
            logger.error("reading deploy checks failed", metadata: ["error": "\(error)"])
            return Self.jsonError(.internalServerError, "could not read deploy checks")
        }
    }

    /// `GET /api/v1/deploys/{service@version}/report`: Markdown for a pull request — the plan, then one update per
    /// check.
    func deployReport(id: String) -> Response {
        do {
            let checks = try store.deployChecks(deploy: id, from: .min)
            guard try !checks.isEmpty || knownDeploy(id) else { return Self.jsonError(.notFound, "no deploy '\(id)' (give service@version)") }
            let decoder = JSONDecoder()
            let planID = checks.last.flatMap { try? decoder.decode(DeployCheck.self, from: Data($0.json.utf8)) }?.plan
            var text = ""
            if let planID, let plan = try store.plan(id: planID) {
                text += plan.markdown + "\n"
            }
            if checks.isEmpty {
                text += "No check of \(id) has run yet: the first runs \(pipeline.configuration.deployChecks.first.map(\.description) ?? "never") after the deploy.\n"
            }
            for check in checks { text += check.markdown + "\n" }
            return Self.markdown(.ok, text)
        } catch {
            logger.error("reading deploy checks failed", metadata: ["error": "\(error)"])
            return Self.jsonError(.internalServerError, "could not read deploy checks")
        }
    }

    private func knownDeploy(_ id: String) throws -> Bool {
        try store.deploys(from: .min, to: .max).contains { DeployVerifier.id($0) == id }
    }

    /// A refusal already made into a response.
    struct Refusal: Error {
        var response: Response
    }

    /// The body of a JSON request (decompressed, within the size limits), its queue reservation released: what
    /// small API requests (plans, drafts, investigations) read. 415 for another content type.
    func jsonBody(_ request: Request, route: String) async -> Result<Data, Refusal> {
        guard Self.mediaType(request) == "application/json" else {
            return .failure(Refusal(response: Self.jsonError(.unsupportedMediaType, "\(route) takes application/json")))
        }
        switch await readBody(request) {
        case .success(let read):
            pipeline.release(bytes: read.reserved)
            return .success(Data(read.body))
        case .failure(let failure):
            return .failure(Refusal(response: Self.restError(failure, retryAfter: configuration.retryAfterSeconds)))
        }
    }

    /// A JSON object body with only the keys `allowed`: the object, or a 400 naming what is wrong.
    func jsonObject(_ request: Request, route: String, allowed: Set<String>) async -> Result<[String: Any], Refusal> {
        let body: Data
        switch await jsonBody(request, route: route) {
        case .success(let data): body = data
        case .failure(let refusal): return .failure(refusal)
        }
        let shape = "{" + allowed.sorted().map { "\"\($0)\"" }.joined(separator: ", ") + "}"
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return .failure(Refusal(response: Self.jsonError(.badRequest, "request body: expected a JSON object \(shape)")))
        }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            return .failure(Refusal(response: Self.jsonError(.badRequest, "request body: \(unknown): unknown field (the body is \(shape))")))
        }
        return .success(object)
    }

    static func markdown(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var response = text(status, body)
        response.headers[.contentType] = "text/markdown; charset=utf-8"
        return response
    }
}
