// A serial line the simulator owns: the master side of a pseudo-terminal
// (posix_openpt, grantpt, unlockpt), its slave end named by a symlink that
// the gateway opens as its RS-485 port. No socat, no hardware.
//
// On Linux the master reads the slave's termios, so the simulator can do
// what a real device does with a mismatched line: stay silent when the
// other end is set to another baud or stop-bit count. (A pty forces 8 data
// bits and no parity whatever is set, so those two cannot be checked.)

import Modbus
#if canImport(Glibc)
import Glibc
#endif

struct SimulatorPty {
    /// The master side: the simulator reads requests and writes replies here.
    let master: Int32
    /// The slave end, e.g. /dev/pts/7.
    let slavePath: String
    /// The symlink to the slave end, removed by `close()`.
    let link: String
    /// The line the simulated devices listen at.
    let line: SerialSettings

    /// TIOCSPTLCK and TIOCGPTN (_IOW/_IOR('T', 0x31/0x30, int) in the
    /// generic ioctl encoding of x86-64 and arm64; macros Swift cannot import).
    private static let setLock = UInt(0x4004_5431)
    private static let getNumber = UInt(0x8004_5430)

    /// Opens a pty, sets its slave end to `line` (raw) and links `line.path` to it.
    static func open(_ line: SerialSettings) throws(SimulatorError) -> SimulatorPty {
        // posix_openpt, unlockpt and ptsname as the C library does them on Linux
        // (Swift's Glibc module does not import those three).
        let master = Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw .setup("cannot open /dev/ptmx: \(String(cString: strerror(errno)))") }
        var ok = false
        defer { if !ok { _ = Glibc.close(master) } }
        var unlock: Int32 = 0, number: UInt32 = 0
        guard ioctl(master, Self.setLock, &unlock) == 0, ioctl(master, Self.getNumber, &number) == 0 else {
            throw .setup("cannot unlock the pty: \(String(cString: strerror(errno)))")
        }
        let slavePath = "/dev/pts/\(number)"
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        // Raw at the simulator's own line until the gateway sets its own.
        var options = termios()
        if tcgetattr(master, &options) == 0, let speed = SerialSettings.bauds[line.baud] {
            cfmakeraw(&options)
            cfsetispeed(&options, speed)
            cfsetospeed(&options, speed)
            if line.stopBits == 2 { options.c_cflag |= tcflag_t(CSTOPB) }
            _ = tcsetattr(master, TCSANOW, &options)
        }
        // Replace a link left by an earlier run (only a symlink: never a real file or device).
        var status = stat()
        if lstat(line.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK { unlink(line.path) }
        guard symlink(slavePath, line.path) == 0 else {
            throw .setup("cannot link \(line.path) to \(slavePath): \(String(cString: strerror(errno)))")
        }
        ok = true
        return SimulatorPty(master: master, slavePath: slavePath, link: line.path, line: line)
    }

    /// The slave end's settings as "9600 1 stop bit" parts, or nil when they
    /// match the simulator's line (baud and stop bits: what a pty keeps).
    func mismatch() -> String? {
        var options = termios()
        guard tcgetattr(master, &options) == 0, let speed = SerialSettings.bauds[line.baud] else { return nil }
        let baud = SerialSettings.bauds.first { $0.value == cfgetospeed(&options) }?.key
        let stopBits = options.c_cflag & tcflag_t(CSTOPB) != 0 ? 2 : 1
        guard cfgetospeed(&options) != speed || stopBits != line.stopBits else { return nil }
        return "\(baud.map(String.init) ?? "?") baud, \(stopBits) stop bit\(stopBits == 2 ? "s" : "")"
    }

    func close() {
        _ = Glibc.close(master)
        unlink(link)
    }
}
