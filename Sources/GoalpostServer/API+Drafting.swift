import Foundation
import GoalpostDrafting
import GoalpostEvaluation
import GoalpostModel
import GoalpostRuntime
import Hummingbird
import Logging

/// The telemetry catalog, outcome drafts from sentences, and coverage.
extension API {
    /// `GET /api/v1/catalog`: every service, operation, attribute and metric received since the server started.
    func telemetryCatalog() async -> Response {
        guard let catalog: TelemetryCatalog = await pipeline.read({ view in view.engine.telemetry.catalog(symbols: view.symbols) }) else {
            return Self.jsonError(.serviceUnavailable, "the server is shutting down")
        }
        return Self.json(.ok, catalog)
    }

    /// `GET /api/v1/coverage?minimumPerDay=N`: services and busy operations no outcome selects, with suggestions.
    func coverage(_ request: Request) async -> Response {
        let minimum = request.uri.queryParameters["minimumPerDay"].flatMap { Double(String($0)) } ?? 1_000
        guard minimum >= 0 else { return Self.jsonError(.badRequest, "minimumPerDay must be a number of at least 0") }
        guard let report: CoverageReport = await pipeline.read({ view in
            CoverageAnalyzer(catalog: view.engine.telemetry.catalog(symbols: view.symbols), definitions: view.catalog, minimumEventsPerDay: minimum).report()
        }) else { return Self.jsonError(.serviceUnavailable, "the server is shutting down") }
        return Self.json(.ok, report)
    }

    /// `POST /api/v1/outcomes/draft` `{"sentence": "…"}`: a goalpost/v1 Outcome drafted from the sentence and the
    /// catalog, with explanations and warnings; 422 with the reason when the sentence cannot become an outcome.
    func draftOutcome(_ request: Request) async -> Response {
        let object: [String: Any]
        switch await jsonObject(request, route: "POST /api/v1/outcomes/draft", allowed: ["sentence"]) {
        case .success(let found): object = found
        case .failure(let refusal): return refusal.response
        }
        guard let sentence = object["sentence"] as? String else { return Self.jsonError(.badRequest, "request body: sentence: is required, a string") }
        guard let (catalog, definitions): (TelemetryCatalog, Catalog) = await pipeline.read({ view in
            (view.engine.telemetry.catalog(symbols: view.symbols), view.catalog)
        }) else { return Self.jsonError(.serviceUnavailable, "the server is shutting down") }
        do {
            let draft = try await OutcomeDrafts.draft(sentence, catalog: catalog, definitions: definitions, model: configuration.languageModel)
            return Self.json(.ok, draft)
        } catch {
            return Self.jsonError(.unprocessableContent, error.message)
        }
    }
}
