// One client connection as the server loop sees it: the bytes it has sent
// (bounded by the parser's head limit), the response being written, and
// the deadline by which it must make progress or be closed.

import Glibc

struct Connection {
    enum Phase {
        /// Waiting for (the rest of) a request head.
        case reading
        /// A response is being written; nothing more is read meanwhile.
        case writing
        /// The last response is out and the write side shut; the input is
        /// read and dropped until the peer closes or `lingerTimeout` passes,
        /// so that the close does not turn into a reset that loses the response.
        case lingering
    }

    let fd: Int32
    var phase = Phase.reading
    var inbound: [UInt8] = []
    var outbound: [UInt8] = []
    var written = 0
    var closeAfterWrite = false
    /// When the request being read began (its first byte), monotonic seconds.
    var requestStarted: Double?
    /// The last time the connection did something: accepted, read, wrote.
    var lastActivity: Double
    /// When the current phase started (writing: last progress; lingering: its start).
    var phaseStarted: Double

    init(fd: Int32, now: Double) {
        self.fd = fd
        lastActivity = now
        phaseStarted = now
    }

    /// The moment the connection is closed unless it makes progress.
    func deadline(_ limits: HTTPServer.Options) -> Double {
        switch phase {
        case .reading:
            if let requestStarted { return requestStarted + limits.headerTimeout }
            return lastActivity + limits.idleTimeout
        case .writing:
            return phaseStarted + limits.writeTimeout
        case .lingering:
            return phaseStarted + limits.lingerTimeout
        }
    }

    /// The poll events this connection waits for.
    var events: Int16 {
        switch phase {
        case .reading, .lingering: Int16(POLLIN)
        case .writing: Int16(POLLOUT)
        }
    }

    /// Queues a response; the caller writes it out.
    mutating func respond(_ bytes: [UInt8], close: Bool, now: Double) {
        outbound = bytes
        written = 0
        closeAfterWrite = close
        phase = .writing
        phaseStarted = now
        requestStarted = nil
    }
}
