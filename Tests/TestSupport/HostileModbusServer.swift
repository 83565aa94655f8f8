// Tests/ModbusTests/Fixtures/hostile_modbus.py in a child process: a Modbus
// server (MBAP or RTU over TCP) that misbehaves in one chosen way. It exits
// when its stdin closes, so it cannot outlive the test that started it.

import Foundation
import Synchronization

public final class HostileModbusServer: Sendable {
    public let port: Int
    private let process: Process
    private let stdinPipe: Pipe
    private let output: OutputBuffer

    /// Starts `hostile_modbus.py MODE` and waits for its port.
    public init(mode: String, framing: String = "mbap", every: Int = 1) throws {
        let script = TestBinaries.root.appendingPathComponent("Tests/ModbusTests/Fixtures/hostile_modbus.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, mode, "--framing", framing, "--every", String(every)]
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        try process.run()
        let output = OutputBuffer()
        out.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            output.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
        }
        let deadline = Date().addingTimeInterval(10)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            Thread.sleep(forTimeInterval: 0.01)
            found = output.text.withLock { Self.number(after: "LISTENING 127.0.0.1 ", in: $0) }
        }
        guard let found else {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "hostile_modbus.py \(mode) did not start"])
        }
        self.port = found
        self.process = process
        self.stdinPipe = input
        self.output = output
    }

    /// Stops the server and returns how many requests it received.
    @discardableResult
    public func stop() -> Int {
        try? stdinPipe.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        Thread.sleep(forTimeInterval: 0.05)
        return output.text.withLock { Self.number(after: "REQUESTS ", in: $0) } ?? -1
    }

    static func number(after prefix: String, in text: String) -> Int? {
        guard let range = text.range(of: prefix) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
