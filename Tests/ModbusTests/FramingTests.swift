// The pure framing layer against frames worked out by hand (the CRCs are
// the ones printed in the Modbus over Serial Line guide and in countless
// device manuals; the MBAP frames are written out byte by byte).

@testable import Modbus
import Testing

@Suite("Modbus framing")
struct FramingTests {
    @Test("CRC-16/MODBUS of known frames", arguments: [
        // The catalogue check value of CRC-16/MODBUS: "123456789" -> 0x4B37.
        (Array("123456789".utf8), UInt16(0x4B37)),
        // 01 03 00 00 00 0A -> C5 CD on the wire (low byte first): 0xCDC5.
        ([0x01, 0x03, 0x00, 0x00, 0x00, 0x0A], 0xCDC5),
        // 01 03 00 00 00 01 -> 84 0A.
        ([0x01, 0x03, 0x00, 0x00, 0x00, 0x01], 0x0A84),
        // The guide's example: 11 03 00 6B 00 03 -> 76 87.
        ([0x11, 0x03, 0x00, 0x6B, 0x00, 0x03], 0x8776),
        // A reply: 01 03 02 00 01 -> 79 84.
        ([0x01, 0x03, 0x02, 0x00, 0x01], 0x8479),
    ] as [([UInt8], UInt16)])
    func crc(bytes: [UInt8], expected: UInt16) {
        #expect(CRC16.modbus(bytes) == expected)
    }

    @Test("an RTU request is unit, PDU, CRC low byte first")
    func rtuRequest() throws {
        let request = try ModbusRequest.read(.holdingRegisters, unit: 0x11, address: 0x6B, count: 3)
        #expect(RTUFraming.encode(request) == [0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87])
    }

    @Test("an MBAP request carries transaction, protocol 0, length 6, unit")
    func mbapRequest() throws {
        let request = try ModbusRequest.read(.inputRegisters, unit: 7, address: 0x0102, count: 2)
        #expect(MBAPFraming.encode(request, transaction: 0x0A0B)
                == [0x0A, 0x0B, 0x00, 0x00, 0x00, 0x06, 0x07, 0x04, 0x01, 0x02, 0x00, 0x02])
    }

    static let oneRegister = try! ModbusRequest.read(.holdingRegisters, unit: 1, address: 0, count: 1)

    @Test("RTU replies judged byte by byte", arguments: [
        ([], FrameStep.need(2)),
        ([0x01], .need(2)),
        ([0x01, 0x03], .need(3)),
        ([0x01, 0x03, 0x02], .need(7)),
        ([0x01, 0x03, 0x02, 0x00, 0x01, 0x79, 0x84], .reply(.registers([1]))),
        ([0x01, 0x03, 0x02, 0x00, 0x01, 0x79, 0x85], .invalid("bad CRC")),
        ([0x01, 0x03, 0x02, 0x00, 0x01, 0x79, 0x84, 0x00], .invalid("1 bytes after the end of the reply")),
        ([0x02, 0x03, 0x02, 0x00, 0x01], .invalid("reply from unit 2, expected 1")),
        ([0x01, 0x04, 0x02, 0x00, 0x01], .invalid("function code 4, expected 3")),
        ([0x01, 0x03, 0x04, 0x00, 0x01], .invalid("byte count 4, expected 2")),
        // Exception 2 from unit 1: 01 83 02 C0 F1.
        ([0x01, 0x83, 0x02, 0xC0, 0xF1], .reply(.exception(.illegalDataAddress))),
    ] as [([UInt8], FrameStep)])
    func rtuReplies(bytes: [UInt8], expected: FrameStep) {
        #expect(RTUFraming.examine(bytes[...], for: Self.oneRegister) == expected)
    }

    @Test("MBAP replies: every header field checked", arguments: [
        ([0x00, 0x05, 0x00, 0x00, 0x00], FrameStep.need(7)),
        ([0x00, 0x05, 0x00, 0x00, 0x00, 0x05, 0x01], .need(11)),
        ([0x00, 0x05, 0x00, 0x00, 0x00, 0x05, 0x01, 0x03, 0x02, 0x12, 0x34], .reply(.registers([0x1234]))),
        ([0x00, 0x06, 0x00, 0x00, 0x00, 0x05, 0x01], .invalid("transaction id 6, expected 5")),
        ([0x00, 0x05, 0x00, 0x01, 0x00, 0x05, 0x01], .invalid("protocol id 1, expected 0")),
        ([0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x01], .invalid("MBAP length 0, outside 2-254")),
        ([0x00, 0x05, 0x00, 0x00, 0xFF, 0xFF, 0x01], .invalid("MBAP length 65535, outside 2-254")),
        ([0x00, 0x05, 0x00, 0x00, 0x00, 0x05, 0x02], .invalid("reply from unit 2, expected 1")),
        // Length 6 but the byte count says a 4-byte PDU.
        ([0x00, 0x05, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x02], .invalid("MBAP length 6 does not fit a PDU of 4 bytes")),
        ([0x00, 0x05, 0x00, 0x00, 0x00, 0x05, 0x01, 0x03, 0x03], .invalid("byte count 3, expected 2")),
        // Found by the fuzzer: length 2 ends the PDU after its function code.
        ([0x00, 0x05, 0x00, 0x00, 0x00, 0x02, 0x01, 0x03], .invalid("MBAP length 2 is too short for the reply")),
        ([0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x01, 0x83, 0x00], .reply(.exception(ModbusException(rawValue: 0)))),
        ([0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x01, 0x83, 0x00, 0x00], .invalid("1 bytes after the end of the reply")),
    ] as [([UInt8], FrameStep)])
    func mbapReplies(bytes: [UInt8], expected: FrameStep) {
        #expect(MBAPFraming.examine(bytes[...], for: Self.oneRegister, transaction: 5) == expected)
    }

    @Test("coils come back least significant bit first")
    func coilBits() throws {
        let request = try ModbusRequest.read(.coils, unit: 1, address: 0, count: 10)
        // 0b0000_0101, 0b10: coils 0, 2 and 9 on.
        var frame: [UInt8] = [0x01, 0x01, 0x02, 0x05, 0x02]
        let crc = CRC16.modbus(frame)
        frame += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        let expected = (0..<10).map { [0, 2, 9].contains($0) }
        #expect(RTUFraming.examine(frame[...], for: request) == .reply(.bits(expected)))
    }

    @Test("exception 0 reads sanely")
    func exceptionZero() {
        #expect(ModbusError.exception(ModbusException(rawValue: 0)).description
                == "exception 0 (not an exception code Modbus defines)")
    }
}
