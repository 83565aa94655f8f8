// The meaning checks of a gateway config, run on the parts of its tree that
// passed the shape check: unique ids, ports and unit ids in range, durations
// that parse, timeouts below intervals, the profile each device names, and
// read workarounds that fit the Modbus limits.

import Foundation
import Modbus

struct ConfigChecks {
    let document: JSONDocument
    var problems: [ConfigProblem] = []
    /// Read plans made so far: devices that share a profile and its workarounds share a plan.
    private var plans: [PlanKey: ReadPlan] = [:]
    /// Unit ids on each RTU-over-TCP endpoint ("host:port unit"), with the path of the device that has it.
    private var rtuUnits: [String: String] = [:]
    /// The buses declared, and the unit ids used on each.
    var busRegistry = BusRegistry()
    /// Things worth saying that do not stop the gateway (an unused bus).
    var warnings: [ConfigProblem] = []
    /// The stations whose own fields and rules are sound, for the rules' check.
    var stations: [ResolvedStation] = []

    private struct PlanKey: Hashable {
        var profile: String
        var maxGap: Int?
        var maxRegisters: Int?
        var onePerPoint: Bool?
    }

    init(document: JSONDocument) {
        self.document = document
    }

    mutating func report(_ path: String, _ message: String) {
        problems.append(ConfigProblem(file: document.file, line: document.line(path), path: path, message: message))
    }

    mutating func warn(_ path: String, _ message: String) {
        warnings.append(ConfigProblem(file: document.file, line: document.line(path), path: path, message: "warning: " + message))
    }

    /// Checks every station and device; returns the devices that are ready to poll.
    /// `profiles` is nil when the folder could not be read (then no device is resolved).
    mutating func checkStations(_ tree: JSONValue, bad: ProblemPaths, profiles: [String: DeviceProfile]?,
                                folder: String) -> [ResolvedDevice] {
        if let id = tree["gateway"]?["id"]?.string, id.isEmpty { report("gateway.id", "must not be empty") }
        if let zone = tree["gateway"]?["timeZone"]?.string, TimeZone(identifier: zone) == nil {
            report("gateway.timeZone", "'\(zone)' is not an IANA time zone such as Asia/Shanghai")
        }
        checkBuses(tree, bad: bad)
        defer { warnUnusedBuses() }
        guard let stations = tree["stations"]?.array else { return [] }
        if stations.isEmpty { report("stations", "name at least one station") }
        var devices: [ResolvedDevice] = []
        var stationLines: [String: String] = [:]
        for (stationIndex, stationValue) in stations.enumerated() {
            let stationPath = "stations[\(stationIndex)]"
            if let id = stationValue["id"]?.string {
                if id.isEmpty { report("\(stationPath).id", "must not be empty") }
                if let first = stationLines[id] {
                    report("\(stationPath).id", "duplicate station id '\(id)' (first used by \(first))")
                } else {
                    stationLines[id] = stationPath
                }
            }
            devices += checkDevices(of: stationValue, path: stationPath, bad: bad, profiles: profiles, folder: folder)
            checkIntensive(stationValue, path: stationPath)
        }
        return devices
    }

    /// The devices of the station at `stationPath`, resolved where they can
    /// be; the station is recorded in `stations` when its own fields are sound.
    mutating func checkDevices(of stationValue: JSONValue, path stationPath: String, bad: ProblemPaths,
                               profiles: [String: DeviceProfile]?, folder: String) -> [ResolvedDevice] {
        let stationSound = !bad.contains(under: "\(stationPath).id") && !bad.contains(under: "\(stationPath).tags")
            && !bad.contains(under: "\(stationPath).name")
        let station = Station(id: stationValue["id"]?.string ?? "", name: stationValue["name"]?.string,
                              tags: stationValue["tags"].flatMap { JSONDocument.decode([String: String].self, from: $0) },
                              rules: stationValue["rules"].flatMap { JSONDocument.decode([JSONValue].self, from: $0) },
                              devices: [])
        var devices: [ResolvedDevice] = []
        var deviceIds: [String: String] = [:]
        let values = stationValue["devices"]?.array ?? []
        for (deviceIndex, deviceValue) in values.enumerated() {
            let devicePath = "\(stationPath).devices[\(deviceIndex)]"
            if let id = deviceValue["id"]?.string {
                if let first = deviceIds[id] {
                    report("\(devicePath).id", "duplicate device id '\(id)' in this station (first used by \(first))")
                } else {
                    deviceIds[id] = devicePath
                }
            }
            guard stationSound, !bad.contains(under: devicePath),
                  let device = JSONDocument.decode(DeviceConfig.self, from: deviceValue) else { continue }
            if var resolved = check(device, path: devicePath, station: station, profiles: profiles, folder: folder) {
                resolved.path = devicePath
                resolved.stationPath = stationPath
                devices.append(resolved)
            }
        }
        if stationSound, !bad.contains(under: "\(stationPath).rules") {
            stations.append(ResolvedStation(path: stationPath, station: station, complete: devices.count == values.count))
        }
        return devices
    }

    /// One device's values; the resolved device when its profile exists.
    mutating func check(_ device: DeviceConfig, path: String, station: Station, profiles: [String: DeviceProfile]?,
                        folder: String) -> ResolvedDevice? {
        if device.id.isEmpty { report("\(path).id", "must not be empty") }
        if device.host?.isEmpty == true { report("\(path).host", "must not be empty") }
        let bus = checkTransport(of: device, path: path)
        let port = device.port ?? 502
        let unit = device.unit ?? 1
        if device.bus == nil {
            if !(1...65535).contains(port) { report("\(path).port", "must be 1-65535, not \(port)") }
            checkUnit(unit, of: device, port: port, path: path)
            checkFraming(of: device, port: port, path: path)
        }

        let interval = duration(device.interval, "\(path).interval", default: .seconds(1))
        let timeout = duration(device.timeout, "\(path).timeout", default: PollOptions.defaultTimeout)
        let pauseAfterConnect = duration(device.pauseAfterConnect, "\(path).pauseAfterConnect", default: .zero)
        let pauseBetweenRequests = duration(device.pauseBetweenRequests, "\(path).pauseBetweenRequests", default: .zero)
        if let interval, interval <= .zero { report("\(path).interval", "must be more than 0") }
        if let interval, let timeout, interval > .zero, timeout <= .zero || timeout >= interval {
            report("\(path).timeout", "\(device.timeout ?? "500ms") must be more than 0 and less than the interval (\(device.interval ?? "1s"))")
        }
        checkMinInterval(device, profile: profiles?[device.profile], path: path)
        for (field, message) in ProfileValidator.readLimitProblems(maxRegisters: device.maxRegisters, maxGap: device.maxGap) {
            report("\(path).\(field)", message)
        }
        guard let profiles else { return nil }
        guard let profile = profiles[device.profile] else {
            let known = profiles.keys.sorted()
            var message = "no profile '\(device.profile)' in \(folder)"
            if let guess = ShapeChecker.suggestion(for: device.profile, among: known) {
                message += "; did you mean '\(guess)'?"
            } else {
                message += " (found: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
            }
            report("\(path).profile", message)
            return nil
        }
        if let maxRegisters = device.maxRegisters, (1...ProfileValidator.maxRegistersPerRead).contains(maxRegisters),
           let widest = profile.points.filter({ !$0.register.holdsBits }).max(by: { $0.width < $1.width }),
           widest.width > maxRegisters {
            report("\(path).maxRegisters", "\(maxRegisters) is less than the \(widest.width) registers of '\(widest.name)' (\(widest.type.rawValue)) in profile \(profile.profile)")
        }
        let plan = plan(for: device, profile: profile)
        let groups = checkPollGroups(device.pollGroups ?? [], path: path, profile: profile)
        return ResolvedDevice(station: station, config: device, profile: profile, port: port,
                              unit: UInt8(clamping: unit), interval: interval ?? .seconds(1),
                              requests: PollOptions(timeout: timeout ?? PollOptions.defaultTimeout,
                                                    pauseBetweenRequests: pauseBetweenRequests ?? .zero),
                              pauseAfterConnect: pauseAfterConnect ?? .zero, plan: plan, pollGroups: groups,
                              bus: bus)
    }

    /// Unit ids the framing can address: Modbus TCP 0-255, but 248-254 only
    /// with `allowReservedUnit` (most devices and converters refuse them);
    /// RTU 1-247 (0 is broadcast, which gets no reply), once per endpoint.
    mutating func checkUnit(_ unit: Int, of device: DeviceConfig, port: Int, path: String) {
        if device.framing == "rtu" {
            if !(1...247).contains(unit) {
                report("\(path).unit", "must be 1-247 with framing rtu (0 is broadcast, 248-255 are reserved), not \(unit)")
            }
            let host = device.host ?? ""
            let key = "\(host):\(port) unit \(unit)"
            if let first = rtuUnits[key] {
                report("\(path).unit", "unit \(unit) on \(host):\(port) is already \(first)'s: one RTU line cannot tell two devices with one id apart")
            } else {
                rtuUnits[key] = path
            }
        } else if !(0...255).contains(unit) {
            report("\(path).unit", "must be 0-255, not \(unit)")
        } else if (248...254).contains(unit), device.allowReservedUnit != true {
            report("\(path).unit", "\(unit) is a reserved unit id (248-254) that most devices refuse; if this device or converter uses it, add allowReservedUnit: true")
        }
        if device.allowReservedUnit != nil, device.framing == "rtu" {
            report("\(path).allowReservedUnit", "applies to Modbus TCP only: RTU cannot address 248-254")
        }
    }

    mutating func plan(for device: DeviceConfig, profile: DeviceProfile) -> ReadPlan {
        let key = PlanKey(profile: profile.profile, maxGap: device.maxGap, maxRegisters: device.maxRegisters,
                          onePerPoint: device.onePerPoint)
        if let plan = plans[key] { return plan }
        let plan = ReadPlan(profile: profile, maxGap: device.maxGap, maxRegisters: device.maxRegisters,
                            onePerPoint: device.onePerPoint)
        plans[key] = plan
        return plan
    }

    /// Poll groups: a valid interval, points the profile has, each point in one group at most.
    mutating func checkPollGroups(_ groups: [PollGroupConfig], path: String, profile: DeviceProfile) -> [ResolvedPollGroup] {
        guard !groups.isEmpty else { return [] }
        var resolved: [ResolvedPollGroup] = []
        var grouped: Set<String> = []
        let names = Set(profile.points.map(\.name))
        for (index, group) in groups.enumerated() {
            let groupPath = "\(path).pollGroups[\(index)]"
            if group.points.isEmpty { report("\(groupPath).points", "name at least one point") }
            for name in group.points {
                if !names.contains(name) {
                    var message = "profile '\(profile.profile)' has no point '\(name)'"
                    if let guess = ShapeChecker.suggestion(for: name, among: names.sorted()) { message += "; did you mean '\(guess)'?" }
                    report("\(groupPath).points", message)
                } else if !grouped.insert(name).inserted {
                    report("\(groupPath).points", "'\(name)' is already in another poll group")
                }
            }
            guard let interval = duration(group.interval, "\(groupPath).interval", default: .seconds(60)) else { continue }
            if interval <= .zero { report("\(groupPath).interval", "must be more than 0") }
            resolved.append(ResolvedPollGroup(interval: interval, points: group.points))
        }
        return resolved
    }

    /// A history policy: deadband 0 or more, heartbeat a duration.
    mutating func checkHistoryPolicy(_ policy: JSONValue, path: String) {
        if let deadband = policy["deadband"]?.number, deadband < 0 {
            report("\(path).deadband", "must be 0 or more, not \(ShapeChecker.formatNumber(deadband))")
        }
        if let heartbeat = policy["heartbeat"]?.string, (DurationText.parse(heartbeat) ?? .zero) <= .zero {
            report("\(path).heartbeat", "'\(heartbeat)' is not a duration such as 15m")
        }
    }

    /// A duration, its default when absent, nil (reported) when it does not parse.
    mutating func duration(_ text: String?, _ path: String, default fallback: Duration) -> Duration? {
        guard let text else { return fallback }
        guard let value = DurationText.parse(text) else {
            report(path, "'\(text)' is not a duration such as 500ms, 1s or 5m")
            return nil
        }
        return value
    }

    /// The store and feed sections.
    mutating func checkSections(_ tree: JSONValue, bad: ProblemPaths) {
        if let retention = tree["store"]?["retention"]?.string, DurationText.parse(retention) == nil {
            report("store.retention", "'\(retention)' is not a duration such as 30d")
        }
        if let size = tree["store"]?["maxSizeMB"]?.number, size <= 0 {
            report("store.maxSizeMB", "must be more than 0, not \(ShapeChecker.formatNumber(size))")
        }
        if let path = tree["store"]?["path"]?.string, path.isEmpty { report("store.path", "must not be empty") }
        if let history = tree["store"]?["history"] {
            checkHistoryPolicy(history, path: "store.history")
            if case .object(let points)? = history["points"] {
                for (name, policy) in points.sorted(by: { $0.key < $1.key }) {
                    checkHistoryPolicy(policy, path: "store.history.points.\(name)")
                }
            }
        }
        for key in ["batchSize", "outboxMaxLines"] {
            if let value = tree["feed"]?[key]?.integer, value < 1, !bad.contains(under: "feed.\(key)") {
                report("feed.\(key)", "must be 1 or more, not \(value)")
            }
        }
        if tree["feed"]?["tokenEnv"]?.string != nil && tree["feed"]?["tokenFile"]?.string != nil {
            report("feed.tokenFile", "give tokenEnv or tokenFile, not both")
        }
    }

}
