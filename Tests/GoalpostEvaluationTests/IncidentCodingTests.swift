import Foundation
import GoalpostModel
import Testing
@testable import GoalpostEvaluation

struct IncidentCodingTests {
    static let incident = Incident(
        id: "signin-1771203660", outcome: "signin", scope: .customer("acme"), scopes: [.customer("acme"), .global],
        severity: .page, openedAt: Clock.t0 + Clock.hour + 52 * Clock.second, resolvedAt: nil,
        impact: IncidentImpact(customers: ["acme"], badEvents: 52, totalEvents: 3600, arrAtRisk: 120_000, budgetBurned: 0.0012),
        rank: 0.06,
        history: [IncidentChange(at: Clock.t0 + Clock.hour + 52 * Clock.second, kind: .opened, scope: .customer("acme"), severity: .page)]
    )

    @Test("an incident encodes with the backtest's field names and RFC 3339 times")
    func fieldNames() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(Self.incident)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["outcome"] as? String == "signin")
        #expect(object["severity"] as? String == "page")
        #expect((object["scope"] as? [String: String]) == ["kind": "customer", "customer": "acme"])
        // t0 is 2026-02-16T00:00:00Z; plus 1h 52s.
        #expect(object["openedAt"] as? String == "2026-02-16T01:00:52Z")
        #expect(object["resolvedAt"] is NSNull)
        let impact = try #require(object["impact"] as? [String: Any])
        #expect(Set(impact.keys) == ["customers", "badEvents", "totalEvents", "arrAtRisk", "budgetBurned"])
        #expect(object["rank"] as? Double == 0.06)
    }

    @Test("an incident decodes back to itself, with times as text or nanoseconds")
    func roundTrip() throws {
        var resolved = Self.incident
        resolved.resolvedAt = Clock.t0 + 2 * Clock.hour + 123_456_789
        let data = try JSONEncoder().encode(resolved)
        #expect(String(decoding: data, as: UTF8.self).contains("\"2026-02-16T02:00:00.123456789Z\""))
        #expect(try JSONDecoder().decode(Incident.self, from: data) == resolved)
        let numeric = Data(#"{"id":"x","outcome":"signin","scope":{"kind":"global"},"severity":"ticket","openedAt":1771200000000000000,"resolvedAt":"2026-02-16T01:00:00+01:00"}"#.utf8)
        let decoded = try JSONDecoder().decode(Incident.self, from: numeric)
        #expect(decoded.openedAt == Clock.t0)
        #expect(decoded.resolvedAt == Clock.t0)
        #expect(decoded.scopes == [.global])
    }

    struct RankCase: Sendable, CustomTestStringConvertible {
        var name: String
        var criticality: Criticality
        var affected: [Double]
        var shares: [Double]
        var expected: Double
        var testDescription: String { name }
    }

    // Directory: acme 600k, globex 300k, initech 100k (total 1M) → weights 0.6, 0.3, 0.1; floor 0.01.
    static let rankCases: [RankCase] = [
        // critical (1) × acme (0.6) × all failing (1) = 0.6.
        RankCase(name: "the biggest customer fully down", criticality: .critical, affected: [600_000], shares: [1], expected: 0.6),
        // high (0.5) × (0.3 × 0.5 + 0.1 × 1) = 0.5 × 0.25 = 0.125.
        RankCase(name: "two customers partly down", criticality: .high, affected: [300_000, 100_000], shares: [0.5, 1], expected: 0.125),
        // low (0.125) × unknown ARR → floor 0.01 × 1 = 0.00125.
        RankCase(name: "a customer of unknown ARR", criticality: .low, affected: [0], shares: [1], expected: 0.00125),
        // No customer told apart: medium (0.25) × global failure share 0.4 = 0.1.
        RankCase(name: "anonymous traffic", criticality: .medium, affected: [], shares: [], expected: 0.1),
    ]

    @Test("the rank case table has every case")
    func rankCaseCount() {
        #expect(Self.rankCases.count == 4)
    }

    @Test("rank = criticality × Σ customer weight × failure share", arguments: rankCases)
    func rank(_ c: RankCase) {
        let directory = [Customer(id: "acme", arr: 600_000), Customer(id: "globex", arr: 300_000), Customer(id: "initech", arr: 100_000)]
        let ranking = ImpactRanking(customers: directory, floor: 0.01)
        let affected = zip(c.affected, c.shares).map { (weight: ranking.weight(of: Customer(id: "x", arr: $0.0)), failureShare: $0.1) }
        #expect(approximately(ranking.rank(criticality: c.criticality, affected: affected, globalFailureShare: 0.4), c.expected))
    }
}
