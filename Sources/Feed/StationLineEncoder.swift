// The `pump_station` lines of the pipeline, one per device per poll: the bulk
// of the feed. Escaping and sorting names is most of the work of a line, and
// a device's names do not change from poll to poll, so the encoder escapes a
// device's measurement and tags once, and the field keys once per point list
// (shared by the devices of one model; a device's poll groups each have their
// own list); a poll then only formats its values, into one byte buffer kept
// from line to line. The lines are byte
// for byte those of `FeedLines.station`, which stays the definition (and the
// fallback for a point list with a name twice).

import Foundation
import Telemetry

/// Writes `FeedLines.station` lines, remembering each device's escaped names.
/// Not thread-safe: one encoder, one caller (the pipeline's thread).
public struct StationLineEncoder {
    public let precision: Precision
    private var devices: [DeviceIdentity: DeviceNames] = [:]
    /// The escaped keys of each point list, shared by the devices that report it.
    private var keyLists: [[String]: FieldKeys] = [:]
    /// The line being written (its capacity stays for the next).
    private var buffer: [UInt8] = []

    /// Devices remembered at most; beyond it (identities change on reloads)
    /// the encoder starts over.
    static let deviceCapacity = 100_000

    public init(precision: Precision) {
        self.precision = precision
    }

    /// The station line of `sample`, equal to `FeedLines(precision:).station(sample)`.
    public mutating func line(_ sample: DeviceSample) -> String? {
        guard let (prefix, keys) = knownNames(of: sample) ?? learnNames(of: sample) else {
            return FeedLines(precision: precision).station(sample)
        }
        let points = sample.points
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: prefix)
        var written = 0
        // By index: `points[index].reading` reads the reading in place, where
        // a loop over the points would copy each sample (name and unit too).
        for index in points.indices {
            let key = keys.keys[index]
            guard !key.isEmpty, points[index].reading.quality.isGood, let value = points[index].reading.value,
                  let text = LineProtocol.format(FieldValue(value)) else { continue }
            if written > 0 { buffer.append(UInt8(ascii: ",")) }
            buffer.append(contentsOf: key)
            buffer.append(contentsOf: text.utf8)
            written += 1
        }
        guard written > 0 else { return nil }
        buffer.append(UInt8(ascii: " "))
        buffer.append(contentsOf: String(precision.timestamp(sample.time)).utf8)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// The line's prefix (series key and the space before the fields, as
    /// UTF-8) and the point list's keys, if the device has reported this list before.
    private func knownNames(of sample: DeviceSample) -> ([UInt8], FieldKeys)? {
        guard let device = devices[sample.identity], let prefix = device.prefix,
              let keys = device.lists.first(where: { $0.matches(sample.points) }) else { return nil }
        return (prefix, keys)
    }

    /// The names of a device or point list seen for the first time; nil
    /// where the plain path must write the line.
    private mutating func learnNames(of sample: DeviceSample) -> ([UInt8], FieldKeys)? {
        if devices.count >= Self.deviceCapacity || keyLists.count >= Self.deviceCapacity, devices[sample.identity] == nil {
            devices.removeAll()
            keyLists.removeAll()
        }
        var device = devices[sample.identity] ?? DeviceNames(sample.identity)
        defer { devices[sample.identity] = device }
        let names = sample.points.map(\.name)
        guard let prefix = device.prefix, let keys = keyLists[names] ?? FieldKeys(names) else { return nil }
        keyLists[names] = keys
        device.remember(keys)
        return (prefix, keys)
    }
}

/// One device's escaped names.
private struct DeviceNames {
    /// The series key and the space before the fields; nil if the measurement escapes to nothing.
    let prefix: [UInt8]?
    /// The keys of each point list the device reported, most recent first.
    private(set) var lists: [FieldKeys] = []

    /// Point lists remembered per device at most (a device has one, plus one
    /// per poll group).
    static let listCapacity = 8

    init(_ identity: DeviceIdentity) {
        prefix = LineProtocol.seriesKey(measurement: FeedLines.stationMeasurement,
                                        tags: FeedLines.stationTags(identity)).map { Array(($0 + " ").utf8) }
    }

    mutating func remember(_ keys: FieldKeys) {
        if lists.count >= Self.listCapacity { lists.removeLast() }
        lists.insert(keys, at: 0)
    }
}

/// The escaped field keys of one point list.
private struct FieldKeys {
    let names: [String]
    /// Per point: its escaped name and `=`, empty when the name escapes to
    /// nothing; slices of one array (one allocation for the list, not one a key).
    let keys: [ArraySlice<UInt8>]

    /// Nil when a name appears twice (the plain path keeps the first good one).
    init?(_ names: [String]) {
        guard Set(names).count == names.count else { return nil }
        self.names = names
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for name in names {
            let start = bytes.count
            let key = LineProtocol.escape(name, specials: LineProtocol.keySpecials)
            if !key.isEmpty { bytes += Array(key.utf8) + [UInt8(ascii: "=")] }
            ranges.append(start..<bytes.count)
        }
        keys = ranges.map { bytes[$0] }
    }

    /// True when `points` carry exactly these names, in this order.
    func matches(_ points: [PointSample]) -> Bool {
        guard points.count == names.count else { return false }
        for index in names.indices where points[index].name != names[index] { return false }
        return true
    }
}
