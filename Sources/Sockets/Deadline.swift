// A point on the monotonic clock that bounds a whole request: connect,
// send and every read of the reply share it, so a device that dribbles its
// reply a byte at a time still fails at the timeout.

#if canImport(Glibc)
import Glibc
#endif

public struct Deadline: Sendable, Comparable {
    /// CLOCK_MONOTONIC, nanoseconds.
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func now() -> Deadline {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Deadline(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    public static func after(_ duration: Duration) -> Deadline {
        now().adding(duration)
    }

    public func adding(_ duration: Duration) -> Deadline {
        let (seconds, attoseconds) = duration.components
        let nanos = max(0, seconds) * 1_000_000_000 + max(0, attoseconds / 1_000_000_000)
        return Deadline(nanoseconds: nanoseconds &+ UInt64(nanos))
    }

    /// Nanoseconds left (0 once passed).
    public var remaining: UInt64 {
        let current = Deadline.now().nanoseconds
        return nanoseconds > current ? nanoseconds - current : 0
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
