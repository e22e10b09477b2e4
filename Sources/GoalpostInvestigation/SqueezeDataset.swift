/// The dataset format of Squeeze (Li et al., ISSRE 2019), also used by RiskLoc and others: per timestamp a CSV
/// with one row per leaf (attribute columns, `real`, `predict`), and `injection_info.csv` with `timestamp` and
/// `set`, where root-cause elements are separated by `;` and the attribute pairs of one element by `&`
/// (`a=a1&b=b2;c=c3`). Parsing works on text; reading the files is the caller's business.
public enum SqueezeDataset {
    /// A root-cause element: attribute pairs, order-free.
    public typealias Element = Set<String>

    /// Columns that are measures or labels, not attributes.
    static let measureColumns: Set<String> = ["real", "predict", "label"]

    /// Parses one timestamp's CSV into a cube (`actual` = `real`, `expected` = `predict`).
    ///
    /// - Parameters:
    ///   - text: The CSV, with a header row.
    ///   - name: The file name, for error messages.
    /// - Throws: `InvestigationError.malformed` naming the file and line when a column is missing or a value
    ///   is not a number.
    public static func cube(csv text: String, name: String) throws(InvestigationError) -> LocalizationCube {
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next() else { throw .malformed("\(name): empty file") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        guard let realColumn = columns.firstIndex(of: "real"), let predictColumn = columns.firstIndex(of: "predict") else {
            throw .malformed("\(name):1: needs 'real' and 'predict' columns (has \(columns.joined(separator: ",")))")
        }
        let attributeColumns = columns.indices.filter { !measureColumns.contains(columns[$0]) }
        var cube = LocalizationCube(dimensions: attributeColumns.map { columns[$0] })
        var lineNumber = 1
        var leafValues = [String](repeating: "", count: attributeColumns.count)
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == columns.count else {
                throw .malformed("\(name):\(lineNumber): \(fields.count) fields, the header has \(columns.count)")
            }
            guard let real = Double(fields[realColumn].trimmingSpaces()), let predict = Double(fields[predictColumn].trimmingSpaces()) else {
                throw .malformed("\(name):\(lineNumber): 'real' and 'predict' must be numbers")
            }
            // Leaves with nothing measured and nothing expected cannot deviate; the published sets are mostly these.
            if real == 0 && predict == 0 { continue }
            for (k, column) in attributeColumns.enumerated() { leafValues[k] = fields[column].trimmingSpaces() }
            cube.append(leafValues, actual: real, expected: predict, volume: max(predict, 0))
        }
        return cube
    }

    /// Parses a root-cause set in the dataset's notation.
    public static func elements(_ notation: String) -> [Element] {
        notation.split(separator: ";").compactMap { element in
            let pairs = element.split(separator: "&").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
            return pairs.isEmpty ? nil : Set(pairs)
        }
    }

    /// Writes elements in the dataset's notation, attribute pairs in `dimensions` order.
    public static func notation(_ suspects: [Suspect]) -> String {
        suspects.map(\.notation).joined(separator: ";")
    }

    /// One labelled timestamp of `injection_info.csv`.
    public struct Injection: Hashable, Sendable {
        /// The timestamp, as written (it names the leaf file `TIMESTAMP.csv`).
        public var timestamp: String
        /// The true root-cause set.
        public var set: [Element]
    }

    /// Parses `injection_info.csv` (`timestamp` and `set` columns; others are ignored).
    public static func injections(csv text: String, name: String = "injection_info.csv") throws(InvestigationError) -> [Injection] {
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next() else { throw .malformed("\(name): empty file") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        guard let timeColumn = columns.firstIndex(of: "timestamp"), let setColumn = columns.firstIndex(of: "set") else {
            throw .malformed("\(name):1: needs 'timestamp' and 'set' columns")
        }
        var result: [Injection] = []
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces().trimmingQuotes() }
            guard fields.count > max(timeColumn, setColumn) else { throw .malformed("\(name):\(lineNumber): too few fields") }
            result.append(Injection(timestamp: fields[timeColumn], set: elements(fields[setColumn])))
        }
        return result
    }

    /// True positives, false positives and false negatives of a prediction (a TP is an exact element match).
    public struct Score: Hashable, Sendable, Codable {
        public var truePositives = 0, falsePositives = 0, falseNegatives = 0
        public init() {}

        /// Scores `predicted` against `truth`.
        public init(predicted: [Element], truth: [Element]) {
            let p = Set(predicted), t = Set(truth)
            truePositives = p.intersection(t).count
            falsePositives = p.count - truePositives
            falseNegatives = t.count - truePositives
        }

        /// Sums two scores (micro-averaging over instances, as RiskLoc reports F1).
        public static func + (l: Score, r: Score) -> Score {
            var s = Score()
            s.truePositives = l.truePositives + r.truePositives
            s.falsePositives = l.falsePositives + r.falsePositives
            s.falseNegatives = l.falseNegatives + r.falseNegatives
            return s
        }

        public var precision: Double { truePositives + falsePositives == 0 ? 0 : Double(truePositives) / Double(truePositives + falsePositives) }
        public var recall: Double { truePositives + falseNegatives == 0 ? 0 : Double(truePositives) / Double(truePositives + falseNegatives) }
        public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    }
}

/// An investigation input that cannot be read, with the file and line.
public enum InvestigationError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let message): message
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed())
    }

    func trimmingQuotes() -> String {
        let s = String(self)
        return s.count >= 2 && s.hasPrefix("\"") && s.hasSuffix("\"") ? String(s.dropFirst().dropLast()) : s
    }
}
