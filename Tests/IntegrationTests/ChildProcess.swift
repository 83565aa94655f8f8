// Real child processes for end-to-end tests: `pumpgw` verbs and the
// pymodbus server, with their output read through pipes.

import Foundation
import Synchronization
import Testing
import TestSupport

enum Paths {
    static let root = TestBinaries.root

    static let fixtures = root.appendingPathComponent("Tests/IntegrationTests/Fixtures")

    static let profiles = root.appendingPathComponent("DeviceProfiles")

    /// The `pumpgw` binary beside the test bundle, or $PUMPGW_BIN.
    static var pumpgw: String { TestBinaries.pumpgw }

    /// The project's Python virtual environment with pymodbus (made by `make test`).
    static let python = root.appendingPathComponent(".venv/bin/python").path
}

/// A long-running child (a simulator, a server) that announces its port on
/// stdout. Terminated when the value goes away.
final class Server {
    private let child: RunningProcess
    let port: Int

    /// Starts the child and waits for a stdout line matching `announcement`,
    /// whose first capture group is the port.
    init(_ executable: String, _ arguments: [String], announcement: String, timeout: TimeInterval = 20) throws {
        // stdin kept open: the Python servers exit when it closes, so they
        // cannot outlive a test that dies.
        child = try RunningProcess(executable, arguments, keepStdinOpen: true)
        let pattern = try NSRegularExpression(pattern: announcement)
        let deadline = Date().addingTimeInterval(timeout)
        var found: Int?
        while found == nil && Date() < deadline && child.process.isRunning {
            let text = child.stdout
            if let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
               let portRange = Range(match.range(at: 1), in: text) {
                found = Int(text[portRange])
            } else {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        guard let found else {
            child.terminate(timeout: 5)
            throw ServerError(message: "\(executable) did not announce its port within \(timeout) s; output: \(child.stdout) \(child.stderr)")
        }
        port = found
    }

    var process: Process { child.process }

    /// Everything the child wrote to stdout so far.
    var output: String { child.stdout }

    /// Stops a `pumpgw simulate` child and returns the write requests it
    /// counted (nil if it did not say): the gateway must never write.
    func stopAndCountWrites() -> Int? {
        stop()
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline {
            if let range = output.range(of: #"(\d+) write requests"#, options: .regularExpression) {
                return Int(output[range].split(separator: " ")[0])
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    /// Closes the child's stdin, sends SIGTERM, and after 5 s SIGKILL.
    func stop() {
        child.terminate(timeout: 5)
    }

    deinit { stop() }
}

struct ServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Starts `pumpgw simulate` for `profile` on a free port.
func startSimulator(profile: String, extra: [String] = []) throws -> Server {
    try Server(Paths.pumpgw,
               ["simulate", "--profile", profile, "--port", "0", "--duration", "120"] + extra,
               announcement: #"listening on 127\.0\.0\.1:(\d+)"#)
}

/// A port on 127.0.0.1 that nothing listens on (bound, read, released).
func unusedPort() throws -> Int {
    let listener = try SilentListener()
    let port = listener.port
    listener.close()
    return port
}

/// A TCP listener on 127.0.0.1 that accepts connections into its backlog
/// and never answers: a device that is there but silent.
final class SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerError(message: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, size) == 0 && listen(descriptor, 8) == 0
                    && getsockname(descriptor, pointer, &size) == 0
            }
        }
        guard bound else {
            _ = Glibc.close(descriptor)
            throw ServerError(message: "cannot listen on 127.0.0.1")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}

/// Decodes `pumpgw read --json` output.
struct ReadDocument: Decodable {
    struct Device: Decodable {
        var profile: String
        /// Absent for a serial device (then `serial` says the port and line).
        var host: String?
        var port: Int?
        var serial: String?
        var unit: Int
    }
    struct PointReading: Decodable {
        var name: String
        var value: JSONScalar?
        var unit: String
        var quality: String
    }
    var device: Device
    var points: [PointReading]

    subscript(name: String) -> PointReading? { points.first { $0.name == name } }
}

enum JSONScalar: Decodable, Equatable {
    case number(Double), bool(Bool), string(String)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else { self = .string(try container.decode(String.self)) }
    }

    var number: Double? { if case .number(let value) = self { return value } else { return nil } }
}

func decodeRead(_ output: String) throws -> ReadDocument {
    try JSONDecoder().decode(ReadDocument.self, from: Data(output.utf8))
}
