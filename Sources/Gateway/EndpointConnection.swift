// The one connection of an endpoint poller, kept on its thread: connected
// when a poll is due and the backoff allows, closed after a poll when the
// device wants that, and reconnected with exponential backoff that only a
// good poll resets (a device that accepts and then fails must not be
// reconnected every second). Logs losses and recoveries once, not per try.

import Dispatch
import Foundation
import Lifecycle
import Logging
import Modbus
import Telemetry

struct EndpointConnection {
    let client: ModbusClient
    let settings: EndpointSettings
    let log: Logger
    private var backoff: Backoff
    private var nextConnectAttempt: UInt64 = 0
    /// The log told of a loss: the next connect says "connected" at info.
    private var lossLogged = false

    init(client: ModbusClient, settings: EndpointSettings, log: Logger) {
        self.client = client
        self.settings = settings
        self.log = log
        backoff = Backoff(initial: settings.backoffInitial, maximum: settings.backoffMaximum)
    }

    /// Connects when not connected and the backoff allows it at `now`, with
    /// the due device's `options` (its own timeout); the error when that failed.
    mutating func connectIfDue(now: UInt64, options: PollOptions) -> ModbusError? {
        guard !client.isConnected, now >= nextConnectAttempt else { return nil }
        client.use(options)
        do {
            try client.connect()
            if settings.pauseAfterConnect > .zero { Thread.sleep(forTimeInterval: settings.pauseAfterConnect.seconds) }
            // Only a loss the log told of gets its "connected" line: a device that
            // accepts and then fails would otherwise log one every reconnect.
            if lossLogged { log.info("connected to \(settings.name)") } else { log.debug("connected to \(settings.name)") }
            lossLogged = false
            return nil
        } catch {
            if let delay = waitBeforeReconnecting() {
                log.info("cannot connect to \(settings.name): \(error); next attempt in \(Value.format(delay.seconds)) s")
            }
            return error
        }
    }

    /// After a poll of the device `identity`: logs blocks split off, resets
    /// the backoff on a good poll or waits after a lost connection, and
    /// closes the connection when the endpoint wants it closed after every poll.
    mutating func record(_ result: PollResult, of identity: DeviceIdentity) {
        for block in result.splitBlocks {
            log.info("\(block.table.rawValue) \(block.start)+\(block.count) bridged a hole (exception 2); reading its points separately from now on",
                     ["station": identity.station, "device": identity.device])
        }
        if result.anyGood {
            // Only a good poll proves the endpoint well: a connect alone does not.
            backoff.reset()
        } else if let error = result.errors.last, error.requiresReconnect, !client.isConnected {
            // The client closed the connection; wait before reconnecting.
            if let delay = waitBeforeReconnecting() {
                log.warning("lost connection to \(settings.name): \(error); next attempt in \(Value.format(delay.seconds)) s")
            }
        }
        if settings.closeAfterPoll { client.close() }
    }

    /// Sets the next connect attempt one backoff delay ahead; the delay when
    /// the log should say so (the first failure and every tenth), else nil.
    private mutating func waitBeforeReconnecting() -> Duration? {
        let delay = backoff.nextDelay()
        nextConnectAttempt = DispatchTime.now().uptimeNanoseconds &+ PollSchedule.nanoseconds(delay)
        guard backoff.failures == 1 || backoff.failures % 10 == 0 else { return nil }
        lossLogged = true
        return delay
    }
}
