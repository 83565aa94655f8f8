// Bus capacity: how much of a serial line one polling cycle needs. A field
// engineer learns from `check` that 12 meters at 9600 baud cannot all be read
// every second, before driving out, not from gaps in the data.
//
// One exchange on the wire (Modbus over serial line spec, RTU mode):
//   (request bytes + response bytes) × bits per character / baud
//   + 2 silences of 3.5 characters (after the request, after the reply;
//     a fixed 1.75 ms each above 19200 baud, as the spec allows)
//   + `turnaround`: 5 ms for the device to start answering (typical RS-485
//     instruments answer in 1-10 ms; 5 ms is a middle allowance).
// A cycle is every request of every device of the line (poll groups counted
// as if due every cycle: conservative), against the shortest interval of
// those devices. RTU over TCP: the serial server's baud is not in the config,
// so the line says so and no load is computed or refused.

public struct BusLoad: Sendable, Equatable {
    /// One request/reply pair, in bytes on the line (RTU: address, PDU, CRC).
    public struct Exchange: Sendable, Equatable {
        public var requestBytes: Int
        public var responseBytes: Int

        public init(requestBytes: Int, responseBytes: Int) {
            self.requestBytes = requestBytes
            self.responseBytes = responseBytes
        }

        /// A read of `block` in RTU framing: request 8 bytes (address, function,
        /// start, count, CRC); reply 5 + data bytes (address, function, byte
        /// count, data, CRC): 2 per register, 1 per 8 bits.
        public init(reading block: ReadBlock) {
            let data = block.table.holdsBits ? (block.count + 7) / 8 : 2 * block.count
            self.init(requestBytes: 8, responseBytes: 5 + data)
        }
    }

    /// The device's time to start its reply, per exchange.
    public static let turnaround: Duration = .milliseconds(5)

    /// "rs485-1" or "192.0.2.10:4001".
    public var name: String
    /// "9600 8N1", or nil for RTU over TCP (baud unknown).
    public var settings: String?
    public var devices: Int
    public var requests: Int
    /// Wire time of one cycle; nil when the baud is unknown.
    public var wireTime: Duration?
    /// The shortest interval of the line's devices.
    public var interval: Duration

    public init(name: String, settings: String?, devices: Int, requests: Int, wireTime: Duration?, interval: Duration) {
        self.name = name
        self.settings = settings
        self.devices = devices
        self.requests = requests
        self.wireTime = wireTime
        self.interval = interval
    }

    /// Wire time of `exchanges` at `baud` with `bitsPerCharacter` (start + data + parity + stop).
    public static func wireTime(of exchanges: [Exchange], baud: Int, bitsPerCharacter: Int) -> Duration {
        let characterNanos = Double(bitsPerCharacter) * 1e9 / Double(baud)
        let silenceNanos = baud > 19200 ? 1_750_000 : 3.5 * characterNanos
        var nanos = 0.0
        for exchange in exchanges {
            nanos += Double(exchange.requestBytes + exchange.responseBytes) * characterNanos
            nanos += 2 * silenceNanos + turnaround / .nanoseconds(1)
        }
        return .nanoseconds(Int64(nanos.rounded()))
    }

    /// Wire time of `exchanges` on `bus`, with its baud and character size.
    public static func wireTime(of exchanges: [Exchange], on bus: ResolvedBus) -> Duration {
        wireTime(of: exchanges, baud: bus.baud, bitsPerCharacter: 1 + bus.dataBits + (bus.parity == "none" ? 0 : 1) + bus.stopBits)
    }

    /// The load of a serial bus.
    public static func of(bus: ResolvedBus, devices: [ResolvedDevice]) -> BusLoad {
        let exchanges = devices.flatMap { $0.plan.blocks.map(Exchange.init(reading:)) }
        return BusLoad(name: bus.id, settings: bus.summary, devices: devices.count, requests: exchanges.count,
                       wireTime: wireTime(of: exchanges, on: bus),
                       interval: devices.map(\.interval).min() ?? .seconds(1))
    }

    /// Percent of the interval the cycle needs, rounded; nil when unknown.
    public var percent: Int? {
        wireTime.map { Int(($0 / interval * 100).rounded()) }
    }

    /// True when one cycle needs more wire time than the interval gives.
    public var overloaded: Bool { wireTime.map { $0 > interval } ?? false }

    /// "rs485-1: 9600 8N1, 3 devices, 6 requests, 412 ms of 1 s per cycle: 41 %".
    public var line: String {
        let counts = "\(devices) device\(devices == 1 ? "" : "s"), \(requests) request\(requests == 1 ? "" : "s")"
        guard let settings, let wireTime, let percent else {
            return "\(name): RTU over TCP, \(counts), baud unknown (the serial server's line): load not computed"
        }
        return "\(name): \(settings), \(counts), \(Self.milliseconds(wireTime)) ms of \(Self.spaced(interval)) per cycle: \(percent) %"
    }

    /// What to change when the cycle does not fit.
    public var refusal: String {
        let needed = Self.spaced(.milliseconds(Self.milliseconds(wireTime ?? .zero)))
        return "one cycle needs \(needed) of wire time but its devices are read every \(Self.spaced(interval)) (\(percent ?? 0) %): "
            + "give them an interval of at least \(needed), raise the baud rate, or split them over two buses"
    }

    static func milliseconds(_ duration: Duration) -> Int { Int((duration / .milliseconds(1)).rounded()) }

    /// "1 s", "500 ms": DurationText's form with a space, as the load line reads.
    static func spaced(_ duration: Duration) -> String {
        let text = DurationText.format(duration)
        guard let unit = text.firstIndex(where: { $0.isLetter }) else { return text }
        return text[..<unit] + " " + text[unit...]
    }
}
