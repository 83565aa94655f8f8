// The transport options `read`, `scan` and `simulate` share:
//   --host H [--port P] [--framing tcp|rtu]      Modbus TCP, or RTU over TCP
//   --serial TTY [--baud 9600] [--parity none|even|odd] [--data-bits 8] [--stop-bits 1]

import Modbus

enum TransportOptions {
    static let names: Set<String> = ["host", "port", "framing", "serial", "baud", "parity", "data-bits", "stop-bits"]

    static let help = """
          --host HOST      device or serial server address (IP or name)
          --port N         TCP port (default 502)
          --framing F      tcp (Modbus TCP, default) or rtu (RTU over TCP: a transparent serial server)
          --serial TTY     a serial port instead (Modbus RTU), e.g. /dev/ttyUSB0
          --baud N         serial speed (default 9600)
          --parity P       none (default), even or odd
          --data-bits N    7 or 8 (default 8)
          --stop-bits N    1 (default) or 2
        """

    /// The serial line, when `--serial` (or `path`: the simulator's `--pty`) is given.
    static func serial(_ options: CommandLineArguments, path: String? = nil) throws(UsageError) -> SerialSettings? {
        guard let path = path ?? options.string("serial") else {
            for name in ["baud", "parity", "data-bits", "stop-bits"] where options.string(name) != nil {
                throw UsageError(message: "--\(name) needs --serial")
            }
            return nil
        }
        let baud = try options.integer("baud", default: 9600, range: 1...4_000_000)
        guard SerialSettings.bauds[baud] != nil else {
            throw UsageError(message: "--baud must be one of \(SerialSettings.bauds.keys.sorted().map(String.init).joined(separator: ", ")), not \(baud)")
        }
        let parityText = options.string("parity") ?? "none"
        guard let parity = SerialSettings.Parity(rawValue: parityText) else {
            throw UsageError(message: "--parity must be none, even or odd, not '\(parityText)'")
        }
        let dataBits = try options.integer("data-bits", default: 8, range: 7...8)
        let stopBits = try options.integer("stop-bits", default: 1, range: 1...2)
        return SerialSettings(path: path, baud: baud, parity: parity, dataBits: dataBits, stopBits: stopBits)
    }

    static func framing(_ options: CommandLineArguments) throws(UsageError) -> ModbusFraming {
        let text = options.string("framing") ?? "tcp"
        guard let framing = ModbusFraming(rawValue: text) else {
            throw UsageError(message: "--framing must be tcp or rtu, not '\(text)'")
        }
        return framing
    }

    /// Where requests go: `--serial`, or `--host` (required then).
    static func endpoint(_ options: CommandLineArguments) throws(UsageError) -> ModbusEndpoint {
        if let serial = try serial(options) {
            for name in ["host", "port", "framing"] where options.string(name) != nil {
                throw UsageError(message: "--\(name) and --serial exclude each other")
            }
            return .serial(serial)
        }
        guard let host = options.string("host"), !host.isEmpty else {
            throw UsageError(message: "--host or --serial is required")
        }
        let port = try options.integer("port", default: 502, range: 1...65535)
        return .tcp(host: host, port: port, framing: try framing(options))
    }
}
