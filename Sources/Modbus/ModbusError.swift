// What can go wrong talking Modbus, kept apart as the people on call need it:
// the device answered "no" (an exception code), or the network failed.

import Sockets
#if canImport(Glibc)
import Glibc
#endif

/// A Modbus exception code, as the device sent it.
public struct ModbusException: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let illegalFunction = ModbusException(rawValue: 1)
    public static let illegalDataAddress = ModbusException(rawValue: 2)
    public static let illegalDataValue = ModbusException(rawValue: 3)
    public static let serverDeviceFailure = ModbusException(rawValue: 4)
    public static let acknowledge = ModbusException(rawValue: 5)
    public static let serverDeviceBusy = ModbusException(rawValue: 6)
    public static let negativeAcknowledge = ModbusException(rawValue: 7)
    public static let memoryParityError = ModbusException(rawValue: 8)
    public static let gatewayPathUnavailable = ModbusException(rawValue: 10)
    public static let gatewayTargetFailedToRespond = ModbusException(rawValue: 11)

    public var name: String {
        switch rawValue {
        case 1: return "illegal function"
        case 2: return "illegal data address"
        case 3: return "illegal data value"
        case 4: return "server device failure"
        case 5: return "acknowledge"
        case 6: return "server device busy"
        case 7: return "negative acknowledge"
        case 8: return "memory parity error"
        case 10: return "gateway path unavailable"
        case 11: return "gateway target device failed to respond"
        default: return "not an exception code Modbus defines"
        }
    }

    public var description: String { "exception \(rawValue) (\(name))" }
}

/// A failure of the connection rather than an answer from the device.
public enum TransportFailure: Sendable, Hashable, CustomStringConvertible {
    /// Nothing listens at the address (ECONNREFUSED).
    case refused
    /// No answer within the timeout (connect or response).
    case timedOut
    /// The peer closed or reset the connection.
    case reset
    /// No route to the host.
    case unreachable
    /// The host name does not resolve (the name, and the resolver's words).
    case unresolved(String)
    /// A serial port cannot be opened or set up (its path and why).
    case serialPort(String)
    /// Any other system error, by errno.
    case system(Int32)

    init(errno code: Int32) {
        switch code {
        case ECONNREFUSED: self = .refused
        case ETIMEDOUT, EINPROGRESS, EAGAIN: self = .timedOut
        case ECONNRESET, EPIPE, ENOTCONN, ECONNABORTED, EBADF: self = .reset
        case EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN, EADDRNOTAVAIL: self = .unreachable
        default: self = .system(code)
        }
    }

    public var description: String {
        switch self {
        case .refused: return "connection refused"
        case .timedOut: return "timeout"
        case .reset: return "connection closed by the device"
        case .unreachable: return "host unreachable"
        case .unresolved(let detail): return "cannot resolve \(detail)"
        case .serialPort(let detail): return detail
        case .system(let code): return systemErrorText(code)
        }
    }
}

public enum ModbusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The device answered with an exception code.
    case exception(ModbusException)
    /// The connection failed, or no answer came.
    case transport(TransportFailure)
    /// The answer did not match the request (wrong transaction, unit, function, length or CRC).
    case invalidReply(String)
    /// The request itself is wrong (caller error: count out of range, ...).
    case badRequest(String)

    public var description: String {
        switch self {
        case .exception(let exception): return exception.description
        case .transport(let failure): return failure.description
        case .invalidReply(let detail): return "invalid reply (\(detail))"
        case .badRequest(let detail): return "bad request: \(detail)"
        }
    }

    /// True when the connection must be closed and opened again before the
    /// next request: a late reply would otherwise be read as the answer to it.
    public var requiresReconnect: Bool {
        switch self {
        case .exception, .badRequest: return false
        case .transport, .invalidReply: return true
        }
    }
}
