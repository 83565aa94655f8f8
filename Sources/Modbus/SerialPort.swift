// A serial port for Modbus RTU: opened exclusively (TIOCEXCL and flock, so
// neither a second gateway nor a terminal program shares the bus), raw,
// non-blocking, with the line settings applied through termios.

import Sockets
#if canImport(Glibc)
import Glibc
#endif

public struct SerialSettings: Sendable, Hashable {
    public enum Parity: String, Sendable, Hashable, CaseIterable { case none, even, odd }

    public var path: String
    public var baud: Int
    public var parity: Parity
    public var dataBits: Int
    public var stopBits: Int

    public init(path: String, baud: Int = 9600, parity: Parity = .none, dataBits: Int = 8, stopBits: Int = 1) {
        self.path = path
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
    }

    /// Baud rates termios can set.
    public static let bauds: [Int: speed_t] = [
        1200: speed_t(B1200), 2400: speed_t(B2400), 4800: speed_t(B4800), 9600: speed_t(B9600),
        19200: speed_t(B19200), 38400: speed_t(B38400), 57600: speed_t(B57600), 115200: speed_t(B115200),
        230400: speed_t(B230400),
    ]

    /// Bits on the line per character: start, data, parity, stop.
    public var bitsPerCharacter: Int { 1 + dataBits + (parity == .none ? 0 : 1) + stopBits }

    /// The time one character takes on the line.
    public var characterTime: Duration { .nanoseconds(Int64(bitsPerCharacter) * 1_000_000_000 / Int64(max(1, baud))) }

    /// The inter-frame silence: 3.5 characters, or 1.75 ms above 19200 baud (the Modbus serial spec).
    public var frameSilence: Duration {
        baud > 19200 ? .microseconds(1750) : characterTime * 3.5
    }

    /// "9600 8N1".
    public var lineText: String {
        "\(baud) \(dataBits)\(parity == .none ? "N" : parity == .even ? "E" : "O")\(stopBits)"
    }
}

public enum SerialPort {
    /// Opens `settings.path` exclusively, raw, non-blocking, with the line settings applied.
    public static func open(_ settings: SerialSettings) throws(ModbusError) -> Int32 {
        guard let speed = SerialSettings.bauds[settings.baud] else {
            throw .badRequest("baud \(settings.baud) is not one termios can set (\(SerialSettings.bauds.keys.sorted()))")
        }
        let fd = Glibc.open(settings.path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .transport(.serialPort("cannot open \(settings.path): \(systemErrorText(errno))")) }
        var ok = false
        defer { if !ok { close(fd) } }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw .transport(.serialPort("\(settings.path) is in use by another process"))
        }
        _ = ioctl(fd, UInt(TIOCEXCL))
        var options = termios()
        guard tcgetattr(fd, &options) == 0 else {
            throw .transport(.serialPort("\(settings.path) is not a serial port: \(systemErrorText(errno))"))
        }
        cfmakeraw(&options)
        cfsetispeed(&options, speed)
        cfsetospeed(&options, speed)
        options.c_cflag &= ~(tcflag_t(CSIZE) | tcflag_t(PARENB) | tcflag_t(PARODD) | tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        options.c_cflag |= tcflag_t(settings.dataBits == 7 ? CS7 : CS8) | tcflag_t(CLOCAL) | tcflag_t(CREAD)
        if settings.parity != .none { options.c_cflag |= tcflag_t(PARENB) }
        if settings.parity == .odd { options.c_cflag |= tcflag_t(PARODD) }
        if settings.stopBits == 2 { options.c_cflag |= tcflag_t(CSTOPB) }
        guard tcsetattr(fd, TCSANOW, &options) == 0 else {
            throw .transport(.serialPort("cannot set \(settings.lineText) on \(settings.path): \(systemErrorText(errno))"))
        }
        tcflush(fd, TCIOFLUSH)
        ok = true
        return fd
    }

    /// Gives the port back: exclusive use ends first. A pty's slave keeps
    /// TIOCEXCL after its last close while its master stays open, and then
    /// refuses the next open (EBUSY) to anyone but root: the gateway's own
    /// reopen after a lost line or a reload, on the demo's or a test's pty.
    public static func close(_ fd: Int32) {
        _ = ioctl(fd, UInt(TIOCNXCL))
        _ = Glibc.close(fd)
    }
}
