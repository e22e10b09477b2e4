import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The demo's stand-in for PagerDuty and Slack: an HTTP server on a loopback port, in the demo's own process, that
/// keeps every request the notifier posts to it. The notifier does not know: it sends over HTTP as it would to
/// `events.pagerduty.com` or a Slack webhook.
final class DemoReceiver: @unchecked Sendable {
    struct Request: Sendable {
        /// The path posted to: `/pagerduty` or `/slack`.
        var path: String
        var body: [UInt8]

        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
    }

    private let lock = NSLock()
    private var requests: [Request] = []
    private var task: Task<Void, any Error>?
    private var services: ServiceGroup?

    var received: [Request] { lock.withLock { requests } }

    /// Starts listening on 127.0.0.1 and returns the base URL.
    func start() async throws -> String {
        let router = Router()
        router.post("/:target") { [self] request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let path = "/" + (context.parameters.get("target") ?? "")
            lock.withLock { requests.append(Request(path: path, body: Array(buffer: body))) }
            return Response(status: .accepted)
        }
        var logger = Logger(label: "goalpost.demo-receiver")
        logger.logLevel = .error
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "demo-receiver"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        self.services = services
        task = Task {
            defer { portContinuation.finish() }  // Also when it cannot listen.
            try await services.run()
        }
        for await port in ports where port > 0 { return "http://127.0.0.1:\(port)" }
        throw CommandFailure("the demo's notification receiver could not listen on 127.0.0.1")
    }

    func stop() async {
        await services?.triggerGracefulShutdown()
        _ = try? await task?.value
    }
}
