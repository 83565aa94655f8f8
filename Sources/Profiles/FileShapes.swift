// The keys a device profile and a gateway config may hold, with their value
// types: what `ShapeChecker` walks, what `DeviceProfiles/profile.schema.json`
// is generated from (`pumpgw schema`, ProfileSchema; a test keeps the file
// in step), and what the typed models decode (a test holds them equal).

public enum FileShapes {
    static let registers = Shape.choice(RegisterTable.allCases.map(\.rawValue))
    static let orders = Shape.choice(ByteOrder.allCases.map(\.rawValue))
    static let types = Shape.choice(PointType.allCases.map(\.rawValue))

    /// `simulate: { ... }` on a point.
    public static let simulationHint: [Field] = [
        Field("signal", .choice(SimulationHint.signals)),
        Field("pump", .integer, schema: #""minimum": 1, "description": "Pump number for the pump_* signals.""#),
        Field("value", .number), Field("min", .number), Field("max", .number), Field("gain", .number),
    ]

    /// One entry of `unreadable: [...]`.
    public static let addressRange: [Field] = [
        Field("register", registers, required: true),
        Field("from", .integer, required: true, schema: #""description": "First address, with the profile's addressBase.""#),
        Field("to", .integer, required: true, schema: #""description": "Last address (included).""#),
    ]

    public static let point: [Field] = [
        Field("name", .string, required: true,
              schema: #""pattern": "^[a-z][a-z0-9_]*$", "description": "snake_case, unique in the profile; the feed's field name.""#),
        Field("register", registers, required: true),
        Field("address", .integer, required: true, schema: #""description": "Address with the profile's addressBase.""#),
        Field("type", types, required: true),
        Field("order", orders, schema: #""description": "Byte order of a 32/64-bit value; the profile's when absent.""#),
        Field("bit", .integer, schema: #""minimum": 0, "maximum": 15, "description": "For type bits: 0 = least significant.""#),
        Field("length", .integer,
              schema: #""minimum": 1, "maximum": 125, "description": "For type string: registers it spans, two ASCII characters each.""#),
        Field("byte", .choice(["high", "low"]),
              schema: #""description": "For types int8 and uint8: which byte of the register (default low).""#),
        Field("values", .map(.string),
              schema: #""propertyNames": { "pattern": "^-?[0-9]+$" }, "description": "For type enum: label of each raw value.""#),
        Field("scale", .number, schema: #""not": { "const": 0 }, "description": "value = raw x scale + offset.""#),
        Field("offset", .number),
        Field("unit", .string),
        Field("invalid", .number,
              schema: #""description": "Raw value meaning 'not available' (e.g. 65535), compared before scaling.""#),
        Field("description", .string),
        Field("rules", .list(.opaqueObject), schema: #""description": "Alarm rules, checked by the rules stage.""#),
        Field("simulate", .object(simulationHint)),
    ]

    public static let profile: [Field] = [
        Field("$schema", .string, schema: #""description": "Path or URL of this schema, for editors.""#),
        Field("profile", .string, required: true, schema: #""minLength": 1, "description": "Unique id, referenced from gateway configs.""#),
        Field("vendor", .string),
        Field("model", .string),
        Field("description", .string),
        Field("addressBase", .integer, required: true, schema: #""enum": [0, 1], "description": "0: addresses are PDU addresses as on the wire; 1: register numbers as printed in manuals that count from 1 (00101 is sent as 100). Required: there is no safe default.""#),
        Field("order", orders, schema: #""description": "Default byte order of 32/64-bit values (ABCD when absent).""#),
        Field("maxGap", .integer,
              schema: #""minimum": 0, "maximum": 123, "description": "Unused registers a coalesced read may bridge (default 0).""#),
        Field("maxRegisters", .integer, schema: #""minimum": 1, "maximum": 125, "description": "Largest number of registers in one request (default and Modbus maximum 125).""#),
        Field("onePerPoint", .bool,
              schema: #""description": "One request per point, for devices that refuse block reads (default false).""#),
        Field("minInterval", .string, schema: #""description": "The shortest interval a boost (intensive monitoring) may poll this model at, e.g. \"500ms\"; a device may override it.""#),
        Field("unreadable", .list(.object(addressRange)),
              schema: #""description": "Addresses the device refuses to read; no coalesced read spans them.""#),
        Field("points", .list(.object(point)), required: true, schema: #""minItems": 1"#),
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
        Field("commit", .string),
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
