import Foundation
import GoalpostModel

/// Writes a simulated period to a recorded-telemetry file (OTLP/JSON lines) plus its deploys and ground truth.
public enum RecordedDayWriter {
    /// What was written.
    public struct Summary: Sendable {
        public var spans: Int
        public var lines: Int
        public var bytes: Int
    }

    /// Simulates `configuration` and writes every minute's spans to `path` as OTLP/JSON lines.
    /// Memory stays at one minute of traffic; `progress` is told the fraction done after each simulated hour.
    public static func write(_ configuration: SimulationConfiguration, to path: String, progress: (Double) -> Void = { _ in }) throws -> Summary {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = try? FileHandle(forWritingTo: URL(fileURLWithPath: path)) else {
            let folder = (path as NSString).deletingLastPathComponent
            let reason = FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder) ? "not writable" : "its folder does not exist"
            throw RecordedDayWriterError(description: "\(path): cannot create the file (\(reason))")
        }
        defer { try? handle.close() }
        var simulator = Simulator(configuration: configuration)
        let writer = OTLPJSONWriter(simulator: simulator)
        var spans: [SpanRecord] = []
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var summary = Summary(spans: 0, lines: 0, bytes: 0)
        var minute = 0
        let totalMinutes = max(1, Int(configuration.duration.wholeMinutes))
        while simulator.nextMinute(into: &spans) {
            writer.appendLines(for: spans, to: &buffer)
            summary.spans += spans.count
            minute += 1
            if buffer.count >= 1 << 20 || simulator.isFinished {
                summary.lines += buffer.count { $0 == 0x0A }
                summary.bytes += buffer.count
                do {
                    try handle.write(contentsOf: buffer)
                } catch {
                    throw RecordedDayWriterError(description: "\(path): write failed after \(summary.bytes) bytes (\(error.localizedDescription))")
                }
                buffer.removeAll(keepingCapacity: true)
            }
            if minute % 60 == 0 { progress(Double(minute) / Double(totalMinutes)) }
        }
        return summary
    }

    /// The deploys of the simulated period as the backtest's deploys file expects them.
    public static func deploysJSON(_ scenario: Scenario) throws -> Data {
        let records: [[String: Any]] = scenario.deploys.map { deploy in
            var record: [String: Any] = ["service": deploy.service, "version": deploy.version, "time_unix_nano": String(deploy.timeUnixNano)]
            if let title = deploy.title { record["title"] = title }
            if let description = deploy.description { record["description"] = description }
            if !deploy.changedFiles.isEmpty { record["changed_files"] = deploy.changedFiles }
            if let commit = deploy.commit { record["commit"] = commit }
            if let environment = deploy.environment { record["environment"] = environment }
            return record
        }
        return try JSONSerialization.data(withJSONObject: records, options: [.prettyPrinted, .sortedKeys])
    }

    /// The ground-truth onsets as the backtest's onsets file expects them.
    public static func onsetsJSON(_ scenario: Scenario) throws -> Data {
        let records: [[String: Any]] = scenario.onsets.map { onset in
            ["outcome": onset.outcome, "customers": onset.customers, "start_unix_nano": String(onset.startUnixNano),
             "end_unix_nano": String(onset.endUnixNano), "description": onset.description]
        }
        return try JSONSerialization.data(withJSONObject: records, options: [.prettyPrinted, .sortedKeys])
    }

    /// The simulated customers as the backtest's customers file expects them.
    public static func customersJSON(_ roster: Roster) throws -> Data {
        let records: [[String: Any]] = roster.customers.map { simulated in
            let customer = simulated.customer
            var record: [String: Any] = ["id": customer.id]
            if let name = customer.name { record["name"] = name }
            if let tier = customer.tier { record["tier"] = tier }
            if let arr = customer.arr { record["arr"] = arr }
            if let region = customer.region { record["region"] = region }
            return record
        }
        return try JSONSerialization.data(withJSONObject: records, options: [.prettyPrinted, .sortedKeys])
    }
}

/// Writing a simulated recording failed: which file and why.
public struct RecordedDayWriterError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
