import GoalpostEvaluation
import GoalpostModel

/// Binds a sentence's activity words to the operations that exist: synonyms (sign in ~ login ~ authenticate ~
/// auth ~ session ~ sso), stems, edit distance and token overlap against service and operation names.
public struct ActivityMatcher: Sendable {
    /// One operation and how well the activity matches it (0 to 1).
    public struct Candidate: Hashable, Sendable {
        public var operation: TelemetryCatalog.Operation
        public var score: Double
        /// Which activity words matched which of its words.
        public var reasons: [String]
    }

    /// Groups of words that name the same activity; the first is the group's name.
    public static let synonyms: [[String]] = [
        ["signin", "login", "logon", "signon", "authenticate", "authentication", "auth", "session", "sso", "oauth", "saml", "oidc"],
        ["signup", "register", "registration", "onboard", "onboarding", "enroll"],
        ["checkout", "order", "payment", "pay", "purchase", "buy", "transaction"],
        ["search", "query", "find", "lookup", "discover"],
        ["upload", "import", "ingest"],
        ["download", "export"],
        ["report", "reporting", "dashboard", "analytics"],
        ["invoice", "billing", "bill", "subscription"],
        ["email", "mail", "notification", "notify", "message"],
        ["page", "render", "view", "load"],
    ]

    /// Two-word phrases that are one activity word ("sign in" → signin).
    static let phrases: [String: String] = [
        "sign in": "signin", "log in": "login", "log on": "logon", "sign on": "signon", "sign up": "signup", "check out": "checkout",
        "look up": "lookup", "single sign": "sso", "logg in": "login", "sign out": "signout", "log out": "logout", "set up": "setup",
    ]

    /// Words of names that say nothing about the activity.
    static let generic: Set<String> = [
        "api", "service", "svc", "server", "app", "web", "backend", "frontend", "worker", "v1", "v2", "v3", "get", "post", "put", "patch",
        "delete", "head", "options", "http", "https", "grpc", "rpc", "handler", "endpoint", "callback", "index", "internal",
    ]

    public var catalog: TelemetryCatalog

    public init(catalog: TelemetryCatalog) { self.catalog = catalog }

    /// Every operation the activity matches at all, best first.
    ///
    /// Each activity word that names something in the catalog weighs 1 for the first such word, a little less for
    /// each later one (the subject of a sentence comes first: "invoices are generated"); words that name nothing
    /// ("go through", "stays") do not count against a match. A word found in the operation's name counts fully,
    /// in its service's name three quarters. With `service`, only that service's operations are candidates.
    public func candidates(_ activity: [String], service: String? = nil) -> [Candidate] {
        let wanted = Self.canonical(activity)
        guard !wanted.isEmpty else { return [] }
        let operations = catalog.operations.filter { service == nil || $0.service == service }
        let names = operations.map { operation in
            (service: Self.canonical(Self.words(operation.service)).filter { !Self.generic.contains($0) },
             operation: Self.canonical(Self.words(operation.operation)).filter { !Self.generic.contains($0) })
        }
        let known = wanted.filter { word in names.contains { $0.operation.contains { Self.same(word, $0) } || $0.service.contains { Self.same(word, $0) } } }
        guard !known.isEmpty else { return [] }
        let weights = Dictionary(uniqueKeysWithValues: known.enumerated().map { ($1, 1 / (1 + 0.1 * Double($0))) })
        let total = weights.values.reduce(0, +)
        var found: [Candidate] = []
        for (index, operation) in operations.enumerated() {
            var matched = 0.0
            var reasons: [String] = []
            for word in known {
                let weight = weights[word] ?? 0
                if let hit = names[index].operation.first(where: { Self.same(word, $0) }) {
                    matched += weight
                    reasons.append(word == hit ? word : "\(word) ~ \(hit)")
                } else if let hit = names[index].service.first(where: { Self.same(word, $0) }) {
                    // A service word counts for less: the service does more than this operation.
                    matched += 0.75 * weight
                    reasons.append(word == hit ? "\(word) (service)" : "\(word) ~ \(hit) (service)")
                }
            }
            guard matched > 0 else { continue }
            found.append(Candidate(operation: operation, score: matched / total, reasons: reasons))
        }
        return found.sorted { ($0.score, $0.operation.events) > ($1.score, $1.operation.events) }
    }

    /// Canonical activity words: phrases joined, stems cut, synonyms mapped to their group's name, distinct.
    static func canonical(_ words: [String]) -> [String] {
        var split = words.flatMap { $0.split(whereSeparator: { "-/_.".contains($0) }).map(String.init) }.map { $0.lowercased() }
        var joined: [String] = []
        var index = 0
        while index < split.count {
            if index + 1 < split.count, let phrase = phrases["\(stem(split[index])) \(stem(split[index + 1]))"] {
                joined.append(phrase)
                index += 2
            } else {
                joined.append(split[index])
                index += 1
            }
        }
        split = joined
        var out: [String] = []
        for word in split {
            let stemmed = stem(word)
            guard !stemmed.isEmpty, !SentenceParser.stopWords.contains(word) || synonymGroup(stemmed) != nil else { continue }
            let name = synonymGroup(stemmed).map { synonyms[$0][0] } ?? stemmed
            if !out.contains(name) { out.append(name) }
        }
        return out
    }

    static func synonymGroup(_ word: String) -> Int? {
        synonyms.firstIndex { $0.contains(word) }
    }

    /// A light stem: plural and verb endings off (`checkouts` → checkout, `generated` → generat, `ins` → in).
    static func stem(_ word: String) -> String {
        var word = word
        if ["ins", "ups", "outs", "ons"].contains(word) { return String(word.dropLast()) }
        if word.count > 4, word.hasSuffix("ies") { return String(word.dropLast(3)) + "y" }
        for suffix in ["ing", "ed", "es", "s"] where word.count > suffix.count + 2 && word.hasSuffix(suffix) {
            word.removeLast(suffix.count)
            break
        }
        return word
    }

    /// Equal, or one edit apart for words of 5 letters or more (two for 8 or more), or one a prefix of the other
    /// of at least 5 letters (`generat` / `generator`).
    static func same(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let shorter = min(a.count, b.count)
        if shorter >= 5, a.hasPrefix(b) || b.hasPrefix(a) { return true }
        guard shorter >= 5 else { return false }
        return editDistance(a, b, limit: shorter >= 8 ? 2 : 1) <= (shorter >= 8 ? 2 : 1)
    }

    /// Levenshtein distance, stopping early past `limit`.
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if abs(x.count - y.count) > limit { return limit + 1 }
        var previous = Array(0...y.count)
        for i in 1...max(1, x.count) where !x.isEmpty {
            var current = [i] + Array(repeating: 0, count: y.count)
            var best = current[0]
            for j in 1...max(1, y.count) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
                best = min(best, current[j])
            }
            if best > limit { return limit + 1 }
            previous = current
        }
        return previous[y.count]
    }

    /// Lowercased words of a name (`NameWords`).
    static func words(_ text: String) -> [String] { NameWords.split(text) }
}
