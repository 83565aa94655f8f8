// A Modbus request PDU as both simulators judge it (the libmodbus-based
// device simulator and the benchmark farm): which read it asks for, or why
// it gets an exception.

import Profiles

enum RequestPDU: Equatable {
    /// A read of `count` entries of `table` from PDU address `start`.
    case read(table: RegisterTable, start: Int, count: Int)
    /// A write (function codes 5, 6, 15, 16, 22, 23): refused and counted,
    /// since the gateway must never send one.
    case write
    /// Any other function code (exception 1).
    case unsupported
    /// A read too short to hold its address and count, or whose count is
    /// outside the Modbus limits (exception 3).
    case badCount

    /// Parses `pdu`: the function code, then start and count for reads.
    init(_ pdu: ArraySlice<UInt8>) {
        guard let function = pdu.first else {
            self = .unsupported
            return
        }
        let table: RegisterTable
        switch function {
        case 1: table = .coil
        case 2: table = .discrete
        case 3: table = .holding
        case 4: table = .input
        case 5, 6, 15, 16, 22, 23:
            self = .write
            return
        default:
            self = .unsupported
            return
        }
        guard pdu.count >= 5 else {
            self = .badCount
            return
        }
        let base = pdu.startIndex
        let start = Int(pdu[base + 1]) << 8 | Int(pdu[base + 2])
        let count = Int(pdu[base + 3]) << 8 | Int(pdu[base + 4])
        guard (1...(table.holdsBits ? 2000 : 125)).contains(count) else {
            self = .badCount
            return
        }
        self = .read(table: table, start: start, count: count)
    }
}
