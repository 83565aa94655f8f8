// Reads a gateway config, loads every profile it names, and validates the
// whole: all problems at once, each as FILE:LINE: path: message.

import Foundation

/// A device ready to poll: its config with defaults applied, and its profile.
public struct ResolvedDevice: Sendable {
    public var station: Station
    public var config: DeviceConfig
    public var profile: DeviceProfile
    public var port: Int
    public var unit: UInt8
    public var interval: Duration
    public var timeout: Duration
    public var pauseAfterConnect: Duration
    public var pauseBetweenRequests: Duration
    public var plan: ReadPlan
    /// Point groups with their own interval (the rest follow `interval`).
    public var pollGroups: [ResolvedPollGroup] = []
}

public struct ResolvedPollGroup: Sendable, Equatable {
    public var interval: Duration
    public var points: [String]
}

/// A config with its profiles loaded and every path made absolute.
public struct LoadedConfig: Sendable {
    public var file: String
    public var config: GatewayConfig
    /// Profiles by id, from the profiles folder.
    public var profiles: [String: DeviceProfile]
    public var devices: [ResolvedDevice]
    /// Absolute path of the SQLite store.
    public var storePath: String
}

public enum ConfigLoader {
    public static func load(path: String) throws(ProfileProblems) -> LoadedConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ProfileProblems([ProfileProblem(file: path, path: "", message: "cannot read the file (\(ProfileLoader.reason(error)))")])
        }
        let text = String(decoding: data, as: UTF8.self)
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let config: GatewayConfig
        do {
            config = try decoder.decode(GatewayConfig.self, from: data)
        } catch let error as DecodingError {
            throw ProfileProblems([ProfileLoader.problem(from: error, file: path, text: text)])
        } catch {
            throw ProfileProblems([ProfileProblem(file: path, path: "", message: "\(error)")])
        }

        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let profilesFolder = resolve(config.profiles ?? "DeviceProfiles", against: base)
        var problems: [ProfileProblem] = []
        let profiles = loadProfiles(in: profilesFolder, problems: &problems)
        let locator = TextLocator(text: text)

        func report(_ fieldPath: String, _ message: String, near needle: String? = nil) {
            problems.append(ProfileProblem(file: path, line: needle.flatMap(locator.line(containing:)), path: fieldPath, message: message))
        }

        if config.gateway.id.isEmpty { report("gateway.id", "must not be empty") }
        if config.stations.isEmpty { report("stations", "name at least one station") }
        var devices: [ResolvedDevice] = []
        var stationIds: Set<String> = []
        for (stationIndex, station) in config.stations.enumerated() {
            let stationPath = "stations[\(stationIndex)]"
            if station.id.isEmpty { report("\(stationPath).id", "must not be empty") }
            if !stationIds.insert(station.id).inserted {
                report("\(stationPath).id", "duplicate station id '\(station.id)'", near: "\"\(station.id)\"")
            }
            var deviceIds: Set<String> = []
            for (deviceIndex, device) in station.devices.enumerated() {
                let devicePath = "\(stationPath).devices[\(deviceIndex)]"
                let near = "\"\(device.id)\""
                if device.id.isEmpty { report("\(devicePath).id", "must not be empty") }
                if !deviceIds.insert(device.id).inserted {
                    report("\(devicePath).id", "duplicate device id '\(device.id)' in station '\(station.id)'", near: near)
                }
                let port = device.port ?? 502
                if !(1...65535).contains(port) { report("\(devicePath).port", "must be 1-65535, not \(port)", near: near) }
                let unit = device.unit ?? 1
                if !(0...255).contains(unit) { report("\(devicePath).unit", "must be 0-255, not \(unit)", near: near) }
                if device.host.isEmpty { report("\(devicePath).host", "must not be empty", near: near) }

                func duration(_ key: String, _ text: String?, default fallback: Duration) -> Duration {
                    guard let text else { return fallback }
                    guard let value = DurationText.parse(text) else {
                        report("\(devicePath).\(key)", "'\(text)' is not a duration such as 500ms, 1s or 5m", near: near)
                        return fallback
                    }
                    return value
                }
                let interval = duration("interval", device.interval, default: .seconds(1))
                let timeout = duration("timeout", device.timeout, default: .milliseconds(500))
                let pauseAfterConnect = duration("pauseAfterConnect", device.pauseAfterConnect, default: .zero)
                let pauseBetweenRequests = duration("pauseBetweenRequests", device.pauseBetweenRequests, default: .zero)
                if interval <= .zero { report("\(devicePath).interval", "must be more than 0", near: near) }
                if timeout <= .zero || timeout >= interval {
                    report("\(devicePath).timeout", "\(device.timeout ?? "500ms") must be more than 0 and less than the interval (\(device.interval ?? "1s"))", near: near)
                }
                if let maxRegisters = device.maxRegisters, !(1...125).contains(maxRegisters) {
                    report("\(devicePath).maxRegisters", "must be 1-125, not \(maxRegisters)", near: near)
                }
                if let maxGap = device.maxGap, maxGap < 0 {
                    report("\(devicePath).maxGap", "must be 0 or more, not \(maxGap)", near: near)
                }
                guard let profile = profiles[device.profile] else {
                    let known = profiles.keys.sorted().joined(separator: ", ")
                    report("\(devicePath).profile", "no profile '\(device.profile)' in \(profilesFolder) (found: \(known.isEmpty ? "none" : known))", near: "\"\(device.profile)\"")
                    continue
                }
                let plan = ReadPlan(profile: profile, maxGap: device.maxGap, maxRegisters: device.maxRegisters)
                var groups: [ResolvedPollGroup] = []
                var grouped: Set<String> = []
                let names = Set(profile.points.map(\.name))
                for (groupIndex, group) in (device.pollGroups ?? []).enumerated() {
                    let groupPath = "\(devicePath).pollGroups[\(groupIndex)]"
                    guard let groupInterval = DurationText.parse(group.interval), groupInterval > .zero else {
                        report("\(groupPath).interval", "'\(group.interval)' is not a duration such as 60s", near: near)
                        continue
                    }
                    if group.points.isEmpty { report("\(groupPath).points", "name at least one point", near: near) }
                    for name in group.points {
                        if !names.contains(name) {
                            report("\(groupPath).points", "profile '\(profile.profile)' has no point '\(name)'", near: "\"\(name)\"")
                        } else if !grouped.insert(name).inserted {
                            report("\(groupPath).points", "'\(name)' is already in another poll group", near: near)
                        }
                    }
                    groups.append(ResolvedPollGroup(interval: groupInterval, points: group.points))
                }
                devices.append(ResolvedDevice(station: station, config: device, profile: profile, port: port,
                                              unit: UInt8(clamping: unit), interval: interval, timeout: timeout,
                                              pauseAfterConnect: pauseAfterConnect,
                                              pauseBetweenRequests: pauseBetweenRequests, plan: plan,
                                              pollGroups: groups))
            }
        }
        if let feed = config.feed, let precision = feed.precision, !["s", "ms", "us", "ns"].contains(precision) {
            report("feed.precision", "must be s, ms, us or ns, not '\(precision)'", near: "precision")
        }
        if let store = config.store {
            if let retention = store.retention, DurationText.parse(retention) == nil {
                report("store.retention", "'\(retention)' is not a duration such as 30d", near: "retention")
            }
            if let synchronous = store.synchronous, !["normal", "full"].contains(synchronous) {
                report("store.synchronous", "must be normal or full, not '\(synchronous)'", near: "synchronous")
            }
        }
        if !problems.isEmpty { throw ProfileProblems(problems) }
        let storePath = resolve(config.store?.path ?? "var/pumpgw.db", against: base)
        return LoadedConfig(file: path, config: config, profiles: profiles, devices: devices, storePath: storePath)
    }

    /// Every `*.json5` profile in `folder`, by profile id.
    static func loadProfiles(in folder: String, problems: inout [ProfileProblem]) -> [String: DeviceProfile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json5") }.sorted()
        } catch {
            problems.append(ProfileProblem(file: folder, path: "profiles", message: "cannot read the profiles folder (\(ProfileLoader.reason(error)))"))
            return [:]
        }
        var profiles: [String: DeviceProfile] = [:]
        var fileOfProfile: [String: String] = [:]
        for name in names {
            let file = (folder as NSString).appendingPathComponent(name)
            do {
                let profile = try ProfileLoader.load(path: file)
                if let other = fileOfProfile[profile.profile] {
                    problems.append(ProfileProblem(file: file, path: "profile", message: "profile id '\(profile.profile)' is also used by \(other)"))
                }
                profiles[profile.profile] = profile
                fileOfProfile[profile.profile] = file
            } catch {
                problems += error.problems
            }
        }
        return profiles
    }

    static func resolve(_ path: String, against base: URL) -> String {
        if path.hasPrefix("/") { return path }
        return base.appendingPathComponent(path).standardizedFileURL.path
    }
}

/// Finds the first line holding a piece of text (config problems point there).
struct TextLocator {
    let lines: [Substring]

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func line(containing needle: String) -> Int? {
        lines.firstIndex { $0.contains(needle) }.map { $0 + 1 }
    }
}
