import Foundation
import GoalpostInvestigation
import Testing

@Suite("The Squeeze dataset format")
struct SqueezeDatasetTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/squeeze-small")

    @Test("parses root-cause sets with ';' between elements and '&' inside one")
    func notation() {
        let set = SqueezeDataset.elements("a=a1&b=b2;c=c3")
        #expect(set == [["a=a1", "b=b2"], ["c=c3"]])
        let score = SqueezeDataset.Score(predicted: [["b=b2", "a=a1"], ["c=c4"]], truth: set)
        #expect(score.truePositives == 1 && score.falsePositives == 1 && score.falseNegatives == 1)
        #expect(score.f1 == 0.5)
    }

    @Test("names the file and line of a malformed row")
    func malformed() {
        #expect(throws: InvestigationError.malformed("x.csv:3: 'real' and 'predict' must be numbers")) {
            try SqueezeDataset.cube(csv: "a,real,predict\na1,1,2\na2,one,2\n", name: "x.csv")
        }
    }

    @Test("localizes the generated fixture (scripts/gen_squeeze.py --small --seed 3) with F1 of at least 0.9 per setting")
    func fixtureF1() throws {
        for setting in ["d1_n0.05", "d2_n0.05"] {
            let folder = Self.fixtures.appendingPathComponent(setting)
            let injections = try SqueezeDataset.injections(csv: String(contentsOf: folder.appendingPathComponent("injection_info.csv"), encoding: .utf8))
            #expect(injections.count == 4)
            var total = SqueezeDataset.Score()
            for injection in injections {
                let text = try String(contentsOf: folder.appendingPathComponent("\(injection.timestamp).csv"), encoding: .utf8)
                let cube = try SqueezeDataset.cube(csv: text, name: injection.timestamp)
                let predicted = Localizer().localize(cube).suspects.map { Set($0.attributes.map { "\($0.name)=\($0.value)" }) }
                total = total + SqueezeDataset.Score(predicted: predicted, truth: injection.set)
            }
            #expect(total.f1 >= 0.9, "\(setting): F1 \(total.f1)")
        }
    }
}
