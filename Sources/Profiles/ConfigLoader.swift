// Reads a gateway config, loads every profile of its profiles folder, and
// validates the whole: syntax, shape (unknown keys in every section, missing
// keys, value types), then meaning (ids, ranges, durations, profiles named),
// all problems in one pass, each as FILE:LINE: path: message.

import Foundation
import Modbus

/// A device ready to poll: its config with defaults applied, and its profile.
public struct ResolvedDevice: Sendable {
    public var station: Station
    public var config: DeviceConfig
    public var profile: DeviceProfile
    public var port: Int
    public var unit: UInt8
    public var interval: Duration
    /// Its request options (timeout, pause between requests), handed whole
    /// to the Modbus client that serves it.
    public var requests: PollOptions
    public var pauseAfterConnect: Duration
    public var plan: ReadPlan
    /// Point groups with their own interval (the rest follow `interval`).
    public var pollGroups: [ResolvedPollGroup] = []
    /// The RS-485 bus the device is on (nil: a TCP endpoint, `config.host`).
    public var bus: ResolvedBus?
    /// Where it stands in the config, e.g. "stations[0].devices[1]", and its station ("stations[0]").
    public var path = ""
    public var stationPath = ""
}

extension ResolvedDevice {
    /// The request timeout, as checked: for the guards that compare it (boosts).
    public var timeout: Duration { requests.timeout ?? PollOptions.defaultTimeout }
}

public struct ResolvedPollGroup: Sendable, Equatable {
    public var interval: Duration
    public var points: [String]
}

/// A config with its profiles loaded and every path made absolute.
public struct LoadedConfig: Sendable {
    public var file: String
    public var config: GatewayConfig
    /// The profiles the devices name, by id, from the profiles folder.
    public var profiles: [String: DeviceProfile]
    /// The file each profile was read from, by profile id.
    public var profileFiles: [String: String] = [:]
    public var devices: [ResolvedDevice]
    /// Things `check` says that do not stop the gateway (a bus no device uses).
    public var warnings: [ConfigProblem] = []
    /// The wire time of one cycle of every bus and RTU-over-TCP endpoint (`check` prints them).
    public var busLoads: [BusLoad] = []
    /// Absolute path of the SQLite store.
    public var storePath: String
    /// The text of the config and of each profile read, by file path, as
    /// it was read: later checks (rules, feed) find the line of a path
    /// here, never by reading a file again.
    var texts: [String: [UInt8]] = [:]

    /// `problems` of the config and its profiles with their lines filled in.
    public func locating(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        ConfigProblems.locating(problems, texts: texts)
    }
}

public enum ConfigLoader {
    /// Reads and checks the config at `path`; `sections` are the other
    /// modules' checks of their sections, and `devices` their checks of the
    /// resolved devices (the rules), run in the same pass.
    public static func load(path: String, sections: [SectionCheck] = [], devices deviceChecks: [DeviceCheck] = [])
        throws(ConfigProblems) -> LoadedConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigProblems([ConfigProblem(file: path, path: "", message: "cannot read the file (\(ProfileLoader.reason(error)))")])
        }
        return try load(data: data, file: path, sections: sections, devices: deviceChecks)
    }

    /// Reads and validates a config from `data`; `path` names it in problems
    /// and locates the profiles folder (relative to the config's folder).
    public static func load(data: Data, file path: String, sections: [SectionCheck] = [],
                            devices deviceChecks: [DeviceCheck] = []) throws(ConfigProblems) -> LoadedConfig {
        let document = try JSONDocument.parse(data, file: path)
        var checks = ConfigChecks(document: document)
        checks.problems = document.shapeProblems(FileShapes.config)
        let bad = ProblemPaths(checks.problems)
        let tree = document.tree

        // The profiles folder, named relative to the config as written (for messages) and absolute.
        let folderText = bad.contains(under: "profiles") ? "DeviceProfiles" : tree["profiles"]?.string ?? "DeviceProfiles"
        let configDirectory = (path as NSString).deletingLastPathComponent
        let folder = ProfileFolder.locate(folderText, relativeTo: configDirectory)
        var profileProblems: [ConfigProblem] = []
        var profiles: [String: DeviceProfile]?
        var profileFiles: [String: String] = [:]
        var texts: [String: [UInt8]] = [path: [UInt8](data)]
        let named = Set((tree["stations"]?.array ?? []).flatMap { station in
            (station["devices"]?.array ?? []).compactMap { $0["profile"]?.string }
        })
        do {
            profiles = try loadProfiles(named, in: folder, problems: &profileProblems, files: &profileFiles,
                                        texts: &texts)
        } catch {
            checks.report("profiles", "cannot read the profiles folder \(folder) (\(ProfileLoader.reason(error)))")
        }

        let devices = checks.checkStations(tree, bad: bad, profiles: profiles, folder: folderText)
        let busLoads = checks.checkBusLoads(devices)
        checks.checkSections(tree, bad: bad)
        let directory = URL(fileURLWithPath: configDirectory)
        for section in sections {
            guard let value = tree[section.key] else { continue }
            for (problemPath, message) in section.check(value, directory, !bad.contains(under: section.key)) {
                checks.report(problemPath, message)
            }
        }

        let resolved = ResolvedDevices(file: path, stations: checks.stations, devices: devices, profileFiles: profileFiles,
                                       timeZone: bad.contains(under: "gateway") ? nil : tree["gateway"]?["timeZone"]?.string)
        let later = deviceChecks.flatMap { $0.check(resolved) }
        let problems = profileProblems + ConfigProblems.ordered(checks.problems + ConfigProblems.locating(later, texts: texts))
        guard problems.isEmpty else { throw ConfigProblems(problems) }
        let config: GatewayConfig
        do {
            config = try JSONValueDecoder.decode(GatewayConfig.self, from: tree)
        } catch {
            throw ConfigProblems([ConfigProblem(file: path, path: "", message: "cannot decode the config (\(error))")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let storePath = resolve(config.store?.path ?? "var/pumpgw.db", against: base)
        return LoadedConfig(file: path, config: config, profiles: profiles ?? [:], profileFiles: profileFiles,
                            devices: devices, warnings: checks.warnings, busLoads: busLoads, storePath: storePath, texts: texts)
    }

    /// True when `data` parses and has a top-level `stations` key (a profile
    /// has `points`). Safe on any bytes: it goes through `JSONDocument`.
    public static func isGatewayConfig(_ data: Data) -> Bool {
        guard let document = try? JSONDocument.parse(data, file: "") else { return false }
        return document.tree["stations"] != nil
    }

    /// The profiles `named` by the devices, by id, from the `*.json5` files
    /// of `folder`; the others are never read (an unused file costs nothing,
    /// however large). A profile is looked for first in the file named after
    /// it (`ID.json5`, as shipped), then in the folder's other files, one by
    /// one, until every named id is found. Throws when the folder cannot be read.
    static func loadProfiles(_ named: Set<String>, in folder: String, problems: inout [ConfigProblem],
                             files fileOfProfile: inout [String: String], texts: inout [String: [UInt8]])
        throws -> [String: DeviceProfile] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json5") }.sorted()
        var profiles: [String: DeviceProfile] = [:]
        var read: Set<String> = []
        func load(_ name: String) {
            guard read.insert(name).inserted else { return }
            let file = (folder as NSString).appendingPathComponent(name)
            do {
                let (profile, text) = try ProfileLoader.loadWithText(path: file)
                texts[file] = text
                if let other = fileOfProfile[profile.profile] {
                    problems.append(ConfigProblem(file: file, path: "profile", message: "profile id '\(profile.profile)' is also used by \(other)"))
                }
                profiles[profile.profile] = profile
                fileOfProfile[profile.profile] = file
            } catch {
                // A broken file matters when it may hold a named profile:
                // its own name, or any file while a named id is still missing.
                problems += error.problems
            }
        }
        for id in named.sorted() where names.contains(id + ".json5") { load(id + ".json5") }
        for name in names where !named.isSubset(of: Set(profiles.keys)) { load(name) }
        return profiles
    }

    static func resolve(_ path: String, against base: URL) -> String {
        ConfigPath.resolve(path, against: base)
    }
}

/// Paths in a config (store, feed file, token file, profiles) are relative
/// to the config's folder: one rule for all of them.
public enum ConfigPath {
    /// `path` as is when absolute, else under `base`, with `.` and `..` resolved.
    public static func resolve(_ path: String, against base: URL) -> String {
        if path.hasPrefix("/") { return path }
        return base.appendingPathComponent(path).standardizedFileURL.path
    }
}
