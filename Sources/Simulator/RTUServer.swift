// The simulator's Modbus RTU side: RTU frames on a TCP port (what a
// transparent serial server passes on) or on a serial port (a socat pty in
// tests). As on a real bus it answers only its own unit ids and stays
// silent for the others, for a bad CRC and for a broadcast. RTU-only
// faults: a bad CRC every Nth reply, a reply with another unit's id; and,
// for the bus benchmark, replies held for the wire time at a given baud.

import CModbus
import Foundation
import Modbus
import Profiles
#if canImport(Glibc)
import Glibc
#endif

extension ProfileSimulator {
    /// One byte stream: a TCP client or the serial port, with its unframed bytes.
    private struct Stream {
        let fd: Int32
        var input: [UInt8] = []
        var lastByte = Date()
    }

    /// Serves RTU until `shouldStop` or the duration ends. `onListening`
    /// gets "HOST:PORT" or the serial path once requests can come.
    public func runRTU(shouldStop: () -> Bool, onListening: (String) -> Void) throws {
        guard let mapping = modbus_mapping_new(65536, 65536, 65536, 65536) else {
            throw SimulatorError.setup("out of memory for the register tables")
        }
        defer { modbus_mapping_free(mapping) }
        var (listener, streams) = try openRTU(onListening: onListening)
        defer {
            if listener >= 0 { Glibc.close(listener) }
            streams.forEach { _ = Glibc.close($0.fd) }
        }
        let started = Date()
        var lastRender = Date.distantPast
        var replies = 0
        while !shouldStop() {
            let now = Date()
            if let duration = options.duration, now.timeIntervalSince(started) >= duration { break }
            if now.timeIntervalSince(lastRender) >= 0.1 {
                render(mapping: mapping, at: now)
                lastRender = now
            }
            var fds = streams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if listener >= 0 { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), 20) > 0 else { continue }
            if listener >= 0, fds[fds.count - 1].revents != 0 {
                let client = accept(listener, nil, nil)
                if client >= 0 { streams.append(Stream(fd: client)) }
            }
            var closed: [Int32] = []
            for index in streams.indices where fds[index].revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 512)
                let count = chunk.withUnsafeMutableBytes { Glibc.read(streams[index].fd, $0.baseAddress, 512) }
                if count <= 0 {
                    if count == 0 || (errno != EAGAIN && errno != EINTR) { closed.append(streams[index].fd) }
                    continue
                }
                // On a serial line a pause of the frame silence ends a frame: bytes before it are a fragment.
                if let serial = options.serial, Date().timeIntervalSince(streams[index].lastByte) > serial.frameSilence.seconds {
                    streams[index].input.removeAll()
                }
                streams[index].input += chunk[..<count]
                streams[index].lastByte = Date()
                while let frame = RTURequestFrame.take(from: &streams[index].input) {
                    guard var reply = answerRTU(frame, mapping: mapping) else { continue }
                    replies += 1
                    reply = injectFaults(into: reply, replyNumber: replies)
                    if firstRequest == nil { firstRequest = Date() }
                    pace(request: frame.count, reply: reply.count)
                    _ = reply.withUnsafeBytes { Glibc.write(streams[index].fd, $0.baseAddress, reply.count) }
                    lastReply = Date()
                }
            }
            for fd in closed {
                Glibc.close(fd)
                streams.removeAll { $0.fd == fd }
            }
        }
    }

    /// The serial port as the one stream, or a listening TCP socket (no stream yet).
    private func openRTU(onListening: (String) -> Void) throws -> (listener: Int32, streams: [Stream]) {
        if let serial = options.serial {
            do {
                let stream = Stream(fd: try SerialPort.open(serial))
                onListening(serial.path)
                return (-1, [stream])
            } catch {
                throw SimulatorError.setup("\(error)")
            }
        }
        guard let socket = Self.listen(host: options.host, port: options.port) else {
            throw SimulatorError.listen(host: options.host, port: options.port, reason: String(cString: strerror(errno)))
        }
        onListening("\(options.host):\(Self.boundPort(of: socket) ?? options.port)")
        return (socket, [])
    }

    /// The reply frame for a request frame, or nil for silence.
    private func answerRTU(_ frame: [UInt8], mapping: UnsafeMutablePointer<modbus_mapping_t>) -> [UInt8]? {
        let crc = UInt16(frame[frame.count - 2]) | UInt16(frame[frame.count - 1]) << 8
        guard CRC16.modbus(frame.dropLast(2)) == crc else { return nil }
        let unit = frame[0]
        let served = options.units.isEmpty ? (options.unit == 0 ? nil : [options.unit]) : options.units
        guard unit != 0, served?.contains(unit) ?? true else { return nil }
        requestsReceived += 1
        requestsServed += 1
        let pdu = frame[1..<(frame.count - 2)]
        var reply: [UInt8]
        if pdu.first == 43, pdu.count >= 2, pdu[pdu.startIndex + 1] == 0x0E {
            reply = identificationPDU()
        } else {
            switch judge(unit: unit, pdu: pdu) {
            case .exception(let code):
                reply = [pdu[pdu.startIndex] | 0x80, code]
            case .read(let table, let start, let count):
                render(mapping: mapping, at: Date())
                reply = [pdu[pdu.startIndex]] + Self.data(table, start: start, count: count, mapping: mapping.pointee)
            }
        }
        reply.insert(unit, at: 0)
        let replyCRC = CRC16.modbus(reply)
        return reply + [UInt8(replyCRC & 0xFF), UInt8(replyCRC >> 8)]
    }

    /// Byte count and data of a read, as a Modbus reply carries them.
    private static func data(_ table: RegisterTable, start: Int, count: Int, mapping: modbus_mapping_t) -> [UInt8] {
        var bytes: [UInt8] = []
        switch table {
        case .holding, .input:
            let base = table == .holding ? mapping.tab_registers! : mapping.tab_input_registers!
            bytes.append(UInt8(count * 2))
            for address in start..<(start + count) { bytes += [UInt8(base[address] >> 8), UInt8(base[address] & 0xFF)] }
        case .coil, .discrete:
            let base = table == .coil ? mapping.tab_bits! : mapping.tab_input_bits!
            var packed = [UInt8](repeating: 0, count: (count + 7) / 8)
            for offset in 0..<count where base[start + offset] != 0 { packed[offset / 8] |= 1 << UInt8(offset % 8) }
            bytes = [UInt8(packed.count)] + packed
        }
        return bytes
    }

    /// Read Device Identification, basic objects: vendor, product code (the profile), revision.
    private func identificationPDU() -> [UInt8] {
        let objects = [profile.vendor ?? "pumpgw", profile.profile, "pumpgw-simulator"]
        var pdu: [UInt8] = [43, 0x0E, 1, 1, 0, 0, UInt8(objects.count)]
        for (id, text) in objects.enumerated() {
            let bytes = Array(text.utf8.prefix(60))
            pdu += [UInt8(id), UInt8(bytes.count)] + bytes
        }
        return pdu
    }

    private func injectFaults(into reply: [UInt8], replyNumber: Int) -> [UInt8] {
        var reply = reply
        if let every = options.foreignUnitEvery, replyNumber % every == 0 {
            reply[0] = reply[0] % 247 + 1
            let crc = CRC16.modbus(reply.dropLast(2))
            reply[reply.count - 2] = UInt8(crc & 0xFF)
            reply[reply.count - 1] = UInt8(crc >> 8)
        }
        if let every = options.badCRCEvery, replyNumber % every == 0 { reply[reply.count - 1] ^= 0xFF }
        return reply
    }

    /// Benchmarks: the request's wire time, the device's 3.5-character turnaround and the reply's wire time.
    private func pace(request: Int, reply: Int) {
        guard let baud = options.paceBaud else { return }
        let bits = Double(options.serial?.bitsPerCharacter ?? 10)
        let seconds = (Double(request + reply) + 3.5) * bits / Double(baud)
        // The bus's physical limit per exchange adds the 3.5-character silence before the next request.
        wireSeconds += seconds + 3.5 * bits / Double(baud)
        Thread.sleep(forTimeInterval: seconds)
    }
}

/// Splitting a byte stream into RTU request frames by their function code.
enum RTURequestFrame {
    /// Removes and returns the first whole frame, or nil when more bytes are needed.
    /// Bytes that cannot start a frame this server knows are dropped.
    static func take(from input: inout [UInt8]) -> [UInt8]? {
        guard input.count >= 2 else { return nil }
        let length: Int
        switch input[1] {
        case 1...6: length = 8
        case 15, 16:
            guard input.count >= 7 else { return nil }
            length = 9 + Int(input[6])
        case 43: length = 7
        default:
            input.removeAll()
            return nil
        }
        guard input.count >= length else { return nil }
        defer { input.removeFirst(length) }
        return Array(input[..<length])
    }
}
