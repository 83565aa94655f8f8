// What one poll of one device produced, as the later stages (rules, store,
// feed) receive it: every point's reading, named, with the poll's time.

import Foundation

/// One point's reading in a poll.
public struct PointSample: Sendable, Equatable {
    /// The point's name (snake_case, unique in its profile).
    public var name: String
    public var unit: String?
    public var reading: Reading

    public init(name: String, unit: String? = nil, reading: Reading) {
        self.name = name
        self.unit = unit
        self.reading = reading
    }
}

/// Where a device sits: the station it belongs to and the station's tags.
public struct DeviceIdentity: Sendable, Hashable {
    /// Station id, e.g. "FT-0412".
    public var station: String
    /// Device id inside the station, e.g. "ctrl1".
    public var device: String
    /// The profile id the device is read with.
    public var profile: String
    /// User tags of the station (district, ...), carried into the feed.
    public var tags: [String: String]

    public init(station: String, device: String, profile: String, tags: [String: String] = [:]) {
        self.station = station
        self.device = device
        self.profile = profile
        self.tags = tags
    }
}

/// One poll of one device, decoded.
public struct DeviceSample: Sendable, Equatable {
    public var identity: DeviceIdentity
    /// When the poll started (UTC).
    public var time: Date
    /// The points read in this poll, in profile order: every point of the
    /// profile, or those of one poll group.
    public var points: [PointSample]
    /// The store keeps this poll's every point in history, not by exception
    /// (set during a boost: its point is the full record).
    public var keepsEverySample = false

    public init(identity: DeviceIdentity, time: Date, points: [PointSample]) {
        self.identity = identity
        self.time = time
        self.points = points
    }

    /// The reading of the point named `name`, if the profile has it.
    public subscript(name: String) -> Reading? {
        points.first { $0.name == name }?.reading
    }
}

/// The state of a device's connection after a poll: feeds the communication
/// loss rule and the feed's `pumpgw_health` line.
public struct DeviceHealth: Sendable, Equatable {
    public var identity: DeviceIdentity
    public var time: Date
    public var connected: Bool
    /// Duration of the last poll, milliseconds.
    public var pollMilliseconds: Double
    /// Failed requests since the gateway started.
    public var errors: Int
    /// Polls in a row without a single good block.
    public var consecutiveFailures: Int
    /// When the device last answered a poll (nil: never).
    public var lastGoodPoll: Date?
    /// The last error, as a person reads it ("timed out", "exception 2 (...)").
    public var lastError: String?
    /// The interval the device is polled at now (a boost makes it shorter
    /// than the configured one); nil when the reporter does not say.
    public var interval: Duration?

    public init(identity: DeviceIdentity, time: Date, connected: Bool, pollMilliseconds: Double, errors: Int,
                consecutiveFailures: Int, lastGoodPoll: Date?, lastError: String?, interval: Duration? = nil) {
        self.identity = identity
        self.time = time
        self.connected = connected
        self.pollMilliseconds = pollMilliseconds
        self.errors = errors
        self.consecutiveFailures = consecutiveFailures
        self.lastGoodPoll = lastGoodPoll
        self.lastError = lastError
        self.interval = interval
    }
}
