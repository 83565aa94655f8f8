// One alarm's on/off state machine: the on-delay (the alarm condition must
// hold continuously for `delay` before raising), the off-delay (the clear
// condition must hold for `offDelay`), re-alarm timing, and the restart seed.

import Foundation

struct AlarmLatch: Sendable {
    enum Transition: Equatable {
        /// Raise; the alarm condition had held this long.
        case raise(heldFor: Duration)
        case clear
    }

    private(set) var isActive = false
    /// When the alarm was raised (or the seeded event's time).
    private(set) var activeSince: Date?
    /// When the last "raised" event went out (re-alarm counts from here).
    private(set) var lastRaised: Date?
    /// Seeded from before a restart and not judged since: the first known clear clears at once.
    private var seeded = false
    private var pendingSince: Date?
    private var clearingSince: Date?

    /// An alarm that was active before a restart: active, and raised no second time.
    mutating func seed(raisedAt time: Date) {
        isActive = true
        seeded = true
        activeSince = time
        lastRaised = time
    }

    mutating func apply(_ verdict: Verdict, at time: Date, delay: Duration, offDelay: Duration) -> Transition? {
        switch verdict {
        case .unknown:
            return nil
        case .alarm:
            clearingSince = nil
            if isActive {
                seeded = false
                return nil
            }
            let since = pendingSince ?? time
            pendingSince = since
            guard time.duration(since: since) >= delay else { return nil }
            pendingSince = nil
            isActive = true
            activeSince = time
            lastRaised = time
            return .raise(heldFor: time.duration(since: since))
        case .deadband:
            if isActive {
                seeded = false
                clearingSince = nil
            } else {
                pendingSince = nil
            }
            return nil
        case .normal:
            pendingSince = nil
            guard isActive else { return nil }
            let since = clearingSince ?? time
            clearingSince = since
            guard seeded || time.duration(since: since) >= offDelay else { return nil }
            return clear()
        }
    }

    /// The rule's `when` is false: nothing pending, and an active alarm clears (true).
    mutating func suppress() -> Bool {
        pendingSince = nil
        guard isActive else { return false }
        _ = clear()
        return true
    }

    /// True (and the re-alarm clock restarted) when an active alarm is due to be repeated.
    mutating func realarmDue(at time: Date, every interval: Duration?) -> Bool {
        guard isActive, let interval, let last = lastRaised, time.duration(since: last) >= interval else { return false }
        lastRaised = time
        return true
    }

    private mutating func clear() -> Transition {
        isActive = false
        seeded = false
        activeSince = nil
        lastRaised = nil
        clearingSince = nil
        return .clear
    }
}
