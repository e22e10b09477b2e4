import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostInvestigation
import GoalpostModel
import GoalpostStore
import Logging
import ServiceLifecycle

/// Tells people: turns incident events into notifications by the escalation policies, deduplicated per incident,
/// rate limited per target, retried with backoff, and recorded (sent, dead, suppressed and why); runs or
/// proposes the runbooks whose pattern an investigation matches. Runs as its own service, so a slow or failing
/// target never holds up ingest; each target gets its messages in order.
public final class Notifier: ServiceLifecycle.Service, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// The dashboard's address as people reach it, for links in messages.
        public var dashboardURL: String
        /// Programs a runbook may run (absolute paths); anything else is refused.
        public var runbookCommands: [String]
        /// Waits between attempts; after the last one a notification is a dead letter.
        public var retryDelays: [Duration]
        public var requestTimeout: TimeInterval
        /// Fills `${NAME}` in target URLs, keys and secrets.
        public var environment: [String: String]
        /// How often an open incident's Alertmanager alert is sent again (Alertmanager resolves alerts it stops hearing about).
        public var alertmanagerRefresh: TimeSpan

        public init(dashboardURL: String, runbookCommands: [String] = [], retryDelays: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8)],
                    requestTimeout: TimeInterval = 10, environment: [String: String] = ProcessInfo.processInfo.environment,
                    alertmanagerRefresh: TimeSpan = .minutes(1)) {
            self.dashboardURL = dashboardURL
            self.runbookCommands = runbookCommands
            self.retryDelays = retryDelays
            self.requestTimeout = requestTimeout
            self.environment = environment
            self.alertmanagerRefresh = alertmanagerRefresh
        }
    }

    /// What the pipeline tells the notifier, after it is stored.
    public enum Input: Sendable {
        /// `at`: the pipeline's time when it happened (the evaluation's, for what an evaluation found).
        case event(IncidentEventKind, Incident, Investigation?, by: String?, at: Int64)
        /// An evaluation ran: delayed escalation steps, held tickets and Alertmanager refreshes come due.
        case tick(now: Int64, open: [Incident])
        /// A deploy check failed: the ticket-level targets of the policies covering its failing outcomes hear of it.
        case deployCheck(DeployCheck)
    }

    public let configuration: Configuration
    private let catalog: Catalog
    private let store: any Store
    private let logger: Logger
    private let inputs: AsyncStream<Input>
    private let continuation: AsyncStream<Input>.Continuation

    // State of the consumer of `inputs` (one task).
    private struct Tracked {
        var incident: Incident
        var investigation: Investigation?
        var notified: [String] = []
        var stepsDone: Set<String> = []
        var acknowledged = false
        var held: [String] = []
        var runbooksDone: Set<String> = []
        var alertmanagerSentAt: Int64 = .min
    }
    private var tracked: [String: Tracked] = [:]
    /// The silences running when the input being handled arrived (read once per input, not per target).
    private var silences: [Silence] = []
    /// The pipeline's time of the input being handled: the notifier's now (silences, rate limits, quiet hours and
    /// the time notifications are recorded at follow the pipeline's clock, which is the simulated one in the demo).
    private var now: Int64 = 0
    private var sentTimes: [String: [Int64]] = [:]
    private var queues: [String: AsyncStream<Delivery>.Continuation] = [:]
    private var workers: [Task<Void, Never>] = []

    struct Delivery: Sendable {
        var target: NotificationTarget
        var incident: String
        var event: String
        var url: String
        var headers: [String: String]
        var body: [UInt8]
        /// When it was decided.
        var at: Int64
    }

    public init(catalog: Catalog, store: any Store, configuration: Configuration, logger: Logger) {
        self.catalog = catalog
        self.store = store
        self.configuration = configuration
        self.logger = logger
        (inputs, continuation) = AsyncStream.makeStream(of: Input.self)
    }

    /// Whether the catalog asks for any notification or runbook.
    public static func isNeeded(for catalog: Catalog) -> Bool {
        !catalog.escalationPolicies.isEmpty || !catalog.runbooks.isEmpty
    }

    public func send(_ input: Input) { continuation.yield(input) }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await input in inputs { await handle(input) }
        } onGracefulShutdown: { [continuation] in
            continuation.finish()
        }
        for queue in queues.values { queue.finish() }
        for worker in workers { await worker.value }
    }

    // MARK: Planning

    private func handle(_ input: Input) async {
        switch input {
        case .event(_, _, _, _, let at): now = at
        case .tick(let at, _): now = at
        case .deployCheck(let check): now = check.at
        }
        silences = (try? store.silences(endingAfter: now)) ?? []
        switch input {
        case .event(let kind, let incident, let investigation, let by, _):
            var state = tracked[incident.id] ?? Tracked(incident: incident)
            state.incident = incident
            if let investigation { state.investigation = investigation }
            tracked[incident.id] = state
            switch kind {
            case .opened, .escalated:
                notifySteps(incident.id, event: kind, now: incident.history.last?.at ?? incident.openedAt)
                await runbooks(incident.id)
            case .investigated:
                guard tracked[incident.id]?.incident.isOpen == true else { return }
                deliverToNotified(incident.id, event: .investigated, note: nil)
                await runbooks(incident.id)
            case .acknowledged:
                tracked[incident.id]?.acknowledged = true
                deliverToNotified(incident.id, event: .acknowledged, note: by.map { "Acknowledged by \($0)" })
            case .resolved:
                deliverToNotified(incident.id, event: .resolved, note: by.map { "Resolved by \($0)" })
                tracked[incident.id] = nil
            }
        case .tick(let now, let open):
            for incident in open where tracked[incident.id] != nil {
                tracked[incident.id]?.incident = incident
                notifySteps(incident.id, event: .opened, now: now)
                releaseHeld(incident.id, now: now)
                refreshAlertmanager(incident.id, now: now)
            }
        case .deployCheck(let check):
            announce(check)
        }
    }

    /// Sends a failed deploy check to chat and webhook targets of the ticket steps of every policy covering a
    /// failing outcome (pagers and Alertmanager take incidents, not deploy verdicts).
    private func announce(_ check: DeployCheck) {
        let failing = check.outcomes.filter { $0.verdict == .fail }.map(\.outcome)
        var names: [String] = []
        for policy in catalog.escalationPolicies where failing.contains(where: policy.covers(outcome:)) {
            for step in policy.steps where step.severity == .ticket {
                for target in step.targets where !names.contains(target) { names.append(target) }
            }
        }
        let key = "deploy:\(check.deploy)"
        for name in names {
            guard let target = catalog.notificationTargets.first(where: { $0.name == name }) else { continue }
            let body: [UInt8]
            var headers = ["Content-Type": "application/json", "User-Agent": "goalpost"]
            let url: String
            switch target.kind {
            case .slack(let webhook):
                url = webhook
                body = NotificationPayloads.slack(deployCheck: check, dashboard: configuration.dashboardURL)
            case .webhook(let endpoint, let secret, let extra):
                url = endpoint
                body = NotificationPayloads.webhook(deployCheck: check)
                for (key, value) in extra { headers[key] = resolve(value) }
                headers["X-Goalpost-Event"] = "deploy.check"
                if let secret {
                    headers["X-Goalpost-Signature"] = "sha256=" + HMACSHA256.hex(key: Array(resolve(secret).utf8), message: body)
                }
            case .pagerDuty, .alertmanager:
                record(key, name, "deploy.check", .suppressed, "deploy checks go to chat and webhook targets, not pagers")
                continue
            }
            enqueue(Delivery(target: target, incident: key, event: "deploy.check", url: resolve(url), headers: headers, body: body, at: now))
        }
    }

    /// Sends every due step of every policy that covers the incident's outcome, once per step.
    private func notifySteps(_ id: String, event: IncidentEventKind, now: Int64) {
        guard let state = tracked[id] else { return }
        let incident = state.incident
        var targets: [String] = []
        for policy in catalog.escalationPolicies where policy.covers(outcome: incident.outcome) {
            for (index, step) in policy.steps.enumerated() {
                let key = "\(policy.name)#\(index)#\(incident.severity.rawValue)"
                guard !state.stepsDone.contains(key), incident.severity >= step.severity, incident.rank >= step.minimumRank else { continue }
                if step.after.nanoseconds > 0 {
                    guard !state.acknowledged, now &- incident.openedAt >= step.after.nanoseconds else { continue }
                }
                tracked[id]?.stepsDone.insert(key)
                if step.severity == .ticket, incident.severity == .ticket, let quiet = policy.quietHours, Self.isQuiet(quiet, at: now) {
                    for target in step.targets where !(tracked[id]?.held.contains(target) ?? true) {
                        tracked[id]?.held.append(target)
                        record(incident.id, target, event.rawValue, .suppressed, "quiet hours of policy \(policy.name); held until they end")
                    }
                    continue
                }
                for target in step.targets where !targets.contains(target) { targets.append(target) }
            }
        }
        for target in targets { deliver(id, to: target, event: event, note: nil) }
    }

    private func releaseHeld(_ id: String, now: Int64) {
        guard let state = tracked[id], !state.held.isEmpty else { return }
        let quiet = catalog.escalationPolicies.contains { $0.covers(outcome: state.incident.outcome) && $0.quietHours.map { Self.isQuiet($0, at: now) } == true }
        guard !quiet else { return }
        tracked[id]?.held = []
        for target in state.held { deliver(id, to: target, event: .opened, note: "Held during quiet hours") }
    }

    private func refreshAlertmanager(_ id: String, now: Int64) {
        guard let state = tracked[id], state.alertmanagerSentAt != .min, now &- state.alertmanagerSentAt >= configuration.alertmanagerRefresh.nanoseconds else { return }
        for name in state.notified {
            guard let target = catalog.notificationTargets.first(where: { $0.name == name }), case .alertmanager = target.kind else { continue }
            deliver(id, to: name, event: .investigated, note: nil, refresh: true)
        }
    }

    private func deliverToNotified(_ id: String, event: IncidentEventKind, note: String?) {
        guard let state = tracked[id] else { return }
        for target in state.notified { deliver(id, to: target, event: event, note: note) }
    }

    /// Whether `time` falls in the quiet hours (which may span midnight), in their time zone.
    public static func isQuiet(_ quiet: EscalationPolicy.QuietHours, at time: Int64) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: quiet.timeZone) ?? TimeZone(identifier: "UTC") ?? calendar.timeZone
        let date = Date(timeIntervalSince1970: Double(time) / 1e9)
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return quiet.startMinute <= quiet.endMinute
            ? (minute >= quiet.startMinute && minute < quiet.endMinute)
            : (minute >= quiet.startMinute || minute < quiet.endMinute)
    }

    // MARK: Delivery

    private func deliver(_ id: String, to name: String, event: IncidentEventKind, note: String?, refresh: Bool = false) {
        guard let state = tracked[id], let target = catalog.notificationTargets.first(where: { $0.name == name }) else { return }
        let incident = state.incident
        // A silence holds back everything about the incidents it covers (a resolution still reaches the targets
        // that heard of the incident before the silence began).
        if event != .resolved, let silence = silences.first(where: { $0.covers(incident, at: now) }) {
            record(id, name, event.rawValue, .suppressed, "silenced by \(silence.id) until \(Timestamp.format(silence.endsAt)): \(silence.reason)")
            return
        }
        // A child outcome's pages fold into its parent's open incident.
        if event == .opened || event == .escalated, let parent = catalog.outcome(named: incident.outcome)?.parent,
           let parentIncident = tracked.values.first(where: { $0.incident.outcome == parent && $0.incident.isOpen && !$0.notified.isEmpty }) {
            record(id, name, event.rawValue, .suppressed, "folded into the incident of the parent outcome \(parent): \(parentIncident.incident.id)")
            return
        }
        if !refresh {
            var times = (sentTimes[name] ?? []).filter { now &- $0 < 60_000_000_000 }
            guard times.count < target.maximumPerMinute else {
                record(id, name, event.rawValue, .suppressed, "rate limit of \(target.maximumPerMinute) a minute reached")
                return
            }
            times.append(now)
            sentTimes[name] = times
        }
        if event == .opened || event == .escalated, !(tracked[id]?.notified.contains(name) ?? true) { tracked[id]?.notified.append(name) }
        let dashboard = configuration.dashboardURL
        let investigation = state.investigation
        var headers = ["Content-Type": "application/json", "User-Agent": "goalpost"]
        let url: String
        let body: [UInt8]
        switch target.kind {
        case .slack(let webhook):
            url = webhook
            body = NotificationPayloads.slack(incident, investigation, event: event, dashboard: dashboard, note: note)
        case .pagerDuty(let key, let endpoint):
            url = endpoint
            body = NotificationPayloads.pagerDuty(incident, investigation, event: event, routingKey: resolve(key), dashboard: dashboard)
        case .webhook(let endpoint, let secret, let extra):
            url = endpoint
            body = NotificationPayloads.webhook(incident, investigation, event: event, dashboard: dashboard)
            for (key, value) in extra { headers[key] = resolve(value) }
            headers["X-Goalpost-Event"] = event.rawValue
            if let secret {
                headers["X-Goalpost-Signature"] = "sha256=" + HMACSHA256.hex(key: Array(resolve(secret).utf8), message: body)
            }
        case .alertmanager(let base):
            url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/api/v2/alerts"
            body = NotificationPayloads.alertmanager(incident, investigation, event: event, dashboard: dashboard, now: now)
            tracked[id]?.alertmanagerSentAt = now
        }
        enqueue(Delivery(target: target, incident: id, event: refresh ? "refresh" : event.rawValue, url: resolve(url), headers: headers, body: body, at: now))
    }

    /// `${NAME}` from the environment; unknown names stay as written (the request then fails and says so).
    private func resolve(_ text: String) -> String {
        guard text.hasPrefix("${"), text.hasSuffix("}") else { return text }
        return configuration.environment[String(text.dropFirst(2).dropLast())] ?? text
    }

    private func enqueue(_ delivery: Delivery) {
        if let queue = queues[delivery.target.name] {
            queue.yield(delivery)
            return
        }
        let (stream, queue) = AsyncStream.makeStream(of: Delivery.self)
        queues[delivery.target.name] = queue
        queue.yield(delivery)
        let worker = Task { [self] in
            for await item in stream { await post(item) }
        }
        workers.append(worker)
    }

    private func post(_ delivery: Delivery) async {
        var lastError = ""
        for attempt in 0...configuration.retryDelays.count {
            if attempt > 0 { try? await Task.sleep(for: configuration.retryDelays[attempt - 1]) }
            guard let url = URL(string: delivery.url), url.scheme == "http" || url.scheme == "https" else {
                lastError = "'\(delivery.url)' is not an http(s) URL (an unset ${VARIABLE}?)"
                break
            }
            var request = URLRequest(url: url, timeoutInterval: configuration.requestTimeout)
            request.httpMethod = "POST"
            for (key, value) in delivery.headers { request.setValue(value, forHTTPHeaderField: key) }
            request.httpBody = Data(delivery.body)
            do {
                let (data, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) {
                    if delivery.event != "refresh" {
                        record(delivery.incident, delivery.target.name, delivery.event, .sent, "HTTP \(status)", attempts: attempt + 1, at: delivery.at)
                    }
                    return
                }
                lastError = "HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))"
                // A 4xx other than 408/429 will not get better by retrying.
                if (400..<500).contains(status), status != 408, status != 429 { break }
            } catch {
                lastError = error.localizedDescription
            }
        }
        logger.warning("notification failed", metadata: ["target": "\(delivery.target.name)", "incident.id": "\(delivery.incident)", "error": "\(lastError)"])
        record(delivery.incident, delivery.target.name, delivery.event, .dead, lastError, attempts: configuration.retryDelays.count + 1, at: delivery.at)
    }

    /// Records what happened to a notification; `at` is when it was decided (the input's time by default).
    private func record(_ incident: String, _ target: String, _ event: String, _ status: NotificationRecord.Status, _ detail: String, attempts: Int = 0,
                        at: Int64? = nil) {
        do {
            try store.record(notification: NotificationRecord(at: at ?? now, incident: incident, target: target, event: event,
                                                              status: status, detail: detail, attempts: attempts))
        } catch {
            logger.error("could not record a notification", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Runbooks

    /// Runs (automatic) or proposes every runbook the investigation matches, once per incident.
    private func runbooks(_ id: String) async {
        guard let state = tracked[id], let investigation = state.investigation else { return }
        for runbook in catalog.runbooks where !state.runbooksDone.contains(runbook.name) && Self.matches(runbook, state.incident, investigation) {
            tracked[id]?.runbooksDone.insert(runbook.name)
            let description = describe(runbook.action, state.incident, investigation)
            let result: (RunbookRecord.Status, String)
            if !runbook.automatic {
                result = (.proposed, "not automatic: \(description) (run it by hand, or mark the runbook automatic: true)")
            } else if runbook.dryRun {
                result = (.dryRun, "would \(description)")
            } else {
                result = await execute(runbook.action, state.incident, investigation)
            }
            do {
                try store.record(runbook: RunbookRecord(at: now, incident: id, runbook: runbook.name, status: result.0, detail: String(result.1.prefix(4096))))
            } catch {
                logger.error("could not record a runbook run", metadata: ["error": "\(error)"])
            }
            logger.notice("runbook \(result.0.rawValue)", metadata: ["runbook": "\(runbook.name)", "incident.id": "\(id)"])
        }
    }

    static func matches(_ runbook: Runbook, _ incident: Incident, _ investigation: Investigation) -> Bool {
        if let outcome = runbook.match.outcome, outcome != incident.outcome { return false }
        if !runbook.match.suspect.isEmpty {
            guard let top = investigation.suspects.first else { return false }
            let attributes = Dictionary(top.attributes.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            guard runbook.match.suspect.allSatisfy({ attributes[$0.key] == $0.value }) else { return false }
        }
        if runbook.match.changeConfinedToVersion {
            guard let change = investigation.change, change.confinement >= 0.9 else { return false }
        }
        return true
    }

    private func substitute(_ text: String, _ incident: Incident, _ investigation: Investigation) -> String {
        text.replacingOccurrences(of: "{incident}", with: incident.id)
            .replacingOccurrences(of: "{outcome}", with: incident.outcome)
            .replacingOccurrences(of: "{service}", with: investigation.change?.service ?? "")
            .replacingOccurrences(of: "{version}", with: investigation.change?.version ?? "")
    }

    private func describe(_ action: Runbook.Action, _ incident: Incident, _ investigation: Investigation) -> String {
        switch action {
        case .webhook(let url): "POST the incident to \(url)"
        case .command(let program, let arguments): "run \(([program] + arguments.map { substitute($0, incident, investigation) }).joined(separator: " "))"
        }
    }

    private func execute(_ action: Runbook.Action, _ incident: Incident, _ investigation: Investigation) async -> (RunbookRecord.Status, String) {
        switch action {
        case .webhook(let url):
            guard let endpoint = URL(string: resolve(url)) else { return (.failed, "'\(url)' is not a URL") }
            var request = URLRequest(url: endpoint, timeoutInterval: configuration.requestTimeout)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(NotificationPayloads.webhook(incident, investigation, event: .opened, dashboard: configuration.dashboardURL))
            do {
                let (_, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                return ((200..<300).contains(status) ? .succeeded : .failed, "POST \(url): HTTP \(status)")
            } catch {
                return (.failed, "POST \(url): \(error.localizedDescription)")
            }
        case .command(let program, let arguments):
            guard let allowed = configuration.runbookCommands.first(where: { $0 == program || ($0 as NSString).lastPathComponent == program }) else {
                return (.failed, "'\(program)' is not among the commands the server allows (--runbook-command); not run")
            }
            let filled = arguments.map { substitute($0, incident, investigation) }
            return await Task.detached { Self.runProcess(allowed, filled) }.value
        }
    }

    private static func runProcess(_ path: String, _ arguments: [String]) -> (RunbookRecord.Status, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            return (.failed, "\(path): \(error.localizedDescription)")
        }
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: timer)
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        let shown = "\(([path] + arguments).joined(separator: " ")): exit \(process.terminationStatus)\n" + String(decoding: text.prefix(4000), as: UTF8.self)
        return (process.terminationStatus == 0 ? .succeeded : .failed, shown)
    }
}
