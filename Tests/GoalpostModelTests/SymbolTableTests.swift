import GoalpostModel
import Testing

/// The symbol table's byte index: a string gets one symbol however it is interned (as a `String` or as
/// bytes), across the index's growth, and bytes that are not UTF-8 do not add a second copy of a string.
struct SymbolTableTests {
    private func intern(_ bytes: [UInt8], in table: inout SymbolTable) -> Symbol {
        bytes.withUnsafeBufferPointer { table.intern(utf8: $0) }
    }

    @Test("strings and their bytes intern to one symbol, through many growths")
    func stringsAndBytesAgree() {
        var table = SymbolTable()
        var symbols: [Symbol] = []
        // Short (inline in a String) and long (on the heap) strings, some sharing their first and last bytes.
        let strings = (0..<50_000).map { n in n % 3 == 0 ? "k\(n)" : "/checkout/\(n)/confirm/with-a-longer-tail" }
        for string in strings { symbols.append(table.intern(string)) }
        #expect(table.count == strings.count + 1)
        #expect(Set(symbols).count == strings.count)
        for (string, symbol) in zip(strings, symbols) {
            #expect(intern(Array(string.utf8), in: &table) == symbol)
            #expect(table.lookup(string) == symbol)
            #expect(table[symbol] == string)
        }
        #expect(table.count == strings.count + 1)
    }

    @Test("the empty string is symbol 0, by string and by bytes")
    func empty() {
        var table = SymbolTable()
        #expect(table.intern("") == SymbolTable.empty)
        #expect(intern([], in: &table) == SymbolTable.empty)
        #expect(table.lookup("") == SymbolTable.empty)
        #expect(table.count == 1)
    }

    @Test("lookup does not add, and misses what was never interned")
    func lookupMisses() {
        var table = SymbolTable()
        let acme = table.intern("acme")
        #expect(table.lookup("acme") == acme)
        #expect(table.lookup("acme ") == nil)
        #expect(table.lookup("acm") == nil)
        #expect(table.count == 2)
        #expect(table[Symbol(rawValue: 99)] == "")
    }

    @Test("bytes that are not UTF-8 intern the string they decode to, once")
    func invalidUTF8() {
        var table = SymbolTable()
        let invalid: [UInt8] = [0x61, 0xFF, 0x62]  // "a", a stray byte, "b"
        let first = intern(invalid, in: &table)
        let second = intern(invalid, in: &table)
        #expect(first == second)
        #expect(table[first] == "a\u{FFFD}b")
        #expect(table.intern("a\u{FFFD}b") == first)
        #expect(table.count == 2)
    }

    @Test("canonically equivalent spellings are one symbol, as equal Strings are")
    func canonicalEquivalence() {
        var table = SymbolTable()
        let composed = table.intern("caf\u{E9}")
        #expect(table.intern("cafe\u{301}") == composed)
        #expect(intern(Array("cafe\u{301}".utf8), in: &table) == composed)
        #expect(table.lookup("cafe\u{301}") == composed)
        #expect(table.count == 2)
        // ASCII look-alikes stay apart.
        #expect(table.intern("cafe") != composed)
    }
}
