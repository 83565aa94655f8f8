// ByteChannel against a peer that has gone: a write must fail as a reset,
// never raise SIGPIPE (whose default action ends the whole gateway). The
// gateway shuts a poll's socket down from another thread at stop
// (SocketInterrupter), so a write can meet a dead socket at any moment.

import Foundation
@testable import Modbus
import Sockets
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ByteChannelTests {
    @Test func writingToAClosedSocketIsAResetNotSIGPIPE() throws {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { close(ends[0]) }
        close(ends[1])   // the peer is gone: write(2) here would raise SIGPIPE and end this test process
        #expect(throws: ModbusError.transport(.reset)) {
            try ByteChannel(descriptor: ends[0]).write([1, 2, 3], until: .after(.seconds(1)))
        }
    }

    @Test func writingToAShutDownSocketIsAResetNotSIGPIPE() throws {
        var ends: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        _ = shutdown(ends[0], Int32(SHUT_RDWR))   // what SocketInterrupter.interrupt() does
        #expect(throws: ModbusError.transport(.reset)) {
            try ByteChannel(descriptor: ends[0]).write([1, 2, 3], until: .after(.seconds(1)))
        }
    }
}
