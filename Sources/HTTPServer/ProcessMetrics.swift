// The usual `process_*` metrics, read from /proc/self like the Prometheus
// client libraries do: CPU seconds, resident memory, open descriptors and
// their limit, start time. Here, beside the server, because it reads the
// system directly (the Gateway module does not call C APIs).

import Foundation
import Glibc

public enum ProcessMetrics {
    public static func families() -> [MetricFamily] {
        var families: [MetricFamily] = []
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        // /proc/self/stat: the fields after the ")" of the command name; utime
        // and stime are fields 14 and 15, starttime 22, rss 24 (man 5 proc).
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state), so field n is fields[n - 3].
            if fields.count > 21, let user = Double(fields[11]), let system = Double(fields[12]),
               let start = Double(fields[19]), let rss = Double(fields[21]) {
                var cpu = MetricFamily("process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
                cpu.add((user + system) / ticks)
                var resident = MetricFamily("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
                resident.add(rss * page)
                var started = MetricFamily("process_start_time_seconds", .gauge,
                                           help: "Start time of the process since unix epoch in seconds.")
                started.add(bootTime() + start / ticks)
                families += [cpu, resident, started]
            }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count).map { $0 - 1 } ?? 0
        var fds = MetricFamily("process_open_fds", .gauge, help: "Number of open file descriptors.")
        fds.add(Double(open))
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        var maxFds = MetricFamily("process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
        maxFds.add(Double(limit.rlim_cur))
        return families + [fds, maxFds]
    }

    /// The machine's boot time, Unix seconds (`btime` in /proc/stat).
    static func bootTime() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return 0 }
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6)) ?? 0
        }
        return 0
    }
}
