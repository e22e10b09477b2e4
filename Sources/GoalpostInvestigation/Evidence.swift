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
        var memo: [String: String] = [:]  // Samples repeat their messages; template each once.
        for sample in samples where sample.outcome == outcome {
            let during = sample.timeUnixNano >= onset
            let type = sample.attributes["error.type"] ?? sample.attributes["exception.type"] ?? (sample.isError ? "error" : "slow")
            types[type, default: (0, 0)].0 += during ? 0 : 1
            types[type, default: (0, 0)].1 += during ? 1 : 0
            if let message = sample.message, !message.isEmpty {
                let template: String
                if let known = memo[message] {
                    template = known
                } else {
                    template = Self.template(message)
                    memo[message] = template
                }
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
        asciiTemplate(message) ?? unicodeTemplate(message)
    }
}

extension Evidence {
    /// `template` for an ASCII message, on bytes: the same rules (for ASCII, a digit is 0–9 and a character
    /// is a byte, a CR LF pair aside, which can only matter inside a token of hex digits, where it cannot
    /// occur). nil for other text, which takes the Unicode path.
    static func asciiTemplate(_ message: String) -> String? {
        var message = message
        return message.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            var out = [UInt8]()
            out.reserveCapacity(bytes.count)
            var index = 0
            let n = bytes.count
            func isTrimmed(_ b: UInt8) -> Bool {
                switch b {
                case UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "("), UInt8(ascii: ")"),
                     UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"): true
                default: false
                }
            }
            while index < n {
                while index < n, bytes[index] == UInt8(ascii: " ") { index += 1 }
                guard index < n else { break }
                let start = index
                while index < n, bytes[index] != UInt8(ascii: " ") { index += 1 }
                var coreStart = start, coreEnd = index
                while coreStart < coreEnd, isTrimmed(bytes[coreStart]) { coreStart += 1 }
                while coreEnd > coreStart, isTrimmed(bytes[coreEnd - 1]) { coreEnd -= 1 }
                if !out.isEmpty { out.append(UInt8(ascii: " ")) }
                let core = bytes[coreStart..<coreEnd]
                let first = core.first, last = core.last
                let variable = !core.isEmpty && (
                    core.contains { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                        || (first == UInt8(ascii: "\"") && last == UInt8(ascii: "\""))
                        || (first == UInt8(ascii: "'") && last == UInt8(ascii: "'"))
                        || core.contains(UInt8(ascii: "@"))
                        || (core.count >= 16 && core.allSatisfy { hexValue($0) != nil || $0 == UInt8(ascii: "-") })
                )
                if variable {
                    out.append(contentsOf: bytes[start..<coreStart])
                    out.append(contentsOf: "<*>".utf8)
                    out.append(contentsOf: bytes[coreEnd..<index])
                } else {
                    out.append(contentsOf: bytes[start..<index])
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The Unicode rules, for tests to compare the ASCII path with.
    static func unicodeTemplate(_ message: String) -> String {
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
