// A read request as it goes on the wire, and the reply it may get: the pure
// part of Modbus that both framings (MBAP for Modbus TCP, RTU for serial
// lines and RTU over TCP) share. No I/O here: the fuzz target drives it.

/// The function codes pumpgw sends. It never sends a write.
public enum ModbusFunction: UInt8, Sendable, Hashable {
    case readCoils = 1
    case readDiscreteInputs = 2
    case readHoldingRegisters = 3
    case readInputRegisters = 4
    /// Encapsulated interface transport (43), used only for Read Device Identification (MEI 14).
    case readDeviceIdentification = 43
}

public enum ModbusTable: Sendable, Hashable {
    case coils, discreteInputs, holdingRegisters, inputRegisters

    var function: ModbusFunction {
        switch self {
        case .coils: return .readCoils
        case .discreteInputs: return .readDiscreteInputs
        case .holdingRegisters: return .readHoldingRegisters
        case .inputRegisters: return .readInputRegisters
        }
    }

    public var holdsBits: Bool { self == .coils || self == .discreteInputs }
}

public struct ModbusRequest: Sendable, Hashable {
    public let unit: UInt8
    public let function: ModbusFunction
    /// First PDU address (reads), or the first object id (identification).
    public let address: UInt16
    /// Registers or bits to read (identification: the read device id code).
    public let count: UInt16

    /// A read of `count` entries of `table` from PDU `address`, within the Modbus limits.
    public static func read(_ table: ModbusTable, unit: UInt8, address: Int, count: Int) throws(ModbusError) -> ModbusRequest {
        let limit = table.holdsBits ? 2000 : 125
        guard (1...limit).contains(count), address >= 0, address + count <= 65536 else {
            throw .badRequest("cannot read \(count) \(table.holdsBits ? "bits" : "registers") at \(address)")
        }
        return ModbusRequest(unit: unit, function: table.function, address: UInt16(address), count: UInt16(count))
    }

    /// Read Device Identification (43/14), basic stream (code 1) from object 0.
    public static func identification(unit: UInt8) -> ModbusRequest {
        ModbusRequest(unit: unit, function: .readDeviceIdentification, address: 0, count: 1)
    }

    /// The PDU: function code, then address and count (or MEI type, code and object id).
    public var pdu: [UInt8] {
        if function == .readDeviceIdentification { return [function.rawValue, 0x0E, UInt8(truncatingIfNeeded: count), UInt8(truncatingIfNeeded: address)] }
        return [function.rawValue, UInt8(address >> 8), UInt8(address & 0xFF), UInt8(count >> 8), UInt8(count & 0xFF)]
    }

    /// The byte count a good reply must carry (nil for identification, whose length varies).
    public var replyByteCount: Int? {
        switch function {
        case .readCoils, .readDiscreteInputs: return (Int(count) + 7) / 8
        case .readHoldingRegisters, .readInputRegisters: return Int(count) * 2
        case .readDeviceIdentification: return nil
        }
    }
}

/// A reply that matched its request.
public enum ModbusReply: Sendable, Equatable {
    case registers([UInt16])
    case bits([Bool])
    case exception(ModbusException)
    /// Read Device Identification objects by id (0 vendor, 1 product code, 2 revision, ...).
    case identification([UInt8: String])
}

/// How far a framing got with the bytes received so far.
public enum FrameStep: Sendable, Equatable {
    /// The reply is not complete: at least this many bytes in all are needed.
    case need(Int)
    /// A complete reply that matches the request.
    case reply(ModbusReply)
    /// Bytes that are not the answer to the request: the reason.
    case invalid(String)
}

/// Reply PDUs checked against their request (shared by both framings).
enum ReplyPDU {
    /// The PDU length a reply needs, from the bytes of it received so far
    /// (nil: that many bytes decide it; returns the full length once known).
    static func length(of pdu: ArraySlice<UInt8>, for request: ModbusRequest) -> Result<Int?, FrameError> {
        guard let function = pdu.first else { return .success(nil) }
        if function == request.function.rawValue | 0x80 { return .success(2) }
        guard function == request.function.rawValue else {
            return .failure(FrameError("function code \(function), expected \(request.function.rawValue)"))
        }
        if let expected = request.replyByteCount {
            guard pdu.count >= 2 else { return .success(nil) }
            let count = Int(pdu[pdu.startIndex + 1])
            guard count == expected else { return .failure(FrameError("byte count \(count), expected \(expected)")) }
            return .success(2 + count)
        }
        return identificationLength(pdu)
    }

    /// 43/14 reply: 7 header bytes, then per object an id, a length and that many bytes.
    private static func identificationLength(_ pdu: ArraySlice<UInt8>) -> Result<Int?, FrameError> {
        let base = pdu.startIndex
        guard pdu.count >= 7 else { return .success(nil) }
        guard pdu[base + 1] == 0x0E else { return .failure(FrameError("MEI type \(pdu[base + 1]), expected 14")) }
        var end = 7
        for _ in 0..<Int(pdu[base + 6]) {
            guard pdu.count >= end + 2 else { return .success(nil) }
            end += 2 + Int(pdu[base + end + 1])
            guard end <= 253 else { return .failure(FrameError("identification longer than a PDU")) }
        }
        return .success(end)
    }

    /// Decodes a complete PDU of exactly the length `length(of:for:)` gave.
    static func decode(_ pdu: ArraySlice<UInt8>, for request: ModbusRequest) -> Result<ModbusReply, FrameError> {
        let base = pdu.startIndex
        if pdu[base] & 0x80 != 0 {
            return .success(.exception(ModbusException(rawValue: pdu[base + 1])))
        }
        switch request.function {
        case .readHoldingRegisters, .readInputRegisters:
            var words = [UInt16](repeating: 0, count: Int(request.count))
            for index in words.indices {
                words[index] = UInt16(pdu[base + 2 + 2 * index]) << 8 | UInt16(pdu[base + 3 + 2 * index])
            }
            return .success(.registers(words))
        case .readCoils, .readDiscreteInputs:
            let bits = (0..<Int(request.count)).map { pdu[base + 2 + $0 / 8] & (1 << ($0 % 8)) != 0 }
            return .success(.bits(bits))
        case .readDeviceIdentification:
            var objects: [UInt8: String] = [:]
            var offset = base + 7
            while offset + 2 <= pdu.endIndex {
                let size = Int(pdu[offset + 1])
                let bytes = pdu[(offset + 2)..<(offset + 2 + size)]
                objects[pdu[offset]] = String(decoding: bytes.map { $0 >= 0x20 && $0 < 0x7F ? $0 : 0x3F }, as: UTF8.self)
                offset += 2 + size
            }
            return .success(.identification(objects))
        }
    }
}

/// Why received bytes are not the reply (becomes `ModbusError.invalidReply`).
struct FrameError: Error, Equatable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
