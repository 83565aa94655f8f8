// Bus capacity, worked by hand. 9600 8N1: 10 bits a character, 1.0416667 ms;
// 3.5-character silence 3.6458 ms (two per exchange: 7 characters); 5 ms
// turnaround per exchange. FC03 of N registers: request 8 bytes, reply 5 + 2N.

import Foundation
import Profiles
import Testing

struct BusLoadTests {
    typealias Exchange = BusLoad.Exchange

    @Test func bytesOfAReadInRTU() {
        // Request: address, function, start (2), count (2), CRC (2) = 8.
        // Reply: address, function, byte count, data, CRC (2) = 5 + data.
        #expect(Exchange(reading: ReadBlock(table: .holding, start: 0, count: 40, pointIndexes: []))
            == Exchange(requestBytes: 8, responseBytes: 85))
        #expect(Exchange(reading: ReadBlock(table: .input, start: 0, count: 1, pointIndexes: []))
            == Exchange(requestBytes: 8, responseBytes: 7))
        #expect(Exchange(reading: ReadBlock(table: .coil, start: 0, count: 16, pointIndexes: []))
            == Exchange(requestBytes: 8, responseBytes: 7))
        #expect(Exchange(reading: ReadBlock(table: .discrete, start: 0, count: 17, pointIndexes: []))
            == Exchange(requestBytes: 8, responseBytes: 8))
    }

    /// (exchanges, baud, bits per character, expected nanoseconds worked by hand)
    static let wireTimes: [(String, [Exchange], Int, Int, Int64)] = [
        // 8 + 9 bytes + 7 silence = 24 characters x 1.0416667 ms = 25 ms, + 5 = 30 ms.
        ("FC03 of 2 at 9600 8N1", [Exchange(requestBytes: 8, responseBytes: 9)], 9600, 10, 30_000_000),
        // Two of them: 60 ms.
        ("two at 9600 8N1", Array(repeating: Exchange(requestBytes: 8, responseBytes: 9), count: 2), 9600, 10, 60_000_000),
        // 8 + 25 + 7 = 40 characters x 11/9600 s = 45.833333 ms, + 5 = 50.833333 ms.
        ("FC03 of 10 at 9600 8E1", [Exchange(requestBytes: 8, responseBytes: 25)], 9600, 11, 50_833_333),
        // Above 19200 the silence is 1.75 ms: 15 characters x 10/38400 s = 3.90625 ms, + 3.5 + 5 = 12.40625 ms.
        ("FC01 of 16 at 38400 8N1", [Exchange(requestBytes: 8, responseBytes: 7)], 38400, 10, 12_406_250),
    ]

    @Test(arguments: wireTimes.indices)
    func wireTime(_ index: Int) {
        let (name, exchanges, baud, bits, nanoseconds) = Self.wireTimes[index]
        #expect(BusLoad.wireTime(of: exchanges, baud: baud, bitsPerCharacter: bits) == .nanoseconds(nanoseconds), "\(name)")
    }

    @Test func twelveMetersAt9600CannotAllBeReadEverySecond() {
        // 12 meters x 2 reads of 40 registers: 8 + 85 + 7 = 100 characters = 104.1667 ms, + 5 = 109.1667 ms;
        // x 24 = 2620 ms of 1 s: 262 %.
        let exchanges = Array(repeating: Exchange(requestBytes: 8, responseBytes: 85), count: 24)
        let load = BusLoad(name: "rs485-1", settings: "9600 8N1", devices: 12, requests: 24,
                           wireTime: BusLoad.wireTime(of: exchanges, baud: 9600, bitsPerCharacter: 10), interval: .seconds(1))
        #expect(load.line == "rs485-1: 9600 8N1, 12 devices, 24 requests, 2620 ms of 1 s per cycle: 262 %")
        #expect(load.overloaded)
        #expect(load.refusal == "one cycle needs 2620 ms of wire time but its devices are read every 1 s (262 %): give them an interval of at least 2620 ms, raise the baud rate, or split them over two buses")
    }

    @Test func rtuOverTCPHasNoBaud() {
        let load = BusLoad(name: "192.0.2.10:4001", settings: nil, devices: 1, requests: 1, wireTime: nil, interval: .seconds(1))
        #expect(load.line == "192.0.2.10:4001: RTU over TCP, 1 device, 1 request, baud unknown (the serial server's line): load not computed")
        #expect(!load.overloaded)
    }
}

extension BusConfigTests {
    /// `n` devices of the one-register profile on rs485-1, units 1...n.
    func meters(_ count: Int) -> [String] {
        (1...count).map { #"{ id: "m\#($0)", profile: "meter", bus: "rs485-1", unit: \#($0) },"# }
    }

    @Test func theLoadOfABusIsComputedAndAnOverloadRefused() throws {
        // One FC03 of 1 register: 8 + 7 bytes + 7 silence = 22 characters = 22.9167 ms, + 5 = 27.9167 ms.
        // 3 meters: 83.75 ms of 1 s, 8 %.
        let loaded = try load(buses: [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#], devices: meters(3)).get()
        #expect(loaded.busLoads.map(\.line) == ["rs485-1: 9600 8N1, 3 devices, 3 requests, 84 ms of 1 s per cycle: 8 %"])
        // 40 meters: 1116.67 ms of 1 s, 112 %: refused on the bus's line (4).
        switch try load(buses: [#"{ id: "rs485-1", port: "/dev/ttyUSB0" },"#], devices: meters(40)) {
        case .success: Issue.record("40 meters at 9600 baud every second were accepted")
        case .failure(let error):
            #expect(lines(error.problems) == ["4: buses[0]: rs485-1: one cycle needs 1117 ms of wire time but its devices are read every 1 s (112 %): give them an interval of at least 1117 ms, raise the baud rate, or split them over two buses"])
        }
    }
}
