import Foundation
import GoalpostModel

/// What the failing events say: error types, message templates and traces to open.
public struct Evidence: Hashable, Sendable, Codable {
    /// One error type or message template with its counts.
    public struct Line: Hashable, Sendable, Codable {
        /// The error type, or the message with its variable parts replaced by `<*>`.
        public var text: String
        /// Sampled bad events before the onset.
        public var before: Int
        /// Sampled bad events from the onset on.
        public var during: Int
    }

    /// Error types (`error.type`, else `exception.type`, else `error` or `slow`), most frequent during first.
    public var errorTypes: [Line]
    /// Message templates, most frequent during first.
    public var messages: [Line]
    /// Trace ids of sampled bad events during the incident, those in the first suspect first.
    public var traceIDs: [String]

    /// Gathers evidence from sampled bad events of the outcome.
    ///
    /// - Parameters:
    ///   - samples: Sampled bad events (of any outcome; others are ignored).
    ///   - outcome: The outcome's name.
    ///   - onset: Samples before it count as `before`, from it on as `during`.
    ///   - suspect: The first suspect's attributes, to put its traces first.
    ///   - limit: Lines per list.
    public static func gather(samples: [EventSample], outcome: String, onset: Int64, suspect: [Suspect.Attribute] = [], limit: Int = 5) -> Evidence {
        var types: [String: (Int, Int)] = [:], templates: [String: (Int, Int)] = [:]
        var inSuspect: [String] = [], elsewhere: [String] = []
        for sample in samples where sample.outcome == outcome {
            let during = sample.timeUnixNano >= onset
            let type = sample.attributes["error.type"] ?? sample.attributes["exception.type"] ?? (sample.isError ? "error" : "slow")
            types[type, default: (0, 0)].0 += during ? 0 : 1
            types[type, default: (0, 0)].1 += during ? 1 : 0
            if let message = sample.message, !message.isEmpty {
                let template = Self.template(message)
                templates[template, default: (0, 0)].0 += during ? 0 : 1
                templates[template, default: (0, 0)].1 += during ? 1 : 0
            }
            if during, let trace = sample.traceID {
                let matches = !suspect.isEmpty && suspect.allSatisfy { attribute in
                    attribute.name == LocalizationCube.customerDimension ? sample.customer == attribute.value
                        : (sample.attributes[attribute.name] ?? (attribute.name == "http.route" ? sample.operation : nil)) == attribute.value
                }
                if matches { inSuspect.append(trace) } else { elsewhere.append(trace) }
            }
        }
        func lines(_ counts: [String: (Int, Int)]) -> [Line] {
            counts.map { Line(text: $0.key, before: $0.value.0, during: $0.value.1) }
                .sorted { ($0.during, $1.text) > ($1.during, $0.text) }
                .prefix(limit).map { $0 }
        }
        var seen = Set<String>()
        let traces = (inSuspect + elsewhere).filter { seen.insert($0).inserted }.prefix(limit)
        return Evidence(errorTypes: lines(types), messages: lines(templates), traceIDs: Array(traces))
    }

    /// A message with its variable parts replaced by `<*>`, so "user 123 not found" and "user 456 not found"
    /// are one line.
    ///
    /// A token (split at spaces) is variable when it holds a digit (ids, numbers, times, versions, addresses),
    /// is a quoted string, or looks like an e-mail address or a long hexadecimal/UUID id; punctuation around
    /// it is kept. This is the masking step of log parsers such as Drain (He et al., ICWS 2017), without its
    /// tree: enough for the handful of messages an incident samples.
    public static func template(_ message: String) -> String {
        message.split(separator: " ", omittingEmptySubsequences: true).map { token -> String in
            let core = token.trimming(",.;:()[]{}")
            guard !core.isEmpty else { return String(token) }
            let variable = core.contains(where: \.isNumber)
                || (core.hasPrefix("\"") && core.hasSuffix("\"")) || (core.hasPrefix("'") && core.hasSuffix("'"))
                || core.contains("@")
                || (core.count >= 16 && core.allSatisfy { $0.isHexDigit || $0 == "-" })
            guard variable else { return String(token) }
            return String(token).replacingOccurrences(of: core, with: "<*>")
        }.joined(separator: " ")
    }
}

extension Substring {
    fileprivate func trimming(_ set: String) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
