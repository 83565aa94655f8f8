// One feed line waiting in the outbox: what the store hands out and the feed
// sender sends. One type for both (the stages pass it on), kept here with
// the other shared data types (Telemetry: no dependencies).

import Foundation

public struct OutboxEntry: Sendable, Equatable {
    /// Increasing in the order lines were queued: send in id order.
    public var id: Int64
    /// The device the line belongs to ("STATION/DEVICE"; "gateway" for the gateway's own lines).
    public var deviceKey: String
    /// One line-protocol line, without a newline.
    public var line: String
    /// When the line was queued.
    public var created: Date

    public init(id: Int64, deviceKey: String = "", line: String, created: Date = Date(timeIntervalSince1970: 0)) {
        self.id = id
        self.deviceKey = deviceKey
        self.line = line
        self.created = created
    }
}
