import GoalpostTestSupport
import Testing
@testable import GoalpostInvestigation

/// The byte-level templating of ASCII messages must say exactly what the Unicode rules say.
struct TemplateTests {
    @Test("ASCII fast path equals the Unicode rules on random messages")
    func asciiMatchesUnicode() {
        var random = SeededRandom(seed: 11)
        let pieces = ["user", "123", "not", "found", "(id=9f8e7d6c5b4a39281716)", "'alice'", "\"x\"", "\"", "'", "a@b.c", ",", ".", "((", ")",
                      "deadbeefdeadbeef", "DEAD-BEEF-0000-1111", "0123456789abcdeg", "v2.3.1", "[ok]", "{}", "  ", "\r\n", "\t", "ping;", ":"]
        for _ in 0..<3000 {
            var message = ""
            for _ in 0..<(1 + Int(random.next() % 8)) {
                message += pieces[Int(random.next() % UInt64(pieces.count))]
                message += random.next() % 3 == 0 ? "" : " "
            }
            #expect(Evidence.asciiTemplate(message) == Evidence.unicodeTemplate(message), "\(message.debugDescription)")
        }
        #expect(Evidence.asciiTemplate("café 12") == nil, "non-ASCII text takes the Unicode path")
        #expect(Evidence.template("café 12") == "café <*>")
    }
}
