import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostModel
import GoalpostSimulation
import GoalpostTelemetry

/// `goalpost simulate --target URL`: the simulator as a real-time OTLP/HTTP load generator. Each simulated minute
/// starts at the wall clock's minute; its spans go out second by second, once their second has passed, as
/// OTLP export requests (one per service and second; protobuf as SDKs send by default, or JSON) to
/// `URL/v1/traces`. The scenario's deploys are posted to `URL/api/v1/deploys` when their time comes (a receiver
/// without that API, such as a Collector, answers 404 and is left alone).
struct LiveSimulation {
    enum Encoding: String, CaseIterable { case protobuf, json }

    var configuration: SimulationConfiguration
    var target: String
    var rate: Double?
    var token: String?
    var duration: TimeSpan
    var encoding: Encoding = .protobuf
    /// When the fault starts, after now (whole minutes).
    var faultAfter: TimeSpan = .minutes(2)

    struct Summary {
        var spans = 0
        var requests = 0
        var accepted = 0
        var rejected = 0
        var failed = 0
        var failures: [String] = []
        /// Deploys posted to the deploys API (and how many it did not take).
        var deploys = 0
        var deployFailures = 0
    }

    func run() async throws -> Summary {
        let base = target.hasSuffix("/") ? String(target.dropLast()) : target
        guard let endpoint = URL(string: base + "/v1/traces"), endpoint.scheme != nil, let deploysEndpoint = URL(string: base + "/api/v1/deploys") else {
            throw CommandFailure("--target: '\(target)' is not a URL such as http://127.0.0.1:4318")
        }
        let minute: Int64 = 60_000_000_000
        let second: Int64 = 1_000_000_000
        var configuration = self.configuration
        let now = Self.clock()
        configuration.startUnixNano = now / minute * minute
        configuration.faultStartUnixNano = (now + faultAfter.nanoseconds) / minute * minute
        configuration.duration = TimeSpan(nanoseconds: (duration.nanoseconds + minute - 1) / minute * minute + minute)
        if let rate {
            // The traffic of this hour of the simulated day, at scale 1, tells the scale that gives `rate`.
            var probe = Simulator(configuration: configuration)
            var spans: [SpanRecord] = []
            _ = probe.nextMinute(into: &spans)
            configuration.trafficScale = max(0.001, rate * 60 / Double(max(1, spans.count)))
        }
        var simulator = Simulator(configuration: configuration)
        let writer = OTLPJSONWriter(simulator: simulator)
        let protobufWriter = OTLPProtobufWriter(simulator: simulator)
        let stopAt = now + duration.nanoseconds
        var summary = Summary()
        var deploys = simulator.scenario.deploys.filter { $0.timeUnixNano >= now && $0.timeUnixNano < stopAt }.sorted { $0.timeUnixNano < $1.timeUnixNano }
        var spans: [SpanRecord] = []
        var minuteStart = configuration.startUnixNano
        while Self.clock() < stopAt, simulator.nextMinute(into: &spans) {
            // One slice per second of the minute, in time order.
            var slices = [[SpanRecord]](repeating: [], count: 60)
            for span in spans {
                let index = Int((span.endUnixNano - minuteStart) / second)
                slices[min(59, max(0, index))].append(span)
            }
            for (index, slice) in slices.enumerated() {
                let due = minuteStart + Int64(index + 1) * second
                if due > stopAt { break }
                let wait = due - Self.clock()
                if wait > 0 { try await Task.sleep(for: .nanoseconds(wait)) }
                while let deploy = deploys.first, deploy.timeUnixNano < due {
                    deploys.removeFirst()
                    if await post(deploy, to: deploysEndpoint) { summary.deploys += 1 } else { summary.deployFailures += 1 }
                }
                guard !slice.isEmpty else { continue }
                // Past spans only: the ones before `now` in the first minute are dropped, as they never happened.
                let live = slice.filter { $0.endUnixNano >= now }
                guard !live.isEmpty else { continue }
                let lines: [Data]
                switch encoding {
                case .protobuf:
                    lines = protobufWriter.requests(for: live).map { Data($0) }
                case .json:
                    var out: [UInt8] = []
                    writer.appendLines(for: live, to: &out)
                    lines = out.split(separator: UInt8(ascii: "\n")).map { Data($0) }
                }
                summary.spans += live.count
                summary.requests += lines.count
                let results = await withTaskGroup(of: (Int, String?).self) { group in
                    for line in lines { group.addTask { await send(line, to: endpoint) } }
                    var collected: [(Int, String?)] = []
                    for await result in group { collected.append(result) }
                    return collected
                }
                var rejectedHere = 0
                for (rejected, failure) in results {
                    if let failure {
                        summary.failed += 1
                        if summary.failures.count < 5 { summary.failures.append(failure) }
                    } else {
                        rejectedHere += rejected
                    }
                }
                let failedSpans = results.contains { $0.1 != nil } ? live.count : 0  // Approximate: a failed request's spans are not known apart.
                summary.rejected += rejectedHere
                summary.accepted += max(0, live.count - rejectedHere - failedSpans)
            }
            minuteStart += 60 * second
        }
        return summary
    }

    /// Posts one request; returns the rejected count from `partial_success`, or a failure.
    private func send(_ body: Data, to endpoint: URL) async -> (Int, String?) {
        var request = URLRequest(url: endpoint, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue(encoding == .json ? "application/json" : "application/x-protobuf", forHTTPHeaderField: "Content-Type")
        authorize(&request)
        request.httpBody = body
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200 else { return (0, "HTTP \(status): \(String(decoding: data.prefix(200), as: UTF8.self))") }
            switch encoding {
            case .protobuf:
                guard let partial = OTLPResponse.partialSuccess(protobuf: Array(data)) else { return (0, "HTTP 200 with an unreadable export response") }
                return (partial.rejected, nil)
            case .json:
                let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                let partial = object?["partialSuccess"] as? [String: Any]
                let rejected = (partial?["rejectedSpans"] as? String).flatMap(Int.init) ?? (partial?["rejectedSpans"] as? Int) ?? 0
                return (rejected, nil)
            }
        } catch {
            return (0, error.localizedDescription)
        }
    }

    /// Posts a deploy of the scenario to the deploys API; false when it was not taken.
    private func post(_ deploy: Deploy, to endpoint: URL) async -> Bool {
        var request = URLRequest(url: endpoint, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        authorize(&request)
        var object: [String: Any] = ["service": deploy.service, "version": deploy.version, "time": Timestamp.format(deploy.timeUnixNano)]
        if let title = deploy.title { object["title"] = title }
        request.httpBody = try? JSONSerialization.data(withJSONObject: object)
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0) / 100 == 2
    }

    private func authorize(_ request: inout URLRequest) {
        if let token = token ?? ProcessInfo.processInfo.environment["GOALPOST_TOKEN"], !token.isEmpty {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
    }

    static func clock() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }
}
