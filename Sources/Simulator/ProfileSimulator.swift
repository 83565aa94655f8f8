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
    /// Answer every request with this exception code (fault injection).
    public var exception: UInt8?

    public init() {}
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
    public private(set) var requestsServed = 0

    private var model: PumpRoomModel
    private var image: RegisterImage

    public init(profile: DeviceProfile, options: SimulatorOptions) {
        self.profile = profile
        self.options = options
        self.model = PumpRoomModel(start: Date(), seed: options.seed)
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
        defer { Glibc.close(listener) }
        onListening(Self.boundPort(of: listener) ?? options.port)

        let started = Date()
        var clients: [Int32] = []
        defer { clients.forEach { _ = Glibc.close($0) } }
        var lastRender = Date.distantPast
        var query = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))

        while !shouldStop() {
            let now = Date()
            if let duration = options.duration, now.timeIntervalSince(started) >= duration { break }
            if now.timeIntervalSince(lastRender) >= 0.1 {
                render(mapping: mapping, at: now)
                lastRender = now
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
                    render(mapping: mapping, at: Date())
                    answer(query: query, length: Int(length), context: context, mapping: mapping)
                } else if length < 0 {
                    Glibc.close(entry.fd)
                    clients.removeAll { $0 == entry.fd }
                }
            }
        }
    }

    private func render(mapping: UnsafeMutablePointer<modbus_mapping_t>, at now: Date) {
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
        let function = query[header]
        requestsServed += 1

        func refuse(_ code: UInt8) {
            _ = query.withUnsafeBufferPointer { modbus_reply_exception(context, $0.baseAddress, UInt32(code)) }
        }

        if options.unit != 0 && unit != options.unit {
            return refuse(11)
        }
        if let code = options.exception {
            return refuse(code)
        }
        let table: RegisterTable
        switch function {
        case 1: table = .coil
        case 2: table = .discrete
        case 3: table = .holding
        case 4: table = .input
        case 5, 6, 15, 16, 22, 23:
            writeRequests += 1
            return refuse(1)
        default:
            return refuse(1)
        }
        guard length >= header + 5 else { return refuse(3) }
        let start = Int(query[header + 1]) << 8 | Int(query[header + 2])
        let count = Int(query[header + 3]) << 8 | Int(query[header + 4])
        let limit = table.holdsBits ? 2000 : 125
        guard (1...limit).contains(count) else { return refuse(3) }
        guard image.isDefined(table, start: start, count: count) else { return refuse(2) }
        _ = query.withUnsafeBufferPointer { modbus_reply(context, $0.baseAddress, Int32(length), mapping) }
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
