// RS-485 buses: a serial port on the box shared by the RTU devices that
// name it (`bus: "rs485-1"`). Declared once under `buses`, checked here:
// settings a port can take, one bus per port, and on each bus unit ids
// that RTU can address, once each (two devices with one id on one line
// answer together and neither reading can be trusted).

import Foundation

/// `buses[]` as written in the config.
public struct BusConfig: Codable, Sendable, Equatable {
    /// Named by the devices' `bus` key, e.g. "rs485-1".
    public var id: String
    /// The serial device, e.g. "/dev/ttyUSB0" (better: a udev symlink by serial number).
    public var port: String
    /// Default 9600.
    public var baud: Int?
    /// "none" (default), "even" or "odd".
    public var parity: String?
    /// 7 or 8 (default 8).
    public var dataBits: Int?
    /// 1 (default) or 2.
    public var stopBits: Int?

    public init(id: String, port: String, baud: Int? = nil, parity: String? = nil, dataBits: Int? = nil, stopBits: Int? = nil) {
        self.id = id
        self.port = port
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
    }
}

/// A bus with its defaults applied and its values checked.
public struct ResolvedBus: Sendable, Hashable {
    public var id: String
    public var port: String
    public var baud: Int
    /// "none", "even" or "odd".
    public var parity: String
    public var dataBits: Int
    public var stopBits: Int

    public init(id: String, port: String, baud: Int, parity: String, dataBits: Int, stopBits: Int) {
        self.id = id
        self.port = port
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
    }

    /// Baud rates a serial port can be set to (termios; SerialSettings.bauds agrees).
    public static let bauds = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400]

    /// "9600 8N1": how field engineers name a line's settings.
    public var summary: String { "\(baud) \(dataBits)\(parity.prefix(1).uppercased())\(stopBits)" }

    /// The typed bus of `config`, or the problems of its fields as (field, message).
    static func make(_ config: BusConfig) -> (bus: ResolvedBus?, problems: [(field: String, message: String)]) {
        var problems: [(field: String, message: String)] = []
        if config.id.isEmpty { problems.append(("id", "must not be empty")) }
        if config.port.isEmpty { problems.append(("port", "must not be empty")) }
        let baud = config.baud ?? 9600
        if !bauds.contains(baud) {
            problems.append(("baud", "\(baud) is not a baud rate a serial port can be set to (\(bauds.map(String.init).joined(separator: ", ")))"))
        }
        let dataBits = config.dataBits ?? 8
        if ![7, 8].contains(dataBits) { problems.append(("dataBits", "must be 7 or 8, not \(dataBits)")) }
        let stopBits = config.stopBits ?? 1
        if ![1, 2].contains(stopBits) { problems.append(("stopBits", "must be 1 or 2, not \(stopBits)")) }
        guard problems.isEmpty else { return (nil, problems) }
        return (ResolvedBus(id: config.id, port: config.port, baud: baud, parity: config.parity ?? "none",
                            dataBits: dataBits, stopBits: stopBits), [])
    }
}

/// What the bus checks know while the devices are checked.
struct BusRegistry {
    /// Buses that passed their checks, by id.
    var buses: [String: ResolvedBus] = [:]
    /// Every declared bus id (also the broken ones: a device naming one is not "unknown").
    var declared: [String: String] = [:]
    /// Declared bus ids in file order.
    var order: [String] = []
    /// Unit ids on each bus ("bus unit"), with the path of the device that has it.
    var units: [String: String] = [:]
    /// Bus ids some device names.
    var used: Set<String> = []
    /// The framing of each TCP endpoint ("host:port"), with the path of the first device behind it.
    var framings: [String: (framing: String, path: String)] = [:]
}

extension ConfigChecks {
    /// `buses`: each typed by `ResolvedBus.make`, ids unique, one bus per port.
    mutating func checkBuses(_ tree: JSONValue, bad: ProblemPaths) {
        var ports: [String: String] = [:]
        for (index, value) in (tree["buses"]?.array ?? []).enumerated() {
            let path = "buses[\(index)]"
            guard let id = value["id"]?.string else { continue }
            if let first = busRegistry.declared[id] {
                report("\(path).id", "duplicate bus id '\(id)' (first used by \(first))")
                continue
            }
            busRegistry.declared[id] = path
            busRegistry.order.append(id)
            if let port = value["port"]?.string, !port.isEmpty {
                // A udev name and the device it links to are one port: compare where they lead.
                let device = Self.realPath(port)
                if let first = ports[device] {
                    let alias = device == port ? "" : " (a link to \(device))"
                    report("\(path).port", "\(port)\(alias) is already the port of \(first): one serial port is one bus; put its devices on that bus")
                } else {
                    ports[device] = "bus '\(id)' (buses[\(index)].port)"
                }
            }
            guard !bad.contains(under: path), let config = JSONDocument.decode(BusConfig.self, from: value) else { continue }
            let (bus, problems) = ResolvedBus.make(config)
            for problem in problems { report("\(path).\(problem.field)", problem.message) }
            if let bus { busRegistry.buses[id] = bus }
        }
    }

    /// Where `path` leads once symlinks are followed; `path` itself when it does not exist (yet).
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// One framing per TCP endpoint: the gateway opens one connection per
    /// host:port, so Modbus TCP and RTU over TCP cannot share one.
    mutating func checkFraming(of device: DeviceConfig, port: Int, path: String) {
        guard let host = device.host else { return }
        let key = "\(host):\(port)", framing = device.framing ?? "tcp"
        guard let first = busRegistry.framings[key] else {
            busRegistry.framings[key] = (framing, path)
            return
        }
        if first.framing != framing {
            report("\(path).framing", "\(key) is \(first.framing == "rtu" ? "RTU over TCP" : "Modbus TCP") for \(first.path) (framing \"\(first.framing)\"): one endpoint is one connection with one framing")
        }
    }

    /// A device's transport: `host` or `bus`, one of them; on a bus an RTU
    /// unit id (1-247) that no other device of that bus has. Returns the bus.
    mutating func checkTransport(of device: DeviceConfig, path: String) -> ResolvedBus? {
        guard let name = device.bus else {
            if device.host == nil { report(path, "name the device's line: host (Modbus TCP, or RTU over TCP) or bus (an RS-485 bus of buses)") }
            return nil
        }
        if device.host != nil {
            report("\(path).bus", "give bus or host, not both: a device is on a serial bus or behind a TCP endpoint")
            return nil
        }
        for key in ["port", "framing", "allowReservedUnit"] where device.hasTCPField(key) {
            report("\(path).\(key)", "applies to a host device only: a bus device is RTU on its bus's port")
        }
        busRegistry.used.insert(name)
        guard busRegistry.declared[name] != nil else {
            let known = busRegistry.declared.keys.sorted()
            var message = "no bus '\(name)' in buses"
            if let guess = ShapeChecker.suggestion(for: name, among: known) {
                message += "; did you mean '\(guess)'?"
            } else {
                message += " (declared: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
            }
            report("\(path).bus", message)
            return nil
        }
        let unit = device.unit ?? 1
        if !(1...247).contains(unit) {
            report("\(path).unit", "must be 1-247 on a bus (0 is broadcast, 248-255 are reserved), not \(unit)")
        } else if let first = busRegistry.units["\(name) \(unit)"] {
            report("\(path).unit", "unit \(unit) on bus \(name) is already \(first)'s: one RTU line cannot tell two devices with one id apart")
        } else {
            busRegistry.units["\(name) \(unit)"] = path
        }
        return busRegistry.buses[name]
    }

    /// A bus that no device names: polled by nobody, probably a typo.
    mutating func warnUnusedBuses() {
        for id in busRegistry.order where !busRegistry.used.contains(id) {
            warn("\(busRegistry.declared[id] ?? "buses").id", "bus '\(id)' is used by no device")
        }
    }
}

extension ConfigChecks {
    /// The load of every bus and RTU-over-TCP endpoint (in file order);
    /// a bus whose cycle does not fit its interval is refused.
    mutating func checkBusLoads(_ devices: [ResolvedDevice]) -> [BusLoad] {
        var loads: [BusLoad] = []
        for id in busRegistry.order {
            let onBus = devices.filter { $0.bus?.id == id }
            guard let bus = busRegistry.buses[id], !onBus.isEmpty else { continue }
            let load = BusLoad.of(bus: bus, devices: onBus)
            if load.overloaded { report(busRegistry.declared[id] ?? "buses", "\(id): \(load.refusal)") }
            loads.append(load)
        }
        var endpoints: [String] = []
        for device in devices where device.bus == nil && device.config.framing == "rtu" {
            let key = "\(device.config.host ?? ""):\(device.port)"
            if !endpoints.contains(key) { endpoints.append(key) }
        }
        for key in endpoints {
            let behind = devices.filter { $0.bus == nil && $0.config.framing == "rtu" && "\($0.config.host ?? ""):\($0.port)" == key }
            loads.append(BusLoad(name: key, settings: nil, devices: behind.count,
                                 requests: behind.map(\.plan.blocks.count).reduce(0, +), wireTime: nil,
                                 interval: behind.map(\.interval).min() ?? .seconds(1)))
        }
        return loads
    }
}

extension DeviceConfig {
    /// True when the TCP-only `key` is set.
    func hasTCPField(_ key: String) -> Bool {
        switch key {
        case "port": return port != nil
        case "framing": return framing != nil
        default: return allowReservedUnit != nil
        }
    }
}
