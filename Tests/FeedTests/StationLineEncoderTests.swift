// The pipeline's station lines (StationLineEncoder, names escaped once per
// device) against their definition (FeedLines.station, everything escaped on
// every call): the same bytes, cold and warm, for hostile names and tags,
// every value type, bad quality, and devices whose point lists change.

import Foundation
import Testing
@testable import Feed
import Decoding
import Profiles
import Telemetry

@Suite struct StationLineEncoderTests {
    /// A sample with one point of every kind, named `name` plus a suffix.
    func sample(_ identity: DeviceIdentity, names name: String, time: Date = epoch) -> DeviceSample {
        DeviceSample(identity: identity, time: time, points: [
            PointSample(name: name, unit: "MPa", reading: .good(.double(0.453))),
            PointSample(name: name + "_i", reading: .good(.integer(-42))),
            PointSample(name: name + "_u", reading: .good(.unsigned(.max))),
            PointSample(name: name + "_b", reading: .good(.bool(true))),
            PointSample(name: name + "_s", reading: .good(.string(name))),
            PointSample(name: name + "_nan", reading: .good(.double(.nan))),
            PointSample(name: name + "_bad", reading: .invalid("sentinel")),
            PointSample(name: name + "_err", reading: .error("timed out")),
            PointSample(name: name + "_0", reading: .good(.double(-0.0))),
        ])
    }

    @Test(arguments: hostileNames.map(\.0), [Precision.ms, .ns])
    func hostileNamesGiveThePlainLine(_ name: String, _ precision: Precision) throws {
        let identity = DeviceIdentity(station: name, device: name + "d", profile: name,
                                      tags: [name: name, "district": name, "station": "overridden", "empty": ""])
        var encoder = StationLineEncoder(precision: precision)
        let plain = FeedLines(precision: precision)
        for second in 0..<3 {  // cold, then from the remembered names
            let polled = sample(identity, names: name, time: epoch + Double(second))
            let encoded = encoder.line(polled)
            let line = try #require(encoded)
            #expect(line == plain.station(polled))
            _ = try LineProtocolParser.parse(line)
        }
    }

    @Test func namesThatEscapeToNothingGiveThePlainLine() {
        let identity = DeviceIdentity(station: "s", device: "d", profile: "p", tags: ["\\": "v", "t": "\\"])
        var encoder = StationLineEncoder(precision: .s)
        let polled = DeviceSample(identity: identity, time: epoch, points: [
            PointSample(name: "\\", reading: .good(.integer(1))), PointSample(name: "f", reading: .good(.integer(2))),
        ])
        for _ in 0..<2 {
            #expect(encoder.line(polled) == "pump_station,device=d,profile=p,station=s f=2i 1764115201")
        }
    }

    @Test func decodedRegistersCarryTheirDecimalDigits() {
        // Raw 513 x 0.1 is 51.3 and the float32 0x3EB7E02F (Python struct) is
        // 0.35913226 at its shortest, worked out by hand: the feed must not
        // carry 51.300000000000004 or 0.3591322600841522.
        let level = PointDecoding(Point(name: "level", register: .holding, address: 0, type: .uint16, scale: 0.1), defaultOrder: .ABCD)
        let frequency = PointDecoding(Point(name: "frequency", register: .input, address: 0, type: .float32), defaultOrder: .ABCD)
        let polled = DeviceSample(identity: DeviceIdentity(station: "s", device: "d", profile: "p"), time: epoch, points: [
            PointSample(name: "level", reading: level.decode([513], at: 0)),
            PointSample(name: "frequency", reading: frequency.decode([0x3EB7, 0xE02F], at: 0)),
        ])
        var encoder = StationLineEncoder(precision: .ms)
        #expect(encoder.line(polled) == "pump_station,device=d,profile=p,station=s level=51.3,frequency=0.35913226 1764115200500")
    }

    @Test func noGoodPointGivesNoLine() {
        var encoder = StationLineEncoder(precision: .ms)
        let identity = DeviceIdentity(station: "s", device: "d", profile: "p")
        let polled = DeviceSample(identity: identity, time: epoch, points: [
            PointSample(name: "a", reading: .error("timed out")), PointSample(name: "b", reading: .good(.double(.infinity))),
        ])
        #expect(encoder.line(polled) == nil)
        #expect(encoder.line(DeviceSample(identity: identity, time: epoch, points: [])) == nil)
    }

    @Test func pollGroupsAndChangingPointListsGiveThePlainLine() {
        var encoder = StationLineEncoder(precision: .ms)
        let plain = FeedLines(precision: .ms)
        let identity = DeviceIdentity(station: "s", device: "d", profile: "p")
        let main = sample(identity, names: "main")
        let group = sample(identity, names: "fast,group")
        let reordered = DeviceSample(identity: identity, time: epoch, points: main.points.reversed())
        let shorter = DeviceSample(identity: identity, time: epoch, points: Array(main.points.prefix(2)))
        for polled in [main, group, main, reordered, shorter, group, main] {
            #expect(encoder.line(polled) == plain.station(polled))
        }
    }

    @Test func aNameTwiceKeepsTheFirstGoodValueAsThePlainLineDoes() {
        var encoder = StationLineEncoder(precision: .ms)
        let identity = DeviceIdentity(station: "s", device: "d", profile: "p")
        let polled = DeviceSample(identity: identity, time: epoch, points: [
            PointSample(name: "a", reading: .error("timed out")), PointSample(name: "a", reading: .good(.integer(1))),
            PointSample(name: "a", reading: .good(.integer(2))), PointSample(name: "b", reading: .good(.integer(3))),
        ])
        #expect(encoder.line(polled) == "pump_station,device=d,profile=p,station=s a=1i,b=3i 1764115200500")
        #expect(encoder.line(polled) == FeedLines().station(polled))
    }

    @Test func devicesAndTheirTagsAreKeptApart() {
        var encoder = StationLineEncoder(precision: .ms)
        let plain = FeedLines(precision: .ms)
        let first = DeviceIdentity(station: "s", device: "d", profile: "p", tags: ["district": "futian"])
        var retagged = first
        retagged.tags["district"] = "nanshan"
        var other = first
        other.device = "e"
        for identity in [first, retagged, other, first, retagged] {
            let polled = sample(identity, names: "x")
            #expect(encoder.line(polled) == plain.station(polled))
        }
    }
}
