import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import Testing

/// A small seeded generator (SplitMix64), so every cube is the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}

/// Builds incident and baseline cells over the full product of `dimensions` (customer first), with a 0.5%
/// background bad ratio, count noise, and a 30% bad ratio in the leaves `cause` selects.
struct CubeBuilder {
    static let customers = (0..<20).map { "c\($0 < 10 ? "0" : "")\($0)" }
    static let standard: [(String, [String])] = [
        ("http.route", ["/login", "/sso/callback", "/token", "/logout", "/me"]),
        ("service.version", ["2.2.9", "2.3.0", "2.3.1"]),
        ("cloud.region", ["eu-west-1", "us-east-1", "us-west-2", "ap-south-1"]),
    ]

    var seed: UInt64 = 7
    var dimensions = standard
    /// Extra leaves per cell with a random value of a noisy dimension (name, number of values).
    var noisy: (String, Int)?
    /// The tier of each customer, as a dimension derived from the customer, when set.
    var tiers = false
    /// Whether bad events carry an `error.type` (a dimension only failures have).
    var errorType = false

    func build(cause: ([String: String]) -> Bool) -> (incident: [CellCounts], baseline: [CellCounts], dimensions: [String]) {
        var random = SplitMix(seed: seed)
        var leaves = Self.customers.map { ["customer.id": $0] }
        for (name, values) in dimensions {
            leaves = leaves.flatMap { leaf in values.map { var l = leaf; l[name] = $0; return l } }
        }
        if let (name, count) = noisy {
            leaves = leaves.flatMap { leaf in
                (0..<2).map { _ in var l = leaf; l[name] = "v\(random.int(0...(count - 1)))"; return l }
            }
        }
        var incident: [CellCounts] = [], baseline: [CellCounts] = []
        for var leaf in leaves {
            if tiers, let customer = leaf["customer.id"], let n = Int(customer.dropFirst()) {
                leaf["customer.tier"] = n < 5 ? "enterprise" : (n < 12 ? "business" : "free")
            }
            let baseTotal = Double(random.int(200...600)), nowTotal = Double(random.int(50...150))
            let baseBad = (0.005 * baseTotal + random.unit()).rounded(.down)
            let rate = cause(leaf) ? 0.3 : 0.005
            let nowBad = (rate * nowTotal + random.unit()).rounded(.down)
            let customer = leaf.removeValue(forKey: "customer.id")
            func cells(_ bad: Double, _ total: Double, into list: inout [CellCounts]) {
                if errorType {
                    var failed = leaf
                    failed["error.type"] = "SSOError"
                    list.append(CellCounts(customer: customer, dimensions: leaf, counts: Counts(good: total - bad, total: total - bad)))
                    if bad > 0 { list.append(CellCounts(customer: customer, dimensions: failed, counts: Counts(good: 0, total: bad))) }
                } else {
                    list.append(CellCounts(customer: customer, dimensions: leaf, counts: Counts(good: total - bad, total: total)))
                }
            }
            cells(baseBad, baseTotal, into: &baseline)
            cells(nowBad, nowTotal, into: &incident)
        }
        var names = dimensions.map(\.0)
        if let (name, _) = noisy { names.append(name) }
        if tiers { names.insert("customer.tier", at: 0) }
        if errorType { names.append("error.type") }
        return (incident, baseline, names)
    }
}

func suspectSet(_ localization: Localization) -> Set<Set<String>> {
    Set(localization.suspects.map { Set($0.attributes.map { "\($0.name)=\($0.value)" }) })
}

func localize(_ built: (incident: [CellCounts], baseline: [CellCounts], dimensions: [String])) -> Localization {
    let cube = LocalizationCube.incident(current: built.incident, baseline: built.baseline, dimensions: built.dimensions).cube
    return Localizer().localize(cube)
}

@Suite("Localization on constructed cubes")
struct LocalizerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var cause: @Sendable ([String: String]) -> Bool
        var expected: Set<Set<String>>
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a single cause at depth 1", cause: { $0["http.route"] == "/sso/callback" }, expected: [["http.route=/sso/callback"]]),
        Case(
            name: "a cause at depth 2",
            cause: { $0["http.route"] == "/sso/callback" && $0["service.version"] == "2.3.1" },
            expected: [["http.route=/sso/callback", "service.version=2.3.1"]]
        ),
        Case(
            name: "a cause at depth 3",
            cause: { $0["customer.id"] == "c03" && $0["http.route"] == "/token" && $0["cloud.region"] == "us-east-1" },
            expected: [["customer.id=c03", "http.route=/token", "cloud.region=us-east-1"]]
        ),
        Case(
            name: "two simultaneous causes",
            cause: { ($0["http.route"] == "/sso/callback" && $0["service.version"] == "2.3.1") || $0["cloud.region"] == "ap-south-1" },
            expected: [["http.route=/sso/callback", "service.version=2.3.1"], ["cloud.region=ap-south-1"]]
        ),
        Case(
            name: "three simultaneous causes at depths 1, 2 and 3",
            cause: {
                $0["cloud.region"] == "ap-south-1"
                    || ($0["http.route"] == "/login" && $0["service.version"] == "2.2.9")
                    || ($0["customer.id"] == "c11" && $0["http.route"] == "/me" && $0["service.version"] == "2.3.0")
            },
            expected: [["cloud.region=ap-south-1"], ["http.route=/login", "service.version=2.2.9"], ["customer.id=c11", "http.route=/me", "service.version=2.3.0"]]
        ),
        Case(name: "a cause in one customer only", cause: { $0["customer.id"] == "c07" }, expected: [["customer.id=c07"]]),
    ]

    @Test("the table covers every required shape")
    func caseCount() { #expect(Self.cases.count == 6) }

    @Test("finds exactly the injected causes", arguments: cases)
    func exactSet(_ testCase: Case) {
        let result = localize(CubeBuilder().build(cause: testCase.cause))
        #expect(suspectSet(result) == testCase.expected)
    }

    @Test("a dimension with 300 values does not hide or replace the cause")
    func noisyDimension() {
        var builder = CubeBuilder()
        builder.noisy = ("user_agent", 300)
        let result = localize(builder.build { $0["service.version"] == "2.3.1" })
        #expect(suspectSet(result) == [["service.version=2.3.1"]])
    }

    @Test("prefers the combination without the tier when the tier follows from the route")
    func functionalDependency() {
        var builder = CubeBuilder()
        builder.tiers = true
        builder.errorType = true
        // Only enterprise customers use /sso/callback here: the cause {tier, route, version} and {route, version}
        // cover the same cells; the fewer attributes win. error.type only restates failure and is left out.
        let (incident, baseline, dimensions) = builder.build {
            $0["http.route"] == "/sso/callback" && $0["service.version"] == "2.3.1" && $0["customer.tier"] == "enterprise"
        }
        let enterpriseOnly = { (cells: [CellCounts]) in
            cells.filter { $0.dimensions["http.route"] != "/sso/callback" || $0.dimensions["customer.tier"] == "enterprise" }
        }
        let (cube, derived) = LocalizationCube.incident(current: enterpriseOnly(incident), baseline: enterpriseOnly(baseline), dimensions: dimensions)
        #expect(derived == ["error.type"])
        let result = Localizer().localize(cube)
        #expect(suspectSet(result) == [["http.route=/sso/callback", "service.version=2.3.1"]])
        let suspect = result.suspects[0]
        #expect(suspect.shareOfExcess > 0.9)
        #expect((suspect.badRatioInside ?? 0) > 0.25)
        #expect((suspect.badRatioOutside ?? 1) < 0.01)
        #expect(suspect.confidence > 0.8)
    }

    @Test("no deviation, no suspects")
    func quiet() {
        let result = localize(CubeBuilder().build { _ in false })
        #expect(result.suspects.isEmpty)
    }
}
