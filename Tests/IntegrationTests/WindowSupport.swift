// What the window tests share: a site with two simulated pump rooms and a
// gateway config with (or without) `http`, a reader of a process's
// listening sockets, Prometheus text parsing, and headless Chromium.

import Foundation
import Testing
import TestSupport

/// Two pump rooms: FT-0412 normal, LH-0107 whose booster set trips 2 s after start.
final class WindowSite {
    let folder: URL
    let normal: Server
    let dropping: Server
    var config: URL { folder.appendingPathComponent("gateway.json5") }
    var database: String { folder.appendingPathComponent("var/pumpgw.db").path }

    init() throws {
        let profile = Paths.profiles.appendingPathComponent("grundfos-hydro-mpc-cim500.json5").path
        normal = try startSimulator(profile: profile)
        dropping = try startSimulator(profile: profile, extra: ["--scenario", "pressure-drop:2:110"])
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-window-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// The config; `listen` nil leaves `http` out.
    func writeConfig(listen: String?) throws {
        let http = listen.map { "http: { listen: \"\($0)\" }," } ?? ""
        func device(_ port: Int) -> String {
            """
            devices: [ { id: "booster", profile: "grundfos-hydro-mpc-cim500", host: "127.0.0.1", port: \(port),
                         interval: "500ms", timeout: "300ms",
                         rules: [ { point: "outlet_pressure", rule: "low", kind: "low", limit: 0.3, deadband: 0.02,
                                    delay: "1s", severity: "major" } ] } ]
            """
        }
        try gatewayConfigText(profiles: Paths.profiles.path, gateway: #"id: "gw-window""#, """
          \(http)
          stations: [
            { id: "FT-0412", name: "Futian estate 12", \(device(normal.port)) },
            { id: "LH-0107", name: "Luohu estate 7", \(device(dropping.port)) },
          ],
          """).write(to: config, atomically: true, encoding: .utf8)
    }

    deinit {
        normal.stop()
        dropping.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// The TCP ports process `pid` listens on, from its socket inodes and
/// /proc/PID/net/tcp{,6} (state 0A is LISTEN).
func listeningPorts(pid: Int32) -> [UInt16] {
    listeningSockets(pid: pid).map(\.port).sorted()
}

/// Each listening socket of `pid`: its descriptor number and port.
func listeningSockets(pid: Int32) -> [(fd: Int32, port: UInt16)] {
    let fdFolder = "/proc/\(pid)/fd"
    var inodes: [String: Int32] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: fdFolder)) ?? [] {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdFolder)/\(name)"),
              target.hasPrefix("socket:["), let fd = Int32(name) else { continue }
        inodes[String(target.dropFirst(8).dropLast())] = fd
    }
    var sockets: [(fd: Int32, port: UInt16)] = []
    for table in ["tcp", "tcp6"] {
        // Read to the end: String(contentsOfFile:) stops after the first 4 KB
        // of a /proc file, and a busy machine's socket table is far longer.
        let data = FileHandle(forReadingAtPath: "/proc/\(pid)/net/\(table)")?.readDataToEndOfFile() ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ")
            guard columns.count > 9, columns[3] == "0A", let fd = inodes[String(columns[9])],
                  let portHex = columns[1].split(separator: ":").last, let port = UInt16(portHex, radix: 16) else { continue }
            sockets.append((fd, port))
        }
    }
    return sockets
}

/// The descriptors process `pid` holds.
func descriptorCount(pid: Int32) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
}

/// The value of one sample line of Prometheus text, e.g. `pumpgw_device_up{station="S",device="D"}`.
func metricValue(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

/// Headless Chromium, with a profile folder of its own (parallel runs do not share one).
func chromium(_ arguments: [String], folder: URL) throws -> Finished {
    let profile = folder.appendingPathComponent("chromium-\(UUID().uuidString)")
    return try runToEnd("/usr/bin/chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                              "--user-data-dir=\(profile.path)"] + arguments, timeout: 90)
}

/// Waits until `condition` holds, checking every 100 ms; false after `timeout`.
func eventually(_ timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return condition()
}
