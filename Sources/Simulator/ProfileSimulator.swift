// A simulated pump-room device: a Modbus TCP server on libmodbus's server
// API that serves the registers a profile describes, with values from the
// pump-room model.
//
// One thread, one poll() loop over the listening socket and every client,
// so it serves several clients at once. It answers reads of addresses the
// profile does not define with exception 2, requests for another unit id
// with exception 11, and counts (and refuses) every write: the gateway must
// never send one.

import CModbus
import Foundation
import Modbus
import Profiles
#if canImport(Glibc)
import Glibc
#endif

public struct SimulatorOptions: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (reported through `onListening`).
    public var port = 1502
    /// Unit id answered; 0 answers every unit id.
    public var unit: UInt8 = 1
    /// Stop after this many seconds (nil: run until stopped).
    public var duration: Double?
    public var seed: UInt64 = 1
    public var scenario: Scenario = .normal
    /// Fault injection: answer requests with this exception code ...
    public var exception: UInt8?
    /// ... only for this unit id (nil: every unit) ...
    public var exceptionUnit: UInt8?
    /// ... and only for reads touching this range (nil: every request).
    public var exceptionRange: AddressRange?
    /// Fault injection: delay every reply by this much (a slow device).
    public var replyDelay: Duration = .zero
    /// Fault injection: close the connection instead of answering every Nth request.
    public var dropEvery: Int?
    /// Fault injection: after `downAfter` seconds, stop listening and close
    /// every connection for `downFor` seconds, then come back.
    public var downFor: Double?
    public var downAfter: Double = 2
    /// RTU: serve Modbus RTU frames (on the TCP port, or on `serial`) instead of Modbus TCP.
    public var rtu = false
    /// RTU on this serial port instead of a TCP port.
    public var serial: SerialSettings?
    /// With `serial`: open a pty of the simulator's own and make `serial.path`
    /// a symlink to its slave end (the gateway's port), instead of opening a port.
    public var pty = false
    /// RTU: the unit ids served (silence for the others, as on a real bus); empty: `unit` alone.
    public var units: Set<UInt8> = []
    /// RTU fault: every Nth reply with a wrong CRC.
    public var badCRCEvery: Int?
    /// RTU fault: every Nth reply sent with another unit's id.
    public var foreignUnitEvery: Int?
    /// RTU: hold each reply for the wire time of request and reply at `paceBaud` (benchmarks).
    public var paceBaud: Int?
    /// With `paceBaud`: the device's time to start answering (nil: 3.5 characters,
    /// a quick instrument); a slow one takes 10-20 ms.
    public var paceTurnaround: Duration?

    public init() {}
}

extension AddressRange {
    /// Parses the simulator's `--exception-range`: `holding:400-409` or
    /// `input:7`, in the profile's numbering (its addressBase).
    public init?(option text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let table = RegisterTable(rawValue: String(parts[0])) else { return nil }
        let bounds = parts[1].split(separator: "-", maxSplits: 1).map { Int($0) }
        guard let first = bounds.first ?? nil, let last = bounds.count == 2 ? bounds[1] : first, first <= last else { return nil }
        self.init(register: table, from: first, to: last)
    }
}

public enum SimulatorError: Error, CustomStringConvertible {
    case listen(host: String, port: Int, reason: String)
    case setup(String)

    public var description: String {
        switch self {
        case .listen(let host, let port, let reason): return "cannot listen on \(host):\(port): \(reason)"
        case .setup(let reason): return "cannot start the simulator: \(reason)"
        }
    }
}

public final class ProfileSimulator {
    public let profile: DeviceProfile
    public let options: SimulatorOptions
    /// Write requests received (function codes 5, 6, 15, 16, 22, 23).
    public private(set) var writeRequests = 0
    public internal(set) var requestsServed = 0
    var requestsReceived = 0
    /// With pacing: the wire time the exchanges served would need at least on a real bus
    /// (frames, turnaround and the silence before the next request), seconds.
    public internal(set) var wireSeconds = 0.0
    /// RTU: when the first request came and the last reply left (the busy span of a benchmark).
    public internal(set) var firstRequest: Date?
    public internal(set) var lastReply: Date?
    /// RTU: replies sent (the count the RTU faults' "every Nth" refers to).
    var rtuReplies = 0
    /// On the simulator's own pty: requests left unanswered because the
    /// other end had set another baud or stop-bit count.
    public internal(set) var lineMismatches = 0

    private var model: PumpRoomModel
    private(set) var image: RegisterImage

    public init(profile: DeviceProfile, options: SimulatorOptions) {
        self.profile = profile
        self.options = options
        self.model = PumpRoomModel(start: Date(), seed: options.seed, scenario: options.scenario)
        self.image = RegisterImage(profile: profile, seed: options.seed)
    }

    /// Serves until `shouldStop` returns true or the duration ends.
    /// `onListening` receives the bound port once clients can connect.
    public func run(shouldStop: () -> Bool, onListening: (Int) -> Void) throws {
        guard let context = modbus_new_tcp(options.host, Int32(options.port)) else {
            throw SimulatorError.setup("libmodbus refused host \(options.host)")
        }
        defer { modbus_free(context) }
        guard let mapping = modbus_mapping_new(65536, 65536, 65536, 65536) else {
            throw SimulatorError.setup("out of memory for the register tables")
        }
        defer { modbus_mapping_free(mapping) }
        modbus_set_indication_timeout(context, 1, 0)

        var listener = modbus_tcp_listen(context, 32)
        guard listener >= 0 else {
            throw SimulatorError.listen(host: options.host, port: options.port, reason: String(cString: strerror(errno)))
        }
        defer { if listener >= 0 { Glibc.close(listener) } }
        let port = Self.boundPort(of: listener) ?? options.port
        onListening(port)

        let started = Date()
        var clients: [Int32] = []
        defer { clients.forEach { _ = Glibc.close($0) } }
        var lastRender = Date.distantPast
        var query = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        var outage = options.downFor.map { (start: options.downAfter, end: options.downAfter + $0) }

        while !shouldStop() {
            let now = Date()
            let uptime = now.timeIntervalSince(started)
            if let duration = options.duration, uptime >= duration { break }
            if now.timeIntervalSince(lastRender) >= 0.1 {
                render(mapping: mapping, at: now)
                lastRender = now
            }
            if let window = outage, uptime >= window.start {
                // Down: nobody listens, every connection is closed.
                if listener >= 0 {
                    Glibc.close(listener)
                    listener = -1
                    clients.forEach { _ = Glibc.close($0) }
                    clients.removeAll()
                }
                if uptime < window.end {
                    Thread.sleep(forTimeInterval: 0.05)
                    continue
                }
                guard let back = Self.listen(host: options.host, port: port) else {
                    Thread.sleep(forTimeInterval: 0.1)
                    continue
                }
                listener = back
                outage = nil
            }

            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            fds += clients.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready <= 0 { continue }

            if fds[0].revents & Int16(POLLIN) != 0 {
                let client = modbus_tcp_accept(context, &listener)
                if client >= 0 { clients.append(client) }
            }
            for entry in fds.dropFirst() where entry.revents != 0 {
                modbus_set_socket(context, entry.fd)
                let length = query.withUnsafeMutableBufferPointer { modbus_receive(context, $0.baseAddress) }
                if length > 0 {
                    requestsReceived += 1
                    if let every = options.dropEvery, every > 0, requestsReceived % every == 0 {
                        Glibc.close(entry.fd)
                        clients.removeAll { $0 == entry.fd }
                        continue
                    }
                    if options.replyDelay > .zero {
                        Thread.sleep(forTimeInterval: options.replyDelay.seconds)
                    }
                    render(mapping: mapping, at: Date())
                    answer(query: query, length: Int(length), context: context, mapping: mapping)
                } else if length < 0 {
                    Glibc.close(entry.fd)
                    clients.removeAll { $0 == entry.fd }
                }
            }
        }
    }

    func render(mapping: UnsafeMutablePointer<modbus_mapping_t>, at now: Date) {
        model.advance(to: now)
        let tables = mapping.pointee
        image.render(
            model: model,
            readRegister: { table, address in
                table == .holding ? tables.tab_registers[address] : tables.tab_input_registers[address]
            },
            writeRegisters: { table, address, words in
                let base = table == .holding ? tables.tab_registers! : tables.tab_input_registers!
                for (offset, word) in words.enumerated() where address + offset < 65536 {
                    base[address + offset] = word
                }
            },
            writeBit: { table, address, on in
                let base = table == .coil ? tables.tab_bits! : tables.tab_input_bits!
                base[address] = on ? 1 : 0
            })
    }

    private func answer(query: [UInt8], length: Int, context: OpaquePointer,
                        mapping: UnsafeMutablePointer<modbus_mapping_t>) {
        let header = Int(modbus_get_header_length(context))
        guard length >= header + 1 else { return }
        let unit = query[header - 1]
        requestsServed += 1

        func refuse(_ code: UInt8) {
            _ = query.withUnsafeBufferPointer { modbus_reply_exception(context, $0.baseAddress, UInt32(code)) }
        }

        if options.unit != 0 && unit != options.unit {
            return refuse(11)
        }
        switch judge(unit: unit, pdu: query[header..<length]) {
        case .exception(let code): refuse(code)
        case .read: _ = query.withUnsafeBufferPointer { modbus_reply(context, $0.baseAddress, Int32(length), mapping) }
        }
    }

    /// What a request gets: data, or an exception (injected faults included). Counts writes.
    enum Answer: Equatable {
        case read(table: RegisterTable, start: Int, count: Int)
        case exception(UInt8)
    }

    func judge(unit: UInt8, pdu: ArraySlice<UInt8>) -> Answer {
        let table: RegisterTable, start: Int, count: Int
        switch RequestPDU(pdu) {
        case .read(let readTable, let readStart, let readCount):
            (table, start, count) = (readTable, readStart, readCount)
        case .write:
            writeRequests += 1
            return .exception(1)
        case .unsupported:
            return .exception(1)
        case .badCount:
            return .exception(3)
        }
        if let code = options.exception, options.exceptionUnit.map({ $0 == unit }) ?? true {
            if let range = options.exceptionRange {
                let first = start + profile.addressBase  // the request in the profile's numbering
                if range.overlaps(table, first, first + count - 1) { return .exception(code) }
            } else {
                return .exception(code)
            }
        }
        guard image.isDefined(table, start: start, count: count) else { return .exception(2) }
        return .read(table: table, start: start, count: count)
    }

    /// Listens again on `port` (after an injected outage). The listening
    /// socket outlives the context that made it: only its descriptor is used.
    static func listen(host: String, port: Int) -> Int32? {
        guard let context = modbus_new_tcp(host, Int32(port)) else { return nil }
        defer { modbus_free(context) }
        let socket = modbus_tcp_listen(context, 32)
        return socket >= 0 ? socket : nil
    }

    static func boundPort(of socket: Int32) -> Int? {
        var address = sockaddr_in()
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &size) }
        }
        guard result == 0 else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
