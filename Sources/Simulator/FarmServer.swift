// A farm of simulated devices in ONE process, for benchmarks: N listening
// ports on 127.0.0.1, each a device serving the same profile, all driven by
// one poll() event loop with its own Modbus TCP framing. (libmodbus's server
// waits with select(), which cannot hold the thousands of descriptors a farm
// needs; poll() can.)
//
// Faults for isolation benchmarks: some devices silent (accept, never
// answer), some slow (every reply delayed), without slowing the others.

import Decoding
import Foundation
import Profiles
#if canImport(Glibc)
import Glibc
#endif

public struct FarmOptions: Sendable {
    public var host = "127.0.0.1"
    /// First port; device i listens on basePort + i.
    public var basePort = 20000
    public var devices = 10
    /// Devices (by index) that accept connections and never answer.
    public var silent: Set<Int> = []
    /// Devices (by index) whose every reply is delayed by `slowDelay`.
    public var slow: Set<Int> = []
    public var slowDelay: Duration = .seconds(3)
    public var duration: Double?
    public var seed: UInt64 = 1

    public init() {}
}

public final class FarmServer {
    public let profile: DeviceProfile
    public let options: FarmOptions
    public private(set) var requestsServed = 0
    public private(set) var writeRequests = 0

    private var model: PumpRoomModel
    private var image: RegisterImage
    private var tables: [RegisterTable: [UInt16]] = [:]

    public init(profile: DeviceProfile, options: FarmOptions) {
        self.profile = profile
        self.options = options
        model = PumpRoomModel(start: Date(), seed: options.seed)
        image = RegisterImage(profile: profile, seed: options.seed)
        for table in RegisterTable.allCases { tables[table] = [UInt16](repeating: 0, count: 65536) }
    }

    /// A connection's state: bytes received not yet framed, replies waiting for their time.
    private struct Connection {
        var device: Int
        var input: [UInt8] = []
        var delayed: [(due: Date, bytes: [UInt8])] = []
    }

    /// The farm's sockets: one listener per device (device i at index i) and
    /// the connections accepted, by descriptor.
    private struct Sockets {
        var listeners: [Int32] = []
        var connections: [Int32: Connection] = [:]

        func close() {
            listeners.forEach { _ = Glibc.close($0) }
            connections.keys.forEach { _ = Glibc.close($0) }
        }
    }

    /// Serves until `shouldStop` or the duration ends. Throws if a port cannot be bound.
    public func run(shouldStop: () -> Bool, onListening: (Int, Int) -> Void) throws {
        Self.raiseDescriptorLimit()
        var sockets = Sockets()
        defer { sockets.close() }
        try listenOnEveryPort(into: &sockets)
        onListening(options.basePort, options.devices)

        let started = Date()
        var lastRender = Date.distantPast
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !shouldStop() {
            let now = Date()
            if let duration = options.duration, now.timeIntervalSince(started) >= duration { break }
            if now.timeIntervalSince(lastRender) >= 0.1 {
                render(at: now)
                lastRender = now
            }
            let nextDue = sendDueReplies(&sockets.connections, now: now)
            // Wake for the next delayed reply, and at least every 100 ms to render and check for a stop.
            let timeout = nextDue.map { max(0, min(100, Int($0.timeIntervalSince(now) * 1000))) } ?? 100
            serveReadySockets(&sockets, waitingAtMost: timeout, buffer: &buffer)
        }
    }

    /// Listens on basePort + i for every device i; throws at the first port that cannot be bound.
    private func listenOnEveryPort(into sockets: inout Sockets) throws {
        for index in 0..<options.devices {
            let port = options.basePort + index
            guard let socket = Self.listen(host: options.host, port: port) else {
                throw SimulatorError.listen(host: options.host, port: port, reason: String(cString: strerror(errno)))
            }
            sockets.listeners.append(socket)
        }
    }

    /// Sends the delayed (slow-device) replies that are due; returns when the next one is.
    private func sendDueReplies(_ connections: inout [Int32: Connection], now: Date) -> Date? {
        var nextDue: Date?
        for fd in Array(connections.keys) {
            guard var connection = connections[fd], !connection.delayed.isEmpty else { continue }
            while let first = connection.delayed.first, first.due <= now {
                Self.send(first.bytes, to: fd)
                connection.delayed.removeFirst()
            }
            if let first = connection.delayed.first { nextDue = min(nextDue ?? first.due, first.due) }
            connections[fd] = connection
        }
        return nextDue
    }

    /// Waits up to `timeout` ms for the listeners and connections, then
    /// accepts new clients and answers the requests that came.
    private func serveReadySockets(_ sockets: inout Sockets, waitingAtMost timeout: Int, buffer: inout [UInt8]) {
        var fds = sockets.listeners.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        fds += sockets.connections.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        guard poll(&fds, nfds_t(fds.count), Int32(timeout)) > 0 else { return }
        for (index, entry) in fds.enumerated() where entry.revents != 0 {
            if index < sockets.listeners.count {
                let client = accept(entry.fd, nil, nil)
                if client >= 0 {
                    var one: Int32 = 1
                    setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    sockets.connections[client] = Connection(device: index)
                }
            } else {
                receive(on: entry.fd, connections: &sockets.connections, buffer: &buffer)
            }
        }
    }

    /// Reads what a client sent and answers every complete request in it:
    /// at once, later (a slow device) or never (a silent one). Closes the connection at EOF or error.
    private func receive(on fd: Int32, connections: inout [Int32: Connection], buffer: inout [UInt8]) {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 {
            Glibc.close(fd)
            connections[fd] = nil
            return
        }
        guard var connection = connections[fd] else { return }
        connection.input += buffer[0..<count]
        while let frame = Self.takeFrame(&connection.input) {
            if options.silent.contains(connection.device) { continue }
            let reply = answer(frame)
            if options.slow.contains(connection.device) {
                connection.delayed.append((Date().addingTimeInterval(options.slowDelay.seconds), reply))
            } else {
                Self.send(reply, to: fd)
            }
        }
        connections[fd] = connection
    }

    private static func send(_ bytes: [UInt8], to fd: Int32) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// One complete Modbus TCP frame (MBAP header + PDU) off the front of `input`.
    static func takeFrame(_ input: inout [UInt8]) -> [UInt8]? {
        guard input.count >= 7 else { return nil }
        let length = Int(input[4]) << 8 | Int(input[5])
        guard length >= 2, length <= 254 else {
            input.removeAll()   // garbage: drop it
            return nil
        }
        guard input.count >= 6 + length else { return nil }
        let frame = Array(input[0..<(6 + length)])
        input.removeFirst(6 + length)
        return frame
    }

    /// The reply to one request frame: data, or an exception.
    func answer(_ frame: [UInt8]) -> [UInt8] {
        requestsServed += 1
        let header = Array(frame[0..<4])
        let unit = frame[6]
        let function = frame[7]
        func reply(_ pdu: [UInt8]) -> [UInt8] {
            let length = pdu.count + 1
            return header + [UInt8(length >> 8), UInt8(length & 0xFF), unit] + pdu
        }
        func exception(_ code: UInt8) -> [UInt8] { reply([function | 0x80, code]) }

        let table: RegisterTable, start: Int, count: Int
        switch RequestPDU(frame[7...]) {
        case .read(let readTable, let readStart, let readCount):
            (table, start, count) = (readTable, readStart, readCount)
        case .write:
            writeRequests += 1
            return exception(1)
        case .unsupported:
            return exception(1)
        case .badCount:
            return exception(3)
        }
        guard image.isDefined(table, start: start, count: count), let values = tables[table] else { return exception(2) }
        if table.holdsBits {
            var bytes = [UInt8](repeating: 0, count: (count + 7) / 8)
            for offset in 0..<count where values[start + offset] != 0 {
                bytes[offset / 8] |= 1 << UInt8(offset % 8)
            }
            return reply([function, UInt8(bytes.count)] + bytes)
        }
        var pdu: [UInt8] = [function, UInt8(count * 2)]
        pdu.reserveCapacity(2 + count * 2)
        for offset in 0..<count {
            let word = values[start + offset]
            pdu.append(UInt8(word >> 8))
            pdu.append(UInt8(word & 0xFF))
        }
        return reply(pdu)
    }

    private func render(at now: Date) {
        model.advance(to: now)
        var tables = self.tables
        image.render(
            model: model,
            readRegister: { table, address in tables[table]?[address] ?? 0 },
            writeRegisters: { table, address, words in
                for (offset, word) in words.enumerated() where address + offset < 65536 {
                    tables[table]?[address + offset] = word
                }
            },
            writeBit: { table, address, on in tables[table]?[address] = on ? 1 : 0 })
        self.tables = tables
    }

    static func listen(host: String, port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 64) == 0 else {
            Glibc.close(fd)
            return nil
        }
        return fd
    }

    /// A farm holds two descriptors per device: lift the soft limit to the hard one.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
