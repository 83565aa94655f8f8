// `stations[].intensive` and `minInterval` in a gateway config: what loads,
// and each mistake reported at its FILE:LINE and field path.

import Foundation
import Testing
@testable import Profiles

struct IntensiveConfigTests {
    /// Writes a config whose station carries `intensive` (a JSON5 list written
    /// one window per line, the list opening on line 4) and loads it.
    func load(intensive: String, device: String = #"{ id: "booster", profile: "pump", host: "h", timeout: "100ms" }"#) throws -> LoadedConfig {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-intensive-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            { profile: "pump", addressBase: 0, minInterval: "500ms", points: [
                { name: "a", register: "holding", address: 0, type: "uint16" } ] }
            """.write(to: folder.appendingPathComponent("profiles/pump.json5"), atomically: true, encoding: .utf8)
        try """
            { gateway: { id: "gw" }, profiles: "profiles", store: { path: "var/x.db" },
              stations: [ { id: "FT-0412",
                devices: [ \(device) ],
                intensive: \(intensive) } ] }
            """.write(to: folder.appendingPathComponent("config.json5"), atomically: true, encoding: .utf8)
        return try ConfigLoader.load(path: folder.appendingPathComponent("config.json5").path)
    }

    @Test func windowsAndMinIntervalLoad() throws {
        let loaded = try load(intensive: #"[ { days: ["sat", "sun"], from: "07:00", to: "10:00", interval: "250ms", devices: ["booster"] } ]"#)
        #expect(loaded.config.stations[0].intensive == [IntensiveWindowConfig(days: ["sat", "sun"], from: "07:00", to: "10:00",
                                                                               interval: "250ms", devices: ["booster"])])
        // The profile's 500ms, as the device has none of its own.
        #expect(loaded.devices.first?.minInterval == .milliseconds(500))
        let own = try load(intensive: "[]", device: #"{ id: "booster", profile: "pump", host: "h", minInterval: "300ms" }"#)
        #expect(own.devices.first?.minInterval == .milliseconds(300))
    }

    @Test(arguments: [
        (#"[ { days: ["sat"], from: "7am", to: "10:00", interval: "250ms" } ]"#,
         "config.json5:4: stations[0].intensive[0].from: '7am' is not a local time HH:MM (00:00-23:59)"),
        (#"[ { days: ["sat"], from: "07:00", to: "07:00", interval: "250ms" } ]"#,
         "config.json5:4: stations[0].intensive[0].to: equals from (07:00): a window must have a length"),
        (#"[ { days: ["sat"], from: "07:00", to: "10:00", interval: "fast" } ]"#,
         "config.json5:4: stations[0].intensive[0].interval: 'fast' is not a duration such as 500ms, 1s or 5m"),
        (#"[ { days: ["sat"], from: "07:00", to: "10:00", interval: "250ms", devices: ["pump9"] } ]"#,
         "config.json5:4: stations[0].intensive[0].devices[0]: no device 'pump9' in this station (has: booster)"),
        (#"[ { days: [], from: "07:00", to: "10:00", interval: "250ms" } ]"#,
         "config.json5:4: stations[0].intensive[0].days: name at least one day (mon ... sun)"),
    ])
    func mistakes(intensive: String, expected: String) throws {
        do {
            _ = try load(intensive: intensive)
            Issue.record("loaded: \(intensive)")
        } catch let error as ConfigProblems {
            let lines = error.problems.map(\.description)
            #expect(lines.contains { $0.hasSuffix(expected) }, "\(lines)")
        }
    }
}
