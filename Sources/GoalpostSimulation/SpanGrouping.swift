import GoalpostModel

/// How the OTLP writers group a batch of simulated spans, the way an SDK's exporter does: one export request per
/// service, and within it one resource per (version, region) with its spans, in first-seen order so the output
/// is stable for a seed.
struct SpanGrouping {
    struct ResourceKey: Hashable {
        var version: Int16
        var region: String
    }

    struct Resource {
        var key: ResourceKey
        var spans: [Int]
    }

    struct Request {
        var service: String
        var resources: [Resource]
    }

    var requests: [Request] = []

    init(spans: [SpanRecord], roster: Roster) {
        var serviceIndex: [String: Int] = [:]
        var resourceIndex: [[ResourceKey: Int]] = []
        for (index, span) in spans.enumerated() {
            let route = roster.routes[Int(span.route)]
            let key = ResourceKey(version: span.version, region: roster.customers[Int(span.customer)].customer.region ?? "")
            let service: Int
            if let known = serviceIndex[route.service] {
                service = known
            } else {
                service = requests.count
                serviceIndex[route.service] = service
                requests.append(Request(service: route.service, resources: []))
                resourceIndex.append([:])
            }
            if let resource = resourceIndex[service][key] {
                requests[service].resources[resource].spans.append(index)
            } else {
                resourceIndex[service][key] = requests[service].resources.count
                requests[service].resources.append(Resource(key: key, spans: [index]))
            }
        }
    }
}
