// Modbus TCP framing: the MBAP header (transaction id, protocol id 0,
// length, unit id) in front of the PDU. Every field of a reply is checked
// against the request, so a reply for another transaction, another unit or
// another protocol is never taken as this request's answer.

public enum MBAPFraming {
    /// Header bytes before the PDU.
    static let headerLength = 7
    /// MBAP length counts the unit id and the PDU: at least 2, at most 1 + 253.
    static let lengthRange = 2...254

    public static func encode(_ request: ModbusRequest, transaction: UInt16) -> [UInt8] {
        let pdu = request.pdu
        let length = UInt16(pdu.count + 1)
        return [UInt8(transaction >> 8), UInt8(transaction & 0xFF), 0, 0,
                UInt8(length >> 8), UInt8(length & 0xFF), request.unit] + pdu
    }

    /// Judges the bytes received so far for `request` sent as `transaction`.
    public static func examine(_ bytes: ArraySlice<UInt8>, for request: ModbusRequest, transaction: UInt16) -> FrameStep {
        guard bytes.count >= headerLength else { return .need(headerLength) }
        let base = bytes.startIndex
        let receivedTransaction = UInt16(bytes[base]) << 8 | UInt16(bytes[base + 1])
        guard receivedTransaction == transaction else {
            return .invalid("transaction id \(receivedTransaction), expected \(transaction)")
        }
        let protocolId = UInt16(bytes[base + 2]) << 8 | UInt16(bytes[base + 3])
        guard protocolId == 0 else { return .invalid("protocol id \(protocolId), expected 0") }
        let length = Int(bytes[base + 4]) << 8 | Int(bytes[base + 5])
        guard lengthRange.contains(length) else { return .invalid("MBAP length \(length), outside 2-254") }
        guard bytes[base + 6] == request.unit else {
            return .invalid("reply from unit \(bytes[base + 6]), expected \(request.unit)")
        }
        let total = 6 + length
        let pdu = bytes[(base + headerLength)...].prefix(length - 1)
        switch ReplyPDU.length(of: pdu, for: request) {
        case .failure(let error): return .invalid(error.reason)
        case .success(nil):
            // The header says the PDU ends before its own fields do.
            if bytes.count >= total { return .invalid("MBAP length \(length) is too short for the reply") }
            return .need(total)
        case .success(let needed?):
            guard needed == length - 1 else {
                return .invalid("MBAP length \(length) does not fit a PDU of \(needed) bytes")
            }
        }
        guard bytes.count >= total else { return .need(total) }
        guard bytes.count == total else { return .invalid("\(bytes.count - total) bytes after the end of the reply") }
        switch ReplyPDU.decode(pdu, for: request) {
        case .success(let reply): return .reply(reply)
        case .failure(let error): return .invalid(error.reason)
        }
    }
}
