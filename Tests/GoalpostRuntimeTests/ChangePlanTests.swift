import GoalpostDefinitions
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostSimulation
import Testing

/// Monitoring plans over the demo's catalog, with a day of traffic shaped like the simulator's: enterprise
/// customers on SSO sign in through /sso/callback, everyone else through /login.
@Suite("Change plans")
struct ChangePlanTests {
    static func catalog() throws -> Catalog {
        let loaded = DefinitionLoader.load(sources: [("demo.yaml", DemoDefinitions.yaml)])
        try #require(loaded.errors.isEmpty, "\(loaded.errors)")
        var catalog = loaded.catalog
        catalog.customers = Roster.standard.customers.map(\.customer)
        return catalog
    }

    static func traffic() -> [String: [CellCounts]] {
        var signIn: [CellCounts] = []
        var checkout: [CellCounts] = []
        for simulated in Roster.standard.customers {
            let id = simulated.customer.id
            let perDay = simulated.signInsPerMinute * 1440
            signIn.append(CellCounts(customer: id, dimensions: ["http.route": simulated.usesSSO ? "/sso/callback" : "/login"], counts: Counts(good: perDay, total: perDay)))
            let checkouts = simulated.checkoutsPerMinute * 1440
            checkout.append(CellCounts(customer: id, dimensions: [:], counts: Counts(good: checkouts, total: checkouts)))
        }
        return ["sign-in": signIn, "checkout-latency": checkout]
    }

    @Test("a change to the auth service's SSO code puts sign-in at risk and watches the enterprise customers on SSO first")
    func ssoChange() throws {
        let catalog = try Self.catalog()
        let planner = ChangePlanner(catalog: catalog, traffic: Self.traffic())
        let plan = planner.plan(ChangeRequest(
            title: "Rotate JWT signing keys", description: "Moves SSO token validation to the new key set (kid k-2026-11).",
            files: ["services/auth/sso/jwt_validator.swift", "libs/jwt/keyset.swift"], commit: "e4d1c09"))
        #expect(plan.services.map(\.service) == ["auth-api"])
        #expect(plan.services.first?.reasons.contains("services/auth/sso/jwt_validator.swift is under its source path services/auth/**") == true)
        #expect(plan.outcomes.map(\.outcome) == ["sign-in"])
        let signIn = try #require(plan.outcomes.first)
        #expect(signIn.operations == ["/sso/callback"])
        let ssoCustomers = Roster.standard.customers.filter(\.usesSSO).map(\.customer.id)
        #expect(Set(signIn.watch.map(\.customer)) == Set(ssoCustomers))
        #expect(signIn.watch.allSatisfy { $0.tier == "enterprise" })
        #expect(abs(signIn.watch.map(\.share).reduce(0, +) - 1) < 1e-9)
        #expect(signIn.metrics.contains(.errorRatio) && signIn.metrics.contains(.latencyP95))
        #expect(plan.checks == ChangePlanner.defaultChecks)
        #expect(plan.id.hasPrefix("plan-") && plan.id.count == 17)
        let markdown = plan.markdown
        #expect(markdown.contains("### Goalpost monitoring plan: Rotate JWT signing keys"))
        #expect(markdown.contains("| **sign-in**"))
        #expect(markdown.contains("acme (enterprise, "), "\(markdown)")
        #expect(markdown.contains("at 10m, 30m, 1h, 2h, 1d, 3d after the deploy"), "\(markdown)")
    }

    @Test("stated effects become expectations: faster checkout is p95 down, fewer timeouts is errors down; none for a copy change")
    func intendedEffects() throws {
        let planner = ChangePlanner(catalog: try Self.catalog(), traffic: Self.traffic())
        let faster = planner.plan(ChangeRequest(title: "Cache tax rates", description: "Reduces checkout latency by caching tax rates. Fixes timeouts on large carts.",
                                                files: ["services/checkout/tax.swift"]))
        #expect(faster.outcomes.map(\.outcome) == ["checkout-latency"])
        #expect(faster.intendedEffects.map(\.metric) == [.latencyP95, .errorRatio])
        #expect(faster.intendedEffects.allSatisfy { $0.expected == .down && $0.outcome == "checkout-latency" })
        #expect(faster.intendedEffects.first?.phrase == "Reduces checkout latency by caching tax rates")
        let p99 = planner.plan(ChangeRequest(title: "Cut p99 of search", service: "search-api"))
        #expect(p99.intendedEffects.map(\.metric) == [.latencyP99])
        let copy = planner.plan(ChangeRequest(title: "Reword the receipt email", files: ["services/checkout/templates/receipt_email.txt"]))
        #expect(copy.intendedEffects.isEmpty)
        #expect(copy.outcomes.map(\.outcome) == ["checkout-latency"])
    }

    @Test("a change nothing matches says so; a service no outcome measures is called out")
    func unmatched() throws {
        var catalog = try Self.catalog()
        catalog.services.append(Service(name: "billing-worker", sourcePaths: ["services/billing/"]))
        let planner = ChangePlanner(catalog: catalog)
        let nothing = planner.plan(ChangeRequest(title: "Update the README", files: ["README.md"]))
        #expect(nothing.services.isEmpty && nothing.outcomes.isEmpty)
        #expect(nothing.notes.contains { $0.contains("No service's source paths or name match") })
        #expect(nothing.markdown.contains("**No outcome is at risk**"))
        let billing = planner.plan(ChangeRequest(title: "Retry invoices", files: ["services/billing/retry.go"]))
        #expect(billing.services.map(\.service) == ["billing-worker"])
        #expect(billing.notes.contains("No outcome measures billing-worker: nothing will tell whether this change hurt its customers."))
    }

    @Test("source paths: globs with * and **, plain prefixes, no partial segments")
    func sourcePaths() {
        let service = Service(name: "auth-api", sourcePaths: ["services/auth/**", "libs/jwt", "cmd/*/main.go"])
        #expect(service.sourcePath(owning: "services/auth/sso/jwt.swift") == "services/auth/**")
        #expect(service.sourcePath(owning: "./services/auth/x") == "services/auth/**")
        #expect(service.sourcePath(owning: "services/authz/x") == nil)
        #expect(service.sourcePath(owning: "libs/jwt/keyset.swift") == "libs/jwt")
        #expect(service.sourcePath(owning: "libs/jwtx/keyset.swift") == nil)
        #expect(service.sourcePath(owning: "cmd/auth/main.go") == "cmd/*/main.go")
        #expect(service.sourcePath(owning: "cmd/auth/sub/main.go") == nil)
    }
}
