import Foundation
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import Testing

let minute: Int64 = 60_000_000_000
let t0: Int64 = 1_794_830_400 * 1_000_000_000  // 2026-11-16T12:00:00Z

/// The demo's story as cells: auth-api 2.3.1 breaks /sso/callback; enterprise customers c00–c04 use SSO.
func ssoInput(deploys: [Deploy], breaks: Bool = true) -> InvestigationInput {
    var builder = CubeBuilder()
    builder.tiers = true
    let (allIncident, allBaseline, dimensions) = builder.build {
        breaks && $0["http.route"] == "/sso/callback" && $0["service.version"] == "2.3.1"
    }
    // Only enterprise customers sign in through SSO.
    let sso = { (cells: [CellCounts]) in
        cells.filter { $0.dimensions["http.route"] != "/sso/callback" || $0.dimensions["customer.tier"] == "enterprise" }
    }
    let incident = sso(allIncident), baseline = sso(allBaseline)
    let outcome = Outcome(
        name: "sign-in", statement: "every customer can sign in", owner: "identity-team", criticality: .critical,
        indicator: Indicator(source: .traces, service: "auth-api", operations: ["/login", "/sso/callback"]), objective: 0.99,
        dimensions: dimensions
    )
    let customers = CubeBuilder.customers.enumerated().map { n, id in
        Customer(id: id, name: "Customer \(id)", tier: n < 5 ? "enterprise" : "business", arr: n < 5 ? 500_000 : 50_000, contact: "\(id)@example.com", runbook: "https://runbooks/\(id)")
    }
    // 60 quiet minutes at 0.5% bad, then 30 at 3%: the onset is minute 60.
    let series = (0..<90).map { m in MinuteCounts(start: t0 + Int64(m) * minute, bad: m < 60 ? 5 : 30, total: 1000) }
    var samples: [EventSample] = []
    for k in 0..<12 {
        let early = k < 5
        let message: String = early ? "token for user \(100 + k) expired" : "SAML assertion for user \(200 + k) not valid"
        let attributes: [String: String] = [
            "error.type": early ? "TokenExpired" : "SAMLError", "http.route": "/sso/callback", "service.version": early ? "2.3.0" : "2.3.1",
        ]
        let time: Int64 = t0 + Int64(55 + k) * minute
        let trace = String(repeating: String(k % 10), count: 32)
        samples.append(EventSample(
            outcome: "sign-in", timeUnixNano: time, service: "auth-api", operation: "/sso/callback", isError: true,
            durationNanos: 0, customer: "c0\(k % 5)", traceID: trace, message: message, attributes: attributes
        ))
    }
    let incidentRecord = Incident(id: "sign-in-1", outcome: "sign-in", scope: .global, scopes: [.global], severity: .page, openedAt: t0 + 66 * minute)
    return InvestigationInput(
        incident: incidentRecord, outcome: outcome, incidentCells: incident, baselineCells: baseline, series: series, deploys: deploys,
        samples: samples, customers: customers
    )
}

@Suite("Onset, change correlation, evidence, impact and recommendation")
struct InvestigatorTests {
    @Test("the onset is the minute the bad ratio rose, not the alert")
    func onset() throws {
        let series = (0..<90).map { m in MinuteCounts(start: t0 + Int64(m) * minute, bad: m < 60 ? 5 : 30, total: 1000) }
        let onset = try #require(Onset.detect(series))
        #expect(onset.at == t0 + 60 * minute)
        #expect(abs(onset.badRatioBefore - 0.005) < 1e-9 && abs(onset.badRatioAfter - 0.03) < 1e-9)
        #expect(Onset.detect((0..<30).map { MinuteCounts(start: t0 + Int64($0) * minute, bad: 5, total: 1000) }) == nil)
    }

    @Test("names the deploy whose version carries the failures, and rolls it back")
    func blamesTheDeploy() {
        let deploys = [
            Deploy(service: "auth-api", version: "2.3.0", timeUnixNano: t0 - 600 * minute),
            Deploy(service: "auth-api", version: "2.3.1", timeUnixNano: t0 + 55 * minute, title: "SSO callback refactor"),
            Deploy(service: "billing-api", version: "7.1.0", timeUnixNano: t0 + 58 * minute),
        ]
        let result = Investigator().investigate(ssoInput(deploys: deploys))
        #expect(result.suspects.map { Set($0.attributes.map { "\($0.name)=\($0.value)" }) } == [["http.route=/sso/callback", "service.version=2.3.1"]])
        #expect(result.change?.service == "auth-api" && result.change?.version == "2.3.1")
        #expect(result.changes.count == 2)  // the 2.3.0 deploy is 10 h old: out of the look-back
        #expect(result.recommendation.action == .rollback)
        #expect(result.recommendation.text.contains("to 2.3.0"))
        #expect(result.summary.contains("http.route=/sso/callback, service.version=2.3.1"))
        #expect(result.markdown.contains("## What changed"))
    }

    @Test("an outage with an unrelated deploy nearby is not blamed on it")
    func unrelatedDeploy() {
        let deploys = [Deploy(service: "billing-api", version: "7.1.0", timeUnixNano: t0 + 58 * minute)]
        let result = Investigator().investigate(ssoInput(deploys: deploys))
        #expect(result.change == nil)
        #expect((result.changes.first?.score ?? 1) < ChangeCorrelation.threshold)
        #expect(result.summary.contains("no recorded change explains it"))
        #expect(result.recommendation.action == .escalate)
        #expect(result.recommendation.owner == "identity-team")
    }

    @Test("impact lists the enterprise customers with their ARR and recomputes the rank")
    func impact() {
        let result = Investigator().investigate(ssoInput(deploys: []))
        let ids = result.impact.customers.map(\.id).sorted()
        #expect(ids == ["c00", "c01", "c02", "c03", "c04"])
        #expect(result.impact.arrAtRisk == 2_500_000)
        #expect(result.impact.customers.allSatisfy { $0.tier == "enterprise" && $0.failureShare > 0.01 })
        #expect(result.impact.rank > 0)
    }

    @Test("one customer only: that customer's runbook and contact")
    func customerRunbook() {
        var input = ssoInput(deploys: [])
        var builder = CubeBuilder()
        builder.tiers = true
        let (incident, baseline, _) = builder.build { $0["customer.id"] == "c07" }
        input.incidentCells = incident
        input.baselineCells = baseline
        let result = Investigator().investigate(input)
        #expect(result.suspects.map(\.notation) == ["customer.id=c07"])
        #expect(result.recommendation.action == .customerRunbook)
        #expect(result.recommendation.runbook == "https://runbooks/c07")
    }

    @Test("evidence groups messages into templates and counts them before and during")
    func evidence() {
        #expect(Evidence.template("user 123 not found") == Evidence.template("user 456 not found"))
        #expect(Evidence.template("user 123 not found") == "user <*> not found")
        #expect(Evidence.template("lookup of 'alice' failed after 30ms (id=9f8e7d6c5b4a39281716)") == "lookup of <*> failed after <*> (<*>)")
        let result = Investigator().investigate(ssoInput(deploys: []))
        let saml = result.evidence.messages.first { $0.text == "SAML assertion for user <*> not valid" }
        #expect(saml?.before == 0 && saml?.during == 7)
        #expect(result.evidence.errorTypes.first?.text == "SAMLError")
        #expect(result.evidence.traceIDs.count == 5)
    }

    @Test("the JSON form has the documented field names")
    func json() throws {
        let result = Investigator().investigate(ssoInput(deploys: [Deploy(service: "auth-api", version: "2.3.1", timeUnixNano: t0 + 55 * minute)]))
        let data = try JSONEncoder().encode(result)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["onset", "suspects", "change", "evidence", "impact", "recommendation"] { #expect(object[key] != nil, "\(key)") }
        let suspect = try #require((object["suspects"] as? [[String: Any]])?.first)
        #expect(suspect["attributes"] as? [String: String] == ["http.route": "/sso/callback", "service.version": "2.3.1"])
        let change = try #require(object["change"] as? [String: Any])
        #expect(change["service"] as? String == "auth-api" && change["version"] as? String == "2.3.1" && change["score"] is Double)
    }
}
