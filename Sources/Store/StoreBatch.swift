// What one write carries: several devices' poll cycles, their health, the
// alarm events, and the feed lines already encoded, all in one transaction.

import Foundation
import Telemetry

/// Feed lines of one device, in the order they must be sent.
public struct OutboxLines: Sendable, Equatable {
    /// Identifies the device in the outbox ("STATION/DEVICE"), for per-device order.
    public var deviceKey: String
    public var lines: [String]

    public init(deviceKey: String, lines: [String]) {
        self.deviceKey = deviceKey
        self.lines = lines
    }
}

public struct StoreBatch: Sendable, Equatable {
    public var samples: [DeviceSample]
    public var health: [DeviceHealth]
    public var alarms: [AlarmEvent]
    public var outbox: [OutboxLines]

    public init(samples: [DeviceSample] = [], health: [DeviceHealth] = [], alarms: [AlarmEvent] = [],
                outbox: [OutboxLines] = []) {
        self.samples = samples
        self.health = health
        self.alarms = alarms
        self.outbox = outbox
    }

    public var isEmpty: Bool { samples.isEmpty && health.isEmpty && alarms.isEmpty && outbox.isEmpty }
}

/// What a write did, for self-metrics.
public struct WriteReport: Sendable, Equatable {
    /// Rows added to history (by exception).
    public var historyRows = 0
    /// Points whose latest value was written.
    public var latestRows = 0
    public var outboxLines = 0
    /// Oldest outbox lines dropped by this write because the outbox was full.
    public var droppedLines = 0

    public init() {}
}
