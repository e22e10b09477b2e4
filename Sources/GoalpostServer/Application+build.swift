import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostModel
import GoalpostRuntime
import GoalpostStore
import GoalpostTelemetry
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// How the HTTP server listens and what it accepts.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The largest request body read, compressed (16 MiB): larger ones get 413.
    public var maximumBodyBytes: Int
    /// The largest body after gzip decompression (64 MiB): larger ones get 413.
    public var maximumDecompressedBytes: Int
    /// Seconds a client is told to wait (`Retry-After`) when the ingest queue is full.
    public var retryAfterSeconds: Int
    /// Whether requests need API tokens (see `requiredScope`); off only on loopback, when asked for.
    public var authentication = true
    /// Where `POST /api/v1/outcomes/draft` may ask a language model for sentences the grammar cannot read.
    public var languageModel: LanguageModelEndpoint?

    public init(host: String = "127.0.0.1", port: Int = 4318, maximumBodyBytes: Int = 16 << 20, maximumDecompressedBytes: Int = 64 << 20, retryAfterSeconds: Int = 1) {
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.maximumDecompressedBytes = maximumDecompressedBytes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// Builds the Goalpost HTTP application: the OTLP/HTTP receiver, the REST API, `/metrics` and health checks,
/// with the ingest pipeline as a service that shuts down after the server (so in-flight requests finish and
/// everything queued is committed).
///
/// - Parameters:
///   - configuration: Where to listen and the body limits.
///   - pipeline: The ingest pipeline (restored from `store`).
///   - store: For reads the pipeline need not serialize (deploys, incidents).
///   - registry: The Prometheus registry `/metrics` renders (the one the metrics factory writes to).
///   - onServerRunning: Called with the bound port once the server listens (port 0 picks a free one).
public func buildApplication(
    configuration: ServerConfiguration, pipeline: IngestPipeline, store: any Store, registry: PrometheusCollectorRegistry,
    logger: Logger, notifier: Notifier? = nil, sources: [any ServiceLifecycle.Service] = [],
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    let authenticator = configuration.authentication ? Authenticator(store: store) : nil
    if let authenticator {
        router.add(middleware: AuthenticationMiddleware(authenticator: authenticator))
    }
    let api = API(configuration: configuration, pipeline: pipeline, store: store, registry: registry, logger: logger, cache: ResponseCache())
    for signal in OTLPResponse.Signal.allCases {
        router.post("/v1/\(signal.rawValue)") { request, _ in await api.export(request, signal: signal) }
    }
    router.post("/api/v1/events") { request, _ in await api.events(request) }
    router.post("/api/v1/deploys") { request, _ in await api.recordDeploys(request) }
    router.get("/api/v1/deploys") { request, _ in api.listDeploys(request) }
    router.get("/api/v1/deploys/:id/checks") { _, context in api.deployChecks(id: context.parameters.get("id") ?? "") }
    router.get("/api/v1/deploys/:id/report") { _, context in api.deployReport(id: context.parameters.get("id") ?? "") }
    router.post("/api/v1/plans") { request, _ in await api.createPlan(request) }
    router.get("/api/v1/plans") { _, _ in api.listPlans() }
    router.get("/api/v1/plans/:id") { request, context in api.plan(request, id: context.parameters.get("id") ?? "") }
    router.post("/api/v1/customers") { request, _ in await api.recordCustomers(request) }
    router.get("/api/v1/customers") { _, _ in await api.customers() }
    router.get("/api/v1/customers/:id") { _, context in await api.customer(id: context.parameters.get("id") ?? "") }
    router.get("/api/v1/catalog") { _, _ in await api.telemetryCatalog() }
    router.get("/api/v1/coverage") { request, _ in await api.coverage(request) }
    router.post("/api/v1/outcomes/draft") { request, _ in await api.draftOutcome(request) }
    router.post("/api/v1/investigations") { request, _ in await api.investigateWindow(request) }
    router.get("/api/v1/outcomes") { _, _ in await api.cached("/api/v1/outcomes") { await api.outcomes() } }
    router.get("/api/v1/outcomes/:name") { _, context in await api.outcome(name: context.parameters.get("name") ?? "") }
    router.get("/api/v1/outcomes/:name/series") { request, context in
        await api.series(request, name: context.parameters.get("name") ?? "")
    }
    router.get("/api/v1/outcomes/:name/heatmap") { request, context in
        await api.heatmap(request, name: context.parameters.get("name") ?? "")
    }
    router.get("/api/v1/incidents") { request, _ in api.incidentList(request) }
    router.get("/api/v1/incidents/:id") { _, context in api.incidentDetail(id: context.parameters.get("id") ?? "") }
    router.get("/api/v1/incidents/:id/investigation") { request, context in
        api.investigation(request, id: context.parameters.get("id") ?? "")
    }
    router.post("/api/v1/incidents/:id/acknowledge") { request, context in
        await api.noteIncident(request, id: context.parameters.get("id") ?? "", kind: .acknowledged)
    }
    router.post("/api/v1/incidents/:id/customer-reported") { request, context in
        await api.noteIncident(request, id: context.parameters.get("id") ?? "", kind: .customerReported)
    }
    router.post("/api/v1/incidents/:id/resolve") { request, context in
        await api.resolveIncident(request, id: context.parameters.get("id") ?? "")
    }
    router.get("/api/v1/notifications") { request, _ in api.notifications(request) }
    router.get("/api/v1/silences") { request, _ in api.listSilences(request) }
    router.post("/api/v1/silences") { request, _ in await api.createSilence(request) }
    router.delete("/api/v1/silences/:id") { _, context in api.expireSilence(id: context.parameters.get("id") ?? "") }
    router.get("/api/v1/openapi.json") { _, _ in API.rawJSON(.ok, OpenAPIDocument.json) }
    // The dashboard.
    router.get("/") { _, _ in await api.cached("/") { await api.overviewPage() } }
    router.get("/outcomes/:name") { _, context in
        let name = context.parameters.get("name") ?? ""
        return await api.cached("/outcomes/\(name)") { await api.outcomePage(name: name) }
    }
    router.get("/customers") { _, _ in await api.cached("/customers") { await api.customersPage() } }
    router.get("/customers/:id") { _, context in
        let id = context.parameters.get("id") ?? ""
        return await api.cached("/customers/\(id)") { await api.customerPage(id: id) }
    }
    router.get("/incidents") { _, _ in await api.cached("/incidents") { api.incidentsPage() } }
    router.get("/incidents/:id") { _, context in
        let id = context.parameters.get("id") ?? ""
        return await api.cached("/incidents/\(id)") { api.incidentPage(id: id) }
    }
    router.get("/login") { _, _ in api.loginPage() }
    router.post("/login") { request, _ in await api.login(request, authenticator: authenticator) }
    router.get("/metrics") { _, _ in api.metrics() }
    router.get("/api/v1/sources") { _, _ in API.json(.ok, pipeline.sources.all) }
    let mcp = MCPEndpoint(host: configuration.host, port: configuration.port, maximumBodyBytes: configuration.maximumBodyBytes)
    router.post("/mcp") { request, _ in await mcp.handle(request) }
    router.get("/mcp") { request, _ in await mcp.handle(request) }
    router.delete("/mcp") { request, _ in await mcp.handle(request) }
    router.get("/healthz") { _, _ in API.text(.ok, "ok\n") }
    router.get("/readyz") { _, _ in
        pipeline.isAccepting ? API.text(.ok, "ready\n") : API.text(.serviceUnavailable, "shutting down\n")
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "goalpost"),
        // Shut down in reverse: the server, then the pipeline (which drains and hands the notifier its last
        // notices), then the notifier (which sends them).
        // The pull sources stop first (they feed the pipeline).
        services: (notifier.map { [$0, pipeline] } ?? [pipeline]) + sources,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            await mcp.listening(host: configuration.host, port: port)
            await onServerRunning(port)
        },
        logger: logger
    )
}

/// The request handlers. Errors become statuses here and only here (the pipeline and store know no HTTP).
struct API: Sendable {
    let configuration: ServerConfiguration
    let pipeline: IngestPipeline
    let store: any Store
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let cache: ResponseCache

    // MARK: OTLP

    func export(_ request: Request, signal: OTLPResponse.Signal) async -> Response {
        let mediaType = Self.mediaType(request)
        let format: IngestPipeline.Format
        switch mediaType {
        case "application/x-protobuf": format = .protobuf
        case "application/json": format = .json
        default:
            countRequest(signal, "unsupported_media_type")
            return Self.text(.unsupportedMediaType, "unsupported Content-Type '\(mediaType)': OTLP/HTTP takes application/x-protobuf or application/json\n")
        }
        let json = format == .json
        let body: [UInt8]
        let reserved: Int
        switch await readBody(request) {
        case .success(let read):
            (body, reserved) = read
        case .failure(let failure):
            countRequest(signal, failure.label)
            return Self.otlpError(failure, json: json, retryAfter: configuration.retryAfterSeconds)
        }
        let reply = await pipeline.submit(.otlp(signal: signal, format: format, body: body), reserved: reserved)
        switch reply {
        case .accepted(_, let rejected, let message):
            countRequest(signal, "accepted")
            return Self.bytes(.ok, OTLPResponse.export(signal: signal, rejected: rejected, message: message, json: json), json: json)
        case .invalid(let message):
            countRequest(signal, "invalid")
            return Self.bytes(.badRequest, OTLPResponse.status(code: 3, message: "\(signal.rawValue) request: \(message)", json: json), json: json)
        case .unavailable(let message):
            countRequest(signal, "unavailable")
            var response = Self.bytes(.serviceUnavailable, OTLPResponse.status(code: 14, message: message, json: json), json: json)
            response.headers[.retryAfter] = String(configuration.retryAfterSeconds)
            return response
        case .statuses, .value:
            return Self.text(.internalServerError, "unexpected reply\n")
        }
    }

    // MARK: Business events, deploys, customers

    func events(_ request: Request) async -> Response {
        guard Self.mediaType(request) == "application/json" else {
            return Self.jsonError(.unsupportedMediaType, "POST /api/v1/events takes application/json")
        }
        let body: [UInt8]
        let reserved: Int
        switch await readBody(request) {
        case .success(let read): (body, reserved) = read
        case .failure(let failure): return Self.restError(failure, retryAfter: configuration.retryAfterSeconds)
        }
        return Self.restReply(await pipeline.submit(.events(body), reserved: reserved), retryAfter: configuration.retryAfterSeconds)
    }

    func recordDeploys(_ request: Request) async -> Response {
        await record(request, what: "deploys") { data throws(RecordFileError) in
            .deploys(try RecordFiles.deploys(json: data, source: "request body"))
        }
    }

    func recordCustomers(_ request: Request) async -> Response {
        await record(request, what: "customers") { data throws(RecordFileError) in
            .customers(try RecordFiles.customers(json: data, source: "request body"))
        }
    }

    /// Reads a JSON array (or one object) of records, parses it, and has the pipeline store it.
    private func record(_ request: Request, what: String, parse: (Data) throws(RecordFileError) -> IngestPipeline.Payload) async -> Response {
        guard Self.mediaType(request) == "application/json" else {
            return Self.jsonError(.unsupportedMediaType, "POST /api/v1/\(what) takes application/json")
        }
        let body: [UInt8]
        let reserved: Int
        switch await readBody(request) {
        case .success(let read): (body, reserved) = read
        case .failure(let failure): return Self.restError(failure, retryAfter: configuration.retryAfterSeconds)
        }
        // One object is a list of one.
        var data = Data(body)
        if let first = body.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }), first == UInt8(ascii: "{") {
            data = Data("[".utf8) + data + Data("]".utf8)
        }
        let payload: IngestPipeline.Payload
        do {
            payload = try parse(data)
        } catch {
            pipeline.release(bytes: reserved)
            return Self.jsonError(.badRequest, error.description)
        }
        return Self.restReply(await pipeline.submit(payload, reserved: reserved), retryAfter: configuration.retryAfterSeconds)
    }

    func listDeploys(_ request: Request) -> Response {
        let from = request.uri.queryParameters["from"].flatMap { Timestamp.parse(String($0)) } ?? 0
        let to = request.uri.queryParameters["to"].flatMap { Timestamp.parse(String($0)) } ?? Int64.max
        do {
            return Self.json(.ok, try store.deploys(from: from, to: to))
        } catch {
            logger.error("reading deploys failed", metadata: ["error": "\(error)"])
            return Self.jsonError(.internalServerError, "could not read deploys")
        }
    }

    /// The latest investigation of an incident: JSON, or Markdown with `?format=markdown`.
    func investigation(_ request: Request, id: String) -> Response {
        do {
            guard let stored = try store.investigation(incident: id) else {
                return Self.jsonError(.notFound, "no investigation of incident '\(id)'")
            }
            if request.uri.queryParameters["format"] == "markdown" {
                var response = Self.text(.ok, stored.markdown)
                response.headers[.contentType] = "text/markdown; charset=utf-8"
                return response
            }
            return Self.rawJSON(.ok, stored.json)
        } catch {
            logger.error("reading an investigation failed", metadata: ["error": "\(error)"])
            return Self.jsonError(.internalServerError, "could not read the investigation")
        }
    }

    func outcomes() async -> Page {
        switch await pipeline.submit(.status, reserved: 0) {
        case .statuses(let statuses):
            guard let data = try? Self.encoder.encode(statuses) else {
                return Page(status: .internalServerError, contentType: "application/json", body: ByteBuffer(string: #"{"error":"internal_server_error","message":"could not encode the response"}"#))
            }
            return Page(status: .ok, contentType: "application/json", body: ByteBuffer(bytes: data))
        case .unavailable(let message):
            return Page(status: .serviceUnavailable, contentType: "application/json", body: ByteBuffer(string: "{\"error\":\"service_unavailable\",\"message\":\(OTLPResponse.jsonString(message))}"))
        default:
            return Page(status: .internalServerError, contentType: "application/json", body: ByteBuffer(string: #"{"error":"internal_server_error","message":"unexpected reply"}"#))
        }
    }

    func metrics() -> Response {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return response
    }

    // MARK: Bodies

    enum BodyFailure: Error {
        case tooLarge(String)
        case overloaded
        case unsupportedEncoding(String)
        case malformed(String)

        var label: String {
            switch self {
            case .tooLarge: "too_large"
            case .overloaded: "overloaded"
            case .unsupportedEncoding: "unsupported_encoding"
            case .malformed: "invalid"
            }
        }
    }

    /// Reserves room in the ingest queue, reads the body and decompresses it; the reservation then covers the
    /// plain bytes and belongs to the caller (released by the pipeline when the job is done).
    func readBody(_ request: Request) async -> Result<(body: [UInt8], reserved: Int), BodyFailure> {
        let encoding = request.headers[.contentEncoding]?.lowercased().trimmingCharacters(in: .whitespaces) ?? "identity"
        guard encoding == "identity" || encoding == "gzip" else {
            return .failure(.unsupportedEncoding("unsupported Content-Encoding '\(encoding)': Goalpost takes gzip or none"))
        }
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > configuration.maximumBodyBytes {
            return .failure(.tooLarge("the body of \(declared) bytes exceeds the limit of \(configuration.maximumBodyBytes)"))
        }
        var reserved = declared ?? configuration.maximumBodyBytes
        guard pipeline.reserve(bytes: reserved) else { return .failure(.overloaded) }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: configuration.maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            pipeline.release(bytes: reserved)
            return .failure(.tooLarge("the body exceeds the limit of \(configuration.maximumBodyBytes) bytes"))
        } catch {
            pipeline.release(bytes: reserved)
            return .failure(.malformed("could not read the body: \(error)"))
        }
        var body = [UInt8](buffer.readableBytesView)
        if encoding == "gzip" {
            do {
                body = try Gzip.decompress(body, limit: configuration.maximumDecompressedBytes)
            } catch {
                pipeline.release(bytes: reserved)
                switch error {
                case .tooLarge: return .failure(.tooLarge("gzip body: \(error)"))
                case .corrupt: return .failure(.malformed("gzip body: \(error)"))
                }
            }
        }
        // Keep the reservation equal to what is held: grow it to the plain size, or give back the excess.
        if body.count > reserved {
            guard pipeline.reserve(bytes: body.count - reserved) else {
                pipeline.release(bytes: reserved)
                return .failure(.overloaded)
            }
        } else if body.count < reserved {
            pipeline.release(bytes: reserved - body.count)
        }
        reserved = body.count
        return .success((body, reserved))
    }

    // MARK: Responses

    private func countRequest(_ signal: OTLPResponse.Signal, _ result: String) {
        Counter(label: "goalpost_otlp_requests_total", dimensions: [("signal", signal.rawValue), ("result", result)]).increment()
    }

    static func mediaType(_ request: Request) -> String {
        let raw = request.headers[.contentType] ?? ""
        return raw.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    static func otlpError(_ failure: BodyFailure, json: Bool, retryAfter: Int) -> Response {
        switch failure {
        case .tooLarge(let message):
            return bytes(.contentTooLarge, OTLPResponse.status(code: 8, message: message, json: json), json: json)
        case .overloaded:
            var response = bytes(.tooManyRequests, OTLPResponse.status(code: 8, message: "the ingest queue is full; retry after \(retryAfter) s", json: json), json: json)
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .unsupportedEncoding(let message):
            return bytes(.unsupportedMediaType, OTLPResponse.status(code: 3, message: message, json: json), json: json)
        case .malformed(let message):
            return bytes(.badRequest, OTLPResponse.status(code: 3, message: message, json: json), json: json)
        }
    }

    static func restError(_ failure: BodyFailure, retryAfter: Int) -> Response {
        switch failure {
        case .tooLarge(let message): return jsonError(.contentTooLarge, message)
        case .overloaded:
            var response = jsonError(.tooManyRequests, "the ingest queue is full; retry after \(retryAfter) s")
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .unsupportedEncoding(let message): return jsonError(.unsupportedMediaType, message)
        case .malformed(let message): return jsonError(.badRequest, message)
        }
    }

    static func restReply(_ reply: IngestPipeline.Reply, retryAfter: Int) -> Response {
        switch reply {
        case .accepted(let accepted, let rejected, let message):
            return rawJSON(.ok, "{\"accepted\":\(accepted),\"rejected\":\(rejected)\(message.isEmpty ? "" : ",\"message\":" + OTLPResponse.jsonString(message))}")
        case .invalid(let message):
            return jsonError(.badRequest, message)
        case .unavailable(let message):
            var response = jsonError(.serviceUnavailable, message)
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .statuses, .value:
            return jsonError(.internalServerError, "unexpected reply")
        }
    }

    static func bytes(_ status: HTTPResponse.Status, _ body: [UInt8], json: Bool) -> Response {
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        response.headers[.contentType] = json ? "application/json" : "application/x-protobuf"
        return response
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: text)))
        response.headers[.contentType] = "text/plain; charset=utf-8"
        return response
    }

    static func rawJSON(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(string: text)))
        response.headers[.contentType] = "application/json"
        return response
    }

    /// `{"error": "not_found", "message": "..."}`: a stable code from the status, and a message for people.
    static func jsonError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let code = status.reasonPhrase.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return rawJSON(status, "{\"error\":\(OTLPResponse.jsonString(String(code))),\"message\":\(OTLPResponse.jsonString(message))}")
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return jsonError(.internalServerError, "could not encode the response") }
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        response.headers[.contentType] = "application/json"
        return response
    }
}
