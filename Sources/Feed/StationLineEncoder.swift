// The `pump_station` lines of the pipeline, one per device per poll: the bulk
// of the feed. Escaping and sorting names is most of the work of a line, and
// a device's names do not change from poll to poll, so the encoder escapes a
// device's measurement and tags once, and the field keys once per point list
// (shared by the devices of one model; a device's poll groups each have their
// own list); a poll then only formats its values, into one byte buffer kept
// from line to line.
//
// A line: `pump_station,<station, device, profile and user tags, sorted>
// <good points as fields, in the list's order> <time>`; nil when no point is
// good. The station's own tags win over user tags of the same name; of a
// name that appears twice, the first good point wins. The tests compare every
// line byte for byte with a plain reference encoder (ReferenceStationLine.swift).

import Foundation
import Telemetry

/// Writes `pump_station` lines, remembering each device's escaped names.
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

    /// The station line of `sample`; nil when no point is good (or the measurement escapes to nothing).
    public mutating func line(_ sample: DeviceSample) -> String? {
        guard let (prefix, keys) = knownNames(of: sample) ?? learnNames(of: sample) else { return nil }
        let points = sample.points
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: prefix)
        var written = 0
        /// Only for a list with a name twice: the names already written (the first good one wins).
        var writtenNames = Set<Int>()
        // By index: `points[index].reading` reads the reading in place, where
        // a loop over the points would copy each sample (name and unit too).
        for index in points.indices {
            let key = keys.keys[index]
            guard !key.isEmpty, points[index].reading.quality.isGood, let value = points[index].reading.value,
                  let text = LineProtocol.format(FieldValue(value)) else { continue }
            if keys.hasDuplicates && !writtenNames.insert(keys.firstOfName[index]).inserted { continue }
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
    /// when the measurement escapes to nothing (no line).
    private mutating func learnNames(of sample: DeviceSample) -> ([UInt8], FieldKeys)? {
        if devices.count >= Self.deviceCapacity || keyLists.count >= Self.deviceCapacity, devices[sample.identity] == nil {
            devices.removeAll()
            keyLists.removeAll()
        }
        var device = devices[sample.identity] ?? DeviceNames(sample.identity)
        defer { devices[sample.identity] = device }
        let names = sample.points.map(\.name)
        guard let prefix = device.prefix else { return nil }
        let keys = keyLists[names] ?? FieldKeys(names)
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
    /// True when a name appears twice (rare: a profile mistake the checks let through).
    let hasDuplicates: Bool
    /// Per point: the index of the first point of the same name (for `hasDuplicates` lists).
    let firstOfName: [Int]

    init(_ names: [String]) {
        self.names = names
        var first: [String: Int] = [:]
        firstOfName = names.indices.map { index in
            if let earlier = first[names[index]] { return earlier }
            first[names[index]] = index
            return index
        }
        hasDuplicates = first.count != names.count
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
