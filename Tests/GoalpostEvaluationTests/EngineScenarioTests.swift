import GoalpostModel
import Testing
@testable import GoalpostEvaluation

struct EngineScenarioTests {
    struct OutageCase: Sendable, CustomTestStringConvertible {
        var rule: BurnRateRule
        /// The first whole second at which the rule fires, computed by hand in `outageCases`.
        var firesAtSecond: Int64
        var testDescription: String { "\(rule.longWindow)/\(rule.shortWindow) fires after \(firesAtSecond)s" }
    }

    /// A total outage from t0 on a 99.9 %/30d outcome with constant traffic (1 event/s). After x seconds a
    /// window of length L holds x bad events of L, so its bad share is x / L (the short window's is larger).
    static let outageCases: [OutageCase] = [
        // 1h: x / 3600 > 14.4 × 0.001 = 1.44 %  ⇔  x > 51.84 s → 52 s. (5m: x / 300 > 1.44 % ⇔ x > 4.32 s.)
        OutageCase(rule: AlertPolicy.workbook.rules[0], firesAtSecond: 52),
        // 6h: x / 21600 > 6 × 0.001 = 0.6 %  ⇔  x > 129.6 s → 130 s. (30m: x > 10.8 s.)
        OutageCase(rule: AlertPolicy.workbook.rules[1], firesAtSecond: 130),
        // 3d: x / 259200 > 1 × 0.001 = 0.1 %  ⇔  x > 259.2 s → 260 s. (6h: x > 21.6 s.)
        OutageCase(rule: AlertPolicy.workbook.rules[2], firesAtSecond: 260),
    ]

    @Test("the outage case table has every case")
    func outageCaseCount() {
        #expect(Self.outageCases.count == 3)
    }

    @Test("a total outage fires each rule after the hand-computed number of seconds", arguments: outageCases)
    func outage(_ c: OutageCase) throws {
        let outcome = Fixture.outcome(alerting: AlertPolicy(rules: [c.rule]))
        var harness = try Harness([outcome])
        let outageStart = Clock.t0 + c.rule.longWindow.nanoseconds + Clock.hour
        // Constant traffic, one good event a second, for the long window and an hour more; ticks every minute.
        var time = Clock.t0
        while time < outageStart {
            harness.send(at: time, customer: "acme")
            time += Clock.second
            if time % Clock.minute == 0 { #expect(harness.tick(time).isEmpty) }
        }
        // Then every event fails; tick after every second.
        var firedAt: Int64?
        for second in Int64(0)..<400 where firedAt == nil {
            harness.send(at: outageStart + second * Clock.second, customer: "acme", ok: false)
            let actions = harness.tick(outageStart + (second + 1) * Clock.second)
            if actions.contains(where: { if case .open = $0 { true } else { false } }) { firedAt = second + 1 }
        }
        #expect(firedAt == c.firesAtSecond)
        let incident = try #require(harness.opened.first)
        #expect(incident.severity == c.rule.severity)
        #expect(incident.scopes.contains(.global))
    }

    @Test("a fault of one customer that the global SLI hides pages for that customer only")
    func hiddenCustomerFault() throws {
        // 99 % objective. acme sends 4 of 800 events a minute (0.5 %); when all of acme's fail the global bad
        // share is at most 0.5 %: burn ≤ 0.5 on every window, nothing fires globally, not even the ticket.
        // The engine has watched for an hour when the fault starts, so windows longer than that are a cold
        // start: their unobserved part counts as healthy traffic at the observed rate (a 6h window's base is
        // 4 × 360 = 1440 events, a 3d window's 4 × 4320 = 17 280). acme, x minutes in:
        // - 1h/5m page (14.4 %): the 1h window is fully observed, 4x bad of 240: x/60 > 14.4 % ⇔ x > 8.64;
        //   its 5m window is all bad → page at +9m;
        // - 6h/30m page (6 %): 4x of 1440 > 6 % ⇔ x > 21.6, past the 20 minutes run;
        // - 3d/6h ticket (1 %): 4x of 17 280 > 1 % ⇔ x > 43.2, never.
        // So one page at +9m and no escalation: without the cold-start rule the 3d window would hold only
        // 61 minutes and open a ticket at +1m on a single minute of failures.
        let outcome = Fixture.outcome(objective: 0.99)
        var harness = try Harness([outcome], customers: [Customer(id: "acme", arr: 120_000), Customer(id: "globex", arr: 880_000)])
        let traffic: [(id: String?, perMinute: Int)] = [("acme", 4), ("globex", 396), ("initech", 400)]
        let faultStart = Clock.t0 + Clock.hour
        harness.run(from: Clock.t0, to: faultStart + 20 * Clock.minute, customers: traffic) { customer, time in
            customer == "acme" && time >= faultStart
        }
        #expect(harness.opened.count == 1)
        let opened = try #require(harness.opened.first)
        #expect(opened.scope == .customer("acme"))
        #expect(opened.severity == .page)
        #expect(opened.openedAt == faultStart + 9 * Clock.minute)
        let escalations = harness.actions.filter { if case .escalate = $0.action { true } else { false } }
        #expect(escalations.isEmpty)

        let incident = try #require(harness.engine.incidents.first)
        #expect(harness.engine.incidents.count == 1)
        #expect(incident.scopes == [.customer("acme")])
        #expect(incident.severity == .page)
        #expect(incident.impact.customers == ["acme"])
        #expect(incident.impact.arrAtRisk == 120_000)

        // Read back at the ticks either side of the 1h rule's hand-computed start (x = 8 → 8/60 = 13.3 %,
        // burn 13.3; x = 9 → 15 %, burn 15).
        let before = try #require(harness.status(at: faultStart + 8 * Clock.minute)?.customers.first { $0.scope == .customer("acme") })
        let after = try #require(harness.status(at: faultStart + 9 * Clock.minute)?.customers.first { $0.scope == .customer("acme") })
        #expect(approximately(before.rules[0].long.burnRate, 8.0 / 60 / 0.01))
        #expect(!before.rules[0].firing)
        #expect(approximately(after.rules[0].long.burnRate, 9.0 / 60 / 0.01))
        #expect(after.rules[0].firing)

        let status = try #require(harness.status(at: faultStart + 20 * Clock.minute))
        #expect(status.global.firing == nil)
        #expect((status.global.sli ?? 0) > 0.99)
        let acme = try #require(status.customers.first { $0.scope == .customer("acme") })
        #expect(acme.firing == .page)
        #expect(status.customers.filter { $0.firing != nil }.count == 1)
    }

    @Test("a low-traffic customer with 1 failure in 2 requests does not page")
    func lowTrafficGuard() throws {
        let outcome = Fixture.outcome()
        var harness = try Harness([outcome])
        let traffic: [(id: String?, perMinute: Int)] = [("globex", 100)]
        harness.run(from: Clock.t0, to: Clock.t0 + Clock.hour, customers: traffic)
        // Two requests from a tiny customer, one failing: a 50 % bad share, burn 500, but 2 < minEvents (10).
        harness.send(at: Clock.t0 + Clock.hour + 10 * Clock.second, customer: "tiny", ok: true)
        harness.send(at: Clock.t0 + Clock.hour + 20 * Clock.second, customer: "tiny", ok: false)
        harness.run(from: Clock.t0 + Clock.hour, to: Clock.t0 + 2 * Clock.hour, customers: traffic)
        #expect(harness.actions.isEmpty)

        let status = try #require(harness.status(at: Clock.t0 + Clock.hour + 2 * Clock.minute))
        let tiny = try #require(status.customers.first { $0.scope == .customer("tiny") })
        #expect(tiny.firing == nil)
        #expect(tiny.rules[0].lowTraffic)
        #expect(tiny.rules[0].short.burnRate > 14.4)
        #expect(tiny.rules[0].long.burnRate > 14.4)
    }

    @Test("one cause hitting the global scope and three customers is one incident listing the three")
    func oneIncidentForOneCause() throws {
        // Ten customers of 20 events a minute after an hour of good traffic; c1–c3 fail completely from the
        // fault on. At the first tick (x = 1 minute):
        // - each failing customer's 1h window holds 20 bad of 1200 = 1.67 % > 1.44 %, its 5m window 20 %: page;
        // - globally the 1h window holds 60 bad of 12 000 = 0.5 %: quiet. The 6h and 3d windows are a cold start
        //   (their unobserved part counts as healthy traffic at 200 a minute): 60 of 72 000 and of 864 000, quiet.
        // So the three customers open the incident together. The global 1h window passes 1.44 % when
        // 60x/12 000 > 1.44 % ⇔ x > 2.88: global joins the incident at +3m and becomes its primary scope.
        let outcome = Fixture.outcome(criticality: .high)
        let customers = (1...10).map { Customer(id: "c\($0)", arr: 100_000) }
        var harness = try Harness([outcome], customers: customers)
        let traffic = customers.map { (id: Optional($0.id), perMinute: 20) }
        let failing: Set<String> = ["c1", "c2", "c3"]
        let faultStart = Clock.t0 + Clock.hour
        let faultEnd = faultStart + 10 * Clock.minute
        harness.run(from: Clock.t0, to: faultStart + 8 * Clock.hour, customers: traffic) { customer, time in
            failing.contains(customer ?? "") && time >= faultStart && time < faultEnd
        }
        #expect(harness.opened.count == 1)
        let opened = try #require(harness.opened.first)
        #expect(opened.openedAt == faultStart + Clock.minute)
        #expect(opened.severity == .page)
        #expect(opened.scopes == [.customer("c1"), .customer("c2"), .customer("c3")])
        #expect(opened.impact.customers == ["c1", "c2", "c3"])

        let incident = try #require(harness.engine.incidents.first)
        #expect(harness.engine.incidents.count == 1)
        #expect(incident.scope == .global)
        // Scopes are listed in the order they joined.
        #expect(incident.scopes == [.customer("c1"), .customer("c2"), .customer("c3"), .global])
        let joined = incident.history.first { $0.scope == .global }
        #expect(joined?.at == faultStart + 3 * Clock.minute)
        #expect(incident.impact.customers == ["c1", "c2", "c3"])
        #expect(incident.impact.arrAtRisk == 300_000)
        // The fault's bad events, all inside the impact window: 3 customers × 20 a minute × 10 minutes.
        #expect(incident.impact.badEvents == 600)
        #expect(incident.resolvedAt != nil)
        let resolves = harness.actions.filter { if case .resolve = $0.action { true } else { false } }
        #expect(resolves.count == 1)
        // Rank: each customer weighs 100k / 1M = 0.1 and failed for a share f of its impact-window events;
        // high criticality weighs 0.5. So rank = 0.5 × 3 × 0.1 × f, with 0 < f < 1.
        #expect(incident.rank > 0 && incident.rank < 0.15)
    }

    @Test("an incident resolves once every scope stayed quiet for the hold period")
    func resolvesAfterHold() throws {
        // Only the 1h/5m page rule: it stops firing when the 5m window's burn drops to 14.4 or below.
        // 100 events a minute, all failing for 10 minutes from the fault on. After the fault, the 5m window at
        // tick k minutes past its end holds 100 × (5 − k) bad of 500: (5 − k)/5 ≤ 1.44 % only at k = 5.
        // So the last firing tick is faultEnd + 4m, the first quiet one faultEnd + 5m, and with a 15m hold
        // the incident resolves at faultEnd + 20m.
        let policy = AlertPolicy(rules: [AlertPolicy.workbook.rules[0]], resolveAfter: .minutes(15))
        var harness = try Harness([Fixture.outcome(alerting: policy)])
        let faultStart = Clock.t0 + Clock.hour
        let faultEnd = faultStart + 10 * Clock.minute
        let traffic: [(id: String?, perMinute: Int)] = [("acme", 100)]
        harness.run(from: Clock.t0, to: faultEnd + Clock.hour, customers: traffic) { _, time in
            time >= faultStart && time < faultEnd
        }
        let incident = try #require(harness.engine.incidents.first)
        #expect(harness.engine.incidents.count == 1)
        #expect(incident.openedAt == faultStart + Clock.minute)
        #expect(incident.resolvedAt == faultEnd + 20 * Clock.minute)
        #expect(incident.history.contains { $0.kind == .scopeQuiet && $0.at == faultEnd + 5 * Clock.minute })
    }

    @Test("late events within the allowed lateness count in their minute; later ones are dropped")
    func lateness() throws {
        var harness = try Harness([Fixture.outcome()])
        harness.send(at: Clock.t0 + 30 * Clock.minute, customer: "acme")
        harness.tick(Clock.t0 + 31 * Clock.minute)
        // 4 minutes behind the newest minute (30): accepted. 6 minutes behind: dropped.
        harness.send(at: Clock.t0 + 26 * Clock.minute, customer: "acme", ok: false)
        harness.send(at: Clock.t0 + 24 * Clock.minute, customer: "acme", ok: false)
        // Further ahead of the last tick than the 2-minute skew: dropped.
        harness.send(at: Clock.t0 + 40 * Clock.minute, customer: "acme")
        harness.tick(Clock.t0 + 32 * Clock.minute)
        #expect(harness.engine.statistics.eventsDroppedLate == 1)
        #expect(harness.engine.statistics.eventsDroppedFuture == 1)
        let cells = harness.engine.cells(outcome: "signin", from: Clock.t0 + 26 * Clock.minute, to: Clock.t0 + 27 * Clock.minute, symbols: harness.symbols)
        #expect(cells.map(\.counts) == [Counts(good: 0, total: 1)])
        let status = try #require(harness.status(at: Clock.t0 + 32 * Clock.minute))
        #expect(status.global.events == Counts(good: 1, total: 2))
    }
}
