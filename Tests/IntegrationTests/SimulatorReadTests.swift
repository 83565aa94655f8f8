// `pumpgw simulate` and `pumpgw read` as real processes: every point of the
// shipped profile decodes with good quality and within the pump-room
// model's ranges.

import Foundation
import Profiles
import Simulator
import Synchronization
import Testing
import TestSupport

@Suite("simulate + read, end to end")
struct SimulatorReadTests {
    static let profilePath = Paths.profiles.appendingPathComponent("grundfos-hydro-mpc-cim500.json5").path

    @Test("every point of the Grundfos profile reads good and in range")
    func readsShippedProfile() throws {
        let simulator = try startSimulator(profile: Self.profilePath)
        defer { simulator.stop() }
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", Self.profilePath, "--host", "127.0.0.1",
                                                 "--port", String(simulator.port), "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let document = try decodeRead(result.stdout)
        let profile = try ProfileLoader.load(path: Self.profilePath)
        #expect(document.device.profile == "grundfos-hydro-mpc-cim500")
        #expect(document.points.map(\.name) == profile.points.map(\.name))

        for (point, reading) in zip(profile.points, document.points) {
            #expect(reading.quality == "good", "\(point.name): \(reading.quality)")
            #expect(reading.value != nil, "\(point.name) has no value")
            guard let hint = point.simulate, let number = reading.value?.number else { continue }
            if let signal = hint.signal, let range = PumpRoomModel.ranges[signal] {
                let gain = hint.gain ?? 1
                // One raw step of rounding either side of the range.
                let step = abs(point.scale ?? 1)
                #expect(number >= range.lowerBound * gain - step && number <= range.upperBound * gain + step,
                        "\(point.name) = \(number) outside \(range) x \(gain)")
            } else if let value = hint.value, point.type != .enum, point.type != .bits {
                #expect(abs(number - value) <= abs(point.scale ?? 1), "\(point.name) = \(number), simulated \(value)")
            }
        }

        // The key hydraulics, with ranges written out by hand.
        let outlet = try #require(document["outlet_pressure"]?.value?.number)
        let inlet = try #require(document["inlet_pressure"]?.value?.number)
        let flow = try #require(document["flow"]?.value?.number)
        #expect((0.40...0.50).contains(outlet))
        #expect((0.15...0.25).contains(inlet))
        #expect((0.5...90).contains(flow))
        #expect(document["outlet_pressure"]?.unit == "MPa")
        // A booster set always has at least one pump running in the model.
        let running = (1...3).compactMap { document["pump\($0)_running"]?.value }.filter { $0 == .bool(true) }
        #expect(!running.isEmpty)
    }

    @Test("the simulator serves several clients at once")
    func servesConcurrentClients() throws {
        let simulator = try startSimulator(profile: Self.profilePath)
        defer { simulator.stop() }
        let port = String(simulator.port)
        let results = Mutex<[Finished]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            if let result = try? runToEnd(Paths.pumpgw, ["read", "--profile", Self.profilePath, "--host", "127.0.0.1",
                                                         "--port", port, "--json"]) {
                results.withLock { $0.append(result) }
            }
        }
        let finished = results.withLock { $0 }
        #expect(finished.count == 4)
        for result in finished {
            #expect(result.status == 0, "stderr: \(result.stderr)")
        }
    }

    @Test("the totaliser only counts up")
    func totaliserCountsUp() throws {
        let profile = Paths.fixtures.appendingPathComponent("flow-total.json5").path
        let simulator = try startSimulator(profile: profile)
        defer { simulator.stop() }
        var totals: [Double] = []
        for _ in 0..<3 {
            let result = try runToEnd(Paths.pumpgw, ["read", "--profile", profile, "--host", "127.0.0.1",
                                                     "--port", String(simulator.port), "--json"])
            try #require(result.status == 0, "stderr: \(result.stderr)")
            totals.append(try #require(try decodeRead(result.stdout)["flow_total"]?.value?.number))
            Thread.sleep(forTimeInterval: 1.0)
        }
        #expect(totals == totals.sorted())
        #expect(totals.last! > totals.first!, "the total did not grow: \(totals)")
    }

    @Test("a read of an address the profile does not define gets exception 2")
    func undefinedAddressIsException2() throws {
        let simulator = try startSimulator(profile: Self.profilePath)
        defer { simulator.stop() }
        // This profile reads holding 00207, a reserved register the device profile leaves out.
        let probe = Paths.fixtures.appendingPathComponent("grundfos-reserved-207.json5").path
        let result = try runToEnd(Paths.pumpgw, ["read", "--profile", probe, "--host", "127.0.0.1",
                                                 "--port", String(simulator.port)])
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.contains("exception 2 (illegal data address)"), "stderr: \(result.stderr)")
    }
}
