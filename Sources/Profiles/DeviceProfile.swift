// The device profile: the register map of one device model, as a field
// engineer writes it in `DeviceProfiles/NAME.json5`.
//
// These types mirror the file one to one (so that `JSONDecoder` reads them);
// `ProfileLoader` reads and validates a file, and `Point.pduAddress` turns a
// manual's register number into the address on the wire.

/// One device model's register map.
public struct DeviceProfile: Codable, Sendable, Equatable {
    /// Unique id, referenced from gateway configs.
    public var profile: String
    public var vendor: String?
    public var model: String?
    public var description: String?
    /// 0: addresses are PDU addresses as on the wire; 1: register numbers as
    /// printed in manuals that count from 1. Required: there is no safe default.
    public var addressBase: Int
    /// Default byte order of 32/64-bit values (`ABCD` when absent).
    public var order: ByteOrder?
    /// Largest run of unused registers a coalesced read may bridge (default 0).
    public var maxGap: Int?
    /// Largest number of registers in one request (default and maximum 125).
    public var maxRegisters: Int?
    /// One request per point, for devices that refuse block reads (default false).
    public var onePerPoint: Bool?
    /// The shortest interval a boost may poll this model at, e.g. "500ms"
    /// (a device may override it).
    public var minInterval: String?
    /// Addresses the device refuses to read: a block never spans them.
    public var unreadable: [AddressRange]?
    public var points: [Point]

    public init(profile: String, vendor: String? = nil, model: String? = nil, description: String? = nil,
                addressBase: Int, order: ByteOrder? = nil, maxGap: Int? = nil, maxRegisters: Int? = nil,
                onePerPoint: Bool? = nil, unreadable: [AddressRange]? = nil, points: [Point]) {
        self.profile = profile
        self.vendor = vendor
        self.model = model
        self.description = description
        self.addressBase = addressBase
        self.order = order
        self.maxGap = maxGap
        self.maxRegisters = maxRegisters
        self.onePerPoint = onePerPoint
        self.unreadable = unreadable
        self.points = points
    }

    /// The byte order a point is decoded with: its own, else the profile's, else ABCD.
    public func effectiveOrder(of point: Point) -> ByteOrder {
        point.order ?? order ?? .ABCD
    }

    /// The address of `point` on the wire (0-based PDU address).
    public func pduAddress(of point: Point) -> Int {
        point.address - addressBase
    }
}

/// A run of addresses of one table, `from` and `to` included, written with
/// the profile's `addressBase` like point addresses.
public struct AddressRange: Codable, Sendable, Equatable {
    public var register: RegisterTable
    public var from: Int
    public var to: Int

    public init(register: RegisterTable, from: Int, to: Int) {
        self.register = register
        self.from = from
        self.to = to
    }

    /// Whether the range shares an address with `first...last` of `table`
    /// (both in the same numbering).
    public func overlaps(_ table: RegisterTable, _ first: Int, _ last: Int) -> Bool {
        register == table && from <= last && to >= first
    }
}

/// The four Modbus data tables.
public enum RegisterTable: String, Codable, Sendable, CaseIterable {
    case holding, input, coil, discrete

    /// Coils and discrete inputs hold single bits; the others 16-bit words.
    public var holdsBits: Bool { self == .coil || self == .discrete }
}

/// How a point's raw data is interpreted.
public enum PointType: String, Codable, Sendable, CaseIterable {
    case bool, int16, uint16, int32, uint32, int64, uint64, float32, float64, bits
    case `enum`
    /// ASCII text in `length` registers, two characters each.
    case string
    /// The high or low byte of one register (`byte`).
    case int8, uint8
    /// IEEE 754 half precision in one register.
    case float16
    /// Packed BCD: 4 digits in one register, 8 digits in two.
    case bcd16, bcd32

    /// Number of 16-bit registers the type occupies (a string: at least; its point's `length` says).
    public var registerCount: Int {
        switch self {
        case .bool, .int16, .uint16, .bits, .enum, .string, .int8, .uint8, .float16, .bcd16: return 1
        case .int32, .uint32, .float32, .bcd32: return 2
        case .int64, .uint64, .float64: return 4
        }
    }

    /// True for types whose byte order matters: the multi-register types,
    /// and strings (BADC and DCBA swap the two characters of each register).
    public var isMultiRegister: Bool { registerCount > 1 || self == .string }
}

/// Byte order of a multi-register value. The letters name bytes, A the most
/// significant, in the order they arrive on the wire. For 64-bit values the
/// same four names mean ABCDEFGH, GHEFCDAB, BADCFEHG and HGFEDCBA.
public enum ByteOrder: String, Codable, Sendable, CaseIterable {
    /// Big-endian, high word first (the Modbus convention).
    case ABCD
    /// Words swapped (low word first), bytes inside each word big-endian.
    case CDAB
    /// High word first, bytes swapped inside each word.
    case BADC
    /// Little-endian.
    case DCBA
}

/// One named value in a device's register map.
public struct Point: Codable, Sendable, Equatable {
    /// snake_case, unique within the profile; becomes the feed's field name.
    public var name: String
    public var register: RegisterTable
    /// Address as written in the profile (see `DeviceProfile.addressBase`).
    public var address: Int
    public var type: PointType
    /// Byte order for 32/64-bit types; the profile's default when absent.
    public var order: ByteOrder?
    /// Bit number 0-15 (0 = least significant) for `type: "bits"`.
    public var bit: Int?
    /// Registers of a `string` (two ASCII characters each).
    public var length: Int?
    /// `high` or `low` (default): the byte of an `int8`/`uint8`.
    public var byte: String?
    /// Labels of an `enum`, keyed by the raw integer written as a string.
    public var values: [String: String]?
    /// value = raw × scale + offset.
    public var scale: Double?
    public var offset: Double?
    public var unit: String?
    /// Raw value meaning "not available" (for example 65535), compared before scaling.
    public var invalid: Double?
    public var description: String?
    /// Alarm rules (parsed and evaluated by the rules stage).
    public var rules: [JSONValue]?
    /// How `pumpgw simulate` makes this point's values move.
    public var simulate: SimulationHint?

    public init(name: String, register: RegisterTable, address: Int, type: PointType,
                order: ByteOrder? = nil, bit: Int? = nil, values: [String: String]? = nil,
                scale: Double? = nil, offset: Double? = nil, unit: String? = nil,
                invalid: Double? = nil, description: String? = nil, rules: [JSONValue]? = nil,
                simulate: SimulationHint? = nil, length: Int? = nil, byte: String? = nil) {
        self.length = length
        self.byte = byte
        self.name = name
        self.register = register
        self.address = address
        self.type = type
        self.order = order
        self.bit = bit
        self.values = values
        self.scale = scale
        self.offset = offset
        self.unit = unit
        self.invalid = invalid
        self.description = description
        self.rules = rules
        self.simulate = simulate
    }

    /// True when the value is reported as a scaled number rather than the raw integer.
    public var isScaled: Bool { scale != nil || offset != nil }

    /// Registers the point occupies (a string's `length`).
    public var registerCount: Int { type == .string ? max(1, length ?? 1) : type.registerCount }

    /// Number of table entries (registers or bits) the point reads.
    public var width: Int { register.holdsBits ? 1 : registerCount }
}

/// What the simulator serves for a point: a named signal of its pump-room
/// model, a constant, or a slow random walk. Values are engineering values
/// in the signal's unit, multiplied by `gain` to reach the point's unit.
public struct SimulationHint: Codable, Sendable, Equatable {
    /// The signals of the simulator's pump-room model (a test keeps this
    /// list equal to `PumpRoomModel.signalNames`).
    public static let signals = [
        "flow", "outlet_pressure", "inlet_pressure", "setpoint", "total", "head", "pumps_running",
        "any_pump_running", "pump_running", "pump_fault", "pump_frequency", "pump_speed", "pump_current",
        "pump_power", "pump_run_hours", "pump_temperature",
    ]

    public var signal: String?
    public var pump: Int?
    public var value: Double?
    public var min: Double?
    public var max: Double?
    public var gain: Double?

    public init(signal: String? = nil, pump: Int? = nil, value: Double? = nil,
                min: Double? = nil, max: Double? = nil, gain: Double? = nil) {
        self.signal = signal
        self.pump = pump
        self.value = value
        self.min = min
        self.max = max
        self.gain = gain
    }
}
