// The gateway config: which stations and devices this gateway polls, with
// which profiles, and where the store and the feed go. Mirrors the file one
// to one; `ConfigLoader` reads, resolves and validates it.

public struct GatewayConfig: Codable, Sendable, Equatable {
    public var gateway: GatewaySection
    /// Folder of device profiles, relative to the config file (default "DeviceProfiles").
    public var profiles: String?
    public var store: StoreSection?
    public var feed: FeedSection?
    /// RS-485 buses on the box's serial ports, named by their devices.
    public var buses: [BusConfig]?
    /// The gateway's own window (page, metrics, JSON API); no listener without it.
    public var http: HTTPSection?
    public var stations: [Station]

    public init(gateway: GatewaySection, profiles: String? = nil, store: StoreSection? = nil,
                feed: FeedSection? = nil, http: HTTPSection? = nil, stations: [Station]) {
        self.http = http
        self.gateway = gateway
        self.profiles = profiles
        self.store = store
        self.feed = feed
        self.stations = stations
    }
}

/// `http: { listen: "127.0.0.1:9108" }`: where the gateway's window listens.
public struct HTTPSection: Codable, Sendable, Equatable {
    /// "HOST:PORT" with a numeric address ("[::1]:9108" for IPv6).
    public var listen: String

    public init(listen: String) {
        self.listen = listen
    }
}

public struct GatewaySection: Codable, Sendable, Equatable {
    /// Names this gateway in the feed's health lines.
    public var id: String
    /// IANA time zone of the pump rooms, for daily windows (default "Asia/Shanghai").
    public var timeZone: String?

    public init(id: String, timeZone: String? = nil) {
        self.id = id
        self.timeZone = timeZone
    }
}

public struct StoreSection: Codable, Sendable, Equatable {
    /// SQLite file, relative to the config file (default "var/pumpgw.db").
    public var path: String?
    /// History kept, e.g. "30d" (default 30 days).
    public var retention: String?
    /// Largest database size in MB before the oldest history is deleted.
    public var maxSizeMB: Double?
    /// "normal" (default) or "full": what a power cut may lose (README).
    public var synchronous: String?
    /// History by exception: when a sample is kept.
    public var history: HistorySection?
    /// How often the WAL is copied into the database file, e.g. "60s" (README: Store).
    public var checkpoint: String?
    /// How long poll reports are gathered into one transaction, e.g. "1s" (README: Store).
    public var commit: String?

    public init(path: String? = nil, retention: String? = nil, maxSizeMB: Double? = nil, synchronous: String? = nil) {
        self.path = path
        self.retention = retention
        self.maxSizeMB = maxSizeMB
        self.synchronous = synchronous
    }
}

public struct HistorySection: Codable, Sendable, Equatable {
    /// A numeric sample is kept when it moved by more than this (default 0: any change).
    public var deadband: Double?
    /// ... or when this long passed since the last kept one (default "15m").
    public var heartbeat: String?
    /// Per point: keyed by point name (every device) or "STATION/DEVICE/POINT".
    public var points: [String: HistoryPolicySection]?

    public init(deadband: Double? = nil, heartbeat: String? = nil, points: [String: HistoryPolicySection]? = nil) {
        self.deadband = deadband
        self.heartbeat = heartbeat
        self.points = points
    }
}

public struct HistoryPolicySection: Codable, Sendable, Equatable {
    public var deadband: Double?
    public var heartbeat: String?

    public init(deadband: Double? = nil, heartbeat: String? = nil) {
        self.deadband = deadband
        self.heartbeat = heartbeat
    }
}

public struct FeedSection: Codable, Sendable, Equatable {
    /// "http://127.0.0.1:8086/write?db=pumps", "tcp://host:port", "file:var/feed.lp" or "stdout".
    public var url: String
    /// "s", "ms" (default), "us" or "ns".
    public var precision: String?
    /// Lines per write (default 5000).
    public var batchSize: Int?
    /// Largest outbox, in lines, before the oldest are dropped (default 10 million).
    public var outboxMaxLines: Int?
    /// Environment variable holding the token (InfluxDB 2.x/3.x) or password.
    public var tokenEnv: String?
    /// File holding the token, relative to the config file.
    public var tokenFile: String?
    /// InfluxDB 1.x user name (the password comes from tokenEnv or tokenFile).
    public var username: String?

    public init(url: String, precision: String? = nil, batchSize: Int? = nil, outboxMaxLines: Int? = nil,
                tokenEnv: String? = nil, tokenFile: String? = nil, username: String? = nil) {
        self.url = url
        self.precision = precision
        self.batchSize = batchSize
        self.outboxMaxLines = outboxMaxLines
        self.tokenEnv = tokenEnv
        self.tokenFile = tokenFile
        self.username = username
    }
}

public struct Station: Codable, Sendable, Equatable {
    /// Unique id, the feed's `station` tag (e.g. "FT-0412").
    public var id: String
    public var name: String?
    /// User tags carried into the feed (district, estate, ...).
    public var tags: [String: String]?
    /// Rule overrides for every device of the station whose profile has the
    /// point named (read by the rules stage); a device's own overrides win.
    public var rules: [JSONValue]?
    public var devices: [DeviceConfig]
    /// Weekly windows of denser polling (intensive monitoring).
    public var intensive: [IntensiveWindowConfig]?

    public init(id: String, name: String? = nil, tags: [String: String]? = nil, rules: [JSONValue]? = nil,
                devices: [DeviceConfig]) {
        self.id = id
        self.name = name
        self.tags = tags
        self.rules = rules
        self.devices = devices
    }
}

public struct PollGroupConfig: Codable, Sendable, Equatable {
    /// How often these points are read, e.g. "60s".
    public var interval: String
    /// Point names of the device's profile.
    public var points: [String]

    public init(interval: String, points: [String]) {
        self.interval = interval
        self.points = points
    }
}

public struct DeviceConfig: Codable, Sendable, Equatable {
    /// Unique within the station, the feed's `device` tag.
    public var id: String
    /// A profile id from the profiles folder.
    public var profile: String
    /// A TCP endpoint (Modbus TCP, or RTU over TCP with framing "rtu"); or `bus`.
    public var host: String?
    /// The id of an RS-485 bus of `buses`; or `host`.
    public var bus: String?
    /// Default 502.
    public var port: Int?
    /// Modbus unit id, default 1.
    public var unit: Int?
    /// "tcp" (Modbus TCP, default) or "rtu" (RTU over TCP: a transparent serial server).
    public var framing: String?
    /// Lets a Modbus TCP device use a reserved unit id (248-254), as some converters do.
    public var allowReservedUnit: Bool?
    /// Poll interval, default "1s".
    public var interval: String?
    /// Connect and response timeout, default "500ms" (must be below the interval).
    public var timeout: String?
    /// Workarounds for devices that need them (override the profile's).
    public var maxGap: Int?
    public var maxRegisters: Int?
    /// One request per point (devices that refuse block reads).
    public var onePerPoint: Bool?
    /// Pause after connecting before the first request, e.g. "100ms".
    public var pauseAfterConnect: String?
    /// Pause between two requests, e.g. "20ms".
    public var pauseBetweenRequests: String?
    /// Close the connection after every poll (devices that hold connections badly).
    public var closeAfterPoll: Bool?
    /// Points read on their own schedule (slow totals and run hours every
    /// minute while pressures are read every second); the other points
    /// follow `interval`.
    public var pollGroups: [PollGroupConfig]?
    /// Rule overrides for this device (read by the rules stage).
    public var rules: [JSONValue]?
    /// The shortest interval a boost may poll it at (overrides the profile's).
    public var minInterval: String?

    public init(id: String, profile: String, host: String, port: Int? = nil, unit: Int? = nil,
                interval: String? = nil, timeout: String? = nil, maxGap: Int? = nil, maxRegisters: Int? = nil,
                onePerPoint: Bool? = nil, pauseAfterConnect: String? = nil, pauseBetweenRequests: String? = nil,
                closeAfterPoll: Bool? = nil, rules: [JSONValue]? = nil) {
        self.id = id
        self.profile = profile
        self.host = host
        self.port = port
        self.unit = unit
        self.interval = interval
        self.timeout = timeout
        self.maxGap = maxGap
        self.maxRegisters = maxRegisters
        self.onePerPoint = onePerPoint
        self.pauseAfterConnect = pauseAfterConnect
        self.pauseBetweenRequests = pauseBetweenRequests
        self.closeAfterPoll = closeAfterPoll
        self.rules = rules
    }
}
