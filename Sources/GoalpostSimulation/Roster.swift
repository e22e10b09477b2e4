import Foundation
import GoalpostModel

/// The simulated company: its customers, services and routes. Deterministic; the same for every seed
/// so that the demo's story names the same customers.
public struct Roster: Sendable {
    /// A simulated customer and how it uses the product.
    public struct SimulatedCustomer: Sendable, Hashable {
        public var customer: Customer
        /// Sign-ins per minute at the daily peak.
        public var signInsPerMinute: Double
        /// Whether its users sign in through SSO (`/sso/callback`) rather than a password (`POST /login`).
        public var usesSSO: Bool
        /// Checkouts and searches per minute at the peak.
        public var checkoutsPerMinute: Double
        public var searchesPerMinute: Double
    }

    /// An operation of a simulated service.
    public struct Route: Sendable, Hashable {
        public var service: String
        public var spanName: String
        public var route: String
        public var method: String
        /// Median latency in milliseconds and log-normal shape.
        public var medianMilliseconds: Double
        public var sigma: Double
        /// Background error probability.
        public var errorRate: Double
    }

    public var customers: [SimulatedCustomer]
    public var routes: [Route]
    /// The version each service runs before any deploy.
    public var initialVersions: [String: String]

    public static let services = ["auth-api", "checkout-api", "search-api"]

    /// The default roster: 8 enterprise customers (6 on SSO), 16 business, 24 free, in four regions.
    public static let standard: Roster = {
        let enterprise: [(String, String, Double, String, Bool)] = [
            ("acme", "Acme Corp", 480_000, "eu-west-1", true),
            ("globex", "Globex", 360_000, "us-east-1", true),
            ("initech", "Initech", 250_000, "us-east-1", true),
            ("umbrella", "Umbrella Health", 620_000, "eu-central-1", true),
            ("soylent", "Soylent", 310_000, "us-west-2", true),
            ("stark", "Stark Industries", 540_000, "us-east-1", true),
            ("wayne", "Wayne Enterprises", 400_000, "us-west-2", false),
            ("tyrell", "Tyrell Corp", 290_000, "eu-west-1", false),
        ]
        let businessNames = [
            "hooli", "vandelay", "dunder-mifflin", "wonka", "cyberdyne", "gringotts", "oscorp", "monarch",
            "massive-dynamic", "aperture", "black-mesa", "virtucon", "prestige", "nakatomi", "gekko", "bluth",
        ]
        let regions = ["us-east-1", "eu-west-1", "us-west-2", "eu-central-1"]
        var customers: [SimulatedCustomer] = []
        for (id, name, arr, region, sso) in enterprise {
            customers.append(SimulatedCustomer(
                customer: Customer(id: id, name: name, tier: "enterprise", arr: arr, region: region, contact: "\(id)-tam@example.com"),
                signInsPerMinute: 4, usesSSO: sso, checkoutsPerMinute: 4, searchesPerMinute: 6))
        }
        for (index, id) in businessNames.enumerated() {
            let arr = Double(24_000 + (index * 7_919) % 96_000)
            customers.append(SimulatedCustomer(
                customer: Customer(id: id, name: displayName(id), tier: "business", arr: arr, region: regions[index % regions.count]),
                signInsPerMinute: 16, usesSSO: false, checkoutsPerMinute: 3, searchesPerMinute: 5))
        }
        for index in 0..<24 {
            let id = String(format: "free-%02d", index + 1)
            customers.append(SimulatedCustomer(
                customer: Customer(id: id, name: "Free workspace \(index + 1)", tier: "free", arr: 0, region: regions[(index + 1) % regions.count]),
                signInsPerMinute: 14, usesSSO: false, checkoutsPerMinute: 0.5, searchesPerMinute: 3))
        }
        let routes = [
            Route(service: "auth-api", spanName: "POST /login", route: "/login", method: "POST", medianMilliseconds: 180, sigma: 0.35, errorRate: 0.0002),
            Route(service: "auth-api", spanName: "GET /sso/callback", route: "/sso/callback", method: "GET", medianMilliseconds: 240, sigma: 0.35, errorRate: 0.0002),
            Route(service: "checkout-api", spanName: "POST /checkout", route: "/checkout", method: "POST", medianMilliseconds: 420, sigma: 0.45, errorRate: 0.001),
            Route(service: "search-api", spanName: "GET /search", route: "/search", method: "GET", medianMilliseconds: 90, sigma: 0.6, errorRate: 0.001),
        ]
        return Roster(customers: customers, routes: routes, initialVersions: ["auth-api": "2.3.0", "checkout-api": "5.12.0", "search-api": "1.48.2"])
    }()

    /// The standard roster grown or cut to `count` customers, for load tests: the eight enterprise customers
    /// first (so the SSO fault still has its six), then business and free workspaces one to two, the standard
    /// ones first (free-07 carries the background noise), then numbered ones with the standard ones' traffic. `standard(customers: 48)` is `standard`.
    public static func standard(customers count: Int) -> Roster {
        var roster = standard
        guard count != roster.customers.count else { return roster }
        let enterprise = roster.customers.filter { $0.customer.tier == "enterprise" }
        let business = roster.customers.filter { $0.customer.tier == "business" }
        let free = roster.customers.filter { $0.customer.tier == "free" }
        guard let businessTemplate = business.first, let freeTemplate = free.first else { return roster }
        let regions = ["us-east-1", "eu-west-1", "us-west-2", "eu-central-1"]
        var customers = Array(enterprise.prefix(count))
        let rest = max(0, count - enterprise.count)
        let businessCount = rest / 3
        let width = max(2, String(rest).count)
        for index in 0..<businessCount {
            if index < business.count {
                customers.append(business[index])
                continue
            }
            var extra = businessTemplate
            let id = String(format: "business-%0\(width)d", index + 1)
            extra.customer = Customer(id: id, name: "Business \(index + 1)", tier: "business", arr: Double(24_000 + (index * 7_919) % 96_000),
                                      region: regions[index % regions.count])
            customers.append(extra)
        }
        for index in 0..<(rest - businessCount) {
            if index < free.count {
                customers.append(free[index])
                continue
            }
            var extra = freeTemplate
            let id = String(format: "free-%0\(width)d", index + 1)
            extra.customer = Customer(id: id, name: "Free workspace \(index + 1)", tier: "free", arr: 0, region: regions[(index + 1) % regions.count])
            customers.append(extra)
        }
        roster.customers = customers
        return roster
    }

    static func displayName(_ id: String) -> String {
        id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }
}
