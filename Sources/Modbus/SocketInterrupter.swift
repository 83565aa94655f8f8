// Ends a blocking request from another thread. A Modbus client belongs
// to one thread, but its socket can be shut down (shutdown(2)) from any: the
// blocked poll()/read() then returns at once and the request fails. The
// gateway uses it to bound its stop: a poll stuck on a device that dribbles
// its reply must not hold the shutdown for seconds.
//
// The descriptor is published under a lock and withdrawn under the same
// lock before the socket is closed, so an interrupt never reaches a
// descriptor number that has since been reused by another file.

import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public final class SocketInterrupter: Sendable {
    private let state = Mutex<(socket: Int32, interrupted: Bool)>((-1, false))

    public init() {}

    /// Shuts down the connection's socket if one is open; later connects of
    /// the same client are refused until `reset()`.
    public func interrupt() {
        state.withLock { state in
            state.interrupted = true
            if state.socket >= 0 { _ = Glibc.shutdown(state.socket, Int32(SHUT_RDWR)) }
        }
    }

    public var isInterrupted: Bool { state.withLock { $0.interrupted } }

    /// Allows connects again after an interrupt.
    public func reset() { state.withLock { $0.interrupted = false } }

    /// The client opened `socket`; false when an interrupt came first (the
    /// caller closes it again).
    func opened(_ socket: Int32) -> Bool {
        state.withLock { state in
            guard !state.interrupted else { return false }
            state.socket = socket
            return true
        }
    }

    /// The client is about to close its socket.
    func closing() {
        state.withLock { $0.socket = -1 }
    }
}
