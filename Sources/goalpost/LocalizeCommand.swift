import ArgumentParser
import Foundation
import GoalpostInvestigation

/// `goalpost localize`: root-cause localization on datasets in the Squeeze format, scored as RiskLoc scores it.
struct LocalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localize",
        abstract: "Localize root causes in a Squeeze-format dataset and score them (F1, precision, recall, ms per instance).",
        discussion: """
            DIR holds injection_info.csv (timestamp,set) and one TIMESTAMP.csv per instance (attribute columns, real, \
            predict), or subfolders that each do. Writes one CSV row per instance: setting, timestamp, predicted set, \
            true set, F1, precision, recall and milliseconds (a true positive is an exact element match); then a \
            summary per setting with micro-averaged F1 over its instances.
            """
    )

    @Option(help: "A dataset folder, or a folder of dataset folders.")
    var input: String

    @Option(help: "Where to write the per-instance CSV (default: standard output, with the summary on standard error).")
    var output: String?

    @Option(help: "The most attributes in one root-cause element.")
    var maxDepth = 3

    func run() throws {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: input)
        var settings: [URL] = []
        if fm.fileExists(atPath: root.appendingPathComponent("injection_info.csv").path) {
            settings = [root]
        } else {
            let children = (try? fm.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? []
            settings = children.filter { fm.fileExists(atPath: $0.appendingPathComponent("injection_info.csv").path) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        guard !settings.isEmpty else { throw CommandFailure("\(input): no injection_info.csv here or in a subfolder") }

        let localizer = Localizer(configuration: .init(maxDepth: maxDepth))
        let clock = ContinuousClock()
        var rows = ["setting,timestamp,predicted,truth,f1,precision,recall,ms"]
        var summary = ["setting            instances     F1  precision  recall   ms/instance (mean, max)"]
        for folder in settings {
            let name = folder.lastPathComponent
            let injections: [SqueezeDataset.Injection]
            do {
                injections = try SqueezeDataset.injections(csv: try Self.read(folder.appendingPathComponent("injection_info.csv")))
            } catch let error as InvestigationError {
                throw CommandFailure("\(name)/\(error)")
            }
            var total = SqueezeDataset.Score()
            var milliseconds: [Double] = []
            for injection in injections {
                let file = folder.appendingPathComponent("\(injection.timestamp).csv")
                let cube: LocalizationCube
                do {
                    cube = try SqueezeDataset.cube(csv: try Self.read(file), name: "\(name)/\(injection.timestamp).csv")
                } catch let error as InvestigationError {
                    throw CommandFailure(error.description)
                }
                var localization: Localization?
                let elapsed = clock.measure { localization = localizer.localize(cube) }
                let suspects = localization?.suspects ?? []
                let predicted = suspects.map { Set($0.attributes.map { "\($0.name)=\($0.value)" }) }
                let score = SqueezeDataset.Score(predicted: predicted, truth: injection.set)
                total = total + score
                let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                milliseconds.append(ms)
                let truth = injection.set.map { $0.sorted().joined(separator: "&") }.joined(separator: ";")
                rows.append([
                    name, injection.timestamp, SqueezeDataset.notation(suspects), truth,
                    Self.fixed(score.f1), Self.fixed(score.precision), Self.fixed(score.recall), Self.fixed(ms, digits: 2),
                ].joined(separator: ","))
            }
            let mean = milliseconds.isEmpty ? 0 : milliseconds.reduce(0, +) / Double(milliseconds.count)
            summary.append(
                "\(name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(injections.count).leftPadded(9)) "
                    + "\(Self.fixed(total.f1).leftPadded(6)) \(Self.fixed(total.precision).leftPadded(10)) "
                    + "\(Self.fixed(total.recall).leftPadded(7))   \(Self.fixed(mean, digits: 1)), \(Self.fixed(milliseconds.max() ?? 0, digits: 1))"
            )
        }
        let csv = rows.joined(separator: "\n") + "\n"
        if let output {
            do { try csv.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                throw CommandFailure("\(output): \(error.localizedDescription)")
            }
            print(summary.joined(separator: "\n"))
        } else {
            print(csv, terminator: "")
            FileHandle.standardError.write(Data((summary.joined(separator: "\n") + "\n").utf8))
        }
    }

    static func read(_ url: URL) throws -> String {
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw CommandFailure("\(url.path): cannot be read (\(error.localizedDescription))")
        }
    }

    static func fixed(_ value: Double, digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
