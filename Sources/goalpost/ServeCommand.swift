import ArgumentParser
import Foundation
import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostRuntime
import GoalpostServer
import GoalpostStore
import Hummingbird
import Logging
import Metrics
import Prometheus
import Yams

/// `goalpost serve`: the live service. OTLP/HTTP in, durable aggregates in SQLite, evaluation on a tick.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive OTLP/HTTP telemetry and business events, keep aggregates in SQLite, and evaluate every outcome live.",
        discussion: "Every option can also come from the environment (GOALPOST_LISTEN, GOALPOST_DATA, …) or a config file (--config-file, YAML); flags win over the environment, which wins over the file. See docs/configuration.md."
    )

    @Option(help: "Folder (or file) of goalpost/v1 definitions. Env: GOALPOST_CONFIG.")
    var config: String?

    @Option(help: "Folder for the database (goalpost.sqlite). Default ./goalpost-data. Env: GOALPOST_DATA.")
    var data: String?

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one). Default 127.0.0.1:4318. Env: GOALPOST_LISTEN.")
    var listen: String?

    @Option(help: "A YAML file of settings (keys as in docs/configuration.md). Env: GOALPOST_CONFIG_FILE.")
    var configFile: String?

    @Option(help: "How often outcomes are evaluated, e.g. 10s. Env: GOALPOST_TICK_INTERVAL.")
    var tickInterval: String?

    @Option(help: "Commit durability: full (survives power loss) or normal (survives a crash). Env: GOALPOST_SYNCHRONOUS.")
    var synchronous: String?

    @Option(help: "Largest request body in bytes, compressed. Env: GOALPOST_MAX_BODY_BYTES.")
    var maxBodyBytes: Int?

    @Option(help: "Bytes of request bodies queued at most before 429. Env: GOALPOST_QUEUE_BYTES.")
    var queueBytes: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error. Env: GOALPOST_LOG_LEVEL.")
    var logLevel: String?

    @Flag(help: "Accept requests without API tokens; only on a loopback address. Env: GOALPOST_NO_AUTH=true.")
    var noAuth = false

    @Option(help: "The dashboard's address as people reach it, for links in notifications. Default http://HOST:PORT. Env: GOALPOST_PUBLIC_URL.")
    var publicURL: String?

    @Option(help: "A program runbooks may run (absolute path; repeat for more). Env: GOALPOST_RUNBOOK_COMMANDS (colon-separated).")
    var runbookCommand: [String] = []

    @Option(help: "The first wait before a failed notification is retried; it doubles for each of 4 retries (default 1s).")
    var notificationRetryDelay: String = "1s"

    @Option(help: "The Prometheus-compatible API for PromQL outcomes that name no url. Env: GOALPOST_PROMETHEUS_URL.")
    var prometheusURL: String?

    @Option(help: "How long after a minute's end PromQL outcomes fetch it (scrapes must be in; default 20s). Env: GOALPOST_SOURCE_DELAY.")
    var sourceDelay: String?

    @Option(help: "When deploys are checked after they ship, comma-separated (default 10m,30m,1h,2h,24h,72h; 'none' for never). Env: GOALPOST_DEPLOY_CHECKS.")
    var deployChecks: String?

    @Option(help: "A local git clone: a plan whose commit is in a deployed commit's history is that deploy's plan. Env: GOALPOST_REPOSITORY.")
    var repository: String?

    @Option(help: "An OpenAI-compatible chat completions endpoint for outcome sentences the grammar cannot read (key from GOALPOST_LLM_KEY). Env: GOALPOST_LLM_URL.")
    var llmURL: String?

    @Option(help: "The model to ask at --llm-url (default gpt-4o-mini). Env: GOALPOST_LLM_MODEL.")
    var llmModel: String?

    func run() async throws {
        let settings = try ServeSettings.resolve(command: self, environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        var logger = Logger(label: "goalpost")
        logger.logLevel = settings.logLevel
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let catalog = try BacktestCommand.loadCatalog(settings.definitions)
        do {
            try FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure("--data \(settings.dataDirectory): cannot create the folder (\(error.localizedDescription))")
        }
        let databasePath = (settings.dataDirectory as NSString).appendingPathComponent("goalpost.sqlite")
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: databasePath, configuration: IngestPipeline.storeConfiguration(synchronous: settings.synchronous))
        } catch {
            throw CommandFailure(error.description)
        }
        var pipelineConfiguration = IngestPipeline.Configuration()
        pipelineConfiguration.tickInterval = settings.tickInterval
        pipelineConfiguration.maximumQueuedBytes = settings.queueBytes
        pipelineConfiguration.deployChecks = settings.deployChecks
        pipelineConfiguration.repository = settings.repository
        var notifier: Notifier?
        if Notifier.isNeeded(for: catalog) {
            let environment = ProcessInfo.processInfo.environment
            let base = publicURL ?? environment["GOALPOST_PUBLIC_URL"] ?? "http://\(settings.host):\(settings.port)"
            var commands = runbookCommand
            if commands.isEmpty, let listed = environment["GOALPOST_RUNBOOK_COMMANDS"] { commands = listed.split(separator: ":").map(String.init) }
            for command in commands where !command.hasPrefix("/") {
                throw CommandFailure("--runbook-command: '\(command)' must be an absolute path")
            }
            guard let first = TimeSpan(parsing: notificationRetryDelay) else {
                throw CommandFailure("--notification-retry-delay: '\(notificationRetryDelay)' is not a duration such as 1s or 200ms")
            }
            let delays = (0..<4).map { Duration.nanoseconds(first.nanoseconds << $0) }
            notifier = Notifier(catalog: catalog, store: store, configuration: .init(dashboardURL: base, runbookCommands: commands, retryDelays: delays), logger: logger)
        }
        let pipeline: IngestPipeline
        do {
            pipeline = try IngestPipeline(catalog: catalog, store: store, configuration: pipelineConfiguration, logger: logger, notifier: notifier)
        } catch {
            throw CommandFailure("could not start the engine: \(error)")
        }
        var server = ServerConfiguration(host: settings.host, port: settings.port, maximumBodyBytes: settings.maximumBodyBytes)
        server.authentication = settings.authentication
        server.languageModel = settings.languageModel
        if settings.authentication, (try? store.tokens().contains { $0.revokedAt == nil }) != true {
            logger.warning("authentication is on and no token exists: create one with `goalpost token create --data \(settings.dataDirectory) --scopes read,ingest,admin`")
        }
        let pullSources: PullSources
        do {
            pullSources = try PullSources(catalog: catalog, pipeline: pipeline,
                                          configuration: .init(defaultPrometheusURL: settings.prometheusURL, delay: settings.sourceDelay), logger: logger)
        } catch {
            throw CommandFailure(error.description)
        }
        for name in PullSources.unreachable(in: catalog, defaultPrometheusURL: settings.prometheusURL) {
            logger.warning("a PromQL outcome names no url and --prometheus-url is not set: it is not evaluated", metadata: ["outcome": "\(name)"])
        }
        let app = buildApplication(
            configuration: server, pipeline: pipeline, store: store, registry: registry, logger: logger, notifier: notifier,
            sources: pullSources.isNeeded ? [pullSources] : [],
            onServerRunning: { port in
                // One line on stdout that scripts and tests wait for (and read the port from, with --listen :0).
                let line = "goalpost: listening on http://\(settings.host):\(port) with \(catalog.outcomes.count) outcomes, data in \(databasePath)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
        )
        try await app.runService()
    }
}

/// The serve settings after flags, environment and config file are combined (flags win, then the environment,
/// then the file, then the defaults).
struct ServeSettings {
    var definitions: String
    var dataDirectory = "goalpost-data"
    var host = "127.0.0.1"
    var port = 4318
    var tickInterval = TimeSpan.seconds(10)
    var synchronous = SQLiteStore.Configuration.Synchronous.full
    var maximumBodyBytes = 16 << 20
    var queueBytes = 64 << 20
    var logLevel = Logger.Level.info
    var authentication = true
    var prometheusURL: String?
    var sourceDelay = TimeSpan.seconds(20)
    var deployChecks = ChangePlanner.defaultChecks
    var repository: String?
    var languageModel: LanguageModelEndpoint?

    static let fileKeys = ["config", "data", "listen", "tick_interval", "synchronous", "max_body_bytes", "queue_bytes", "log_level", "no_auth",
                           "prometheus_url", "source_delay", "deploy_checks", "repository", "llm_url", "llm_model"]

    /// Whether `host` is a loopback address (where running without tokens may be allowed).
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    static func resolve(command: ServeCommand, environment: [String: String]) throws -> ServeSettings {
        var file = [String: String]()
        let fileName = command.configFile ?? environment["GOALPOST_CONFIG_FILE"]
        if let fileName {
            file = try readFile(fileName)
        }
        func value(_ flag: String?, _ env: String, _ key: String) -> (String, String)? {
            if let flag { return (flag, "--\(key.replacingOccurrences(of: "_", with: "-"))") }
            if let text = environment[env], !text.isEmpty { return (text, env) }
            if let text = file[key] { return (text, "\(fileName ?? "config file"): \(key)") }
            return nil
        }
        guard let (definitions, _) = value(command.config, "GOALPOST_CONFIG", "config") else {
            throw CommandFailure("serve needs the definitions folder: --config DIR (or GOALPOST_CONFIG, or `config:` in the config file)")
        }
        var settings = ServeSettings(definitions: definitions)
        if let (data, _) = value(command.data, "GOALPOST_DATA", "data") { settings.dataDirectory = data }
        if let (listen, source) = value(command.listen, "GOALPOST_LISTEN", "listen") {
            let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let port = Int(parts[1]), (0...65_535).contains(port) else {
                throw CommandFailure("\(source): '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:4318)")
            }
            settings.host = parts[0].isEmpty ? "127.0.0.1" : String(parts[0])
            settings.port = port
        }
        if let (text, source) = value(command.tickInterval, "GOALPOST_TICK_INTERVAL", "tick_interval") {
            guard let span = TimeSpan(parsing: text), span.nanoseconds >= 1_000_000_000 else {
                throw CommandFailure("\(source): '\(text)' is not a duration of at least 1s (e.g. 10s, 1m)")
            }
            settings.tickInterval = span
        }
        if let (text, source) = value(command.synchronous, "GOALPOST_SYNCHRONOUS", "synchronous") {
            guard let mode = SQLiteStore.Configuration.Synchronous(rawValue: text.uppercased()) else {
                throw CommandFailure("\(source): '\(text)' is not full or normal")
            }
            settings.synchronous = mode
        }
        if let (text, source) = value(command.maxBodyBytes.map(String.init), "GOALPOST_MAX_BODY_BYTES", "max_body_bytes") {
            guard let bytes = Int(text), bytes >= 1024 else { throw CommandFailure("\(source): '\(text)' is not a byte count of at least 1024") }
            settings.maximumBodyBytes = bytes
        }
        if let (text, source) = value(command.queueBytes.map(String.init), "GOALPOST_QUEUE_BYTES", "queue_bytes") {
            guard let bytes = Int(text), bytes >= 1024 else { throw CommandFailure("\(source): '\(text)' is not a byte count of at least 1024") }
            settings.queueBytes = bytes
        }
        if let (text, source) = value(command.logLevel, "GOALPOST_LOG_LEVEL", "log_level") {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw CommandFailure("\(source): '\(text)' is not a log level (trace, debug, info, notice, warning, error, critical)")
            }
            settings.logLevel = level
        }
        if let (text, source) = value(command.noAuth ? "true" : nil, "GOALPOST_NO_AUTH", "no_auth") {
            guard let off = Bool(text.lowercased()) else { throw CommandFailure("\(source): '\(text)' is not true or false") }
            if off {
                guard isLoopback(settings.host) else {
                    throw CommandFailure("\(source): authentication can only be switched off on a loopback address, not \(settings.host); create a token with `goalpost token create`")
                }
                settings.authentication = false
            }
        }
        if let (text, source) = value(command.prometheusURL, "GOALPOST_PROMETHEUS_URL", "prometheus_url") {
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw CommandFailure("\(source): '\(text)' is not an http(s) URL such as http://127.0.0.1:9090")
            }
            settings.prometheusURL = text
        }
        if let (text, source) = value(command.sourceDelay, "GOALPOST_SOURCE_DELAY", "source_delay") {
            guard let delay = TimeSpan(parsing: text), delay >= .seconds(0), delay < .minutes(1) else {
                throw CommandFailure("\(source): '\(text)' is not a duration from 0s to under a minute (e.g. 20s)")
            }
            settings.sourceDelay = delay
        }
        if let (text, source) = value(command.deployChecks, "GOALPOST_DEPLOY_CHECKS", "deploy_checks") {
            settings.deployChecks = try deployChecks(text, source: source)
        }
        if let (text, source) = value(command.repository, "GOALPOST_REPOSITORY", "repository") {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: (text as NSString).appendingPathComponent(".git"), isDirectory: &isDirectory) else {
                throw CommandFailure("\(source): '\(text)' is not a git clone (no .git in it)")
            }
            settings.repository = text
        }
        if let (text, source) = value(command.llmURL, "GOALPOST_LLM_URL", "llm_url") {
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw CommandFailure("\(source): '\(text)' is not an http(s) URL such as https://api.openai.com/v1")
            }
            let model = value(command.llmModel, "GOALPOST_LLM_MODEL", "llm_model")?.0
            settings.languageModel = LanguageModelEndpoint.fromSettings(url: text, model: model, key: environment["GOALPOST_LLM_KEY"])
        }
        return settings
    }

    /// A deploy check schedule: comma-separated whole minutes of at least 5m (`10m,30m,1h,24h`), or `none`.
    static func deployChecks(_ text: String, source: String) throws -> [TimeSpan] {
        if text.trimmingCharacters(in: .whitespaces).lowercased() == "none" { return [] }
        var spans: [TimeSpan] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard let span = TimeSpan(parsing: item), span >= .minutes(5), span.nanoseconds % 60_000_000_000 == 0 else {
                throw CommandFailure("\(source): '\(item)' is not a whole number of minutes of at least 5m (e.g. 10m,30m,1h,24h)")
            }
            spans.append(span)
        }
        return Array(Set(spans)).sorted()
    }

    /// A flat YAML mapping of the keys in `fileKeys`, values as text.
    static func readFile(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CommandFailure("\(path): cannot read the config file")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw CommandFailure("\(path): not YAML (\(error))")
        }
        guard let mapping = node?.mapping else {
            if node == nil { return [:] }
            throw CommandFailure("\(path):1:1: expected a mapping of settings")
        }
        var result = [String: String]()
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard fileKeys.contains(name) else {
                throw CommandFailure("\(path):\(key.mark?.line ?? 1):\(key.mark?.column ?? 1): unknown setting '\(name)' (expected one of \(fileKeys.joined(separator: ", ")))")
            }
            guard let scalar = value.scalar else {
                throw CommandFailure("\(path):\(value.mark?.line ?? 1):\(value.mark?.column ?? 1): \(name): expected a single value")
            }
            result[name] = scalar.string
        }
        return result
    }
}
