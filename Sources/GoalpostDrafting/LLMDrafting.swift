import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostModel

/// The language-model fallback for sentences the grammar cannot read: an OpenAI-compatible chat completion
/// request carrying the sentence, the grammar's objection and the telemetry catalog; the answer's YAML is held to
/// the same linter as any definition. Only the request and the answer live here; sending is the caller's.
public enum LLMDrafting {
    public static let systemPrompt = """
    You turn one sentence about what must be true for customers into one Goalpost outcome definition. Answer with \
    a single YAML document and nothing else: apiVersion goalpost/v1, kind Outcome, metadata.name (lowercase words \
    joined by dashes), spec.statement (the sentence), spec.indicator (source traces, logs or events; service and \
    operations exactly as the catalog names them; good.latency for a time bound), spec.objective as a percentage \
    below 100%, optional spec.window (e.g. 30d). Use only services and operations from the catalog.
    """

    /// The chat completion request body.
    public static func request(sentence: String, objection: String, catalog: TelemetryCatalog, model: String) -> Data {
        let lines = catalog.operations.prefix(60).map { operation -> String in
            var line = "- \(operation.signal) service=\(operation.service) operation=\(operation.operation): \(Int(operation.eventsPerDay.rounded())) events/day"
            if let ratio = operation.successRatio { line += ", \(OutcomeDrafter.percent(ratio)) ok" }
            if let p99 = operation.p99Milliseconds { line += ", p99 \(Int(p99.rounded())) ms" }
            let keys = operation.attributes.prefix(12).map(\.key)
            if !keys.isEmpty { line += ", attributes: \(keys.joined(separator: ", "))" }
            return line
        }
        let user = "Sentence: \(sentence)\n\nThe grammar could not read it: \(objection)\n\nTelemetry catalog:\n" + lines.joined(separator: "\n")
        let body: [String: Any] = [
            "model": model, "temperature": 0,
            "messages": [["role": "system", "content": systemPrompt], ["role": "user", "content": user]],
        ]
        return (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
    }

    /// The draft from a chat completion answer: the first choice's content, a YAML fence removed, loaded and linted.
    public static func draft(answer: Data, sentence: String, objection: String, catalog: TelemetryCatalog) throws(SentenceError) -> OutcomeDraft {
        guard let object = try? JSONSerialization.jsonObject(with: answer) as? [String: Any],
              let choices = object["choices"] as? [[String: Any]], let message = choices.first?["message"] as? [String: Any],
              let content = message["content"] as? String else {
            throw SentenceError("the language model's answer is not a chat completion (choices[0].message.content)")
        }
        var yaml = content.trimmingWhitespace
        // A Markdown fence around the YAML: its opening line and the closing backticks go.
        if yaml.hasPrefix("```") {
            yaml = yaml.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
            if yaml.hasSuffix("```") { yaml = String(yaml.dropLast(3)) }
        }
        let loaded = DefinitionLoader.load(sources: [("llm-draft.yaml", yaml)])
        guard loaded.errors.isEmpty else {
            throw SentenceError("the language model's draft does not pass lint: \(loaded.errors.map(\.description).joined(separator: "; "))")
        }
        guard loaded.catalog.outcomes.count == 1, let outcome = loaded.catalog.outcomes.first else {
            throw SentenceError("the language model answered \(loaded.catalog.outcomes.count) outcomes, not one")
        }
        // It must measure telemetry that exists.
        let service = outcome.indicator.service
        let known = catalog.operations.contains { operation in
            operation.service == service && (outcome.indicator.operations.isEmpty || outcome.indicator.operations.contains(operation.operation))
        }
        guard known else {
            throw SentenceError("the language model's draft measures \(service ?? "no service") \(outcome.indicator.operations.joined(separator: ", ")), which the telemetry does not have")
        }
        return OutcomeDraft(
            outcome: outcome, yaml: yaml.hasSuffix("\n") ? yaml : yaml + "\n",
            explanations: ["the grammar could not read the sentence (\(objection)); a language model drafted it from the telemetry catalog, and it passed lint"],
            warnings: loaded.warnings.map(\.description) + ["drafted by a language model: check the service, operations and objective before using it"],
            drafter: "llm"
        )
    }
}
