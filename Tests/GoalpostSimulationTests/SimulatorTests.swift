import GoalpostModel
import GoalpostSimulation
import Testing

struct SimulatorTests {
    static func spans(_ configuration: SimulationConfiguration) -> [SpanRecord] {
        var simulator = Simulator(configuration: configuration)
        var all: [SpanRecord] = [], buffer: [SpanRecord] = []
        while simulator.nextMinute(into: &buffer) { all += buffer }
        return all
    }

    @Test("the same seed gives the same spans; another seed gives other spans")
    func deterministic() {
        let configuration = SimulationConfiguration(seed: 7, duration: .hours(1))
        #expect(Self.spans(configuration) == Self.spans(configuration))
        #expect(Self.spans(configuration) != Self.spans(SimulationConfiguration(seed: 8, duration: .hours(1))))
    }

    @Test("a roster of N customers keeps the eight enterprise customers, adds business and free one to two, with unique ids",
          arguments: [1, 8, 48, 120, 1_000])
    func scaledRoster(count: Int) {
        let roster = Roster.standard(customers: count)
        #expect(roster.customers.count == count)
        #expect(Set(roster.customers.map(\.customer.id)).count == count)
        #expect(roster.customers.prefix(min(count, 8)).allSatisfy { $0.customer.tier == "enterprise" })
        if count == 48 { #expect(roster.customers == Roster.standard.customers) }
        if count == 1_000 {
            let business = roster.customers.count { $0.customer.tier == "business" }
            #expect(business == (1_000 - 8) / 3)
            // Traffic grows with the roster: the SSO fault still has its six customers among many more.
            let spans = Self.spans(SimulationConfiguration(duration: .minutes(10), roster: roster))
            #expect(Set(spans.map(\.customer)).count > 900)
        }
    }

    @Test("spans come out in time order, inside the simulated period")
    func ordered() {
        let configuration = SimulationConfiguration(duration: .hours(2))
        let spans = Self.spans(configuration)
        #expect(spans.map(\.endUnixNano) == spans.map(\.endUnixNano).sorted())
        #expect(spans.first.map { $0.endUnixNano >= configuration.startUnixNano } == true)
        #expect(spans.last.map { $0.endUnixNano < configuration.startUnixNano + TimeSpan.hours(2).nanoseconds } == true)
    }

    @Test("traffic peaks in the afternoon and is about a quarter of the peak at night")
    func seasonality() {
        #expect(abs(Simulator.seasonality(hourOfDay: 14) - 1) < 1e-9)
        #expect(Simulator.seasonality(hourOfDay: 2) < 0.3)
        #expect(Simulator.seasonality(hourOfDay: 3) > 0.25)
    }

    @Test("the SSO deploy fails SSO callbacks of the six SSO customers only, only between deploy and rollback")
    func ssoFault() throws {
        let configuration = SimulationConfiguration(seed: 1, startUnixNano: SimulationConfiguration.defaultStart, duration: .days(1))
        let simulator = Simulator(configuration: configuration)
        let onset = try #require(simulator.scenario.onsets.first)
        #expect(onset.outcome == "sign-in")
        #expect(onset.customers.count == 6)
        let roster = configuration.roster
        let jwt = try #require(simulator.errorKinds.firstIndex { $0.type == "jwt.InvalidKeyId" })
        let faulty = Self.spans(configuration).filter { Int($0.errorKind) == jwt }
        #expect(faulty.count > 100)
        for span in faulty {
            let customer = roster.customers[Int(span.customer)]
            #expect(customer.usesSSO)
            #expect(roster.routes[Int(span.route)].route == "/sso/callback")
            #expect(span.endUnixNano >= onset.startUnixNano && span.endUnixNano < onset.endUnixNano)
            #expect(simulator.versions[Int(span.version)] == "2.3.1")
        }
    }

    @Test("a day is about 700 thousand spans at scale 1, and scales linearly")
    func volume() {
        let hour = Self.spans(SimulationConfiguration(seed: 3, startUnixNano: SimulationConfiguration.defaultStart + TimeSpan.hours(14).nanoseconds, duration: .hours(1), fault: .none)).count
        // At the peak: (8×4 + 16×16 + 24×14) sign-ins + (8×4 + 16×3 + 24×0.5) checkouts + (8×6 + 16×5 + 24×3)
        // searches = 624 + 92 + 200 = 916 a minute.
        #expect(abs(Double(hour) / 60 - 916) < 916 * 0.05)
        let half = Self.spans(SimulationConfiguration(seed: 3, startUnixNano: SimulationConfiguration.defaultStart + TimeSpan.hours(14).nanoseconds, duration: .hours(1), fault: .none, trafficScale: 0.5)).count
        #expect(abs(Double(half) / Double(hour) - 0.5) < 0.05)
    }

    @Test("every fault has a name the CLI accepts and ground truth where it breaks something", arguments: Fault.allCases)
    func faults(fault: Fault) {
        let simulator = Simulator(configuration: SimulationConfiguration(fault: fault))
        #expect(Fault(rawValue: fault.rawValue) == fault)
        // Faults that break no objective (a slower but in-objective checkout, a copy change) have no onset to detect;
        // each deploy fault adds its deploy at 11:00.
        let breaksNothing: Set<Fault> = [.none, .checkoutSlowDeploy, .textDeploy]
        #expect(simulator.scenario.onsets.isEmpty == breaksNothing.contains(fault))
        if [.checkoutSlowDeploy, .textDeploy, .customerBreakDeploy].contains(fault) {
            #expect(simulator.scenario.deploys.contains { $0.service == "checkout-api" && $0.version == "5.14.0" })
        }
    }
}
