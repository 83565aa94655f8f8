// A small HTTP/1.1 server for the gateway's own window, on ONE thread of
// its own that waits with poll() (never select(): its descriptors live above
// 1023, see ServerSockets.swift). It never touches the cooperative pool, and
// nothing a client does can reach a poller or the store writer: a client
// can only occupy this thread, and every way of doing that is bounded:
//
// - the request head: `maxHeadBytes` (8 KiB) and 100 fields, else 431 and close;
// - time: a head must arrive within `headerTimeout` of its first byte (slow
//   loris), an idle keep-alive connection lasts `idleTimeout`, a response
//   must make progress within `writeTimeout` (a client that stops reading);
// - connections: at most `maxConnections`; one more evicts the one idle the
//   longest, or is closed at once when all are busy writing;
// - memory: while a response is being written nothing more is read, so
//   pipelined requests wait in the kernel, not here.
//
// GET and HEAD only (405 otherwise), and POST on the paths `postPaths` names
// (the gateway's `/api/boost`); bodies are never read: a POST carries its
// parameters in the query, and one announcing a body is refused (413, then
// close); any other request announcing one is answered with `Connection:
// close`. The handler runs on the server thread and must return quickly.

import Dispatch
import Foundation
import Glibc
import Sockets
import Synchronization

public final class HTTPServer: Sendable {
    public struct Options: Sendable {
        public var maxHeadBytes = 8192
        public var maxConnections = 64
        public var headerTimeout = 10.0
        public var idleTimeout = 30.0
        public var writeTimeout = 10.0
        public var lingerTimeout = 2.0
        /// Paths that take POST (without a body); every other path refuses it.
        public var postPaths: Set<String> = []
        public init() {}
    }

    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    public let address: ListenAddress
    /// The bound port (the configured one, or the kernel's pick for port 0).
    public let port: UInt16
    private let options: Options
    private let handler: Handler
    private let listener: Int32
    private let wakeRead: Int32, wakeWrite: Int32
    private let stopping = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let counters = Mutex(Counters())

    /// What the server has done, for tests and the gateway's own metrics.
    public struct Counters: Sendable {
        public var open = 0
        public var accepted = 0
        public var evicted = 0
        public var refused = 0
        public var timedOut = 0
        public var requests = 0
    }

    /// Binds the listening socket now (a port in use fails here, at start-up,
    /// naming the port); serving begins with `start()`.
    public init(address: ListenAddress, options: Options = Options(), handler: @escaping Handler) throws(HTTPServerError) {
        ServerSockets.makeRoomAboveCeiling(options.maxConnections + 16)
        let fd = try ServerSockets.listen(on: address)
        listener = ServerSockets.moveAboveCeiling(fd)
        guard let wake = ServerSockets.wakePipe() else {
            close(listener)
            throw HTTPServerError(message: "http: cannot create the wake pipe: errno \(errno)")
        }
        (wakeRead, wakeWrite) = wake
        self.address = address
        port = ServerSockets.boundPort(listener)
        self.options = options
        self.handler = handler
    }

    public var snapshot: Counters { counters.withLock { $0 } }

    public func start() {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        let thread = Thread { [self] in
            Thread.current.name = "http"   // set here: on Linux only the running thread can name itself
            var loop = ServerLoop(server: self)
            loop.run()
            finished.signal()
        }
        thread.name = "http"
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// Closes the listener and every connection; returns once the thread has
    /// ended. A server never started just closes its listener.
    public func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        if started.exchange(true, ordering: .relaxed) {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
            finished.wait()
        }
        close(listener)
        close(wakeRead)
        close(wakeWrite)
    }

    /// The loop's state, owned by the server thread alone.
    private struct ServerLoop {
        let server: HTTPServer
        var connections: [Int32: Connection] = [:]
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var options: Options { server.options }

        static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

        mutating func run() {
            while !server.stopping.load(ordering: .relaxed) {
                var fds = [pollfd(fd: server.wakeRead, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: server.listener, events: Int16(POLLIN), revents: 0)]
                for connection in connections.values {
                    fds.append(pollfd(fd: connection.fd, events: connection.events, revents: 0))
                }
                let now = Self.now()
                let next = connections.values.map { $0.deadline(options) }.min() ?? now + 1
                let wait = Int32(max(0, min(1000, (next - now) * 1000)).rounded(.up))
                _ = Descriptor.poll(&fds, timeoutMilliseconds: wait)
                if server.stopping.load(ordering: .relaxed) { break }
                if fds[1].revents & Int16(POLLIN) != 0 { acceptWaiting() }
                for entry in fds.dropFirst(2) where entry.revents != 0 {
                    service(entry.fd, revents: entry.revents)
                }
                expire()
            }
            for fd in connections.keys { closeConnection(fd) }
        }

        mutating func acceptWaiting() {
            for _ in 0..<64 {
                guard let low = ServerSockets.accept(server.listener) else { return }
                let fd = ServerSockets.moveAboveCeiling(low)
                let now = Self.now()
                if connections.count >= options.maxConnections && !evictOne() {
                    close(fd)
                    server.counters.withLock { $0.refused += 1 }
                    continue
                }
                connections[fd] = Connection(fd: fd, now: now)
                server.counters.withLock { $0.accepted += 1; $0.open = connections.count }
            }
        }

        /// Closes the reading connection idle the longest; false when every
        /// connection is busy writing (then the newcomer is refused).
        mutating func evictOne() -> Bool {
            let candidates = connections.values.filter { $0.phase != .writing }
            guard let oldest = candidates.min(by: { $0.lastActivity < $1.lastActivity }) else { return false }
            closeConnection(oldest.fd)
            server.counters.withLock { $0.evicted += 1 }
            return true
        }

        mutating func service(_ fd: Int32, revents: Int16) {
            guard var connection = connections[fd] else { return }
            let now = Self.now()
            if revents & Int16(POLLNVAL) != 0 { return closeConnection(fd) }
            switch connection.phase {
            case .reading, .lingering:
                guard revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { return }
                let result = buffer.withUnsafeMutableBytes { ServerSockets.read(fd, into: $0) }
                switch result {
                case .closed: return closeConnection(fd)
                case .wouldBlock: return
                case .bytes(let count):
                    connection.lastActivity = now
                    if connection.phase == .lingering { return }
                    if connection.requestStarted == nil { connection.requestStarted = now }
                    connection.inbound += buffer[0..<count]
                }
            case .writing:
                guard revents & Int16(POLLOUT | POLLHUP | POLLERR) != 0 else { return }
            }
            connections[fd] = connection
            proceed(fd)
        }

        /// Answers every complete request the connection holds and writes
        /// what it can, until it would block or needs more input.
        mutating func proceed(_ fd: Int32) {
            while var connection = connections[fd] {
                let now = Self.now()
                switch connection.phase {
                case .lingering:
                    return
                case .writing:
                    let result = connection.outbound.withUnsafeBytes {
                        ServerSockets.write(fd, UnsafeRawBufferPointer(rebasing: $0[connection.written...]))
                    }
                    switch result {
                    case .closed: return closeConnection(fd)
                    case .wouldBlock: return
                    case .bytes(let count):
                        connection.written += count
                        connection.phaseStarted = now
                        connection.lastActivity = now
                        guard connection.written == connection.outbound.count else { connections[fd] = connection; continue }
                        connection.outbound = []
                        if connection.closeAfterWrite {
                            shutdown(fd, Int32(SHUT_WR))
                            connection.phase = .lingering
                            connection.inbound = []
                        } else {
                            connection.phase = .reading
                            if !connection.inbound.isEmpty { connection.requestStarted = now }
                        }
                        connections[fd] = connection
                    }
                case .reading:
                    guard !connection.inbound.isEmpty else { return }
                    let parser = HTTPRequestParser(maxHeadBytes: options.maxHeadBytes)
                    switch parser.parse(connection.inbound) {
                    case .incomplete:
                        return
                    case .failure(let failure):
                        let message: String
                        if case .malformed(let reason) = failure { message = reason } else { message = HTTPResponse.reason(failure.status) }
                        let response = HTTPResponse(status: failure.status, text: message + "\n")
                        connection.respond(response.serialized(keepAlive: false, includeBody: true), close: true, now: now)
                    case .request(let request, let consumed):
                        connection.inbound.removeFirst(consumed)
                        let (bytes, keepAlive) = answer(request)
                        connection.respond(bytes, close: !keepAlive, now: now)
                    }
                    connections[fd] = connection
                }
            }
        }

        /// The response bytes for one request, and whether the connection stays open.
        func answer(_ request: HTTPRequest) -> ([UInt8], Bool) {
            server.counters.withLock { $0.requests += 1 }
            let keepAlive = request.keepAlive && !request.announcesBody
            let post = request.method == "POST" && options.postPaths.contains(request.path)
            guard request.method == "GET" || request.method == "HEAD" || post else {
                let response = HTTPResponse(status: 405, text: "only GET and HEAD: this server is read-only\n",
                                            headers: [("Allow", "GET, HEAD")])
                return (response.serialized(keepAlive: false, includeBody: true), false)
            }
            guard !(post && request.announcesBody) else {
                let response = HTTPResponse(status: 413, text: "a POST here takes no body: give its parameters in the query\n")
                return (response.serialized(keepAlive: false, includeBody: true), false)
            }
            let response = server.handler(request)
            return (response.serialized(keepAlive: keepAlive, includeBody: request.method != "HEAD"), keepAlive)
        }

        mutating func expire() {
            let now = Self.now()
            for connection in connections.values where connection.deadline(options) <= now {
                if connection.phase != .lingering { server.counters.withLock { $0.timedOut += 1 } }
                closeConnection(connection.fd)
            }
        }

        mutating func closeConnection(_ fd: Int32) {
            guard connections.removeValue(forKey: fd) != nil else { return }
            close(fd)
            server.counters.withLock { $0.open = connections.count }
        }
    }
}
