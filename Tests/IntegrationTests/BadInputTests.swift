// `pumpgw read` against devices that fail: exit 1 with one clear line on
// stderr, never a crash or a hang.

import Foundation
import Testing
import TestSupport

@Suite("read: failing devices and bad input")
struct BadInputTests {
    static let profile = Paths.profiles.appendingPathComponent("grundfos-hydro-mpc-cim500.json5").path

    func read(port: Int, _ extra: [String] = []) throws -> Finished {
        try runToEnd(Paths.pumpgw, ["read", "--profile", Self.profile, "--host", "127.0.0.1",
                                    "--port", String(port)] + extra, timeout: 20)
    }

    func expectOneLineFailure(_ result: Finished, containing text: String) {
        #expect(result.reason == .exit, "pumpgw crashed: \(result.stderr)")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.contains(text), "stderr: \(result.stderr)")
    }

    @Test("a port where nothing listens: connection refused")
    func refused() throws {
        let result = try read(port: try unusedPort())
        expectOneLineFailure(result, containing: "connection refused")
    }

    @Test("a device that accepts but never answers: timeout")
    func silent() throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let started = Date()
        let result = try read(port: listener.port, ["--timeout", "300ms"])
        expectOneLineFailure(result, containing: "timeout")
        // One timed-out request, then the connection is closed and every
        // further request fails fast or times out: far below the 20 s limit.
        #expect(Date().timeIntervalSince(started) < 15)
    }

    @Test("a unit id the device does not serve: exception 11")
    func wrongUnit() throws {
        let simulator = try startSimulator(profile: Self.profile, extra: ["--unit", "1"])
        defer { simulator.stop() }
        let result = try read(port: simulator.port, ["--unit", "7"])
        expectOneLineFailure(result, containing: "exception 11 (gateway target device failed to respond)")
    }

    @Test("a device in fault: exception 4")
    func deviceFailure() throws {
        let simulator = try startSimulator(profile: Self.profile, extra: ["--exception", "4"])
        defer { simulator.stop() }
        let result = try read(port: simulator.port)
        expectOneLineFailure(result, containing: "exception 4 (server device failure)")
    }

    @Test("a profile that does not exist")
    func missingProfile() throws {
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", "/nonexistent/p.json5", "--host", "127.0.0.1"])
        expectOneLineFailure(result, containing: "/nonexistent/p.json5")
    }

    @Test("usage errors exit 2", arguments: [
        ["read", "--host", "127.0.0.1"],
        ["read", "--profile", "x.json5", "--host", "127.0.0.1", "--port", "70000"],
        ["read", "--profile", "x.json5", "--host", "127.0.0.1", "--timeout", "soon"],
        ["read", "--bogus"],
        ["frobnicate"],
    ])
    func usage(arguments: [String]) throws {
        let result = try runToEnd(Paths.pumpgw, arguments)
        #expect(result.status == 2)
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
    }
}
