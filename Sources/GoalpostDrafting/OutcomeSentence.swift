import GoalpostModel

/// What an outcome sentence says, before it is bound to telemetry: the kind of promise (success, or latency
/// within a bound), the objective, per customer or overall, the window, and the words naming the activity.
public struct OutcomeSentence: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// "can sign in successfully", "returns results without a server error", "is available".
        case success
        /// "responds within 2 seconds", "p95 under 300 ms", "are generated within 10 minutes"; `nil` when the
        /// sentence says fast without a bound ("checkout is fast").
        case latency(TimeSpan?)
    }

    public var text: String
    public var kind: Kind
    /// Between 0 and 1, as written ("99.9%", "three nines", "fewer than 1% fail" → 0.99); nil when unsaid.
    public var objective: Double?
    /// The words the objective was read from.
    public var objectivePhrase: String?
    /// The sentence gave the share that fails ("fewer than 1% fail"): the objective is one minus it.
    public var objectiveFromFailures = false
    /// true: "every customer", "no customer…"; false: "overall", "in aggregate"; nil: unsaid.
    public var perCustomer: Bool?
    public var window: BudgetWindow?
    public var windowPhrase: String?
    /// The words left that name the activity ("sign", "in"), in order.
    public var activity: [String]
}

/// Why a sentence cannot become an outcome, with what to write instead.
public struct SentenceError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A deterministic reader of outcome sentences (docs/define.md lists the shapes it knows).
public enum SentenceParser {
    public static func parse(_ text: String) throws(SentenceError) -> OutcomeSentence {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw SentenceError("the sentence is empty: write what must be true for customers, e.g. \"Every customer can sign in successfully 99.9% of the time\"") }
        let tokens = Token.split(trimmed)
        var consumed = Set<Int>()
        var sentence = OutcomeSentence(text: trimmed, kind: .success, activity: [])

        // Throughput is not a ratio of good events: say so rather than guess.
        if let index = tokens.indices.first(where: { tokens[$0].isNumber }),
           tokens.indices.contains(where: { $0 > index && ["per", "a", "each", "every"].contains(tokens[$0].word) && $0 + 1 < tokens.count && Self.rateUnits.contains(tokens[$0 + 1].word) }),
           !tokens.contains(where: { ["within", "under", "below"].contains($0.word) }) {
            throw SentenceError("'\(trimmed)' sets a rate (events per unit of time); Goalpost outcomes are a share of good events. Say what each event must achieve, e.g. \"99% of report runs complete within 10 minutes\"")
        }

        // Latency: "p95 under 300 ms", "within 2 seconds", "in less than 2s", "under 300ms".
        var latency: TimeSpan?
        var percentile: Double?
        for index in tokens.indices where latency == nil {
            let word = tokens[index].word
            if word.count >= 2, word.first == "p", let value = Double(word.dropFirst()), value > 0, value < 100 {
                percentile = value / 100
                consumed.insert(index)
            }
            guard Self.boundWords.contains(word) || (word == "less" && index + 1 < tokens.count && tokens[index + 1].word == "than") else { continue }
            var next = index + 1
            while next < tokens.count, ["than", "a", "of", "at", "most"].contains(tokens[next].word) { next += 1 }
            guard next < tokens.count, let (span, used) = Self.duration(tokens, at: next) else { continue }
            latency = span
            for position in index..<(next + used) { consumed.insert(position) }
            // "in under 2s": the "in" before the bound is part of it.
            if index > 0, tokens[index - 1].word == "in" { consumed.insert(index - 1) }
        }
        let fastWords: Set<String> = ["fast", "quick", "quickly", "snappy", "responsive", "slow", "latency", "speedy"]
        if latency != nil {
            sentence.kind = .latency(latency)
        } else if percentile != nil || tokens.contains(where: { fastWords.contains($0.word) }) {
            sentence.kind = .latency(nil)
            for index in tokens.indices where fastWords.contains(tokens[index].word) { consumed.insert(index) }
        }

        // The objective: "99.9%", "99.9 percent", "three nines"; negated ("fewer than 1% fail", "error rate below
        // 0.5%", "more than 0.1% failed") as one minus it; a percentile's own level when nothing else is said.
        let failureWords: Set<String> = ["fail", "fails", "failed", "failing", "failure", "failures", "error", "errors", "errored", "broken", "unsuccessful"]
        for index in tokens.indices where sentence.objective == nil {
            var value: Double?
            var used = 0
            if tokens[index].isNumber, index + 1 < tokens.count, ["%", "percent", "pct"].contains(tokens[index + 1].word), let number = Double(tokens[index].word) {
                value = number / 100
                used = 2
            } else if let nines = Self.nines[tokens[index].word], index + 1 < tokens.count, tokens[index + 1].word == "nines" {
                value = nines
                used = 2
            }
            guard var objective = value else { continue }
            let around = tokens[max(0, index - 4)..<min(tokens.count, index + used + 4)].map(\.word)
            let negated = around.contains(where: failureWords.contains) && !around.contains(where: { ["successfully", "success", "succeed", "without", "succeeds"].contains($0) })
            if negated { objective = 1 - objective }
            objective = (objective * 1e9).rounded() / 1e9
            sentence.objectiveFromFailures = negated
            guard objective > 0, objective < 1 else {
                throw SentenceError("'\(tokens[index..<(index + used)].map(\.word).joined(separator: " "))' leaves no room for error: an objective must be above 0% and below 100% (100% has no error budget; try 99.9%)")
            }
            sentence.objective = objective
            sentence.objectivePhrase = tokens[index..<(index + used)].map(\.original).joined(separator: tokens[index + 1].word == "%" ? "" : " ")
            for position in index..<(index + used) { consumed.insert(position) }
            // "of the time", "of requests", "of orders": their words are not the activity.
            var next = index + used
            if next < tokens.count, tokens[next].word == "of" {
                consumed.insert(next)
                next += 1
                while next < tokens.count, ["the", "time", "all", "our", "requests", "request", "calls", "attempts", "events", "cases"].contains(tokens[next].word) {
                    consumed.insert(next)
                    next += 1
                }
            }
        }
        if sentence.objective == nil, let percentile {
            sentence.objective = percentile
            sentence.objectivePhrase = "p\(Self.number(percentile * 100))"
        }

        // Per customer or overall.
        let words = tokens.map(\.word)
        let customerNouns: Set<String> = ["customer", "customers", "tenant", "tenants", "account", "accounts", "workspace", "workspaces", "client", "clients", "organization", "organizations", "org", "orgs", "user", "users"]
        for index in tokens.indices {
            let word = words[index]
            if ["every", "each", "any", "no", "all", "per"].contains(word), index + 1 < tokens.count, customerNouns.contains(words[index + 1]) {
                sentence.perCustomer = true
                consumed.formUnion([index, index + 1])
            } else if ["overall", "globally", "aggregate", "total", "combined"].contains(word) {
                sentence.perCustomer = false
                consumed.insert(index)
                if index > 0, ["in", "across"].contains(words[index - 1]) { consumed.insert(index - 1) }
            } else if customerNouns.contains(word) {
                consumed.insert(index)
            }
        }

        // The window: "over 30 days", "in any 7-day window", "each calendar month", "per week", "monthly".
        for index in tokens.indices where sentence.window == nil && !consumed.contains(index) {
            let word = words[index]
            if ["over", "in", "across", "during", "within", "rolling", "for"].contains(word) {
                var next = index + 1
                while next < tokens.count, ["the", "last", "any", "a", "past", "rolling", "trailing"].contains(words[next]) { next += 1 }
                let count: Int64
                if next < tokens.count, tokens[next].isNumber, let number = Int64(words[next]) {
                    count = number
                    next += 1
                } else {
                    count = 1
                }
                guard next < tokens.count else { continue }
                let unit = words[next]
                let span: TimeSpan? = switch unit {
                case "day", "days": .days(count)
                case "week", "weeks": .days(7 * count)
                case "month", "months": .days(30 * count)
                case "hour", "hours": .hours(count)
                default: nil
                }
                guard let span, span >= .hours(1) else { continue }
                sentence.window = .rolling(span)
                var end = next + 1
                if end < tokens.count, words[end] == "window" { end += 1 }
                sentence.windowPhrase = tokens[index..<end].map(\.original).joined(separator: " ")
                for position in index..<end { consumed.insert(position) }
            } else if ["each", "every", "per", "calendar"].contains(word) || Self.periodAdverbs[word] != nil {
                if let period = Self.periodAdverbs[word] {
                    sentence.window = .calendar(period, timeZone: "UTC")
                    sentence.windowPhrase = tokens[index].original
                    consumed.insert(index)
                    continue
                }
                var next = index + 1
                if next < tokens.count, words[next] == "calendar" { next += 1 }
                guard next < tokens.count, let period = CalendarPeriod(rawValue: words[next]) else { continue }
                sentence.window = .calendar(period, timeZone: "UTC")
                sentence.windowPhrase = tokens[index...next].map(\.original).joined(separator: " ")
                for position in index...next { consumed.insert(position) }
            }
        }

        // The activity: what is left, less the words that carry no meaning here.
        let phrasal: Set<String> = ["sign", "signs", "signed", "signing", "log", "logs", "logged", "logging", "check", "checks", "checked", "checking", "look", "looks", "set", "sets"]
        for index in tokens.indices where !consumed.contains(index) {
            let word = words[index]
            // "sign in", "log on", "check out", "sign up": the particle belongs to the verb.
            if ["in", "on", "up", "out"].contains(word), let last = sentence.activity.last, phrasal.contains(last), index > 0, words[index - 1] == last {
                sentence.activity.append(word)
                continue
            }
            guard !Self.stopWords.contains(word), !tokens[index].isNumber, word != "%" else { continue }
            if failureWords.contains(word) || ["successfully", "success", "succeed", "succeeds", "without", "server"].contains(word) { continue }
            sentence.activity.append(word)
        }

        guard !sentence.activity.isEmpty else {
            throw SentenceError("'\(trimmed)' does not say what customers do: name the activity, e.g. \"sign in\", \"check out\", \"search\"")
        }
        return sentence
    }

    static let boundWords: Set<String> = ["within", "under", "below", "inside", "faster", "before"]
    static let rateUnits: Set<String> = ["second", "sec", "minute", "min", "hour", "day", "s"]
    static let nines: [String: Double] = ["two": 0.99, "three": 0.999, "four": 0.9999, "five": 0.99999]
    static let periodAdverbs: [String: CalendarPeriod] = ["daily": .day, "weekly": .week, "monthly": .month, "quarterly": .quarter, "yearly": .year, "annually": .year]

    /// Words that never name the activity.
    static let stopWords: Set<String> = [
        "a", "an", "the", "of", "to", "for", "and", "or", "in", "on", "at", "by", "with", "from", "as", "is", "are", "be", "been", "being",
        "can", "could", "should", "must", "will", "would", "may", "might", "shall", "able", "always", "never", "their", "our", "its", "his", "her",
        "they", "them", "we", "us", "it", "that", "this", "these", "those", "should", "not", "no", "more", "than", "less", "fewer", "least",
        "most", "at", "time", "times", "of", "percent", "requests", "request", "calls", "call", "events", "experience", "experiences",
        "get", "gets", "have", "has", "do", "does", "reliably", "consistently", "properly", "correctly", "ok", "okay", "happen", "happens",
        "rate", "ratio", "respond", "responds", "response", "responses", "returns", "return", "answer", "answers", "complete", "completes",
        "completed", "finish", "finishes", "finished", "work", "works", "working", "available", "availability", "up", "ms", "seconds",
        "window", "day", "days", "week", "weeks", "month", "months", "hour", "hours", "good", "fine", "well", "p50", "p90", "p95", "p99",
    ]

    /// A duration at `index`: "2 seconds", "300 ms", "2s", "1.5 s", "10 minutes", "2-second".
    static func duration(_ tokens: [Token], at index: Int) -> (TimeSpan, Int)? {
        let word = tokens[index].word
        if let span = TimeSpan(parsing: word), span.nanoseconds > 0 { return (span, 1) }
        // "1.5s", "300ms" with a decimal: split number and unit.
        if let split = word.firstIndex(where: { $0.isLetter }), let number = Double(word[..<split]), let unit = unitNanos(String(word[split...])) {
            return (TimeSpan(nanoseconds: Int64(number * unit)), 1)
        }
        guard tokens[index].isNumber, let number = Double(word), index + 1 < tokens.count, let unit = unitNanos(tokens[index + 1].word) else { return nil }
        return (TimeSpan(nanoseconds: Int64(number * unit)), 2)
    }

    static func unitNanos(_ unit: String) -> Double? {
        switch unit {
        case "ms", "msec", "millisecond", "milliseconds": 1e6
        case "s", "sec", "secs", "second", "seconds": 1e9
        case "m", "min", "mins", "minute", "minutes": 60e9
        case "h", "hr", "hrs", "hour", "hours": 3600e9
        default: nil
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// A word of a sentence: lowercased, with numbers (`99.9`), `%` and durations (`2s`, `300ms`) kept whole.
struct Token: Hashable, Sendable {
    var word: String
    var original: String

    var isNumber: Bool { Double(word) != nil }

    static func split(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        func flush() {
            guard !current.isEmpty else { return }
            // "2-second", "7-day": the number and the unit are two words.
            if let dash = current.firstIndex(of: "-"), Double(current[..<dash]) != nil {
                tokens.append(Token(word: String(current[..<dash]).lowercased(), original: String(current[..<dash])))
                let rest = String(current[current.index(after: dash)...])
                if !rest.isEmpty { tokens.append(Token(word: rest.lowercased(), original: rest)) }
            } else {
                var word = current
                while let last = word.last, last == "." || last == "-" { word.removeLast() }
                if !word.isEmpty { tokens.append(Token(word: word.lowercased(), original: word)) }
            }
            current = ""
        }
        for character in text {
            if character.isLetter || character.isNumber || character == "." || character == "-" || character == "/" || character == "_" {
                if character == ".", !(current.last?.isNumber ?? false) {
                    flush()
                    continue
                }
                current.append(character)
            } else if character == "%" {
                flush()
                tokens.append(Token(word: "%", original: "%"))
            } else if character == "’" || character == "'" {
                continue
            } else {
                flush()
            }
        }
        flush()
        return tokens
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
