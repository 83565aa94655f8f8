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
        guard let found = try child.waitForNumber(announcement, timeout: timeout) else {
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

/// A TCP listener on 127.0.0.1 that accepts connections into its backlog
/// and never answers: a device that is there but silent.
final class SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        (descriptor, port) = try listenLoopback(backlog: 8)
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
