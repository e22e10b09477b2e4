import Foundation
import GoalpostDefinitions
import GoalpostModel
import GoalpostTestSupport
import Testing

/// decode → write → decode gives the same model, for the examples and the good corpus.
struct RoundTripTests {
    static func roundTrip(_ catalog: Catalog) throws -> Catalog {
        let yaml = try DefinitionWriter.yaml(for: catalog)
        let again = DefinitionLoader.load(sources: [("round-trip.yaml", yaml)])
        #expect(again.errors.isEmpty, "\(again.errors)\n\(yaml)")
        return again.catalog
    }

    @Test("every example decodes and its YAML encoding decodes to an equal model")
    func examplesRoundTrip() throws {
        let result = DefinitionLoader.load(paths: [TestPaths.examples.path])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.catalog.outcomes.count >= 5)
        #expect(result.catalog.customers.count >= 6)
        let again = try Self.roundTrip(result.catalog)
        #expect(again == result.catalog)
    }

    @Test("every good fixture round-trips", arguments: ValidationCorpusTests.goodFiles)
    func goodCorpusRoundTrips(name: String) throws {
        let file = ValidationCorpusTests.root.appendingPathComponent("good").appendingPathComponent(name)
        let result = DefinitionLoader.load(paths: [file.path])
        #expect(result.errors.isEmpty)
        let again = try Self.roundTrip(result.catalog)
        #expect(again.outcomes == result.catalog.outcomes)
        #expect(again.customers == result.catalog.customers)
        #expect(again.services == result.catalog.services)
    }

    @Test("the examples say what a newcomer expects: the sign-in outcome, per customer, with an enterprise objective")
    func signInExample() throws {
        let catalog = try DefinitionLoader.catalog(paths: [TestPaths.examples.path])
        let signIn = try #require(catalog.outcome(named: "sign-in"))
        #expect(signIn.objective == 0.999)
        #expect(signIn.objective(forTier: "enterprise") == 0.9995)
        #expect(signIn.objective(forTier: "free") == 0.999)
        #expect(signIn.indicator.service == "auth-api")
        #expect(signIn.indicator.latency == .seconds(3))
        #expect(signIn.criticality == .critical)
        #expect(signIn.window == .rolling(.days(30)))
        #expect(signIn.alerting == .workbook)
        #expect(signIn.customers.attribute == "customer.id")
        let checkout = try #require(catalog.outcome(named: "checkout-latency"))
        #expect(checkout.window == .calendar(.month, timeZone: "Europe/Berlin"))
        #expect(checkout.budgeting == .timeslices(slice: .minutes(5), threshold: 0.95))
        #expect(catalog.customer(id: "cust-0042")?.name == "Umbrella Health")
    }

    @Test("objectives are written in the form that reads back to the same number", arguments: [0.999, 0.9995, 0.95, 0.99, 0.5, 0.99925, 0.123456789, 0.9999999])
    func objectiveText(value: Double) {
        let text = ObjectiveText.exact(value)
        let parsed = text.hasSuffix("%") ? Double(text.dropLast() + "e-2") : Double(text)
        #expect(parsed == value, "\(text)")
    }
}
