// A small, safe wrapper over a libmodbus TCP client context.
//
// One context per device connection, touched by one thread only: libmodbus
// is not thread-safe, and its calls block. The type is deliberately not
// Sendable; callers run it on a thread of their own, never on Swift's
// cooperative pool.
//
// Traps of libmodbus 3.1.6 this type handles (README "Known traps"):
// - after a timeout or an invalid reply the connection is closed, so a late
//   reply is never read as the answer to the next request;
// - any failed connect counts as unreachable (errno may say EINPROGRESS);
// - no MODBUS_ERROR_RECOVERY_LINK: the retry policy belongs to the caller;
// - the unit id is always set (a TCP context defaults to 255);
// - a socket descriptor of 1024 or more would abort the process inside
//   libmodbus's select(): such a connection is refused beforehand.

import CModbus
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public enum ModbusTable: Sendable, Hashable {
    case coils, discreteInputs, holdingRegisters, inputRegisters
}

public final class ModbusTCPClient {
    public let host: String
    public let port: Int
    /// The unit id of the next requests. Several units behind one endpoint
    /// (a TCP-to-RTU gateway) share this one connection.
    public var unit: UInt8
    public let timeout: Duration

    private var context: OpaquePointer?
    private var connected = false
    /// Shuts this client's socket down from another thread (a stop that
    /// must not wait for a slow reply).
    public let interrupter: SocketInterrupter
    private var appliedUnit: UInt8?

    /// libmodbus's select() cannot watch descriptors at or above this.
    public static let descriptorCeiling: Int32 = 1024
    /// Descriptors kept free below the ceiling for the rest of the process.
    public static let descriptorMargin: Int32 = 8

    public init(host: String, port: Int, unit: UInt8, timeout: Duration,
                interrupter: SocketInterrupter = SocketInterrupter()) {
        self.interrupter = interrupter
        self.host = host
        self.port = port
        self.unit = unit
        self.timeout = timeout
    }

    deinit {
        close()
    }

    public var isConnected: Bool { connected }

    /// Opens the connection (within `timeout`).
    public func connect() throws(ModbusError) {
        if connected { return }
        try Self.reserveDescriptor()
        defer { Self.pendingConnects.withLock { $0 -= 1 } }
        if context == nil {
            guard let created = modbus_new_tcp_pi(host, String(port)) else {
                throw .transport(.system(errno))
            }
            context = created
            let (seconds, microseconds) = Self.split(timeout)
            modbus_set_response_timeout(created, seconds, microseconds)
            modbus_set_byte_timeout(created, seconds, microseconds)
            modbus_set_error_recovery(created, MODBUS_ERROR_RECOVERY_NONE)
        }
        guard let context else { return }
        if modbus_connect(context) == -1 {
            let code = errno
            modbus_close(context)
            let failure = TransportFailure(errno: code)
            // A connect that fails for any reason other than a refusal or a
            // timeout is "unreachable" (errno may still say EINPROGRESS).
            switch failure {
            case .refused, .timedOut, .unreachable: throw .transport(failure)
            default: throw .transport(.unreachable)
            }
        }
        guard interrupter.opened(modbus_get_socket(context)) else {
            modbus_close(context)
            throw .transport(.unreachable)
        }
        connected = true
    }

    /// Points the context at `unit` before a request (a TCP context defaults to 255).
    private func applyUnit() throws(ModbusError) {
        guard appliedUnit != unit, let context else { return }
        guard modbus_set_slave(context, Int32(unit)) == 0 else {
            throw .badRequest("unit id \(unit) rejected by libmodbus")
        }
        appliedUnit = unit
    }

    /// Closes the connection; the next read connects again.
    public func close() {
        interrupter.closing()
        if let context {
            if connected { modbus_close(context) }
            modbus_free(context)
        }
        context = nil
        connected = false
        appliedUnit = nil
    }

    /// Reads `count` holding or input registers starting at PDU `address`.
    public func readRegisters(_ table: ModbusTable, address: Int, count: Int) throws(ModbusError) -> [UInt16] {
        guard table == .holdingRegisters || table == .inputRegisters else {
            throw .badRequest("\(table) holds bits, not registers")
        }
        guard (1...125).contains(count), address >= 0, address + count <= 65536 else {
            throw .badRequest("cannot read \(count) registers at \(address)")
        }
        try connect()
        try applyUnit()
        var words = [UInt16](repeating: 0, count: count)
        let result = words.withUnsafeMutableBufferPointer { buffer in
            table == .holdingRegisters
                ? modbus_read_registers(context, Int32(address), Int32(count), buffer.baseAddress)
                : modbus_read_input_registers(context, Int32(address), Int32(count), buffer.baseAddress)
        }
        try check(result, expected: count)
        return words
    }

    /// Reads `count` coils or discrete inputs starting at PDU `address`.
    public func readBits(_ table: ModbusTable, address: Int, count: Int) throws(ModbusError) -> [Bool] {
        guard table == .coils || table == .discreteInputs else {
            throw .badRequest("\(table) holds registers, not bits")
        }
        guard (1...2000).contains(count), address >= 0, address + count <= 65536 else {
            throw .badRequest("cannot read \(count) bits at \(address)")
        }
        try connect()
        try applyUnit()
        var bits = [UInt8](repeating: 0, count: count)
        let result = bits.withUnsafeMutableBufferPointer { buffer in
            table == .coils
                ? modbus_read_bits(context, Int32(address), Int32(count), buffer.baseAddress)
                : modbus_read_input_bits(context, Int32(address), Int32(count), buffer.baseAddress)
        }
        try check(result, expected: count)
        return bits.map { $0 != 0 }
    }

    /// Turns a libmodbus return value into success or a typed error, and
    /// closes the connection where the next request could be misread.
    private func check(_ result: Int32, expected: Int) throws(ModbusError) {
        if result == Int32(expected) { return }
        let error: ModbusError = result == -1
            ? Self.error(errno: errno)
            : .invalidReply("\(result) values instead of \(expected)")
        if error.requiresReconnect { disconnect() }
        throw error
    }

    /// Closes the socket but keeps the context for the next connect.
    private func disconnect() {
        interrupter.closing()
        if let context, connected { modbus_close(context) }
        connected = false
    }

    static func error(errno code: Int32) -> ModbusError {
        let base = Int32(MODBUS_ENOBASE)
        if code > base && code <= base + 11 {
            return .exception(ModbusException(rawValue: UInt8(code - base)))
        }
        switch code - base {
        case 12: return .invalidReply("bad CRC")
        case 13: return .invalidReply("reply does not match the request")
        case 14: return .invalidReply("bad exception code")
        case 15: return .invalidReply("unknown exception code")
        case 16: return .invalidReply("too many data")
        case 17: return .invalidReply("reply from another unit")
        default: return .transport(TransportFailure(errno: code))
        }
    }

    /// Connects in progress in this process (each will take one descriptor).
    private static let pendingConnects = Mutex(0)

    /// Refuses to open a socket that libmodbus could not wait on. The next
    /// descriptor is the lowest free one, which a probe socket reveals; the
    /// connects already in progress on other threads will take the ones
    /// above it. On success one pending connect is counted (the caller
    /// releases it when its connect returns).
    private static func reserveDescriptor() throws(ModbusError) {
        let result: Result<Void, ModbusError> = pendingConnects.withLock { pending in
            let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard probe >= 0 else { return .failure(.transport(.system(errno))) }
            Glibc.close(probe)
            let next = probe + Int32(pending)
            if next >= descriptorCeiling - descriptorMargin { return .failure(.descriptorLimit(next)) }
            pending += 1
            return .success(())
        }
        try result.get()
    }

    static func split(_ duration: Duration) -> (UInt32, UInt32) {
        let (seconds, attoseconds) = duration.components
        let clampedSeconds = UInt32(clamping: max(0, seconds))
        let microseconds = UInt32(clamping: max(0, attoseconds / 1_000_000_000_000))
        if clampedSeconds == 0 && microseconds == 0 { return (0, 1000) }
        return (clampedSeconds, microseconds)
    }
}

@available(*, unavailable, message: "a libmodbus context must stay on one thread")
extension ModbusTCPClient: Sendable {}
