import GoalpostModel

/// Turns simulated spans into interned `Event`s exactly as the OTLP decoders would:
/// resource attributes (service.name, service.version, deployment.environment.name, cloud.region) first,
/// then span attributes; operation = `http.route`.
public struct SimulatedEventMaker: Sendable {
    private struct Keys: Sendable {
        var serviceName, serviceVersion, environment, region: Symbol
        var route, method, statusCode, customerID, customerTier, errorType: Symbol
    }
    private let keys: Keys
    private let production: Symbol
    private let services: [Symbol]     // per route
    private let routes: [Symbol]       // per route
    private let methods: [Symbol]      // per route
    private let versions: [Symbol]
    private let customers: [Symbol]
    private let tiers: [Symbol]        // per customer
    private let regions: [Symbol]      // per customer
    private let errorTypes: [Symbol]
    private let messages: [Symbol]

    public init(simulator: Simulator, symbols: inout SymbolTable) {
        keys = Keys(
            serviceName: symbols.intern("service.name"), serviceVersion: symbols.intern("service.version"),
            environment: symbols.intern("deployment.environment.name"), region: symbols.intern("cloud.region"),
            route: symbols.intern("http.route"), method: symbols.intern("http.request.method"),
            statusCode: symbols.intern("http.response.status_code"), customerID: symbols.intern("customer.id"),
            customerTier: symbols.intern("customer.tier"), errorType: symbols.intern("error.type"))
        production = symbols.intern("production")
        let roster = simulator.configuration.roster
        services = roster.routes.map { symbols.intern($0.service) }
        routes = roster.routes.map { symbols.intern($0.route) }
        methods = roster.routes.map { symbols.intern($0.method) }
        versions = simulator.versions.map { symbols.intern($0) }
        customers = roster.customers.map { symbols.intern($0.customer.id) }
        tiers = roster.customers.map { symbols.intern($0.customer.tier ?? "") }
        regions = roster.customers.map { symbols.intern($0.customer.region ?? "") }
        errorTypes = simulator.errorKinds.map { symbols.intern($0.type) }
        messages = simulator.errorKinds.map { symbols.intern($0.message) }
    }

    /// The event a decoder would produce for this span.
    public func event(_ span: SpanRecord) -> Event {
        let route = Int(span.route), customer = Int(span.customer)
        var attributes: [Attribute] = [
            Attribute(key: keys.serviceName, value: .string(services[route])),
            Attribute(key: keys.serviceVersion, value: .string(versions[Int(span.version)])),
            Attribute(key: keys.environment, value: .string(production)),
            Attribute(key: keys.region, value: .string(regions[customer])),
            Attribute(key: keys.route, value: .string(routes[route])),
            Attribute(key: keys.method, value: .string(methods[route])),
            Attribute(key: keys.statusCode, value: .int(Int64(span.statusCode))),
            Attribute(key: keys.customerID, value: .string(customers[customer])),
            Attribute(key: keys.customerTier, value: .string(tiers[customer])),
        ]
        if span.errorKind != 0 {
            attributes.append(Attribute(key: keys.errorType, value: .string(errorTypes[Int(span.errorKind)])))
        }
        return Event(
            timeUnixNano: span.endUnixNano, signal: .span, service: services[route], operation: routes[route],
            status: span.isError ? .error : .unset, durationNanos: span.durationNanos, attributes: attributes,
            traceID: TraceID(high: span.traceHigh, low: span.traceLow),
            message: span.isError ? messages[Int(span.errorKind)] : SymbolTable.empty
        )
    }
}
