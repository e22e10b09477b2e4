import Foundation
import GoalpostAgents
import Hummingbird
import MCP
import HTTPTypes
import NIOCore

/// The MCP server over the streamable HTTP transport at `/mcp` (stateless: each POST carries one JSON-RPC message
/// and gets its answer as JSON). Its tools are `goalpost mcp`'s, answered from this server's own API with the
/// caller's token, so the token's scopes decide what an agent may do exactly as on the API.
actor MCPEndpoint {
    private var transport: StatelessHTTPServerTransport?
    private var server: Server?
    /// Where this server listens, for the tools' calls to its API (known once it runs).
    private var base: String
    private let maximumBodyBytes: Int

    init(host: String, port: Int, maximumBodyBytes: Int) {
        base = Self.base(host: host, port: port)
        self.maximumBodyBytes = maximumBodyBytes
    }

    static func base(host: String, port: Int) -> String {
        let reachable = host == "0.0.0.0" || host == "::" || host.isEmpty ? "127.0.0.1" : host
        return "http://\(reachable.contains(":") ? "[\(reachable)]" : reachable):\(port)"
    }

    func listening(host: String, port: Int) {
        base = Self.base(host: host, port: port)
    }

    /// The transport, with the server started on it the first time.
    private func started() async throws -> StatelessHTTPServerTransport {
        if let transport { return transport }
        let transport = StatelessHTTPServerTransport()
        let server = Server(
            name: "goalpost", version: "1",
            instructions: "Goalpost measures outcomes (what must be true for customers) per customer. Ask which outcomes and customers are failing, why (investigations), and what deploys did.",
            capabilities: .init(prompts: .init(listChanged: false), resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false))
        )
        let base = self.base
        // Each call answers with the token of the HTTP request that carried it.
        @Sendable func tools() -> GoalpostTools {
            let header = Server.currentHandlerContext?.httpContext?.header("Authorization")
            let token = header.flatMap { $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil }
            return GoalpostTools(client: APIClient(server: base, token: token ?? ""))
        }
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: GoalpostTools.definitions) }
        await server.withMethodHandler(CallTool.self) { params in await tools().call(params.name, params.arguments ?? [:]) }
        await server.withMethodHandler(ListResources.self) { _ in .init(resources: try await tools().resources(), nextCursor: nil) }
        await server.withMethodHandler(ReadResource.self) { params in .init(contents: [try await tools().read(params.uri)]) }
        await server.withMethodHandler(ListPrompts.self) { _ in .init(prompts: GoalpostTools.prompts) }
        await server.withMethodHandler(GetPrompt.self) { params in try GoalpostTools.prompt(params.name, params.arguments ?? [:]) }
        try await server.start(transport: transport)
        self.transport = transport
        self.server = server
        return transport
    }

    func handle(_ request: Request) async -> Response {
        let transport: StatelessHTTPServerTransport
        do {
            transport = try await started()
        } catch {
            return API.jsonError(.internalServerError, "the MCP server did not start: \(error)")
        }
        let body = request.body
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: maximumBodyBytes)
        } catch {
            return API.jsonError(.contentTooLarge, "an MCP message is at most \(maximumBodyBytes) bytes")
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let answer = await transport.handleRequest(MCP.HTTPRequest(
            method: request.method.rawValue, headers: headers, body: buffer.readableBytes > 0 ? Data(buffer.readableBytesView) : nil, path: request.uri.path
        ))
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        let data = answer.bodyData ?? Data()
        return Response(status: HTTPTypes.HTTPResponse.Status(code: answer.statusCode), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
