/// Works out the field path of a value from its byte offset, only when an error needs it, so
/// the fast path keeps no path at all: `resourceSpans[0].scopeSpans[1].spans[3].name`.
enum JSONFieldPath {
    private struct Passed: Error {}

    /// The path of the value that starts at `offset`, or nil when no value starts there (the
    /// text before it must be valid JSON, as it is when the decoder stopped at that value).
    static func path(to offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = bytes.baseAddress else { return nil }
        var walker = Walker(scanner: JSONScanner(base: base, count: bytes.count), target: offset)
        defer { walker.scanner.releaseScratch() }
        guard (try? walker.walk(depth: 0)) == true else { return nil }
        var text = ""
        for component in walker.components {
            if !text.isEmpty, !component.hasPrefix("[") { text += "." }
            text += component
        }
        return text.isEmpty ? nil : text
    }

    private struct Walker {
        var scanner: JSONScanner
        let target: Int
        var components: [String] = []

        /// True when the target is this value or inside it; throws once the walk has passed it.
        mutating func walk(depth: Int) throws -> Bool {
            let start = scanner.valueStart()
            if start == target { return true }
            if start > target || depth > 512 { throw Passed() }
            switch scanner.current {
            case ASCII.openBrace:
                guard try scanner.beginObject() else { return false }
                repeat {
                    let key = try scanner.readKey().string
                    components.append(key)
                    if try walk(depth: depth + 1) { return true }
                    components.removeLast()
                } while try scanner.nextMember()
                return false
            case ASCII.openBracket:
                guard try scanner.beginArray() else { return false }
                var index = 0
                repeat {
                    components.append("[\(index)]")
                    if try walk(depth: depth + 1) { return true }
                    components.removeLast()
                    index += 1
                } while try scanner.nextElement()
                return false
            default:
                try scanner.skipValue()
                if scanner.pos > target { throw Passed() }
                return false
            }
        }
    }
}
