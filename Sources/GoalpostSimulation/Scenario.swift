import GoalpostModel

/// A fault the simulator can inject, by name (`--fault sso-deploy`).
public enum Fault: String, Sendable, CaseIterable, Codable {
    /// A deploy of auth-api (2.3.1) breaks JWT validation on the SSO callback: enterprise customers on SSO fail.
    case ssoDeploy = "sso-deploy"
    /// One business customer's checkouts become slow (a noisy-neighbour database shard).
    case customerLatency = "customer-latency"
    /// Search fails for every customer served from eu-west-1.
    case regionOutage = "region-outage"
    /// A deploy of checkout-api (5.14.0) calls a fraud-scoring service on every checkout: about 200 ms more for
    /// every customer, well inside the 2 s objective (a regression no SLO pages for).
    case checkoutSlowDeploy = "checkout-slow-deploy"
    /// A deploy of checkout-api (5.14.0) that only rewords the receipt email: nothing moves.
    case textDeploy = "text-deploy"
    /// A deploy of checkout-api (5.14.0) validates VAT ids and rejects every checkout of one small workspace
    /// (free-12), too few events to move the aggregate.
    case customerBreakDeploy = "customer-break-deploy"
    /// Background noise only.
    case none

    /// When the fault starts on its day, UTC (nil for `none`).
    var timeOfDay: (hour: Int, minute: Int)? {
        switch self {
        case .ssoDeploy: (14, 5)
        case .customerLatency: (10, 0)
        case .regionOutage: (16, 0)
        case .checkoutSlowDeploy, .textDeploy, .customerBreakDeploy: (11, 0)
        case .none: nil
        }
    }
}

/// When a simulated problem started and stopped: the ground truth a backtest's detection is judged against.
public struct Onset: Sendable, Hashable, Codable {
    /// The outcome the fault should break.
    public var outcome: String
    /// The customers it breaks (empty: everyone in the affected slice).
    public var customers: [String]
    public var startUnixNano: Int64
    public var endUnixNano: Int64
    public var description: String
}

/// What a simulated day holds besides traffic: deploys and the ground truth of the injected fault.
public struct Scenario: Sendable {
    public var deploys: [Deploy]
    public var onsets: [Onset]
    /// Extra error probability per (customer index, route index) during a time range.
    struct ErrorWindow: Sendable {
        var start: Int64
        var end: Int64
        var customers: Set<Int>?
        var routes: Set<Int>
        var regions: Set<String>?
        var probability: Double
        var statusCode: Int16
        var errorType: String
        var message: String
        /// Version of the route's service that carries the fault (nil: any).
        var version: String?
    }
    /// Extra latency during a time range.
    struct LatencyWindow: Sendable {
        var start: Int64
        var end: Int64
        var customers: Set<Int>
        var routes: Set<Int>
        var extraMilliseconds: Double
    }
    var errors: [ErrorWindow]
    var latencies: [LatencyWindow]

    /// The day's story for a fault, over `roster`, on the last (UTC) day of the simulated period `[start, end)`:
    /// the fault happens at the same time of day whichever part of the day is simulated, and earlier days carry
    /// only the background. With `faultStart`, the day's schedule is moved so that the fault starts then.
    static func make(fault: Fault, roster: Roster, start: Int64, end: Int64, faultStart: Int64? = nil) -> Scenario {
        let day: Int64 = 86_400_000_000_000
        let last = max(start, end - 1)
        var midnight = last - ((last % day) + day) % day
        if let faultStart, let (hour, minute) = fault.timeOfDay {
            midnight = faultStart - Int64(hour * 3600 + minute * 60) * 1_000_000_000
        }
        func at(_ hour: Int, _ minute: Int) -> Int64 { midnight + Int64(hour * 3600 + minute * 60) * 1_000_000_000 }
        let routeIndex = Dictionary(uniqueKeysWithValues: roster.routes.enumerated().map { ($1.route, $0) })
        let customerIndex = Dictionary(uniqueKeysWithValues: roster.customers.enumerated().map { ($1.customer.id, $0) })
        var deploys = [
            Deploy(service: "checkout-api", version: "5.13.0", timeUnixNano: at(9, 30), title: "Show tax breakdown on the order summary",
                   description: "Adds a tax line to the checkout summary.", changedFiles: ["services/checkout/summary.swift"], commit: "3f9c2a1", environment: "production"),
            Deploy(service: "search-api", version: "1.49.0", timeUnixNano: at(13, 40), title: "Faster facet counts",
                   description: "Caches facet counts for 30 seconds.", changedFiles: ["services/search/facets.swift"], commit: "b71e0d4", environment: "production"),
        ]
        var errors: [ErrorWindow] = []
        var latencies: [LatencyWindow] = []
        var onsets: [Onset] = []
        // Background noise, every day: one free workspace's integration times out on search now and then.
        if let free = customerIndex["free-07"], let search = routeIndex["/search"] {
            errors.append(ErrorWindow(start: .min, end: .max, customers: [free], routes: [search], regions: nil, probability: 0.015,
                                      statusCode: 504, errorType: "upstream.timeout", message: "upstream search shard timed out after 2s", version: nil))
        }
        switch fault {
        case .ssoDeploy:
            let ssoCustomers = Set(roster.customers.indices.filter { roster.customers[$0].usesSSO })
            let broken = at(14, 5), rollback = at(15, 35)
            deploys.append(Deploy(service: "auth-api", version: "2.3.1", timeUnixNano: broken, title: "Rotate JWT signing keys",
                                  description: "Moves SSO token validation to the new key set (kid k-2026-11).",
                                  changedFiles: ["services/auth/sso/jwt_validator.swift", "libs/jwt/keyset.swift"], commit: "e4d1c09", environment: "production"))
            deploys.append(Deploy(service: "auth-api", version: "2.3.0", timeUnixNano: rollback, title: "Roll back 2.3.1",
                                  description: "Rollback of the JWT key rotation.", changedFiles: [], commit: "9a0b7e2", environment: "production"))
            if let callback = routeIndex["/sso/callback"] {
                errors.append(ErrorWindow(start: broken, end: rollback, customers: ssoCustomers, routes: [callback], regions: nil, probability: 0.30,
                                          statusCode: 500, errorType: "jwt.InvalidKeyId", message: "JWT validation failed: unknown key id 'k-2026-11'", version: "2.3.1"))
            }
            onsets.append(Onset(outcome: "sign-in", customers: ssoCustomers.sorted().map { roster.customers[$0].customer.id },
                                startUnixNano: broken, endUnixNano: rollback, description: "auth-api 2.3.1 breaks SSO sign-in for enterprise customers"))
        case .customerLatency:
            if let hooli = customerIndex["hooli"], let checkout = routeIndex["/checkout"] {
                latencies.append(LatencyWindow(start: at(10, 0), end: at(12, 0), customers: [hooli], routes: [checkout], extraMilliseconds: 2500))
                onsets.append(Onset(outcome: "checkout-latency", customers: ["hooli"], startUnixNano: at(10, 0), endUnixNano: at(12, 0),
                                    description: "hooli's checkouts take 2.5 s longer (a hot database shard)"))
            }
        case .regionOutage:
            if let search = routeIndex["/search"] {
                let affected = roster.customers.enumerated().filter { $0.element.customer.region == "eu-west-1" }.map(\.element.customer.id)
                errors.append(ErrorWindow(start: at(16, 0), end: at(16, 45), customers: nil, routes: [search], regions: ["eu-west-1"], probability: 0.4,
                                          statusCode: 503, errorType: "region.unavailable", message: "eu-west-1 search cluster unavailable", version: nil))
                onsets.append(Onset(outcome: "search-availability", customers: affected, startUnixNano: at(16, 0), endUnixNano: at(16, 45),
                                    description: "search fails in eu-west-1"))
            }
        case .checkoutSlowDeploy:
            deploys.append(Deploy(service: "checkout-api", version: "5.14.0", timeUnixNano: at(11, 0), title: "Score every checkout for fraud",
                                  description: "Calls the fraud-scoring service before capturing the payment.",
                                  changedFiles: ["services/checkout/payment/fraud_check.swift"], commit: "c81f3d2", environment: "production"))
            if let checkout = routeIndex["/checkout"] {
                latencies.append(LatencyWindow(start: at(11, 0), end: .max, customers: Set(roster.customers.indices), routes: [checkout], extraMilliseconds: 200))
            }
        case .textDeploy:
            deploys.append(Deploy(service: "checkout-api", version: "5.14.0", timeUnixNano: at(11, 0), title: "Reword the receipt email",
                                  description: "Copy changes only: the receipt email's subject and footer.",
                                  changedFiles: ["services/checkout/templates/receipt_email.txt"], commit: "d02a9e7", environment: "production"))
        case .customerBreakDeploy:
            deploys.append(Deploy(service: "checkout-api", version: "5.14.0", timeUnixNano: at(11, 0), title: "Validate VAT ids at checkout",
                                  description: "Checks the buyer's VAT id against the EU VIES format before capturing the payment.",
                                  changedFiles: ["services/checkout/payment/vat.swift"], commit: "a5e0c44", environment: "production"))
            if let broken = customerIndex["free-12"], let checkout = routeIndex["/checkout"] {
                errors.append(ErrorWindow(start: at(11, 0), end: .max, customers: [broken], routes: [checkout], regions: nil, probability: 1,
                                          statusCode: 500, errorType: "vat.InvalidFormat", message: "VAT id 'GB123456789' does not match the VIES format",
                                          version: "5.14.0"))
                onsets.append(Onset(outcome: "checkout-latency", customers: ["free-12"], startUnixNano: at(11, 0), endUnixNano: at(23, 59),
                                    description: "checkout-api 5.14.0 rejects free-12's checkouts"))
            }
        case .none:
            break
        }
        deploys.sort { $0.timeUnixNano < $1.timeUnixNano }
        return Scenario(deploys: deploys, onsets: onsets, errors: errors, latencies: latencies)
    }
}
