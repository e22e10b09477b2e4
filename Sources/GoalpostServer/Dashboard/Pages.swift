import Foundation
import GoalpostEvaluation
import GoalpostInvestigation
import GoalpostModel
import GoalpostRuntime
import GoalpostStore
import Hummingbird

/// The dashboard: server-rendered pages over the same reads as the API. Works without JavaScript; the pages
/// refresh themselves every 30 seconds with a meta tag.
extension API {
    // MARK: Overview

    func overviewPage() async -> Page {
        struct Row: Sendable {
            var definition: Outcome
            var status: OutcomeStatus
            var customersFailing: Int
        }
        guard let rows: [Row] = await pipeline.read({ view in
            view.engine.status(now: view.now).compactMap { status in
                guard let definition = view.catalog.outcomes.first(where: { $0.name == status.outcome }) else { return nil }
                let failing = status.customers.filter { $0.firing != nil || $0.budgetRemaining < 0 }.count
                return Row(definition: definition, status: status, customersFailing: failing)
            }
        }) else { return Self.htmlPage(.serviceUnavailable, title: "Unavailable", body: "<p>The server is shutting down.</p>") }
        let open: [Incident]
        let notes: [String: IncidentNote]
        do {
            open = try store.incidents(from: 0, to: .max).filter(\.isOpen).sorted { ($0.rank, $1.openedAt) > ($1.rank, $0.openedAt) }
            notes = try store.notes()
        } catch {
            return Self.htmlPage(.internalServerError, title: "Error", body: "<p>Could not read incidents.</p>")
        }
        var body = "<h1>Are customers succeeding?</h1><p class=\"lead\">Every outcome, measured per customer, as of \(HTML.time(rows.first?.status.at)).</p>"
        body += "<h2>Open incidents, by business impact</h2><div class=\"panel\">"
        if open.isEmpty {
            body += "<p class=\"ok\"><span class=\"dot ok\"></span>No open incidents.</p>"
        } else {
            body += "<table><thead><tr><th>Incident</th><th>Severity</th><th>Customers</th><th class=\"num\">ARR at risk</th><th class=\"num\">Bad events</th><th>Opened</th><th class=\"num\">Rank</th><th>Status</th></tr></thead><tbody>"
            for incident in open {
                let acknowledged = notes[incident.id]?.acknowledgedAt != nil
                body += "<tr><td><a href=\"/incidents/\(HTML.segment(incident.id))\">\(HTML.escape(incident.id))</a><div class=\"muted\">\(HTML.escape(incident.outcome))</div></td>"
                body += "<td><span class=\"pill \(incident.severity == .page ? "bad" : "warn")\">\(incident.severity.rawValue)</span></td>"
                body += "<td>\(incident.impact.customers.prefix(6).map { "<a href=\"/customers/\(HTML.segment($0))\">\(HTML.escape($0))</a>" }.joined(separator: ", "))\(incident.impact.customers.count > 6 ? " +\(incident.impact.customers.count - 6)" : "")</td>"
                body += "<td class=\"num\">\(HTML.money(incident.impact.arrAtRisk))</td><td class=\"num\">\(HTML.number(incident.impact.badEvents))</td>"
                body += "<td>\(HTML.time(incident.openedAt))</td><td class=\"num\">\(HTML.number(incident.rank))</td><td>\(acknowledged ? "acknowledged" : "<span class=\"bad\">unacknowledged</span>")</td></tr>"
            }
            body += "</tbody></table>"
        }
        body += "</div><h2>Outcomes</h2><div class=\"panel\"><table><thead><tr><th>Outcome</th><th class=\"num\">SLI</th><th class=\"num\">Objective</th><th>Error budget left</th><th class=\"num\">Burn (1 h)</th><th class=\"num\">Customers failing</th></tr></thead><tbody>"
        for row in rows {
            let global = row.status.global
            let health = HTML.health(firing: global.firing != nil || row.status.openIncident != nil, budgetRemaining: global.budgetRemaining, burn: global.burnRate1h)
            body += "<tr><td><span class=\"dot \(health)\"></span><a href=\"/outcomes/\(HTML.segment(row.definition.name))\">\(HTML.escape(row.definition.displayName ?? row.definition.name))</a><div class=\"muted\">\(HTML.escape(row.definition.statement))</div></td>"
            body += "<td class=\"num\">\(HTML.percent(global.sli, digits: 3))</td><td class=\"num\">\(HTML.percent(global.objective, digits: 2))</td>"
            body += "<td>\(HTML.budgetBar(global.budgetRemaining))<span class=\"muted\">\(HTML.percent(global.budgetRemaining, digits: 1))</span></td>"
            body += "<td class=\"num \(global.burnRate1h > 1 ? "warn" : "")\">\(String(format: "%.2f×", global.burnRate1h))</td>"
            body += "<td class=\"num \(row.customersFailing > 0 ? "bad" : "")\">\(row.customersFailing) of \(row.status.customers.count)</td></tr>"
        }
        body += "</tbody></table></div>"
        return Self.htmlPage(.ok, title: "Outcomes", body: body)
    }

    // MARK: Outcome

    func outcomePage(name: String) async -> Page {
        struct PageData: Sendable {
            var definition: Outcome
            var status: OutcomeStatus
            var burnDown: [SeriesPoint]
            var recent: [SeriesPoint]
            var heatmap: [HeatmapRow]
            var heatmapTimes: [Int64]
            var now: Int64
        }
        guard let found: PageData? = await pipeline.read({ (view) -> PageData? in
            guard let definition = view.catalog.outcomes.first(where: { $0.name == name }),
                  let status = view.engine.status(outcome: name, now: view.now) else { return nil }
            let minute: Int64 = 60_000_000_000
            let now = (view.now + minute - 1) / minute * minute
            let windowStart = max(status.global.windowStart, now - 90 * 86_400_000_000_000)
            let budgetStep = max(minute, ((now - windowStart) / 240 + minute - 1) / minute * minute)
            let burnDown = view.engine.series(outcome: name, scope: .global, from: now - budgetStep * ((now - windowStart) / budgetStep), to: now, step: budgetStep) ?? []
            let day: Int64 = 86_400_000_000_000
            let recent = view.engine.series(outcome: name, scope: .global, from: now - day, to: now, step: 5 * minute) ?? []
            let heatStep = 15 * minute
            let heatmap = view.engine.heatmap(outcome: name, from: now - day, to: now, step: heatStep, limit: 30) ?? []
            let times = Array(stride(from: now - day + heatStep, through: now, by: Int(heatStep)))
            return PageData(definition: definition, status: status, burnDown: burnDown, recent: recent, heatmap: heatmap, heatmapTimes: times, now: now)
        }) else { return Self.htmlPage(.serviceUnavailable, title: "Unavailable", body: "<p>The server is shutting down.</p>") }
        guard let data = found else {
            return Self.htmlPage(.notFound, title: "Not found", body: "<h1>No outcome named “\(HTML.escape(name))”</h1><p><a href=\"/\">All outcomes</a></p>")
        }
        let deploys = (try? store.deploys(from: data.now - 86_400_000_000_000, to: .max)) ?? []
        let services = Set([data.definition.indicator.service].compactMap { $0 })
        let shown = deploys.filter { services.isEmpty || services.contains($0.service) }
        // Each deploy's latest check: its verdict on the marker, and a row in the deploys table.
        var latest: [String: StoredDeployCheck] = [:]
        for check in (try? store.deployChecks(deploy: nil, from: data.now - 86_400_000_000_000)) ?? [] {
            latest["\(check.deploy)|\(check.deployedAt)"] = check
        }
        func verdict(_ deploy: Deploy) -> StoredDeployCheck? { latest["\(DeployVerifier.id(deploy))|\(deploy.timeUnixNano)"] }
        let markers = shown.map { deploy in
            Charts.Marker(time: deploy.timeUnixNano, label: "\(deploy.service) \(deploy.version)" + (verdict(deploy).map { " · \($0.verdict)" } ?? ""))
        }
        let global = data.status.global
        let objective = global.objective
        var body = "<h1>\(HTML.escape(data.definition.displayName ?? data.definition.name))</h1><p class=\"lead\">“\(HTML.escape(data.definition.statement))”\(data.definition.owner.map { " · owner \(HTML.escape($0))" } ?? "")</p>"
        body += "<div class=\"grid\">"
        body += stat("SLI over the window", HTML.percent(global.sli, digits: 3), "objective \(HTML.percent(objective, digits: 2))")
        body += stat("Error budget left", HTML.percent(global.budgetRemaining, digits: 1), global.timeToExhaustion.map { "exhausted in \(HTML.duration($0))" } ?? "not burning down")
        body += stat("Burn rate, 1 hour", String(format: "%.2f×", global.burnRate1h), global.firing.map { "firing: \($0.rawValue)" } ?? "no rule firing")
        body += stat("Customers", "\(data.status.customers.count)", "\(data.status.customers.filter { $0.firing != nil || $0.budgetRemaining < 0 }.count) failing")
        body += "</div>"
        if let incident = data.status.openIncident {
            body += "<div class=\"panel\"><span class=\"pill bad\">\(incident.severity.rawValue)</span> Open incident <a href=\"/incidents/\(HTML.segment(incident.id))\">\(HTML.escape(incident.id))</a> since \(HTML.time(incident.openedAt)), \(incident.impact.customers.count) customers affected.</div>"
        }
        body += "<h2>Error budget over the window</h2><div class=\"panel\">"
        let budgetValues = data.burnDown.map { Optional($0.budgetRemaining) }
        let lowest = min(0, (budgetValues.compactMap { $0 }.min() ?? 0))
        body += Charts.line(times: data.burnDown.map(\.time), values: budgetValues, yRange: max(-1, lowest)...1, format: { HTML.percent($0, digits: 0) },
                            guides: [(0, "zero", "budget exhausted")], markers: markers, title: "Error budget remaining, \(data.definition.name)")
        body += "</div><h2>SLI, last 24 hours (5-minute buckets), with deploys</h2><div class=\"panel\">"
        let sliValues = data.recent.map(\.sli)
        let floor = min(objective - (1 - objective) * 4, sliValues.compactMap { $0 }.min() ?? objective)
        body += Charts.line(times: data.recent.map(\.time), values: sliValues, yRange: max(0, floor)...1, format: { HTML.percent($0, digits: 2) },
                            guides: [(objective, "target", "objective")], markers: markers, title: "SLI, \(data.definition.name)")
        if !shown.isEmpty {
            body += "</div><h2>Deploys, last 24 hours</h2><div class=\"panel\"><table><thead><tr><th>Deploy</th><th>When</th><th>Change</th><th>Latest check</th></tr></thead><tbody>"
            for deploy in shown.reversed() {
                let id = DeployVerifier.id(deploy)
                let check = verdict(deploy)
                let state = check.map { $0.verdict == "fail" ? "bad" : $0.verdict == "marginal" ? "warn" : "ok" } ?? "warn"
                let label = check.map { "\($0.verdict) after \(TimeSpan.seconds($0.afterSeconds))" } ?? "not checked yet"
                body += "<tr><td><span class=\"dot \(state)\"></span>\(HTML.escape(id))</td><td>\(HTML.time(deploy.timeUnixNano))</td><td>\(HTML.escape(deploy.title ?? ""))</td>"
                body += "<td class=\"deploy-verdict\"><a href=\"/api/v1/deploys/\(HTML.segment(id))/report\">\(HTML.escape(label))</a></td></tr>"
            }
            body += "</tbody></table>"
        }
        body += "</div><h2>Customers × time: bad-event ratio (worst first)</h2><div class=\"panel\">"
        body += Charts.heatmap(rows: data.heatmap.map { ($0.customer, "/customers/\(HTML.segment($0.customer))", $0.badRatios) }, times: data.heatmapTimes,
                               title: "Bad ratio per customer, \(data.definition.name)")
        body += "</div><h2>Per customer</h2><div class=\"panel\"><table><thead><tr><th>Customer</th><th class=\"num\">SLI</th><th class=\"num\">Objective</th><th>Budget left</th><th class=\"num\">Burn (1 h)</th><th class=\"num\">Events</th></tr></thead><tbody>"
        for scope in data.status.customers.sorted(by: { ($0.budgetRemaining, $0.scope) < ($1.budgetRemaining, $1.scope) }) {
            guard let id = scope.scope.customer else { continue }
            let health = HTML.health(firing: scope.firing != nil, budgetRemaining: scope.budgetRemaining, burn: scope.burnRate1h)
            body += "<tr><td><span class=\"dot \(health)\"></span><a href=\"/customers/\(HTML.segment(id))\">\(HTML.escape(id))</a></td><td class=\"num\">\(HTML.percent(scope.sli, digits: 3))</td><td class=\"num\">\(HTML.percent(scope.objective))</td>"
            body += "<td>\(HTML.budgetBar(scope.budgetRemaining))</td><td class=\"num\">\(String(format: "%.2f×", scope.burnRate1h))</td><td class=\"num\">\(HTML.number(scope.events.total))</td></tr>"
        }
        body += "</tbody></table></div>"
        return Self.htmlPage(.ok, title: data.definition.displayName ?? data.definition.name, body: body)
    }

    private func stat(_ key: String, _ value: String, _ note: String) -> String {
        "<div class=\"panel stat\"><div class=\"k\">\(HTML.escape(key))</div><div class=\"v\">\(HTML.escape(value))</div><div class=\"muted\">\(HTML.escape(note))</div></div>"
    }

    // MARK: Customers

    func customersPage() async -> Page {
        guard let list: [CustomerSummary] = await pipeline.read({ view in
            CustomerSummary.all(view).sorted { ($0.outcomesFailing, $0.customer.arr ?? 0, $1.customer.id) > ($1.outcomesFailing, $1.customer.arr ?? 0, $0.customer.id) }
        }) else { return Self.htmlPage(.serviceUnavailable, title: "Unavailable", body: "<p>The server is shutting down.</p>") }
        var body = "<h1>Customers</h1><p class=\"lead\">Failing customers first, then by ARR.</p><div class=\"panel\"><table><thead><tr><th>Customer</th><th>Tier</th><th class=\"num\">ARR</th><th>Region</th><th class=\"num\">Outcomes failing</th></tr></thead><tbody>"
        for summary in list {
            let (customer, failing, traffic) = (summary.customer, summary.outcomesFailing, summary.hasTraffic)
            body += "<tr><td><span class=\"dot \(failing > 0 ? "bad" : traffic ? "ok" : "warn")\"></span><a href=\"/customers/\(HTML.segment(customer.id))\">\(HTML.escape(customer.name ?? customer.id))</a></td>"
            body += "<td>\(HTML.escape(customer.tier ?? "—"))</td><td class=\"num\">\(HTML.money(customer.arr))</td><td>\(HTML.escape(customer.region ?? "—"))</td><td class=\"num \(failing > 0 ? "bad" : "")\">\(failing)</td></tr>"
        }
        body += "</tbody></table></div>"
        return Self.htmlPage(.ok, title: "Customers", body: body)
    }

    func customerPage(id: String) async -> Page {
        guard let found: (Customer, [(String, ScopeStatus)])? = await pipeline.read({ (view) -> (Customer, [(String, ScopeStatus)])? in
            let statuses = view.engine.customerStatus(id, now: view.now).map { ($0.outcome, $0.status) }
            let entry = view.directory.first { $0.id == id }
            guard entry != nil || !statuses.isEmpty else { return nil }
            return (entry ?? Customer(id: id), statuses)
        }) else { return Self.htmlPage(.serviceUnavailable, title: "Unavailable", body: "<p>The server is shutting down.</p>") }
        guard let (customer, statuses) = found else {
            return Self.htmlPage(.notFound, title: "Not found", body: "<h1>No customer “\(HTML.escape(id))”</h1><p><a href=\"/customers\">All customers</a></p>")
        }
        let incidents = ((try? store.incidents(from: 0, to: .max)) ?? []).filter { $0.scopes.contains(.customer(id)) || $0.impact.customers.contains(id) }
        var body = "<h1>\(HTML.escape(customer.name ?? customer.id))</h1><p class=\"lead\">\(HTML.escape(customer.id))"
        if let tier = customer.tier { body += " · tier \(HTML.escape(tier))" }
        if let arr = customer.arr { body += " · ARR \(HTML.money(arr))" }
        if let region = customer.region { body += " · \(HTML.escape(region))" }
        if let contact = customer.contact { body += " · \(HTML.escape(contact))" }
        if let runbook = customer.runbook { body += " · <a href=\"\(HTML.escape(runbook))\">runbook</a>" }
        body += "</p><h2>Outcomes for this customer</h2><div class=\"panel\"><table><thead><tr><th>Outcome</th><th class=\"num\">SLI</th><th class=\"num\">Objective</th><th>Budget left</th><th class=\"num\">Burn (1 h)</th><th class=\"num\">Events</th></tr></thead><tbody>"
        for (outcome, scope) in statuses {
            let health = HTML.health(firing: scope.firing != nil, budgetRemaining: scope.budgetRemaining, burn: scope.burnRate1h)
            body += "<tr><td><span class=\"dot \(health)\"></span><a href=\"/outcomes/\(HTML.segment(outcome))\">\(HTML.escape(outcome))</a></td><td class=\"num\">\(HTML.percent(scope.sli, digits: 3))</td><td class=\"num\">\(HTML.percent(scope.objective))</td>"
            body += "<td>\(HTML.budgetBar(scope.budgetRemaining))</td><td class=\"num\">\(String(format: "%.2f×", scope.burnRate1h))</td><td class=\"num\">\(HTML.number(scope.events.total))</td></tr>"
        }
        if statuses.isEmpty { body += "<tr><td colspan=\"6\" class=\"muted\">No traffic from this customer yet.</td></tr>" }
        body += "</tbody></table></div><h2>Incidents</h2><div class=\"panel\">"
        body += incidents.isEmpty ? "<p class=\"muted\">None.</p>" : incidentTable(incidents)
        body += "</div>"
        return Self.htmlPage(.ok, title: customer.name ?? customer.id, body: body)
    }

    private func incidentTable(_ incidents: [Incident]) -> String {
        var body = "<table><thead><tr><th>Incident</th><th>Severity</th><th>Opened</th><th>Resolved</th><th class=\"num\">Customers</th><th class=\"num\">ARR at risk</th></tr></thead><tbody>"
        for incident in incidents {
            body += "<tr><td><a href=\"/incidents/\(HTML.segment(incident.id))\">\(HTML.escape(incident.id))</a></td><td><span class=\"pill \(incident.severity == .page ? "bad" : "warn")\">\(incident.severity.rawValue)</span></td>"
            body += "<td>\(HTML.time(incident.openedAt))</td><td>\(incident.resolvedAt.map { HTML.time($0) } ?? "<span class=\"bad\">open</span>")</td>"
            body += "<td class=\"num\">\(incident.impact.customers.count)</td><td class=\"num\">\(HTML.money(incident.impact.arrAtRisk))</td></tr>"
        }
        return body + "</tbody></table>"
    }

    // MARK: Incidents

    func incidentsPage() -> Page {
        guard let incidents = try? store.incidents(from: 0, to: .max) else {
            return Self.htmlPage(.internalServerError, title: "Error", body: "<p>Could not read incidents.</p>")
        }
        let body = "<h1>Incidents</h1><p class=\"lead\">Newest first.</p><div class=\"panel\">" + (incidents.isEmpty ? "<p class=\"muted\">None yet.</p>" : incidentTable(incidents)) + "</div>"
        return Self.htmlPage(.ok, title: "Incidents", body: body)
    }

    func incidentPage(id: String) -> Page {
        let incident: Incident
        let note: IncidentNote?
        let report: [String: Any]
        do {
            guard let found = try store.incident(id: id) else {
                return Self.htmlPage(.notFound, title: "Not found", body: "<h1>No incident “\(HTML.escape(id))”</h1><p><a href=\"/incidents\">All incidents</a></p>")
            }
            incident = found
            note = try store.notes()[id]
            let stored = try store.investigation(incident: id)
            report = stored.flatMap { try? JSONSerialization.jsonObject(with: Data($0.json.utf8)) as? [String: Any] } ?? [:]
        } catch {
            return Self.htmlPage(.internalServerError, title: "Error", body: "<p>Could not read the incident.</p>")
        }
        var body = "<h1>\(HTML.escape(incident.id))</h1><p class=\"lead\"><span class=\"pill \(incident.severity == .page ? "bad" : "warn")\">\(incident.severity.rawValue)</span> "
        body += "<a href=\"/outcomes/\(HTML.segment(incident.outcome))\">\(HTML.escape(incident.outcome))</a> · opened \(HTML.time(incident.openedAt)) · "
        body += incident.resolvedAt.map { "resolved \(HTML.time($0))" } ?? "<span class=\"bad\">open</span>"
        if let by = note?.acknowledgedBy ?? (note?.acknowledgedAt != nil ? "someone" : nil) { body += " · acknowledged by \(HTML.escape(by))" }
        if note?.customerReportedAt != nil { body += " · <span class=\"warn\">reported by a customer</span>" }
        body += "</p>"
        if let summary = report["summary"] as? String { body += "<div class=\"panel summary\">\(HTML.escape(summary))</div>" }
        if let recommendation = report["recommendation"] as? [String: Any], let text = recommendation["text"] as? String {
            body += "<h2>What to do</h2><div class=\"panel\"><p><strong>\(HTML.escape(text))</strong></p>"
            if let owner = recommendation["owner"] as? String { body += "<p class=\"muted\">Owner: \(HTML.escape(owner))</p>" }
            if let runbook = recommendation["runbook"] as? String { body += "<p><a href=\"\(HTML.escape(runbook))\">Runbook</a></p>" }
            body += "</div>"
        }
        // Impact.
        let impact = report["impact"] as? [String: Any] ?? [:]
        body += "<h2>Impact</h2><div class=\"grid\">"
        body += stat("Customers affected", "\(incident.impact.customers.count)", "")
        // The investigation's impact (the whole episode so far) when there is one, else the engine's.
        let bad = impact["badEvents"] as? Double ?? incident.impact.badEvents
        let total = impact["totalEvents"] as? Double ?? incident.impact.totalEvents
        body += stat("Bad events", HTML.number(bad), "of \(HTML.number(total))")
        body += stat("ARR at risk", HTML.money(incident.impact.arrAtRisk), "")
        body += stat("Budget burned", HTML.percent(incident.impact.budgetBurned, digits: 1), "rank \(HTML.number(incident.rank))")
        body += "</div>"
        if let customers = impact["customers"] as? [[String: Any]], !customers.isEmpty {
            body += "<div class=\"panel\"><table><thead><tr><th>Customer</th><th>Tier</th><th class=\"num\">ARR</th><th class=\"num\">Bad events</th><th class=\"num\">Share failing</th></tr></thead><tbody>"
            for customer in customers {
                let cid = customer["id"] as? String ?? ""
                body += "<tr><td><a href=\"/customers/\(HTML.segment(cid))\">\(HTML.escape(customer["name"] as? String ?? cid))</a></td><td>\(HTML.escape(customer["tier"] as? String ?? "—"))</td>"
                body += "<td class=\"num\">\(HTML.money(customer["arr"] as? Double))</td><td class=\"num\">\(HTML.number(customer["badEvents"] as? Double ?? 0))</td><td class=\"num\">\(HTML.percent(customer["failureShare"] as? Double, digits: 1))</td></tr>"
            }
            body += "</tbody></table></div>"
        }
        // Where.
        body += "<h2>Where it breaks</h2><div class=\"panel\">"
        if let onset = report["onset"] as? [String: Any], let at = onset["at"] as? String {
            body += "<p>Started at \(HTML.escape(at)) (bad ratio \(HTML.percent(onset["badRatioBefore"] as? Double, digits: 2)) → \(HTML.percent(onset["badRatioAfter"] as? Double, digits: 2))).</p>"
        }
        let suspects = report["suspects"] as? [[String: Any]] ?? []
        if suspects.isEmpty {
            body += "<p class=\"muted\">No localized cause.</p>"
        } else {
            body += "<table><thead><tr><th>Suspect</th><th class=\"num\">Share of excess</th><th class=\"num\">Bad ratio inside</th><th class=\"num\">Outside</th><th class=\"num\">Confidence</th></tr></thead><tbody>"
            for suspect in suspects {
                let attributes = (suspect["attributes"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map { "<code>\(HTML.escape($0.key))=\(HTML.escape($0.value))</code>" }.joined(separator: " ")
                body += "<tr><td>\(attributes)</td><td class=\"num\">\(HTML.percent(suspect["shareOfExcess"] as? Double, digits: 0))</td><td class=\"num\">\(HTML.percent(suspect["badRatioInside"] as? Double, digits: 1))</td>"
                body += "<td class=\"num\">\(HTML.percent(suspect["badRatioOutside"] as? Double, digits: 2))</td><td class=\"num\">\(HTML.percent(suspect["confidence"] as? Double, digits: 0))</td></tr>"
            }
            body += "</tbody></table>"
        }
        body += "</div><h2>What changed</h2><div class=\"panel\">"
        if let change = report["change"] as? [String: Any] {
            body += "<p><strong>\(HTML.escape(change["service"] as? String ?? "")) \(HTML.escape(change["version"] as? String ?? ""))</strong> at \(HTML.escape(change["time"] as? String ?? "")), score \(String(format: "%.2f", change["score"] as? Double ?? 0))</p>"
            body += "<ul>" + (change["evidence"] as? [String] ?? []).map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>"
        } else {
            body += "<p class=\"muted\">No recorded change explains it.</p>"
        }
        body += "</div><h2>Evidence</h2><div class=\"panel\">"
        let evidence = report["evidence"] as? [String: Any] ?? [:]
        for (key, heading) in [("errorTypes", "Error types"), ("messages", "Messages")] {
            let lines = evidence[key] as? [[String: Any]] ?? []
            guard !lines.isEmpty else { continue }
            body += "<table><thead><tr><th>\(heading)</th><th class=\"num\">Before</th><th class=\"num\">During</th></tr></thead><tbody>"
            for line in lines {
                body += "<tr><td><code>\(HTML.escape(line["text"] as? String ?? ""))</code></td><td class=\"num\">\(line["before"] as? Int ?? 0)</td><td class=\"num\">\(line["during"] as? Int ?? 0)</td></tr>"
            }
            body += "</tbody></table>"
        }
        let traces = evidence["traceIDs"] as? [String] ?? []
        if !traces.isEmpty { body += "<p>Traces to open: " + traces.map { "<code>\(HTML.escape($0))</code>" }.joined(separator: " ") + "</p>" }
        if report.isEmpty { body += "<p class=\"muted\">No investigation stored yet.</p>" }
        body += "</div><h2>Timeline</h2><div class=\"panel\"><table><tbody>"
        for change in incident.history {
            let scope = change.scope.map { " · \(HTML.escape($0.description))" } ?? ""
            body += "<tr><td>\(HTML.time(change.at))</td><td>\(HTML.escape(change.kind.rawValue))\(scope)</td><td>\(change.severity.rawValue)</td></tr>"
        }
        body += "</tbody></table></div>"
        return Self.htmlPage(.ok, title: incident.id, body: body)
    }

    // MARK: Login

    func loginPage(message: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        Self.response(loginForm(message: message, status: status))
    }

    func loginForm(message: String?, status: HTTPResponse.Status) -> Page {
        var body = "<h1>Sign in</h1><p class=\"lead\">Paste an API token with the <code>read</code> scope (<code>goalpost token create --scopes read</code>). It is kept in an HttpOnly cookie.</p>"
        if let message { body += "<p class=\"bad\">\(HTML.escape(message))</p>" }
        body += "<form class=\"login panel\" method=\"post\" action=\"/login\"><label for=\"token\">Token</label><input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required><button type=\"submit\">Sign in</button></form>"
        return Self.htmlPage(status, title: "Sign in", body: body, refresh: false)
    }

    /// `POST /login` with a form-encoded `token`: sets the cookie and goes to the overview, or shows the form again.
    func login(_ request: Request, authenticator: Authenticator?) async -> Response {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 8 << 10) else { return loginPage(message: "The form is too large.", status: .contentTooLarge) }
        let form = String(decoding: buffer.readableBytesView, as: UTF8.self)
        var token: String?
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == "token" {
                token = String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding?.trimmingCharacters(in: .whitespaces)
            }
        }
        guard let token, !token.isEmpty else { return loginPage(message: "Enter a token.", status: .badRequest) }
        if let authenticator {
            guard let scopes = authenticator.scopes(of: token) else { return loginPage(message: "That token is not valid.", status: .unauthorized) }
            guard scopes.contains(.read) || scopes.contains(.admin) else { return loginPage(message: "That token lacks the read scope.", status: .forbidden) }
        }
        var response = Response(status: .seeOther)
        response.headers[.location] = "/"
        response.headers[.setCookie] = "\(AuthenticationMiddleware<BasicRequestContext>.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000"
        return response
    }

    static func htmlPage(_ status: HTTPResponse.Status, title: String, body: String, refresh: Bool = true) -> Page {
        Page(status: status, contentType: "text/html; charset=utf-8", body: ByteBuffer(string: HTML.page(title: title, body: body, refreshSeconds: refresh ? 30 : nil)))
    }
}
