import GoalpostModel

/// A window measured in the outcome's budgeting units.
struct WindowMeasure: Sendable {
    /// Good and valid events (for the low-traffic guard and reports).
    var events: Counts
    /// Bad events, or bad slices.
    var bad: Double
    /// What `bad` is a share of: valid events, or slices.
    var base: Double

    var badRatio: Double { base > 0 ? min(1, max(0, bad / base)) : 0 }
}

extension OutcomeAggregator {
    var sliceNanos: Int64? { sliceMinutes.map { $0 * Time.nanosPerMinute } }

    /// Measures scope `scope` over `[start, end)` (see `TieredSeries.counts(from:to:)` for the edges).
    ///
    /// - Parameter known: The scope's counts over the window when the caller already has them.
    func measure(_ scope: Int, from start: Int64, to end: Int64, events known: Counts? = nil) -> WindowMeasure {
        let events = known ?? scopes[scope].series.counts(from: start, to: end)
        switch outcome.budgeting {
        case .occurrences:
            return WindowMeasure(events: events, bad: events.bad, base: events.total)
        case .timeslices:
            let tally = slices(scope, from: start, to: end)
            let elapsed = Double(max(0, end - start)) / Double(sliceNanos ?? Time.nanosPerMinute)
            return WindowMeasure(events: events, bad: tally.bad, base: elapsed)
        case .ratioTimeslices:
            let tally = slices(scope, from: start, to: end)
            return WindowMeasure(events: events, bad: tally.bad, base: tally.count)
        }
    }

    /// Measures an alert rule's window. When the window reaches back before the outcome was first observed
    /// (a cold start: a new install, or a backtest's first hours), the unobserved part counts as healthy traffic
    /// at the observed rate: the base is scaled by window ÷ observed time, bad events are not. Without this a
    /// long window holding only minutes of data is as jumpy as a short one, and one early error pages. A real
    /// outage still pages on the Workbook's arithmetic (bad ÷ a full window of traffic); a scope that was already
    /// failing before observation started is detected later. Event counts (the low-traffic guard) stay real.
    func ruleMeasure(_ scope: Int, window: TimeSpan, at now: Int64, events: Counts? = nil) -> WindowMeasure {
        var measured = measure(scope, from: now &- window.nanoseconds, to: now, events: events)
        switch outcome.budgeting {
        case .occurrences, .ratioTimeslices:
            measured.base *= coldStartFactor(windowStart: now &- window.nanoseconds, now: now)
        case .timeslices:
            break  // the base is already the window's elapsed slices: unobserved slices count as good
        }
        return measured
    }

    /// How much to scale a window's observed base so the part before the first observed minute counts as traffic
    /// at the observed rate: window length ÷ observed time (at least a minute), or 1 when all of it was observed.
    func coldStartFactor(windowStart: Int64, now: Int64) -> Double {
        guard firstMinute != .max else { return 1 }
        let observedStart = firstMinute &* Time.nanosPerMinute
        guard observedStart > windowStart else { return 1 }
        return Double(max(Time.nanosPerMinute, now &- windowStart)) / Double(max(Time.nanosPerMinute, now &- observedStart))
    }

    /// The slice tally of one slice starting at `startMinute`, from the minute buckets.
    func sliceTally(_ scope: Int, startMinute: Int64) -> SliceTally {
        guard let sliceMinutes else { return .zero }
        let counts = scopes[scope].series.minutes.sum(from: startMinute, through: startMinute + sliceMinutes - 1)
        guard counts.total > 0, let ratio = counts.ratio else { return .zero }
        switch outcome.budgeting {
        case .timeslices(_, let threshold):
            return SliceTally(bad: ratio < threshold ? 1 : 0, count: 1)
        case .ratioTimeslices:
            return SliceTally(bad: 1 - ratio, count: 1)
        case .occurrences:
            return .zero
        }
    }

    /// Bad slices (and slices with traffic) over `[start, end)`, each slice weighted by how much of it the
    /// window covers. Slices still in the minute tier are classified from minutes; older ones come from the
    /// finalized hourly tallies, the oldest hour weighted like any bucket. With `timeslices` budgeting the
    /// closed slices the window covers whole are summed from the scope's `SliceLedger` in O(1), with the same
    /// result, to the bit, as classifying every slice from minutes (SliceLedgerTests keeps that loop as its reference).
    func slices(_ scope: Int, from start: Int64, to end: Int64) -> SliceTally {
        guard let sliceNanos, let sliceMinutes, end > start else { return .zero }
        var result = SliceTally.zero
        var loopStart = start
        if !scopes[scope].series.minutesCover(start), let finalized = finalizedThroughHour, let series = scopes[scope].slices {
            let finalizedEnd = (finalized + 1) * Time.nanosPerHour
            if start < finalizedEnd {
                result = TieredSeries.weightedSum(series, start: start, end: min(end, finalizedEnd), bucket: Time.nanosPerHour)
                loopStart = finalizedEnd
            }
        }
        // The run of slices the ledger sums: whole in the window, counted, and not reaching into evicted minutes.
        var bulkFrom = Int64.max
        var bulkTo = Int64.min
        if case .timeslices = outcome.budgeting {
            let ledger = scopes[scope].sliceLedger
            let unevicted = Time.floorDiv(scopes[scope].series.minutes.evictedThrough, sliceMinutes) &+ 1
            bulkFrom = max(Time.ceilDiv(loopStart, sliceNanos), ledger.base, unevicted)
            bulkTo = min(Time.floorDiv(end, sliceNanos), ledger.end)
        }
        var slice = Time.floorDiv(loopStart, sliceNanos)
        while slice * sliceNanos < end {
            if slice == bulkFrom, bulkFrom < bulkTo {
                // Each whole closed slice adds (1, 1), (0, 1) or nothing, in order; see `SliceLedger.addOnes`.
                let counts = scopes[scope].sliceLedger.counts(from: bulkFrom, to: bulkTo)
                if counts.traffic > 0 {
                    result.bad = counts.bad > 0 ? SliceLedger.addOnes(result.bad, counts.bad) : result.bad + 0
                    result.count = SliceLedger.addOnes(result.count, counts.traffic)
                }
                slice = bulkTo
                continue
            }
            let sliceStart = slice * sliceNanos
            let overlap = min(end, sliceStart + sliceNanos) - max(loopStart, sliceStart)
            if overlap > 0 {
                let tally = sliceTally(scope, startMinute: sliceStart / Time.nanosPerMinute)
                if tally != .zero { result += tally.scaled(by: Double(overlap) / Double(sliceNanos)) }
            }
            slice += 1
        }
        return result
    }

    /// Writes the slice tallies of every hour that can no longer receive events (timeslice budgeting).
    mutating func finalizeSlices(frontierMinute: Int64, latenessMinutes: Int64) {
        guard let sliceMinutes, firstMinute != .max else { return }
        // Minutes before `frontier − lateness` are closed: an event for them would be dropped as too late.
        let closedMinute = frontierMinute &- latenessMinutes
        let lastClosedHour = Time.floorDiv(closedMinute, Time.minutesPerHour) - 1
        var hour = (finalizedThroughHour ?? (Time.floorDiv(firstMinute, Time.minutesPerHour) - 1)) + 1
        hour = max(hour, lastClosedHour - tiers.hourSlots)
        while hour <= lastClosedHour {
            for scope in scopes.indices where scopes[scope].series.hours.value(at: hour).total > 0 {
                var tally = SliceTally.zero
                var minute = hour * Time.minutesPerHour
                while minute < (hour + 1) * Time.minutesPerHour {
                    tally += sliceTally(scope, startMinute: minute)
                    minute += sliceMinutes
                }
                if tally != .zero {
                    scopes[scope].slices?.add(tally, at: hour)
                    if persistence { finalizedSlices.append(SliceDelta(outcome: outcome.name, scope: scopes[scope].scope, hour: hour, tally: tally)) }
                }
            }
            hour += 1
        }
        if lastClosedHour > (finalizedThroughHour ?? .min) { finalizedThroughHour = lastClosedHour }
        if case .timeslices = outcome.budgeting { advanceSliceLedgers(closedMinute: closedMinute, sliceMinutes: sliceMinutes) }
    }

    /// Counts, per scope, the slices closed since the last tick (their last minute is before `closedMinute`).
    private mutating func advanceSliceLedgers(closedMinute: Int64, sliceMinutes: Int64) {
        let lastClosed = Time.floorDiv(closedMinute, sliceMinutes) &- 1
        let firstObserved = Time.floorDiv(firstMinute, sliceMinutes)
        for scope in scopes.indices {
            // Only slices whose minutes are all still held: their tallies are final and match `sliceTally`.
            let unevicted = max(firstObserved, Time.floorDiv(scopes[scope].series.minutes.evictedThrough, sliceMinutes) &+ 1)
            if scopes[scope].sliceLedger.end < unevicted || scopes[scope].sliceLedger.base > unevicted {
                scopes[scope].sliceLedger.reset(at: unevicted)
            }
            var slice = scopes[scope].sliceLedger.end
            while slice <= lastClosed {
                let tally = sliceTally(scope, startMinute: slice &* sliceMinutes)
                scopes[scope].sliceLedger.append(tally)
                slice &+= 1
            }
            scopes[scope].sliceLedger.drop(before: unevicted)
        }
    }

    // MARK: Budget

    /// The budget window at `now`: where it starts and how long the whole window is.
    func budgetWindow(at now: Int64) -> (start: Int64, length: Int64) {
        switch outcome.window {
        case .rolling(let span):
            return (now &- span.nanoseconds, span.nanoseconds)
        case .calendar(let period, _):
            if let interval = calendar?.interval(containing: now) {
                return (interval.start, interval.end - interval.start)
            }
            let length = period.nominalLength.nanoseconds
            return (now &- length, length)
        }
    }

    /// The allowed bad (events or slices) over the budget window at `now`, and what was spent.
    ///
    /// When observation began after the window's start (a cold start), the part of the window before it counts as
    /// healthy traffic at the observed rate, as for rule windows: a customer watched for two days of a 30-day
    /// window is not told it spent its monthly budget thirty times over.
    func budget(_ scope: Int, at now: Int64) -> (measure: WindowMeasure, allowedBase: Double, start: Int64, length: Int64) {
        let window = budgetWindow(at: now)
        let measure = measure(scope, from: window.start, to: now)
        var base: Double
        switch outcome.budgeting {
        case .occurrences, .ratioTimeslices:
            base = measure.base * coldStartFactor(windowStart: window.start, now: now)
        case .timeslices: base = Double(window.length) / Double(sliceNanos ?? Time.nanosPerMinute)
        }
        return (measure, base, window.start, window.length)
    }

    // MARK: Rules

    /// The most severe rule firing for a scope, and the shortest short window among those firing.
    ///
    /// The tick's path: short window first (the low-traffic guard and most quiet scopes stop there, before
    /// any time slice is classified), the long window only when the short one burns past the threshold;
    /// nothing is allocated.
    func firing(_ scope: Int, at now: Int64) -> (severity: Severity?, shortWindow: TimeSpan?) {
        let objective = scopes[scope].objective
        let minEvents = Double(outcome.customers.minEvents)
        let minBad = Double(outcome.customers.minBadEvents)
        var severity: Severity?
        var shortest: TimeSpan?
        let rules = outcome.alerting.rules
        for index in rules.indices {
            let rule = rules[index]
            if let severity, severity >= rule.severity, let shortest, shortest <= rule.shortWindow { continue }
            let threshold = thresholds[index]
            // The event counts alone decide the low-traffic guard; the budgeting measure follows only past it.
            let shortEvents = scopes[scope].series.counts(from: now &- rule.shortWindow.nanoseconds, to: now)
            guard shortEvents.total >= minEvents, shortEvents.bad >= minBad else { continue }
            let short = ruleMeasure(scope, window: rule.shortWindow, at: now, events: shortEvents)
            guard BudgetMath.burnRate(badRatio: short.badRatio, objective: objective) > threshold else { continue }
            let longEvents = scopes[scope].series.counts(from: now &- rule.longWindow.nanoseconds, to: now)
            guard longEvents.bad >= minBad else { continue }
            let long = ruleMeasure(scope, window: rule.longWindow, at: now, events: longEvents)
            guard BudgetMath.burnRate(badRatio: long.badRatio, objective: objective) > threshold else { continue }
            severity = max(severity ?? rule.severity, rule.severity)
            shortest = min(shortest ?? rule.shortWindow, rule.shortWindow)
        }
        return (severity, shortest)
    }

    /// Evaluates every rule for a scope, both windows each, for status and reports.
    func evaluateRules(_ scope: Int, at now: Int64) -> [RuleStatus] {
        let objective = scopes[scope].objective
        let minEvents = Double(outcome.customers.minEvents)
        let minBad = Double(outcome.customers.minBadEvents)
        return outcome.alerting.rules.enumerated().map { index, rule in
            let threshold = thresholds[index]
            let short = ruleMeasure(scope, window: rule.shortWindow, at: now)
            let long = ruleMeasure(scope, window: rule.longWindow, at: now)
            let shortBurn = BudgetMath.burnRate(badRatio: short.badRatio, objective: objective)
            let longBurn = BudgetMath.burnRate(badRatio: long.badRatio, objective: objective)
            let lowTraffic = short.events.total < minEvents || short.events.bad < minBad || long.events.bad < minBad
            return RuleStatus(
                rule: rule, threshold: threshold,
                long: WindowBurn(window: rule.longWindow, events: long.events, badRatio: long.badRatio, burnRate: longBurn),
                short: WindowBurn(window: rule.shortWindow, events: short.events, badRatio: short.badRatio, burnRate: shortBurn),
                lowTraffic: lowTraffic, firing: !lowTraffic && shortBurn > threshold && longBurn > threshold
            )
        }
    }

    // MARK: Status

    func status(_ scope: Int, at now: Int64) -> ScopeStatus {
        let state = scopes[scope]
        let objective = state.objective
        let budget = budget(scope, at: now)
        let remaining = BudgetMath.budgetRemaining(bad: budget.measure.bad, base: budget.allowedBase, objective: objective)
        let hour = ruleMeasure(scope, window: .hours(1), at: now)
        let burn1h = BudgetMath.burnRate(badRatio: hour.badRatio, objective: objective)
        let sli: Double?
        switch outcome.budgeting {
        case .occurrences: sli = budget.measure.events.ratio
        case .timeslices, .ratioTimeslices: sli = budget.measure.base > 0 ? 1 - budget.measure.badRatio : nil
        }
        let rules = evaluateRules(scope, at: now)
        let firing = rules.filter(\.firing).map(\.rule.severity).max()
        let latency = sketches ? LatencySummary(state.series.latencies(from: now &- Time.nanosPerHour, to: now)) : nil
        return ScopeStatus(
            scope: state.scope, objective: objective, windowStart: budget.start, events: budget.measure.events, sli: sli,
            budgetRemaining: remaining, burnRate1h: burn1h,
            timeToExhaustion: BudgetMath.timeToExhaustion(remaining: remaining, burnRate: burn1h, window: TimeSpan(nanoseconds: budget.length)),
            rules: rules, firing: firing, latency: latency
        )
    }

    func status(at now: Int64) -> OutcomeStatus {
        let customers = scopes.indices.dropFirst()
            .map { status($0, at: now) }
            .sorted { ($0.scope.customer ?? "") < ($1.scope.customer ?? "") }
        return OutcomeStatus(outcome: outcome.name, at: now, global: status(0, at: now), customers: customers, openIncident: incident)
    }

    /// Each cell's counts over `[start, end)`.
    func cellCounts(from start: Int64, to end: Int64, symbols: SymbolTable) -> [CellCounts] {
        cellHistory.counts(from: start, to: end).enumerated().compactMap { index, counts in
            guard counts.total != 0 else { return nil }
            let key = cellTable.key(of: index)
            let customerValue = key[key.startIndex]
            var dimensions = [String: String]()
            for (offset, name) in outcome.dimensions.enumerated() {
                let value = key[key.startIndex + 1 + offset]
                if !CellTable.same(value, Self.missing) { dimensions[name] = Self.text(value, symbols: symbols) }
            }
            let customer = CellTable.same(customerValue, Self.missing) ? nil : Self.text(customerValue, symbols: symbols)
            return CellCounts(customer: customer, dimensions: dimensions, counts: counts)
        }
    }
}
