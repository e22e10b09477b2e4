import ArgumentParser
import GoalpostAgents

/// `--server` and `--token`, for the commands that talk to a running server's API.
struct ServerOptions: ParsableArguments {
    @Option(help: "The server's base URL. Env: GOALPOST_URL. Default http://127.0.0.1:4318.")
    var server: String?

    @Option(help: "An API token (goalpost token create); its scopes decide what the command may do. Env: GOALPOST_TOKEN.")
    var token: String?

    var client: APIClient { APIClient(server: server, token: token) }
}
