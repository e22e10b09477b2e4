import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostDrafting
import GoalpostEvaluation
import GoalpostModel

/// Where a language model may be asked for drafts the grammar cannot make: an OpenAI-compatible chat completions
/// endpoint (`https://api.example.com/v1`, or the full `…/chat/completions`), a model and a key.
public struct LanguageModelEndpoint: Sendable {
    public var url: String
    public var model: String
    public var key: String?
    public var timeout: TimeInterval

    public init(url: String, model: String, key: String?, timeout: TimeInterval = 30) {
        self.url = url
        self.model = model
        self.key = key
        self.timeout = timeout
    }

    var completionsURL: String {
        url.hasSuffix("/chat/completions") ? url : (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/chat/completions"
    }
}

/// Drafts an outcome from a sentence: the grammar first; when it cannot read the sentence and an endpoint is
/// configured, the language model, whose draft is linted like any definition.
public enum OutcomeDrafts {
    public static func draft(_ sentence: String, catalog: TelemetryCatalog, definitions: Catalog, model: LanguageModelEndpoint?) async throws(SentenceError) -> OutcomeDraft {
        do {
            return try OutcomeDrafter(catalog: catalog, definitions: definitions).draft(sentence)
        } catch {
            guard let model else { throw error }
            let answer = try await ask(model, body: LLMDrafting.request(sentence: sentence, objection: error.message, catalog: catalog, model: model.model))
            return try LLMDrafting.draft(answer: answer, sentence: sentence, objection: error.message, catalog: catalog)
        }
    }

    static func ask(_ endpoint: LanguageModelEndpoint, body: Data) async throws(SentenceError) -> Data {
        guard let url = URL(string: endpoint.completionsURL) else { throw SentenceError("the language model URL '\(endpoint.url)' is not a URL") }
        var request = URLRequest(url: url, timeoutInterval: endpoint.timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key = endpoint.key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else {
                throw SentenceError("the language model at \(endpoint.completionsURL) answered HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
            }
            return data
        } catch let error as SentenceError {
            throw error
        } catch {
            throw SentenceError("the language model at \(endpoint.completionsURL) could not be reached: \(error.localizedDescription)")
        }
    }
}
