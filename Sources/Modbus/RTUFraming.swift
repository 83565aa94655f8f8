// Modbus RTU framing, for serial lines and for RTU over TCP (transparent
// serial servers: the same frames, CRC and all, in a TCP stream, no MBAP):
// unit id, PDU, CRC-16/MODBUS low byte first. The reply's unit id and
// function code must match the request, its length follows from the
// function code and byte count, and its CRC must be right.

public enum RTUFraming {
    /// Unit ids a request may address: 0 is broadcast (no reply), 248-255 are reserved.
    public static let unitRange: ClosedRange<UInt8> = 1...247

    public static func encode(_ request: ModbusRequest) -> [UInt8] {
        var frame = [request.unit] + request.pdu
        let crc = CRC16.modbus(frame[...])
        frame.append(UInt8(crc & 0xFF))
        frame.append(UInt8(crc >> 8))
        return frame
    }

    /// Judges the bytes received so far for `request`.
    public static func examine(_ bytes: ArraySlice<UInt8>, for request: ModbusRequest) -> FrameStep {
        guard let unit = bytes.first else { return .need(2) }
        guard unit == request.unit else { return .invalid("reply from unit \(unit), expected \(request.unit)") }
        let pdu = bytes.dropFirst()
        let pduLength: Int
        switch ReplyPDU.length(of: pdu, for: request) {
        case .failure(let error): return .invalid(error.reason)
        case .success(nil): return .need(bytes.count + 1)
        case .success(let length?): pduLength = length
        }
        let total = 1 + pduLength + 2
        guard bytes.count >= total else { return .need(total) }
        let base = bytes.startIndex
        let sent = UInt16(bytes[base + total - 2]) | UInt16(bytes[base + total - 1]) << 8
        guard CRC16.modbus(bytes.prefix(total - 2)) == sent else { return .invalid("bad CRC") }
        guard bytes.count == total else { return .invalid("\(bytes.count - total) bytes after the end of the reply") }
        switch ReplyPDU.decode(pdu.prefix(pduLength), for: request) {
        case .success(let reply): return .reply(reply)
        case .failure(let error): return .invalid(error.reason)
        }
    }
}

/// CRC-16/MODBUS: polynomial 0x8005 reflected (0xA001), initial 0xFFFF, no final xor.
public enum CRC16 {
    static let table: [UInt16] = (0..<256).map { byte in
        var crc = UInt16(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        return crc
    }

    public static func modbus<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc = (crc >> 8) ^ table[Int((crc ^ UInt16(byte)) & 0xFF)]
        }
        return crc
    }
}
