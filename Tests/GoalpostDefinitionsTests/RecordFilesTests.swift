import Foundation
import GoalpostDefinitions
import GoalpostModel
import Testing

struct RecordFilesTests {
    func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("goalpost-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test("RFC 3339 times parse to the epoch nanoseconds Python's datetime gives")
    func rfc3339Known() {
        // python3: datetime(2026,11,16,tzinfo=timezone.utc).timestamp() == 1794787200
        #expect(Timestamp.parse("2026-11-16T00:00:00Z") == 1_794_787_200_000_000_000)
        let fourteenOhFive: Int64 = 1_794_787_200_000_000_000 + 14 * 3_600_000_000_000 + 5 * 60_000_000_000
        #expect(Timestamp.parse("2026-11-16T15:05:00+01:00") == fourteenOhFive)
        #expect(Timestamp.parse("1970-01-01T00:00:00.000000001Z") == 1)
        #expect(Timestamp.parse("2024-02-29T12:00:00.5Z") == 1_709_208_000_500_000_000)
        // Outside what 64-bit nanoseconds hold: refused, not a trap.
        #expect(Timestamp.parse("9999-12-31T23:59:59Z") == nil)
        #expect(Timestamp.parse("2262-04-12T00:00:00Z") == nil)
        for bad in ["2026-11-16", "2026-13-01T00:00:00Z", "2026-11-16T25:00:00Z", "2026-11-16T00:00:00", "2026-11-16T00:00:00.Z", "x"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("format and parse are inverse on seeded random times")
    func rfc3339RoundTrip() {
        var state: UInt64 = 42
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let nanos = Int64(bitPattern: state % 4_000_000_000_000_000_000)
            #expect(Timestamp.parse(Timestamp.format(nanos)) == nanos)
        }
        #expect(Timestamp.format(1_794_787_200_000_000_000) == "2026-11-16T00:00:00Z")
    }

    @Test("a deploys file with both time forms reads into deploys")
    func deploys() throws {
        let path = try write("""
        [{"service":"auth-api","version":"2.3.1","time":"2026-11-16T14:05:00Z","title":"Rotate keys","changed_files":["a.swift"],"commit":"e4d1"},
         {"service":"search-api","version":"1.49.0","time_unix_nano":"1794793200000000000"}]
        """)
        let deploys = try RecordFiles.deploys(contentsOf: path)
        #expect(deploys.count == 2)
        #expect(deploys[0].timeUnixNano == 1_794_787_200_000_000_000 + (14 * 60 + 5) * 60_000_000_000)
        #expect(deploys[0].changedFiles == ["a.swift"])
        #expect(deploys[1].timeUnixNano == 1_794_793_200_000_000_000)
    }

    @Test("bad records name the file, the element and the field", arguments: [
        (#"[{"service":"a","version":"1"}]"#, "[0].time: is required (an RFC 3339 time such as 2026-11-16T14:05:00Z, or time_unix_nano)"),
        (#"[{"service":"a","version":"1","time":"yesterday"}]"#, "[0].time: 'yesterday' is not an RFC 3339 time such as 2026-11-16T14:05:00Z"),
        (#"[{"service":"a","version":"1","time_unix_nano":1,"changed_files":"x"}]"#, "[0].changed_files: expected an array of strings"),
        (#"[{"service":"a","versoin":"1","time_unix_nano":1}]"#, "[0].versoin: unknown field (did you mean 'version'?)"),
        (#"{"service":"a"}"#, "expected a JSON array of objects"),
        (#"[1]"#, "[0]: expected an object"),
    ])
    func badDeploys(json: String, expected: String) throws {
        let path = try write(json)
        #expect(throws: RecordFileError.self) { try RecordFiles.deploys(contentsOf: path) }
        do {
            _ = try RecordFiles.deploys(contentsOf: path)
        } catch {
            #expect(error.description == "\(path): \(expected)")
        }
    }

    @Test("customers from a file merge into defined ones, the file's fields winning where given")
    func customersMerge() throws {
        let path = try write(#"[{"id":"acme","arr":500000},{"id":"newco","tier":"free","arr":0}]"#)
        let records = try RecordFiles.customers(contentsOf: path)
        let merged = RecordFiles.merge(records, into: [Customer(id: "acme", name: "Acme", tier: "enterprise", arr: 1)])
        #expect(merged == [Customer(id: "acme", name: "Acme", tier: "enterprise", arr: 500_000), Customer(id: "newco", tier: "free", arr: 0)])
    }

    @Test("an onset must not end before it starts")
    func onsets() throws {
        let good = try RecordFiles.onsets(contentsOf: try write(#"[{"outcome":"sign-in","customers":["acme"],"start":"2026-11-16T14:05:00Z","end":"2026-11-16T15:35:00Z"}]"#))
        #expect(good.first?.customers == ["acme"])
        #expect(throws: RecordFileError.self) {
            try RecordFiles.onsets(contentsOf: try write(#"[{"outcome":"x","start":"2026-11-16T14:05:00Z","end":"2026-11-16T13:00:00Z"}]"#))
        }
    }
}
