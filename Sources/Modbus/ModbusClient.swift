// A Modbus client with our own framing over a socket or a serial port:
// Modbus TCP (MBAP), RTU over TCP (transparent serial servers) and serial
// RTU. Why not libmodbus: its response timeout bounds only the first byte
// and its byte timeout each later one, so a device that dribbles bytes
// stretches a request without limit; it does not check a TCP reply's unit
// or protocol id; it waits with select(), which aborts the process at
// descriptor 1024; and it has no RTU over TCP. Here one deadline bounds the
// whole request, every reply field is checked against the request
// (MBAPFraming, RTUFraming: pure, fuzzed), and poll() has no ceiling.
//
// One client per endpoint, touched by one thread only (its calls block);
// `interrupter` (a SocketInterrupter) is the one part other threads may use.

import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// How requests and replies are framed on a byte stream.
public enum ModbusFraming: String, Sendable, Hashable, CaseIterable {
    /// Modbus TCP: MBAP header, no CRC.
    case tcp
    /// Modbus RTU: unit id, PDU, CRC-16 (serial lines, RTU over TCP).
    case rtu
}

/// Where a client's requests go.
public enum ModbusEndpoint: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int, framing: ModbusFraming)
    case serial(SerialSettings)

    public var framing: ModbusFraming {
        if case .tcp(_, _, let framing) = self { return framing }
        return .rtu
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port, .tcp): return "\(host):\(port)"
        case .tcp(let host, let port, .rtu): return "\(host):\(port) (RTU over TCP)"
        case .serial(let settings): return "\(settings.path) (\(settings.lineText))"
        }
    }

    /// The quiet time after which an RTU line is trusted again: 3.5
    /// characters on a serial line; on RTU over TCP the converter's baud is
    /// unknown and the network adds jitter, so a fixed 20 ms.
    public var frameSilence: Duration {
        if case .serial(let settings) = self { return settings.frameSilence }
        return .milliseconds(20)
    }
}

/// One device's own request options, from its config (`timeout`,
/// `pauseBetweenRequests`) and the workarounds real devices need: built once
/// by the config loader (ConfigChecks) and handed whole to the client that
/// serves the device (`use(_:)` before its requests).
public struct PollOptions: Sendable {
    /// The timeout of a device whose config names none.
    public static let defaultTimeout: Duration = .milliseconds(500)

    /// Pause between two requests (slow devices, serial gateways).
    public var pauseBetweenRequests: Duration = .zero
    /// How often a request answered "busy" (exception 6) is tried again.
    public var busyRetries = 2
    /// Wait before retrying a busy request.
    public var busyPause: Duration = .milliseconds(50)
    /// This device's own request timeout. Devices that share one connection
    /// or one RS-485 bus each keep theirs, so a silent device costs the
    /// others only its own timeout (nil: the client's `defaultTimeout`).
    public var timeout: Duration?

    public init(timeout: Duration? = nil, pauseBetweenRequests: Duration = .zero) {
        self.timeout = timeout
        self.pauseBetweenRequests = pauseBetweenRequests
    }
}

public final class ModbusClient {
    public let endpoint: ModbusEndpoint
    /// The unit id of the next requests (several units may share one endpoint).
    public var unit: UInt8
    /// Bounds each request as a whole (and each connect); the devices of a
    /// shared connection or bus set their own before their requests.
    public var timeout: Duration
    /// The timeout of a device that brings none of its own (`use(_:)`): the one given at init.
    public let defaultTimeout: Duration
    /// Other threads may cut a request short through this (shutdown(2) of
    /// the socket; later connects are refused until its `reset()`).
    public let interrupter: SocketInterrupter

    private var channel: ByteChannel?
    private var transaction: UInt16 = 0
    private var buffer: [UInt8] = []
    /// When the last reply ended (serial: the next request waits the frame silence).
    private var lastReply = Deadline(nanoseconds: 0)

    /// Largest ADU of either framing (MBAP 7 + 253): reads never ask for more.
    static let maximumFrame = 260

    public init(endpoint: ModbusEndpoint, unit: UInt8, timeout: Duration,
                interrupter: SocketInterrupter = SocketInterrupter()) {
        self.interrupter = interrupter
        self.endpoint = endpoint
        self.unit = unit
        self.timeout = timeout
        defaultTimeout = timeout
        buffer.reserveCapacity(Self.maximumFrame)
    }

    /// A Modbus TCP client (MBAP framing).
    public convenience init(host: String, port: Int, unit: UInt8, timeout: Duration,
                            interrupter: SocketInterrupter = SocketInterrupter()) {
        self.init(endpoint: .tcp(host: host, port: port, framing: .tcp), unit: unit, timeout: timeout, interrupter: interrupter)
    }

    deinit { close() }

    /// Bounds the next connect and requests by `options.timeout`, the
    /// device's own (devices sharing this client each keep theirs).
    public func use(_ options: PollOptions) {
        timeout = options.timeout ?? defaultTimeout
    }

    public var isConnected: Bool { channel != nil }

    /// Cuts a request in flight short, from any thread (see `SocketInterrupter`).
    public func interrupt() { interrupter.interrupt() }

    /// Opens the connection or the port (within `timeout`).
    public func connect() throws(ModbusError) {
        try connect(until: .after(timeout))
    }

    private func connect(until deadline: Deadline) throws(ModbusError) {
        if channel != nil { return }
        let descriptor: Int32
        switch endpoint {
        case .tcp(let host, let port, _): descriptor = try TCPConnection.open(host: host, port: port, until: deadline)
        case .serial(let settings): descriptor = try SerialPort.open(settings)
        }
        guard interrupter.opened(descriptor) else {
            if case .serial = endpoint { SerialPort.close(descriptor) } else { _ = Glibc.close(descriptor) }
            throw .transport(.unreachable)
        }
        channel = ByteChannel(descriptor: descriptor)
    }

    /// Closes the connection; the next request connects again.
    public func close() {
        if let channel {
            interrupter.closing()
            if case .serial = endpoint { SerialPort.close(channel.descriptor) } else { _ = Glibc.close(channel.descriptor) }
        }
        channel = nil
    }

    /// Reads `count` holding or input registers starting at PDU `address`.
    public func readRegisters(_ table: ModbusTable, address: Int, count: Int) throws(ModbusError) -> [UInt16] {
        guard !table.holdsBits else { throw .badRequest("\(table) holds bits, not registers") }
        let reply = try send(.read(table, unit: unit, address: address, count: count))
        guard case .registers(let words) = reply else { throw Self.unexpected(reply) }
        return words
    }

    /// Reads `count` coils or discrete inputs starting at PDU `address`.
    public func readBits(_ table: ModbusTable, address: Int, count: Int) throws(ModbusError) -> [Bool] {
        guard table.holdsBits else { throw .badRequest("\(table) holds registers, not bits") }
        let reply = try send(.read(table, unit: unit, address: address, count: count))
        guard case .bits(let bits) = reply else { throw Self.unexpected(reply) }
        return bits
    }

    /// Read Device Identification (43/14, basic objects): object id to text.
    public func identification() throws(ModbusError) -> [UInt8: String] {
        let reply = try send(.identification(unit: unit))
        guard case .identification(let objects) = reply else { throw Self.unexpected(reply) }
        return objects
    }

    private static func unexpected(_ reply: ModbusReply) -> ModbusError {
        if case .exception(let exception) = reply { return .exception(exception) }
        return .invalidReply("a reply of another kind")
    }

    /// Sends one request and returns its checked reply (an exception reply
    /// is returned, not thrown). The whole exchange, a connect included,
    /// ends by `timeout`; after a failure the connection is closed (TCP) or
    /// the line left to fall silent (RTU), so a late reply is never read as
    /// the answer to the next request.
    public func send(_ request: ModbusRequest) throws(ModbusError) -> ModbusReply {
        let framing = endpoint.framing
        if framing == .rtu, !RTUFraming.unitRange.contains(request.unit) {
            throw .badRequest("unit id \(request.unit) cannot be addressed on Modbus RTU (1-247)")
        }
        let deadline = Deadline.after(timeout)
        try connect(until: deadline)
        guard let channel else { throw .transport(.reset) }
        do throws(ModbusError) {
            transaction &+= 1
            let frame: [UInt8]
            if framing == .tcp {
                frame = MBAPFraming.encode(request, transaction: transaction)
            } else {
                try prepareLine(channel, until: deadline)
                frame = RTUFraming.encode(request)
            }
            try channel.write(frame, until: deadline)
            buffer.removeAll(keepingCapacity: true)
            while true {
                let step = framing == .tcp
                    ? MBAPFraming.examine(buffer[...], for: request, transaction: transaction)
                    : RTUFraming.examine(buffer[...], for: request)
                switch step {
                case .reply(let reply):
                    lastReply = .now()
                    return reply
                case .invalid(let reason):
                    throw .invalidReply(reason)
                case .need:
                    try channel.read(into: &buffer, limit: Self.maximumFrame, until: deadline)
                }
            }
        } catch {
            recover(from: error, on: channel)
            throw error
        }
    }

    /// RTU: before a request, discard stray bytes (a late or over-long
    /// reply) and, on a serial line, keep the inter-frame silence.
    private func prepareLine(_ channel: ByteChannel, until deadline: Deadline) throws(ModbusError) {
        if channel.hasStrayBytes(), try !channel.discardUntilSilent(endpoint.frameSilence, until: deadline) {
            throw .transport(.timedOut)
        }
        guard case .serial = endpoint else { return }
        let quietUntil = lastReply.adding(endpoint.frameSilence)
        let left = quietUntil.remaining
        if left > 0 {
            var spec = timespec(tv_sec: 0, tv_nsec: Int(left))
            nanosleep(&spec, nil)
        }
    }

    private func recover(from error: ModbusError, on channel: ByteChannel) {
        guard error.requiresReconnect else { return }
        if endpoint.framing == .rtu, error != .transport(.reset),
           (try? channel.discardUntilSilent(endpoint.frameSilence, until: .after(timeout))) == true {
            lastReply = .now()
            return
        }
        close()
    }
}

/// The Modbus TCP client of the first round, by its old name.
public typealias ModbusTCPClient = ModbusClient

@available(*, unavailable, message: "a client must stay on one thread; use its interrupter from others")
extension ModbusClient: Sendable {}
