import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GoalpostModel
import GoalpostSimulation

/// `goalpost simulate --target URL`: the simulator as a real-time OTLP/HTTP load generator. Each simulated minute
/// starts at the wall clock's minute; its spans go out second by second, once their second has passed, as
/// OTLP/JSON export requests (one per service and second), to `URL/v1/traces`.
struct LiveSimulation {
    var configuration: SimulationConfiguration
    var target: String
    var rate: Double?
    var token: String?
    var duration: TimeSpan

    struct Summary {
        var spans = 0
        var requests = 0
        var accepted = 0
        var rejected = 0
        var failed = 0
        var failures: [String] = []
    }

    func run() async throws -> Summary {
        guard let endpoint = URL(string: (target.hasSuffix("/") ? String(target.dropLast()) : target) + "/v1/traces"), endpoint.scheme != nil else {
            throw CommandFailure("--target: '\(target)' is not a URL such as http://127.0.0.1:4318")
        }
        let minute: Int64 = 60_000_000_000
        let second: Int64 = 1_000_000_000
        var configuration = self.configuration
        let now = Self.clock()
        configuration.startUnixNano = now / minute * minute
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
        let stopAt = now + duration.nanoseconds
        var summary = Summary()
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
                guard !slice.isEmpty else { continue }
                // Past spans only: the ones before `now` in the first minute are dropped, as they never happened.
                let live = slice.filter { $0.endUnixNano >= now }
                guard !live.isEmpty else { continue }
                var out: [UInt8] = []
                writer.appendLines(for: live, to: &out)
                let lines = out.split(separator: UInt8(ascii: "\n")).map { Data($0) }
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
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token = token ?? ProcessInfo.processInfo.environment["GOALPOST_TOKEN"], !token.isEmpty {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        request.httpBody = body
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200 else { return (0, "HTTP \(status): \(String(decoding: data.prefix(200), as: UTF8.self))") }
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let partial = object?["partialSuccess"] as? [String: Any]
            let rejected = (partial?["rejectedSpans"] as? String).flatMap(Int.init) ?? (partial?["rejectedSpans"] as? Int) ?? 0
            return (rejected, nil)
        } catch {
            return (0, error.localizedDescription)
        }
    }

    static func clock() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }
}
