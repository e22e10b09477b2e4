import Foundation
import GoalpostEvaluation
import GoalpostModel

/// Everything an investigation looks at; the runtime gathers it from the engine when an incident opens.
public struct InvestigationInput: Sendable {
    /// The incident.
    public var incident: Incident
    /// Its outcome.
    public var outcome: Outcome
    /// The outcome's status at the time of investigation (time to exhaustion), if known.
    public var status: OutcomeStatus?
    /// Each cell's counts from the onset (or the alert's window) to now.
    public var incidentCells: [CellCounts]
    /// Each cell's counts in a baseline window before the onset.
    public var baselineCells: [CellCounts]
    /// The incident scope's bad and valid events per minute, baseline through now, for the onset.
    public var series: [MinuteCounts]
    /// Deploys and other recorded changes.
    public var deploys: [Deploy]
    /// Sampled bad events.
    public var samples: [EventSample]
    /// The customer directory.
    public var customers: [Customer]
    /// The least weight a customer gets in the rank (the engine's `customerWeightFloor`).
    public var customerWeightFloor: Double

    /// An input; every list may be empty.
    public init(
        incident: Incident, outcome: Outcome, status: OutcomeStatus? = nil, incidentCells: [CellCounts], baselineCells: [CellCounts],
        series: [MinuteCounts] = [], deploys: [Deploy] = [], samples: [EventSample] = [], customers: [Customer] = [],
        customerWeightFloor: Double = 0.01
    ) {
        self.incident = incident
        self.outcome = outcome
        self.status = status
        self.incidentCells = incidentCells
        self.baselineCells = baselineCells
        self.series = series
        self.deploys = deploys
        self.samples = samples
        self.customers = customers
        self.customerWeightFloor = customerWeightFloor
    }
}

/// The result: where it breaks, what changed, what it costs, what to do.
public struct Investigation: Hashable, Sendable {
    /// The incident's id.
    public var incident: String
    /// The outcome's name.
    public var outcome: String
    /// When the degradation started (the change point), or the alert's opening when none is found.
    public var onset: Onset?
    /// The attribute combinations that explain the excess bad events.
    public var suspects: [Suspect]
    /// Dimensions left out of localization because only failures carry them (`error.type`).
    public var derivedDimensions: [String]
    /// The most likely change, when one scores at least `ChangeCorrelation.threshold`.
    public var change: ChangeScore?
    /// Every change near the onset, scored, best first.
    public var changes: [ChangeScore]
    /// Error types, message templates and traces.
    public var evidence: Evidence
    /// Who is hurt and what it costs.
    public var impact: InvestigationImpact
    /// What to do.
    public var recommendation: Recommendation
}

/// One affected customer.
public struct CustomerImpact: Hashable, Sendable, Codable {
    public var id: String
    public var name: String?
    public var tier: String?
    public var arr: Double?
    /// Bad events in the incident window.
    public var badEvents: Double
    /// Valid events in the incident window.
    public var events: Double
    /// `badEvents / events`.
    public var failureShare: Double
}

/// What the incident costs.
public struct InvestigationImpact: Hashable, Sendable, Codable {
    /// Affected customers, most bad events first.
    public var customers: [CustomerImpact]
    /// Bad events in the incident window, all cells.
    public var badEvents: Double
    /// Valid events in the incident window, all cells.
    public var totalEvents: Double
    /// The share of the primary scope's budget spent in the incident (the engine's figure).
    public var budgetBurned: Double
    /// Seconds until the primary scope's budget runs out at the last hour's burn rate; `nil` when not burning.
    public var timeToExhaustionSeconds: Double?
    /// The summed ARR of the affected customers.
    public var arrAtRisk: Double
    /// The business-impact rank recomputed from these customers (docs/evaluation.md).
    public var rank: Double
}

/// The recommended next step.
public struct Recommendation: Hashable, Sendable, Codable {
    /// The rule that matched.
    public enum Action: String, Hashable, Sendable, Codable {
        case rollback, customerRunbook, regionRunbook, escalate
    }

    public var action: Action
    /// One sentence a person can act on.
    public var text: String
    /// Who to involve.
    public var owner: String?
    /// A runbook link, when one is known.
    public var runbook: String?
}

/// Runs the investigation steps in order: onset, localization, change correlation, evidence, impact, recommendation.
public struct Investigator: Sendable {
    /// The localizer used.
    public var localizer: Localizer

    /// An investigator with the default localizer.
    public init(localizer: Localizer = Localizer()) {
        self.localizer = localizer
    }

    /// Investigates one incident. Pure: the same input gives the same result.
    public func investigate(_ input: InvestigationInput) -> Investigation {
        let onset = Onset.detect(input.series)
        let onsetTime = onset?.at ?? input.incident.openedAt
        let (cube, derived) = LocalizationCube.incident(
            current: input.incidentCells, baseline: input.baselineCells, dimensions: input.outcome.dimensions
        )
        let suspects = localizer.localize(cube).suspects
        let changes = ChangeCorrelation.score(deploys: input.deploys, outcome: input.outcome, onset: onsetTime, suspects: suspects, cube: cube)
        let change = changes.first.flatMap { $0.score >= ChangeCorrelation.threshold ? $0 : nil }
        let evidence = Evidence.gather(samples: input.samples, outcome: input.outcome.name, onset: onsetTime, suspect: suspects.first?.attributes ?? [])
        let impact = Self.impact(input)
        let recommendation = Self.recommend(input, suspects: suspects, change: change, impact: impact)
        return Investigation(
            incident: input.incident.id, outcome: input.outcome.name, onset: onset, suspects: suspects, derivedDimensions: derived,
            change: change, changes: changes, evidence: evidence, impact: impact, recommendation: recommendation
        )
    }

    /// Affected customers are those the incident names, and those whose failures exceed their allowed share by
    /// more than chance (`BudgetMath.exceedsAllowance`, the engine's rule), from the incident-window cells.
    static func impact(_ input: InvestigationInput) -> InvestigationImpact {
        var perCustomer: [String: Counts] = [:]
        var all = Counts()
        for cell in input.incidentCells {
            all.good += cell.counts.good
            all.total += cell.counts.total
            guard let id = cell.customer else { continue }
            perCustomer[id, default: Counts()].good += cell.counts.good
            perCustomer[id, default: Counts()].total += cell.counts.total
        }
        let directory = Dictionary(input.customers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let named = Set(input.incident.impact.customers)
        var customers: [CustomerImpact] = []
        for (id, counts) in perCustomer {
            let customer = directory[id]
            let objective = input.outcome.objective(forTier: customer?.tier)
            guard named.contains(id) || BudgetMath.exceedsAllowance(bad: counts.bad, total: counts.total, objective: objective) else { continue }
            customers.append(CustomerImpact(
                id: id, name: customer?.name, tier: customer?.tier, arr: customer?.arr, badEvents: counts.bad, events: counts.total,
                failureShare: counts.badRatio
            ))
        }
        customers.sort { ($0.badEvents, $1.id) > ($1.badEvents, $0.id) }
        let ranking = ImpactRanking(customers: input.customers, floor: input.customerWeightFloor)
        let rank = ranking.rank(
            criticality: input.outcome.criticality,
            affected: customers.map { (ranking.weight(of: directory[$0.id]), $0.failureShare) },
            globalFailureShare: all.badRatio
        )
        let primary = input.status.map { status in
            status.customers.first { $0.scope == input.incident.scope } ?? status.global
        }
        return InvestigationImpact(
            customers: customers, badEvents: all.bad, totalEvents: all.total, budgetBurned: input.incident.impact.budgetBurned,
            timeToExhaustionSeconds: primary?.timeToExhaustion.map { Double($0.nanoseconds) / 1e9 },
            arrAtRisk: customers.reduce(0) { $0 + max(0, $1.arr ?? 0) }, rank: rank
        )
    }

    /// The rules, first match wins: a change whose version carries the excess → roll it back; one customer →
    /// that customer's runbook and contact; one region → the region's runbook; else the outcome's owner.
    static func recommend(_ input: InvestigationInput, suspects: [Suspect], change: ChangeScore?, impact: InvestigationImpact) -> Recommendation {
        let owner = input.outcome.owner
        if let change, change.confinement >= 0.8 || change.versionInSuspects {
            let previous = input.deploys.filter { $0.service == change.service && $0.timeUnixNano < change.time }
                .max { $0.timeUnixNano < $1.timeUnixNano }?.version
            let target = previous.map { "to \($0)" } ?? "to the previous version"
            return Recommendation(
                action: .rollback,
                text: "Roll back \(change.service) \(change.version) \(target): the bad events are confined to the new version.",
                owner: owner, runbook: input.outcome.annotations["runbook"]
            )
        }
        let customerValues = Set(suspects.compactMap { $0.attributes.first { $0.name == LocalizationCube.customerDimension }?.value })
        let onlyCustomer = !suspects.isEmpty && customerValues.count == 1 && suspects.allSatisfy { s in s.attributes.contains { $0.name == LocalizationCube.customerDimension } }
            ? customerValues.first : (impact.customers.count == 1 ? impact.customers[0].id : nil)
        if let id = onlyCustomer {
            let customer = input.customers.first { $0.id == id }
            return Recommendation(
                action: .customerRunbook,
                text: "Only \(customer?.name ?? id) is affected: follow its runbook and contact \(customer?.contact ?? "its account owner").",
                owner: customer?.contact ?? owner, runbook: customer?.runbook
            )
        }
        let regions = Set(suspects.compactMap { $0.attributes.first { $0.name.hasSuffix("region") }?.value })
        if regions.count == 1, let region = regions.first, suspects.allSatisfy({ s in s.attributes.contains { $0.name.hasSuffix("region") } }) {
            return Recommendation(
                action: .regionRunbook, text: "Only \(region) is affected: follow the runbook for \(region).",
                owner: owner, runbook: input.outcome.annotations["runbook.\(region)"] ?? input.outcome.annotations["runbook"]
            )
        }
        return Recommendation(
            action: .escalate,
            text: "No known pattern matches: escalate to \(owner ?? "the outcome's owner") with this report.",
            owner: owner, runbook: input.outcome.annotations["runbook"]
        )
    }
}
