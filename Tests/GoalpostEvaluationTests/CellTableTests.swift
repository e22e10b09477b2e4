import GoalpostModel
import GoalpostTestSupport
import Testing
@testable import GoalpostEvaluation

struct CellTableTests {
    /// A seeded key: mostly strings (which pack into a slot), sometimes a number or a bool (which do not).
    static func value(_ random: inout SeededGenerator) -> AttributeValue {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: .int(Int64.random(in: 0..<5, using: &random))
        case 1: .double(Double(Int.random(in: 0..<3, using: &random)) / 2)
        case 2: .bool(Bool.random(using: &random))
        default: .string(Symbol(rawValue: UInt32.random(in: 0..<40, using: &random)))
        }
    }

    @Test("every key finds the cell it was first given, across growth, packed or not", arguments: [1, 2, 3, 6, 7])
    func findsCells(width: Int) {
        var random = SeededGenerator(seed: UInt64(width))
        var table = CellTable(width: width)
        var reference = [[AttributeValue]: Int]()
        for _ in 0..<20_000 {
            let key = (0..<width).map { _ in Self.value(&random) }
            let (index, inserted) = table.findOrInsert(key)
            if let known = reference[key] {
                #expect(index == known && !inserted)
            } else {
                #expect(inserted && index == reference.count)
                reference[key] = index
            }
        }
        #expect(table.count == reference.count)
        #expect(reference.count > (width == 1 ? 40 : 500))
        for (key, index) in reference { #expect(Array(table.key(of: index)) == key) }
    }

    @Test("a string key and a number key with the same bits are different cells")
    func kindsDiffer() {
        var table = CellTable(width: 2)
        let strings: [AttributeValue] = [.string(Symbol(rawValue: 3)), .string(Symbol(rawValue: 4))]
        let numbers: [AttributeValue] = [.int(3), .int(4)]
        let mixed: [AttributeValue] = [.string(Symbol(rawValue: 3)), .int(4)]
        func find(_ key: [AttributeValue]) -> [Int] {
            let (index, inserted) = table.findOrInsert(key)
            return [index, inserted ? 1 : 0]
        }
        #expect(find(strings) == [0, 1])
        #expect(find(numbers) == [1, 1])
        #expect(find(mixed) == [2, 1])
        #expect(find(strings) == [0, 0])
        #expect(find(mixed) == [2, 0])
    }
}
