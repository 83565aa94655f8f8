// Local sinks: append to a file (`file:PATH`, flushed to disk before the
// batch counts as delivered) or write to standard output (`stdout`).
// Both write on their own serial queue, off the cooperative pool.

import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class FileSink: FeedSink {
    /// nil: standard output.
    public let path: String?
    private let queue: DispatchQueue

    public init(path: String?) {
        self.path = path
        queue = DispatchQueue(label: "pumpgw.feed.file")
    }

    public static func standardOutput() -> FileSink { FileSink(path: nil) }

    public var target: String { path.map { "file:" + $0 } ?? "stdout" }

    public func write(_ lines: [String]) async -> SinkResult {
        let bytes = Array(lines.lineProtocolBody.utf8)
        let path = self.path
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Self.append(bytes, to: path)) }
        }
    }

    /// Opens, appends every byte, fsyncs and closes: a batch is on disk
    /// before the outbox forgets it.
    private static func append(_ bytes: [UInt8], to path: String?) -> SinkResult {
        let descriptor: Int32
        if let path {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { return .retry("cannot open \(path): errno \(errno)", retryAfter: nil) }
        } else {
            descriptor = STDOUT_FILENO
        }
        defer { if path != nil { _ = close(descriptor) } }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { rest in
                Glibc.write(descriptor, rest.baseAddress, rest.count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return .retry("write \(path ?? "stdout"): errno \(errno)", retryAfter: nil)
            }
            offset += written
        }
        if path != nil, fsync(descriptor) != 0 {
            return .retry("fsync \(path ?? ""): errno \(errno)", retryAfter: nil)
        }
        return .accepted
    }
}
