import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client for a running server's API, for the commands and the MCP tools: `server` (or GOALPOST_URL), `token`
/// (or GOALPOST_TOKEN), and an answer other than 2xx turned into a failure that names the URL and says what the
/// server said.
public struct APIClient: Sendable {
    public var server: String?
    public var token: String?

    public init(server: String?, token: String?) {
        self.server = server
        self.token = token
    }

    /// Sends one request; returns the body of a 2xx answer.
    public func send(_ method: String, _ path: String, json body: Data? = nil) async throws -> Data {
        let environment = ProcessInfo.processInfo.environment
        let base = server ?? environment["GOALPOST_URL"] ?? "http://127.0.0.1:4318"
        guard let url = URL(string: (base.hasSuffix("/") ? String(base.dropLast()) : base) + path), url.scheme != nil else {
            throw APIClientError("--server: '\(base)' is not a URL such as http://127.0.0.1:4318")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let token = token ?? environment["GOALPOST_TOKEN"], !token.isEmpty {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw APIClientError("\(url): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw APIClientError("\(url): HTTP \(status): \(String(decoding: data, as: UTF8.self))") }
        return data
    }
}

/// A request the API did not answer with 2xx, or could not be sent.
public struct APIClientError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
