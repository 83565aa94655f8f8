// Boosts against a serial bus's capacity, worked by hand. One poll of an
// RS-485 pressure transmitter is one FC03 of 5 registers: request 8 bytes,
// reply 5 + 10 = 15; at 9600 8N1 (10 bits, 1.0416667 ms a character) that is
// (8 + 15 + 7 silence) = 30 characters = 31.25 ms, + 5 ms turnaround = 36.25 ms.
// Ten of them on one line.

import Foundation
import Gateway
import Profiles
import Testing

@Suite("BusBudget")
struct BusBudgetTests {
    static let poll = BusLoad.wireTime(of: [BusLoad.Exchange(requestBytes: 8, responseBytes: 15)], baud: 9600, bitsPerCharacter: 10)
    static let keys = (1...10).map { "FT-0412/pt\($0)" }
    static let bus = BusBudget(name: "rs485-1", settings: "9600 8N1",
                               pollWireTimes: Dictionary(uniqueKeysWithValues: keys.map { ($0, poll) }))

    static func intervals(_ boosted: [String: Duration]) -> [String: Duration] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0, boosted[$0] ?? .seconds(1)) })
    }

    @Test func onePollIs36Point25Milliseconds() {
        #expect(Self.poll == .microseconds(36_250))
    }

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var boosted: [String: Duration]
        var fits: Bool
        var message: String
    }

    static let cases: [Case] = [
        // 10 × 36.25 = 362.5 ms per 1 s: 36 %.
        Case(description: "none boosted", boosted: [:], fits: true,
             message: "rs485-1: 9600 8N1 would need 363 ms of wire time per 1 s cycle: 36 %"),
        // One at 200 ms: 36.25 + 9 × 36.25 × 0.2 = 36.25 + 65.25 = 101.5 ms per 200 ms: 50.75 %.
        Case(description: "one at 200 ms", boosted: ["FT-0412/pt3": .milliseconds(200)], fits: true,
             message: "rs485-1: 9600 8N1 would need 102 ms of wire time per 200 ms cycle: 51 %"),
        // All ten at 200 ms: 362.5 ms per 200 ms: 181.25 %.
        Case(description: "the station at 200 ms", boosted: Dictionary(uniqueKeysWithValues: keys.map { ($0, .milliseconds(200)) }),
             fits: false,
             message: "rs485-1: 9600 8N1 would need 363 ms of wire time per 200 ms cycle: 181 % (boost fewer devices, to a longer interval, or raise the baud rate)"),
        // One at 50 ms: 36.25 + 9 × 36.25 × 0.05 = 36.25 + 16.3125 = 52.5625 ms per 50 ms: 105.1 %.
        Case(description: "one at 50 ms", boosted: ["FT-0412/pt3": .milliseconds(50)], fits: false,
             message: "rs485-1: 9600 8N1 would need 53 ms of wire time per 50 ms cycle: 105 % (boost fewer devices, to a longer interval, or raise the baud rate)"),
        // All ten at 1.5 s: 362.5 ms per 1.5 s, 24.2 %; a cycle not in whole seconds has two decimals.
        Case(description: "all at 1.5 s", boosted: Dictionary(uniqueKeysWithValues: keys.map { ($0, .milliseconds(1500)) }), fits: true,
             message: "rs485-1: 9600 8N1 would need 363 ms of wire time per 1.50 s cycle: 24 %"),
    ]

    @Test(arguments: cases)
    func capacity(_ test: Case) {
        switch Self.bus.check(intervals: Self.intervals(test.boosted)) {
        case .success(let line):
            #expect(test.fits)
            #expect(line == test.message)
        case .failure(let refusal):
            #expect(!test.fits)
            #expect(refusal.message == test.message)
        }
    }

    static let t0 = Date(timeIntervalSince1970: 1_796_000_000)
    static let devices = (1...10).map { BoostedDevice(station: "FT-0412", device: "pt\($0)", configured: .seconds(1)) }

    static func request(_ device: String?, _ interval: Duration, from offset: TimeInterval) -> BoostRequest {
        BoostRequest(station: "FT-0412", device: device, interval: interval, from: t0 + offset, until: t0 + 3600, source: .cli)
    }

    @Test("the daemon leaves out the newest request while a bus is over 100 %, and keeps the earlier ones")
    func newestLeftOut() {
        let one = Self.request("pt3", .milliseconds(200), from: 0)        // alone: 51 %
        let quick = Self.request("pt4", .milliseconds(50), from: 5)       // beside pt3's: 120 %
        let station = Self.request(nil, .milliseconds(200), from: 10)     // beside anything: 181 % or more
        let (kept, refused) = BusBudget.fitting([one, station, quick], devices: Self.devices, buses: [Self.bus], at: Self.t0 + 20)
        #expect(kept == [one])
        #expect(refused.map(\.request.target) == ["FT-0412", "FT-0412/pt4"])
        // The second refusal is pt4 at 50 ms beside pt3 at 200 ms: 36.25 + 36.25 × 0.25 + 8 × 36.25 × 0.05 = 59.8 ms per 50 ms.
        #expect(refused.last?.refusal.message.hasPrefix("rs485-1: 9600 8N1 would need 60 ms of wire time per 50 ms cycle: 120 %") == true)
    }

    @Test("nothing to leave out when no request touches the bus")
    func nothingToDrop() {
        let slow = BusBudget(name: "rs485-2", settings: "1200 8N1", pollWireTimes: ["FT-0412/pt1": .seconds(2)])
        let (kept, refused) = BusBudget.fitting([], devices: Self.devices, buses: [slow], at: Self.t0)
        #expect(kept.isEmpty && refused.isEmpty)
    }
}
