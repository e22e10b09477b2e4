import Foundation
import GoalpostModel
import GoalpostStore
import Hummingbird
import HTTPTypes

/// What a token may do. `admin` includes the other two.
public enum TokenScope: String, Sendable, CaseIterable {
    /// OTLP and business events in.
    case ingest
    /// The API's reads and the dashboard.
    case read
    /// Changes: deploys, customers, incident actions.
    case admin
}

/// API tokens: `gp_<id>_<secret>`, 12 and 40 hex digits. Only the SHA-256 of the whole text is stored; the id
/// finds the record, and the hash is compared in constant time.
public enum APIToken {
    /// A new token's text and its record (the text is shown once, the record is stored).
    public static func generate(name: String, scopes: [TokenScope], now: Int64) -> (text: String, record: StoredToken) {
        var generator = SystemRandomNumberGenerator()
        func hex(_ count: Int) -> String {
            let digits = Array("0123456789abcdef")
            return String((0..<count).map { _ in digits[Int(generator.next() % 16)] })
        }
        let id = hex(12)
        let text = "gp_\(id)_\(hex(40))"
        let record = StoredToken(id: id, name: name, scopes: scopes.map(\.rawValue), hash: SHA256.hex(text), createdAt: now)
        return (text, record)
    }

    /// The id inside a token's text, or nil when the text is not shaped like a token.
    static func id(of text: String) -> String? {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "gp", parts[1].count == 12, parts[2].count == 40,
              (parts[1] + parts[2]).allSatisfy(\.isHexDigit) else { return nil }
        return String(parts[1])
    }
}

/// Checks tokens against the store. Records are cached; an unknown id re-reads the store at most once a second
/// (a token created with `goalpost token create` while the server runs works within a second, and a client
/// guessing ids cannot make every request a database read).
final class Authenticator: @unchecked Sendable {
    private let store: any Store
    private let lock = NSLock()
    private var tokens: [String: StoredToken] = [:]
    private var loadedAt: ContinuousClock.Instant?

    init(store: any Store) {
        self.store = store
    }

    /// The scopes of a valid, unrevoked token; nil otherwise.
    func scopes(of text: String) -> Set<TokenScope>? {
        guard let id = APIToken.id(of: text) else { return nil }
        guard let record = record(id) else { return nil }
        guard record.revokedAt == nil, constantTimeEqual(Array(SHA256.hex(text).utf8), Array(record.hash.utf8)) else { return nil }
        return Set(record.scopes.compactMap(TokenScope.init(rawValue:)))
    }

    private func record(_ id: String) -> StoredToken? {
        lock.lock()
        defer { lock.unlock() }
        if let found = tokens[id], found.revokedAt == nil, let loadedAt, ContinuousClock.now - loadedAt < .seconds(5) { return found }
        if let loadedAt, ContinuousClock.now - loadedAt < .seconds(1) { return tokens[id] }
        if let all = try? store.tokens() {
            tokens = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
            loadedAt = ContinuousClock.now
        }
        return tokens[id]
    }
}

/// Which scope a request needs; nil for the open routes (health, metrics, the OpenAPI document, the login page).
func requiredScope(method: HTTPRequest.Method, path: String) -> TokenScope? {
    switch path {
    case "/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/login": return nil
    default: break
    }
    if path.hasPrefix("/v1/") || path == "/api/v1/events" { return .ingest }
    // Drafting an outcome changes nothing: a reader may ask.
    if path == "/api/v1/outcomes/draft" || path == "/api/v1/investigations" { return .read }
    // The MCP endpoint takes any valid token; each tool's call to the API then needs that route's scope.
    if path == "/mcp" { return .read }
    if method == .get || method == .head { return .read }
    return .admin
}

/// Authenticates every request that needs a scope: `Authorization: Bearer TOKEN`, or the dashboard's cookie.
/// 401 (with `WWW-Authenticate`) without a valid token, 403 when its scopes do not cover the route. Dashboard
/// pages without a token redirect to the login page instead.
struct AuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    let authenticator: Authenticator

    static var cookieName: String { "goalpost_token" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let needed = requiredScope(method: request.method, path: request.uri.path) else {
            return try await next(request, context)
        }
        let isPage = !request.uri.path.hasPrefix("/api/") && !request.uri.path.hasPrefix("/v1/")
        guard let token = Self.token(of: request), let scopes = authenticator.scopes(of: token) else {
            if isPage, request.method == .get {
                var response = Response(status: .seeOther)
                response.headers[.location] = "/login"
                return response
            }
            var response = API.jsonError(.unauthorized, "this route needs a token with the '\(needed.rawValue)' scope: Authorization: Bearer gp_…")
            response.headers[.wwwAuthenticate] = "Bearer realm=\"goalpost\""
            return response
        }
        guard scopes.contains(needed) || scopes.contains(.admin) else {
            let held = scopes.map(\.rawValue).sorted().joined(separator: ", ")
            return API.jsonError(.forbidden, "this route needs the '\(needed.rawValue)' scope; the token has \(held.isEmpty ? "none" : held)")
        }
        return try await next(request, context)
    }

    /// The bearer token, else the dashboard cookie.
    static func token(of request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return parts[1].trimmingCharacters(in: .whitespaces) }
            return nil
        }
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(cookieName + "=") { return String(trimmed.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }
}
