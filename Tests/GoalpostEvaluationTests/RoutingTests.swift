import GoalpostModel
import Testing
@testable import GoalpostEvaluation

struct RoutingTests {
    @Test("only events of the indicator's signal, service and operations count")
    func selector() throws {
        var harness = try Harness([Fixture.outcome()])
        let now = Clock.t0 + Clock.minute
        harness.ingest(harness.event(at: Clock.t0, customer: "acme"))
        harness.ingest(harness.event(at: Clock.t0, customer: "acme", operation: "GET /health"))
        harness.ingest(harness.event(at: Clock.t0, customer: "acme", signal: .log))
        harness.ingest(harness.event(at: Clock.t0, customer: "acme", service: "billing"))
        harness.tick(now)
        #expect(harness.engine.statistics.eventsReceived == 4)
        #expect(harness.engine.statistics.eventsMatched == 1)
        #expect(try #require(harness.status(at: now)).global.events == Counts(good: 1, total: 1))
    }

    @Test("an indicator without a service or operations takes every service's events of its signal")
    func wildcard() throws {
        let outcome = Fixture.outcome(indicator: Fixture.indicator(service: nil, operations: []))
        var harness = try Harness([outcome])
        for service in ["auth", "billing", "search"] {
            harness.ingest(harness.event(at: Clock.t0, customer: "acme", service: service, operation: "op-\(service)"))
        }
        harness.tick(Clock.t0 + Clock.minute)
        #expect(harness.engine.statistics.eventsMatched == 3)
    }

    @Test("a where filter picks valid events and a good filter decides which are good")
    func filters() throws {
        var indicator = Fixture.indicator()
        indicator.filter = Filter(source: "region == \"eu\"", expression: .compare(key: "region", op: .equal, value: .string("eu")))
        indicator.goodFilter = Filter(source: "http.response.status_code < 500", expression: .compare(key: "http.response.status_code", op: .less, value: .int(500)))
        var harness = try Harness([Fixture.outcome(indicator: indicator)])
        let statusKey = harness.symbols.intern("http.response.status_code")
        func send(_ region: String, _ code: Int64) {
            var event = harness.event(at: Clock.t0, customer: "acme", attributes: ["region": region])
            event.attributes.append(Attribute(key: statusKey, value: .int(code)))
            harness.ingest(event)
        }
        send("eu", 200)
        send("eu", 503)
        send("eu", 404)
        send("us", 500)
        harness.tick(Clock.t0 + Clock.minute)
        // The us event is not valid; of the three eu events, the 503 is bad.
        #expect(try #require(harness.status(at: Clock.t0 + Clock.minute)).global.events == Counts(good: 2, total: 3))
    }

    @Test("events slower than the latency bound, errors and ERROR logs are bad")
    func goodness() throws {
        let spans = Fixture.outcome(name: "fast-login", indicator: Fixture.indicator(latency: .milliseconds(300)))
        let logs = Fixture.outcome(name: "login-logs", indicator: Fixture.indicator(source: .logs))
        var harness = try Harness([spans, logs])
        harness.ingest(harness.event(at: Clock.t0, customer: "acme", duration: .milliseconds(300)))
        harness.ingest(harness.event(at: Clock.t0, customer: "acme", duration: .milliseconds(301)))
        harness.ingest(harness.event(at: Clock.t0, customer: "acme", ok: false, duration: .milliseconds(10)))
        harness.ingest(harness.event(at: Clock.t0, customer: "acme", signal: .log, severity: 9))
        harness.ingest(harness.event(at: Clock.t0, customer: "acme", signal: .log, severity: 17))
        harness.tick(Clock.t0 + Clock.minute)
        #expect(try #require(harness.status("fast-login", at: Clock.t0 + Clock.minute)).global.events == Counts(good: 1, total: 3))
        #expect(try #require(harness.status("login-logs", at: Clock.t0 + Clock.minute)).global.events == Counts(good: 1, total: 2))
    }

    @Test("cells split by the customer attribute and the outcome's dimensions")
    func cells() throws {
        let outcome = Fixture.outcome(customers: CustomerEvaluation(attribute: "tenant.id"), dimensions: ["region"])
        var harness = try Harness([outcome])
        let tenant = harness.symbols.intern("tenant.id")
        for (customer, region, ok) in [("acme", "eu", true), ("acme", "eu", false), ("acme", "us", true), ("globex", "eu", true)] {
            var event = harness.event(at: Clock.t0, attributes: ["region": region])
            event.attributes.append(Attribute(key: tenant, value: .string(harness.symbols.intern(customer))))
            event.status = ok ? .ok : .error
            harness.ingest(event)
        }
        // No tenant: counted globally, in a cell without a customer, and no customer scope.
        harness.ingest(harness.event(at: Clock.t0, attributes: ["region": "eu"]))
        harness.tick(Clock.t0 + Clock.minute)
        let cells = harness.engine.cells(outcome: "signin", from: Clock.t0, to: Clock.t0 + Clock.minute, symbols: harness.symbols)
        let byKey = Dictionary(uniqueKeysWithValues: cells.map { ("\($0.customer ?? "-")/\($0.dimensions["region"] ?? "-")", $0.counts) })
        #expect(byKey == [
            "acme/eu": Counts(good: 1, total: 2), "acme/us": Counts(good: 1, total: 1),
            "globex/eu": Counts(good: 1, total: 1), "-/eu": Counts(good: 1, total: 1),
        ])
        let status = try #require(harness.status(at: Clock.t0 + Clock.minute))
        #expect(status.customers.map(\.scope) == [.customer("acme"), .customer("globex")])
        #expect(status.customers[0].events == Counts(good: 2, total: 3))
        #expect(status.global.events == Counts(good: 4, total: 5))
    }

    @Test("a customer's tier selects its objective")
    func tierObjective() throws {
        let outcome = Fixture.outcome(objective: 0.99, customers: CustomerEvaluation(tierObjectives: ["enterprise": 0.999]))
        var harness = try Harness([outcome], customers: [Customer(id: "acme", tier: "enterprise")])
        harness.send(at: Clock.t0, customer: "acme")
        harness.send(at: Clock.t0, customer: "globex")
        harness.tick(Clock.t0 + Clock.minute)
        let status = try #require(harness.status(at: Clock.t0 + Clock.minute))
        #expect(status.customers.map(\.objective) == [0.999, 0.99])
    }
}
