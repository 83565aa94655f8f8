// The rules stage's rules for each device: a profile's rules are resolved
// once for every device without overrides, and a device with overrides (its
// own or its station's) gets them applied, with problems at its own path.

import Foundation
@testable import Gateway
import Profiles
import Rules
import Testing

struct DeviceRuleResolverTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-rules-\(UUID())")

    func load() throws -> LoadedConfig {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            { profile: "booster", addressBase: 0, points: [
                { name: "outlet_pressure", register: "holding", address: 0, type: "uint16", scale: 0.001, unit: "MPa",
                  rules: [ { kind: "high", limit: 0.6, deadband: 0.02 } ] } ] }
            """.write(to: folder.appendingPathComponent("profiles/booster.json5"), atomically: true, encoding: .utf8)
        try """
            { gateway: { id: "gw" }, profiles: "profiles", stations: [
                { id: "S1", devices: [ { id: "d", profile: "booster", host: "h1" } ] },
                { id: "S2", devices: [ { id: "d", profile: "booster", host: "h2" } ] },
                { id: "S3", devices: [
                    { id: "a", profile: "booster", host: "h3" },
                    { id: "b", profile: "booster", host: "h4", rules: [ { point: "outlet_pressure", rule: "high", limit: 0.7 } ] },
                    { id: "c", profile: "booster", host: "h5", rules: [ { point: "outlet_presure", rule: "high", limit: 0.7 } ] } ] },
                { id: "S4", rules: [ { point: "outlet_pressure", rule: "high", limit: 0.8 } ],
                  devices: [ { id: "d", profile: "booster", host: "h6" } ] },
            ] }
            """.write(to: folder.appendingPathComponent("config.json5"), atomically: true, encoding: .utf8)
        return try ConfigLoader.load(path: folder.appendingPathComponent("config.json5").path)
    }

    func highLimit(_ resolution: RuleResolution) -> Double? {
        guard case .limit(let condition)? = resolution.rules.rules.first?.condition else { return nil }
        return condition.limit
    }

    @Test func eachDeviceGetsItsRules() throws {
        let config = try load()
        var resolver = DeviceRuleResolver(config: config, timeZone: nil)
        let resolutions = config.devices.map { ("\($0.station.id)/\($0.config.id)", resolver.resolve($0)) }
        let profileRules = RuleResolver.resolve(profile: try #require(config.profiles["booster"]), profileFile: "booster")
        #expect(resolutions.map(\.0) == ["S1/d", "S2/d", "S3/a", "S3/b", "S3/c", "S4/d"])
        #expect(resolutions.map { highLimit($0.1) } == [0.6, 0.6, 0.6, 0.7, 0.6, 0.8])
        for (name, resolution) in resolutions where ["S1/d", "S2/d", "S3/a"].contains(name) {
            #expect(resolution.rules == profileRules.rules, "\(name)")
            #expect(resolution.problems.isEmpty, "\(name)")
        }
        let problems = resolutions[4].1.problems
        #expect(problems.map(\.path) == ["stations[2].devices[2].rules[0].point"])
        #expect(problems.map(\.file) == [config.file])
    }
}
