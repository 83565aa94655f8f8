// The keys a device profile and a gateway config may hold, with their value
// types: what `ShapeChecker` walks, what `DeviceProfiles/profile.schema.json`
// must agree with (a test keeps them in step), and what the typed models
// decode.

public enum FileShapes {
    static let registers = Shape.choice(RegisterTable.allCases.map(\.rawValue))
    static let orders = Shape.choice(ByteOrder.allCases.map(\.rawValue))
    static let types = Shape.choice(PointType.allCases.map(\.rawValue))

    /// `simulate: { ... }` on a point.
    public static let simulationHint: [Field] = [
        Field("signal", .choice(SimulationHint.signals)), Field("pump", .integer), Field("value", .number),
        Field("min", .number), Field("max", .number), Field("gain", .number),
    ]

    /// One entry of `unreadable: [...]`.
    public static let addressRange: [Field] = [
        Field("register", registers, required: true),
        Field("from", .integer, required: true),
        Field("to", .integer, required: true),
    ]

    public static let point: [Field] = [
        Field("name", .string, required: true),
        Field("register", registers, required: true),
        Field("address", .integer, required: true),
        Field("type", types, required: true),
        Field("order", orders),
        Field("bit", .integer),
        Field("length", .integer),
        Field("byte", .choice(["high", "low"])),
        Field("values", .map(.string)),
        Field("scale", .number),
        Field("offset", .number),
        Field("unit", .string),
        Field("invalid", .number),
        Field("description", .string),
        Field("rules", .list(.opaqueObject)),
        Field("simulate", .object(simulationHint)),
    ]

    public static let profile: [Field] = [
        Field("$schema", .string),
        Field("profile", .string, required: true),
        Field("vendor", .string),
        Field("model", .string),
        Field("description", .string),
        Field("addressBase", .integer, required: true),
        Field("order", orders),
        Field("maxGap", .integer),
        Field("maxRegisters", .integer),
        Field("onePerPoint", .bool),
        Field("minInterval", .string),
        Field("unreadable", .list(.object(addressRange))),
        Field("points", .list(.object(point)), required: true),
    ]

    public static let device: [Field] = [
        Field("id", .string, required: true),
        Field("profile", .string, required: true),
        Field("host", .string),
        Field("bus", .string),
        Field("port", .integer),
        Field("unit", .integer),
        Field("framing", .choice(["tcp", "rtu"])),
        Field("allowReservedUnit", .bool),
        Field("interval", .string),
        Field("timeout", .string),
        Field("maxGap", .integer),
        Field("maxRegisters", .integer),
        Field("onePerPoint", .bool),
        Field("pauseAfterConnect", .string),
        Field("pauseBetweenRequests", .string),
        Field("closeAfterPoll", .bool),
        Field("minInterval", .string),
        Field("pollGroups", .list(.object(pollGroup))),
        Field("rules", .list(.opaqueObject)),
    ]

    public static let pollGroup: [Field] = [
        Field("interval", .string, required: true),
        Field("points", .list(.string), required: true),
    ]

    public static let station: [Field] = [
        Field("id", .string, required: true),
        Field("name", .string),
        Field("tags", .map(.string)),
        Field("rules", .list(.opaqueObject)),
        Field("devices", .list(.object(device)), required: true),
        Field("intensive", .list(.object(intensiveWindow))),
    ]

    /// `stations[].intensive`: a weekly window of denser polling.
    public static let intensiveWindow: [Field] = [
        Field("days", .list(.choice(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])), required: true),
        Field("from", .string, required: true),
        Field("to", .string, required: true),
        Field("interval", .string, required: true),
        Field("devices", .list(.string)),
    ]

    public static let gateway: [Field] = [
        Field("id", .string, required: true),
        Field("timeZone", .string),
    ]

    public static let store: [Field] = [
        Field("path", .string),
        Field("retention", .string),
        Field("maxSizeMB", .number),
        Field("synchronous", .choice(["normal", "full"])),
        Field("checkpoint", .string),
        Field("history", .object(history)),
    ]

    /// History by exception: defaults, and per point ("name" for that point on
    /// every device, or "STATION/DEVICE/POINT").
    public static let history: [Field] = [
        Field("deadband", .number),
        Field("heartbeat", .string),
        Field("points", .map(.object(historyPolicy))),
    ]

    public static let historyPolicy: [Field] = [
        Field("deadband", .number),
        Field("heartbeat", .string),
    ]

    public static let feed: [Field] = [
        Field("url", .string, required: true),
        Field("precision", .choice(["s", "ms", "us", "ns"])),
        Field("batchSize", .integer),
        Field("outboxMaxLines", .integer),
        Field("tokenEnv", .string),
        Field("tokenFile", .string),
        Field("username", .string),
    ]

    /// `buses[]`: an RS-485 bus on a serial port of the box.
    public static let bus: [Field] = [
        Field("id", .string, required: true),
        Field("port", .string, required: true),
        Field("baud", .integer),
        Field("parity", .choice(["none", "even", "odd"])),
        Field("dataBits", .integer),
        Field("stopBits", .integer),
    ]

    public static let http: [Field] = [
        Field("listen", .string, required: true),
    ]

    public static let config: [Field] = [
        Field("$schema", .string),
        Field("gateway", .object(gateway), required: true),
        Field("profiles", .string),
        Field("store", .object(store)),
        Field("feed", .object(feed)),
        Field("buses", .list(.object(bus))),
        Field("http", .object(http)),
        Field("stations", .list(.object(station)), required: true),
    ]
}
