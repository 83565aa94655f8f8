// The exposition writer against text written out by hand from the format's
// description (https://prometheus.io/docs/instrumenting/exposition_formats/),
// and against `promtool check metrics` (Debian package prometheus).

import Foundation
import HTTPServer
import Testing

struct PrometheusTextTests {
    @Test func gaugeAndCounterWithEscapedLabels() {
        var up = MetricFamily("pumpgw_device_up", .gauge, help: "1 when the last poll succeeded")
        up.add(1, [("station", "FT-0412"), ("device", "ctrl1")])
        up.add(0, [("station", "a\"b\\c\nd"), ("device", "x")])
        var requests = MetricFamily("pumpgw_requests_total", .counter, help: "Modbus requests\nby result")
        requests.add(12345, [("result", "ok")])
        requests.add(0.5)
        let expected = """
            # HELP pumpgw_device_up 1 when the last poll succeeded
            # TYPE pumpgw_device_up gauge
            pumpgw_device_up{station="FT-0412",device="ctrl1"} 1
            pumpgw_device_up{station="a\\"b\\\\c\\nd",device="x"} 0
            # HELP pumpgw_requests_total Modbus requests\\nby result
            # TYPE pumpgw_requests_total counter
            pumpgw_requests_total{result="ok"} 12345
            pumpgw_requests_total 0.5

            """
        #expect(PrometheusText.render([up, requests]) == expected)
    }

    @Test func histogramIsCumulative() {
        var histogram = Histogram(bounds: [0.01, 0.1, 1])
        // 0.005 and 0.01 fall in le=0.01 (bounds are inclusive), 0.05 in 0.1, 3 above all.
        for value in [0.005, 0.01, 0.05, 3] { histogram.observe(value) }
        #expect(histogram.counts == [2, 1, 0, 1])
        var family = MetricFamily("pumpgw_device_poll_duration_seconds", .histogram, help: "Poll time")
        family.add(histogram, [("station", "S"), ("device", "D")])
        // sum 0.005 + 0.01 + 0.05 + 3 = 3.065
        let expected = """
            # HELP pumpgw_device_poll_duration_seconds Poll time
            # TYPE pumpgw_device_poll_duration_seconds histogram
            pumpgw_device_poll_duration_seconds_bucket{station="S",device="D",le="0.01"} 2
            pumpgw_device_poll_duration_seconds_bucket{station="S",device="D",le="0.1"} 3
            pumpgw_device_poll_duration_seconds_bucket{station="S",device="D",le="1"} 3
            pumpgw_device_poll_duration_seconds_bucket{station="S",device="D",le="+Inf"} 4
            pumpgw_device_poll_duration_seconds_sum{station="S",device="D"} 3.065
            pumpgw_device_poll_duration_seconds_count{station="S",device="D"} 4

            """
        #expect(PrometheusText.render([family]) == expected)
    }

    @Test(arguments: [(Double.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"), (0, "0"), (-3, "-3"),
                      (1.5, "1.5"), (1e20, "1e+20"), (0.00001, "1e-05")])
    func numbers(_ value: Double, _ text: String) {
        var family = MetricFamily("x", .gauge, help: "h")
        family.add(value)
        #expect(PrometheusText.render([family]).hasSuffix("\nx \(text)\n"))
    }

    @Test func promtoolAcceptsIt() throws {
        var up = MetricFamily("pumpgw_device_up", .gauge, help: "1 when the device's last poll succeeded, else 0.")
        up.add(1, [("station", "FT-0412"), ("device", "ctrl1")])
        var requests = MetricFamily("pumpgw_requests_total", .counter, help: "Modbus requests by result.")
        requests.add(10, [("result", "ok")])
        requests.add(2, [("result", "timeout")])
        var poll = MetricFamily("pumpgw_device_poll_duration_seconds", .histogram, help: "Time of one poll.")
        var histogram = Histogram(bounds: [0.005, 0.01, 0.05, 0.1, 0.5, 1])
        histogram.observe(0.02)
        poll.add(histogram, [("station", "FT-0412"), ("device", "ctrl1")])
        let problems = try promtoolProblems(PrometheusText.render([up, requests, poll]))
        #expect(problems == "", "promtool: \(problems)")
        // The check can fail: a counter without _total is one of promtool's lint findings.
        #expect(try promtoolProblems("# HELP x h\n# TYPE x counter\nx 1\n").contains("_total"))
    }
}

/// What `promtool check metrics` says about `text` (empty when all is well).
func promtoolProblems(_ text: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
    process.arguments = ["check", "metrics"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let said = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let message = String(decoding: said, as: UTF8.self)
    return process.terminationStatus == 0 && message.isEmpty ? "" : "exit \(process.terminationStatus): \(message)"
}
