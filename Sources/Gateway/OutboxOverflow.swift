// Watches the outbox's dropped-lines counter (the store drops the oldest
// lines beyond `feed.outboxMaxLines`, or older than the outbox's age limit):
// logs the first drop at once and then a count per minute, and raises the
// gateway's outboxOverflow alarm, cleared after a minute without a drop.
// Lines are never dropped silently.

import Foundation
import Logging
import Telemetry

struct OutboxOverflow {
    let gatewayId: String
    /// The configured cap, for the messages.
    let cap: Int
    /// The counter when last looked at (nil: not yet; drops before the start are not new).
    private var lastTotal: Int?
    private var dropping = false
    /// Dropped since the last log line.
    private var unreported = 0
    private var lastLog = Date.distantPast
    private var lastDrop = Date.distantPast

    /// Seconds between count lines while dropping, and without a drop before the alarm clears.
    static let period: TimeInterval = 60

    /// `raised`: the alarm is still raised from before a restart; it clears
    /// after a minute from `now` without a drop.
    init(gatewayId: String, cap: Int, raised: Bool = false, now: Date = Date()) {
        self.gatewayId = gatewayId
        self.cap = cap
        if raised {
            dropping = true
            lastDrop = now
            lastLog = now
        }
    }

    /// Takes the store's dropped-lines counter; logs, and returns the alarm event to raise or clear, if any.
    mutating func check(droppedTotal total: Int, now: Date, log: Logger) -> AlarmEvent? {
        guard let last = lastTotal else {
            lastTotal = total
            return nil
        }
        let dropped = max(0, total - last)
        lastTotal = total
        if dropped > 0 {
            lastDrop = now
            if !dropping {
                dropping = true
                lastLog = now
                log.warning("feed outbox full: dropping the oldest lines", ["dropped": String(dropped), "cap": String(cap),
                                                                            "dropped_total": String(total)])
                return event(.raised, "The feed outbox is full (\(cap) lines): the oldest lines are dropped", now: now)
            }
            unreported += dropped
        }
        guard dropping else { return nil }
        if now.timeIntervalSince(lastLog) >= Self.period && unreported > 0 {
            log.warning("feed outbox full: lines dropped in the last minute", ["dropped": String(unreported),
                                                                                "cap": String(cap), "dropped_total": String(total)])
            unreported = 0
            lastLog = now
        }
        guard now.timeIntervalSince(lastDrop) >= Self.period else { return nil }
        dropping = false
        log.info("feed outbox no longer dropping lines", ["dropped_total": String(total)])
        return event(.cleared, "The feed outbox has room again", now: now)
    }

    private func event(_ state: AlarmState, _ message: String, now: Date) -> AlarmEvent {
        AlarmEvent(station: gatewayId, device: "gateway", point: "outbox", rule: "outboxOverflow", severity: .major,
                   state: state, value: nil, limit: Double(cap), time: now, message: message)
    }
}
