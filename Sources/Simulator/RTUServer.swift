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

    /// Where RTU requests come from: a listening TCP socket and its clients,
    /// a serial port, or the simulator's own pty.
    private struct Line {
        var listener: Int32 = -1
        var streams: [Stream] = []
        var pty: SimulatorPty?
        /// The one stream is a serial port (given back with SerialPort.close).
        var serial = false
        /// The last line mismatch reported (reported again only when it changes).
        var mismatch: String?

        func close() {
            if listener >= 0 { Glibc.close(listener) }
            if let pty {
                pty.close()
            } else {
                for stream in streams {
                    if serial { SerialPort.close(stream.fd) } else { _ = Glibc.close(stream.fd) }
                }
            }
        }
    }

    /// Serves RTU until `shouldStop` or the duration ends. `onListening`
    /// gets "HOST:PORT" or the serial path once requests can come.
    /// `neighbours` share the line: a request goes to the first simulator
    /// (this one, then the neighbours) that serves its unit id, so one bus
    /// can carry devices of several profiles.
    public func runRTU(shouldStop: () -> Bool, onListening: (String) -> Void, neighbours: [ProfileSimulator] = []) throws {
        let devices = [self] + neighbours
        var mappings: [UnsafeMutablePointer<modbus_mapping_t>] = []
        defer { mappings.forEach { modbus_mapping_free($0) } }
        for _ in devices {
            guard let mapping = modbus_mapping_new(65536, 65536, 65536, 65536) else {
                throw SimulatorError.setup("out of memory for the register tables")
            }
            mappings.append(mapping)
        }
        var line = try openRTU(onListening: onListening)
        defer { line.close() }
        let started = Date()
        while !shouldStop() {
            if let duration = options.duration, Date().timeIntervalSince(started) >= duration { break }
            var fds = line.streams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if line.listener >= 0 { fds.append(pollfd(fd: line.listener, events: Int16(POLLIN), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), 20) > 0 else { continue }
            if line.listener >= 0, fds[fds.count - 1].revents != 0 {
                let client = accept(line.listener, nil, nil)
                if client >= 0 { line.streams.append(Stream(fd: client)) }
            }
            var closed: [Int32] = []
            for index in line.streams.indices where fds[index].revents != 0 {
                guard receive(into: &line.streams[index], pty: line.pty) else {
                    closed.append(line.streams[index].fd)
                    continue
                }
                while let frame = RTURequestFrame.take(from: &line.streams[index].input) {
                    if let pty = line.pty, let mismatch = pty.mismatch() {
                        // A device on another baud hears noise: silence, as on a real line.
                        if line.mismatch != mismatch {
                            FileHandle.standardError.write(Data("pumpgw simulate: a request at \(mismatch) on a \(pty.line.lineText) line: not answered\n".utf8))
                        }
                        line.mismatch = mismatch
                        lineMismatches += 1
                        continue
                    }
                    line.mismatch = nil
                    answer(frame, on: line.streams[index].fd, devices: devices, mappings: mappings)
                }
            }
            for fd in closed {
                Glibc.close(fd)
                line.streams.removeAll { $0.fd == fd }
            }
        }
    }

    /// Reads what the stream has into its input; false when it is closed.
    /// A pty whose other end is closed (EIO, until the gateway reopens it)
    /// stays: the simulator waits for the next open.
    private func receive(into stream: inout Stream, pty: SimulatorPty?) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 512)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(stream.fd, $0.baseAddress, 512) }
        if count <= 0 {
            if pty != nil {
                if count < 0 && errno == EIO { usleep(20_000) }
                return true
            }
            return count < 0 && (errno == EAGAIN || errno == EINTR)
        }
        // On a serial line a pause of the frame silence ends a frame: bytes before it are a fragment.
        if let serial = options.serial, Date().timeIntervalSince(stream.lastByte) > serial.frameSilence.seconds {
            stream.input.removeAll()
        }
        stream.input += chunk[..<count]
        stream.lastByte = Date()
        return true
    }

    /// Hands a request frame to the device that serves its unit; writes its reply.
    private func answer(_ frame: [UInt8], on fd: Int32, devices: [ProfileSimulator],
                        mappings: [UnsafeMutablePointer<modbus_mapping_t>]) {
        for (device, mapping) in zip(devices, mappings) {
            guard var reply = device.answerRTU(frame, mapping: mapping) else { continue }
            device.rtuReplies += 1
            reply = device.injectFaults(into: reply, replyNumber: device.rtuReplies)
            if firstRequest == nil { firstRequest = Date() }
            device.pace(request: frame.count, reply: reply.count)
            _ = reply.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, reply.count) }
            lastReply = Date()
            return
        }
    }

    /// The serial port or the simulator's own pty as the one stream, or a
    /// listening TCP socket (no stream yet).
    private func openRTU(onListening: (String) -> Void) throws -> Line {
        if let serial = options.serial, options.pty {
            let pty = try SimulatorPty.open(serial)
            onListening("\(serial.path) -> \(pty.slavePath)")
            return Line(streams: [Stream(fd: pty.master)], pty: pty)
        }
        if let serial = options.serial {
            do {
                let stream = Stream(fd: try SerialPort.open(serial))
                onListening(serial.path)
                return Line(streams: [stream], serial: true)
            } catch {
                throw SimulatorError.setup("\(error)")
            }
        }
        guard let socket = Self.listen(host: options.host, port: options.port) else {
            throw SimulatorError.listen(host: options.host, port: options.port, reason: String(cString: strerror(errno)))
        }
        onListening("\(options.host):\(Self.boundPort(of: socket) ?? options.port)")
        return Line(listener: socket)
    }

    /// The reply frame for a request frame, or nil for silence.
    func answerRTU(_ frame: [UInt8], mapping: UnsafeMutablePointer<modbus_mapping_t>) -> [UInt8]? {
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

    func injectFaults(into reply: [UInt8], replyNumber: Int) -> [UInt8] {
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

    /// Benchmarks: the request's wire time, the device's turnaround (3.5
    /// characters, or `paceTurnaround`) and the reply's wire time.
    func pace(request: Int, reply: Int) {
        guard let baud = options.paceBaud else { return }
        let character = Double(options.serial?.bitsPerCharacter ?? 10) / Double(baud)
        let turnaround = options.paceTurnaround?.seconds ?? 3.5 * character
        let seconds = Double(request + reply) * character + turnaround
        // The bus's physical limit per exchange adds the 3.5-character silence before the next request.
        wireSeconds += seconds + 3.5 * character
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
