import GoalpostModel
import Testing
@testable import GoalpostEvaluation

/// A clock the test moves by hand.
struct ManualClock {
    var now: Int64 = Clock.t0
    mutating func advance(_ span: TimeSpan) { now += span.nanoseconds }
}

struct AlertStateMachineTests {
    @Test("opens on the first firing evaluation with its severity")
    func opens() {
        var clock = ManualClock()
        var machine = AlertStateMachine(resolveAfter: .minutes(15))
        #expect(machine.step(firing: nil, now: clock.now) == nil)
        clock.advance(.minutes(1))
        #expect(machine.step(firing: .ticket, now: clock.now) == .opened(.ticket))
        #expect(machine.state == .firing(.ticket))
        clock.advance(.minutes(1))
        // Still firing at the same severity: nothing to say.
        #expect(machine.step(firing: .ticket, now: clock.now) == nil)
    }

    @Test("escalates a ticket to a page and never de-escalates while open")
    func escalates() {
        var clock = ManualClock()
        var machine = AlertStateMachine(resolveAfter: .minutes(15))
        #expect(machine.step(firing: .ticket, now: clock.now) == .opened(.ticket))
        clock.advance(.minutes(1))
        #expect(machine.step(firing: .page, now: clock.now) == .escalated(from: .ticket, to: .page))
        clock.advance(.minutes(1))
        #expect(machine.step(firing: .ticket, now: clock.now) == nil)
        #expect(machine.severity == .page)
    }

    @Test("resolves only after every rule stayed quiet for the hold period")
    func resolvesAfterHold() {
        var clock = ManualClock()
        var machine = AlertStateMachine(resolveAfter: .minutes(15))
        #expect(machine.step(firing: .page, now: clock.now) == .opened(.page))
        clock.advance(.minutes(1))
        let quietAt = clock.now
        #expect(machine.step(firing: nil, now: clock.now) == .quieted)
        #expect(machine.state == .holding(.page, quietSince: quietAt))
        for _ in 1..<15 {
            clock.advance(.minutes(1))
            #expect(machine.step(firing: nil, now: clock.now) == nil)
        }
        // 14 minutes quiet so far; the 15th completes the hold.
        clock.advance(.minutes(1))
        #expect(clock.now - quietAt == TimeSpan.minutes(15).nanoseconds)
        #expect(machine.step(firing: nil, now: clock.now) == .resolved)
        #expect(machine.state == .quiet)
    }

    @Test("an on/off/on signal is one alert, not two")
    func doesNotFlap() {
        var clock = ManualClock()
        var machine = AlertStateMachine(resolveAfter: .minutes(15))
        var transitions = [AlertTransition]()
        // On for 3 minutes, off for 5, on for 3, off: repeated twice, every minute.
        let pattern: [Bool] = [true, true, true, false, false, false, false, false, true, true, true, false, false, false, false, false, true, true]
        for on in pattern {
            if let transition = machine.step(firing: on ? .page : nil, now: clock.now) { transitions.append(transition) }
            clock.advance(.minutes(1))
        }
        #expect(transitions.filter { $0 == .opened(.page) }.count == 1)
        #expect(transitions == [.opened(.page), .quieted, .refired(.page), .quieted, .refired(.page)])
        #expect(!transitions.contains(.resolved))
    }

    @Test("a firing that returns during the hold at a higher severity escalates")
    func escalatesFromHold() {
        var clock = ManualClock()
        var machine = AlertStateMachine(resolveAfter: .minutes(15))
        _ = machine.step(firing: .ticket, now: clock.now)
        clock.advance(.minutes(1))
        #expect(machine.step(firing: nil, now: clock.now) == .quieted)
        clock.advance(.minutes(5))
        #expect(machine.step(firing: .page, now: clock.now) == .escalated(from: .ticket, to: .page))
    }

    @Test("after resolving, a new firing opens a new alert")
    func reopensAfterResolve() {
        var clock = ManualClock()
        var machine = AlertStateMachine(resolveAfter: .minutes(5))
        _ = machine.step(firing: .page, now: clock.now)
        clock.advance(.minutes(1))
        _ = machine.step(firing: nil, now: clock.now)
        clock.advance(.minutes(5))
        #expect(machine.step(firing: nil, now: clock.now) == .resolved)
        clock.advance(.minutes(1))
        #expect(machine.step(firing: .ticket, now: clock.now) == .opened(.ticket))
    }
}
