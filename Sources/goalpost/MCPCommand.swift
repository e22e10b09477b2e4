import ArgumentParser
import Foundation
import GoalpostAgents
import MCP

/// `goalpost mcp`: a Model Context Protocol server over stdio, for a coding agent's MCP configuration. Every tool
/// answers from a running Goalpost's API, with the token given (its scopes decide what the agent may do: `read` for
/// the questions, `ingest` or `admin` for recording a deploy).
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve Goalpost to AI agents over the Model Context Protocol (stdio): tools, resources and prompts backed by a server's API."
    )

    @Option(help: "The Goalpost server's URL. Env: GOALPOST_URL (default http://127.0.0.1:4318).")
    var server: String?

    @Option(help: "An API token. Env: GOALPOST_TOKEN.")
    var token: String?

    func run() async throws {
        let tools = GoalpostTools(client: APIClient(server: server, token: token))
        let mcp = Server(
            name: "goalpost", version: "1",
            instructions: "Goalpost measures outcomes (what must be true for customers) per customer. Ask which outcomes and customers are failing, why (investigations), and what deploys did.",
            capabilities: .init(prompts: .init(listChanged: false), resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false))
        )
        await mcp.withMethodHandler(ListTools.self) { _ in .init(tools: GoalpostTools.definitions) }
        await mcp.withMethodHandler(CallTool.self) { params in await tools.call(params.name, params.arguments ?? [:]) }
        await mcp.withMethodHandler(ListResources.self) { _ in .init(resources: try await tools.resources(), nextCursor: nil) }
        await mcp.withMethodHandler(ReadResource.self) { params in .init(contents: [try await tools.read(params.uri)]) }
        await mcp.withMethodHandler(ListPrompts.self) { _ in .init(prompts: GoalpostTools.prompts) }
        await mcp.withMethodHandler(GetPrompt.self) { params in try GoalpostTools.prompt(params.name, params.arguments ?? [:]) }
        try await mcp.start(transport: StdioTransport())
        await mcp.waitUntilCompleted()
    }
}

