// Waiting on and setting up descriptors (sockets, pipes, serial ports):
// poll() with EINTR retried, and the flags every descriptor of the gateway
// carries. poll(), unlike select(), has no descriptor ceiling.

#if canImport(Glibc)
import Glibc
#endif

public enum Descriptor {
    /// Waits until `events` are ready on `fd`; false when the deadline passed first.
    public static func wait(_ fd: Int32, for events: Int16, until deadline: Deadline) throws(SocketError) -> Bool {
        while true {
            let left = deadline.remaining
            if left == 0 { return false }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            // Milliseconds rounded up, so the wait never ends before the deadline.
            let milliseconds = Int32(clamping: (left + 999_999) / 1_000_000)
            let ready = Glibc.poll(&entry, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { throw .system(call: "poll", errno: errno) }
        }
    }

    /// poll() over many descriptors, retried on EINTR; how many are ready.
    public static func poll(_ fds: inout [pollfd], timeoutMilliseconds: Int32) -> Int32 {
        while true {
            let ready = Glibc.poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
            if ready >= 0 || errno != EINTR { return ready }
        }
    }

    /// True when a read would not wait (bytes, or a socket peer's close or reset), checked without waiting.
    public static func isReadable(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return Glibc.poll(&entry, 1, 0) > 0 && entry.revents & Int16(POLLIN) != 0
    }

    /// One write that never raises SIGPIPE (whose default ends the process):
    /// send(MSG_NOSIGNAL) on a socket, write(2) on anything else (a serial
    /// port). A peer that has gone fails with EPIPE. Returns what write(2) would.
    public static func writeSome(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        let sent = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        guard sent < 0 && errno == ENOTSOCK else { return sent }
        return Glibc.write(fd, bytes.baseAddress, bytes.count)
    }

    public static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Not inherited by child processes (the simulator, test peers).
    public static func setCloseOnExec(_ fd: Int32) {
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }
}
