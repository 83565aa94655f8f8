// libFuzzer target: the Modbus reply validation (MBAPFraming, RTUFraming,
// ReplyPDU) on any bytes for any request. The first bytes choose the
// request (function, unit, address, count, transaction, framing); the rest
// is what a hostile device sent. Judging must never trap, and:
// - a prefix that is not complete asks for more bytes than it has;
// - a reply is only accepted as a whole, with the values the request asked
//   for (as many registers or bits), and for RTU with a CRC that checks;
// - a frame re-encoded from an accepted register reply judges the same.
// Built and run by Fuzz/run.sh with the Modbus module.

import Modbus

@_cdecl("LLVMFuzzerTestOneInput")
public func replyFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard bytes.count >= 7 else { return 0 }
    let tables: [ModbusTable] = [.coils, .discreteInputs, .holdingRegisters, .inputRegisters]
    let unit = bytes[1]
    let address = Int(bytes[2]) << 8 | Int(bytes[3])
    let request: ModbusRequest
    if bytes[0] & 0x80 != 0 {
        request = .identification(unit: unit)
    } else {
        let table = tables[Int(bytes[0] & 3)]
        let count = 1 + Int(bytes[4]) % (table.holdsBits ? 2000 : 125)
        guard let read = try? ModbusRequest.read(table, unit: unit, address: min(address, 65536 - count), count: count) else {
            preconditionFailure("a request inside the limits was refused")
        }
        request = read
    }
    let transaction = UInt16(bytes[5]) << 8 | UInt16(bytes[6])
    let rtu = bytes[0] & 0x40 != 0
    let reply = bytes[7...]

    func judge(_ part: ArraySlice<UInt8>) -> FrameStep {
        rtu ? RTUFraming.examine(part, for: request) : MBAPFraming.examine(part, for: request, transaction: transaction)
    }

    // Every prefix, as the client sees a reply arrive.
    for end in reply.startIndex...reply.endIndex {
        let part = reply[reply.startIndex..<end]
        switch judge(part) {
        case .need(let total):
            precondition(total > part.count, "asked for \(total) bytes with \(part.count) in hand")
            precondition(total <= 65542, "asked for an impossible \(total) bytes")
        case .invalid:
            break
        case .reply(let answer):
            check(answer, for: request)
            if rtu {
                let crc = UInt16(part[end - 2]) | UInt16(part[end - 1]) << 8
                precondition(CRC16.modbus(part.dropLast(2)) == crc, "accepted an RTU reply with a bad CRC")
            }
            if case .registers(let words) = answer { reencode(words, request: request, rtu: rtu, transaction: transaction) }
        }
    }
    return 0
}

func check(_ answer: ModbusReply, for request: ModbusRequest) {
    switch answer {
    case .registers(let words):
        precondition(request.function == .readHoldingRegisters || request.function == .readInputRegisters)
        precondition(words.count == Int(request.count), "\(words.count) registers for \(request.count)")
    case .bits(let bits):
        precondition(request.function == .readCoils || request.function == .readDiscreteInputs)
        precondition(bits.count == Int(request.count), "\(bits.count) bits for \(request.count)")
    case .identification:
        precondition(request.function == .readDeviceIdentification)
    case .exception(let exception):
        _ = exception.description
    }
}

/// The frame a good device would send for `words` judges back to `words`.
func reencode(_ words: [UInt16], request: ModbusRequest, rtu: Bool, transaction: UInt16) {
    var pdu: [UInt8] = [request.function.rawValue, UInt8(words.count * 2)]
    for word in words { pdu += [UInt8(word >> 8), UInt8(word & 0xFF)] }
    let frame: [UInt8]
    if rtu {
        let body = [request.unit] + pdu
        let crc = CRC16.modbus(body)
        frame = body + [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        precondition(RTUFraming.examine(frame[...], for: request) == .reply(.registers(words)))
    } else {
        let length = pdu.count + 1
        frame = [UInt8(transaction >> 8), UInt8(transaction & 0xFF), 0, 0, UInt8(length >> 8), UInt8(length & 0xFF), request.unit] + pdu
        precondition(MBAPFraming.examine(frame[...], for: request, transaction: transaction) == .reply(.registers(words)))
    }
}
