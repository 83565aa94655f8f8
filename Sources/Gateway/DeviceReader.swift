// One poll of one device: run the read plan over a Modbus connection and
// decode every point.
//
// - A failed block marks only its own points; the other blocks are still read.
// - After a transport failure (timeout, reset, refused) the rest of the poll
//   is not sent: the connection is gone, and piling timeouts on a dead device
//   would overrun the interval. The poller reconnects with backoff.
// - Exception 6 (busy) is retried a bounded number of times.
// - A coalesced block that fails with exception 2 (illegal address) probably
//   bridged a hole in the device's map: it is split into runs of adjacent
//   points (and those into single points) and retried, and the split plan is
//   kept for the next polls, so one wrong gap fill never loses the points
//   around it.
//
// Blocking: call it on a thread of its own (it owns a libmodbus context).

import Decoding
import Foundation
import Modbus
import Profiles
import Synchronization
import Telemetry

/// The outcome of reading one block: the raw data or the error.
public enum BlockResult: Sendable, Equatable {
    case registers([UInt16])
    case bits([Bool])
    case failed(ModbusError)
}

/// One poll's result.
public struct PollResult: Sendable {
    /// The plan as executed (after any split of this poll).
    public var plan: ReadPlan
    /// One result per block of `plan`, in plan order.
    public var blocks: [BlockResult]
    /// Every point of the profile with its reading, in profile order.
    public var points: [PointSample]
    /// Blocks split this poll because they bridged a hole (as they were before).
    public var splitBlocks: [ReadBlock] = []

    /// One reading per point of the profile, in profile order.
    public var readings: [Reading] { points.map(\.reading) }

    /// The errors of the failed blocks.
    public var errors: [ModbusError] {
        blocks.compactMap { if case .failed(let error) = $0 { return error } else { return nil } }
    }

    /// True when at least one block was read.
    public var anyGood: Bool { errors.count < blocks.count }

    /// True when no request was sent because the client refused them all
    /// (a unit id the framing cannot address): the device is not "connected".
    public var unitRefused: Bool {
        !blocks.isEmpty && errors.count == blocks.count
            && errors.allSatisfy { if case .badRequest = $0 { return true } else { return false } }
    }
}

public final class DeviceReader {
    public let profile: DeviceProfile
    /// The plan of the next poll; refined when a block bridges a hole.
    public private(set) var plan: ReadPlan
    public let client: ModbusClient
    /// The unit id this device answers to (the client may be shared).
    public let unit: UInt8
    public var options: PollOptions
    /// The profile's points as a poll needs them, worked out once.
    let points: PointTable

    public convenience init(profile: DeviceProfile, client: ModbusClient, plan: ReadPlan? = nil,
                            unit: UInt8? = nil, options: PollOptions = PollOptions()) {
        self.init(profile: profile, client: client, plan: plan, unit: unit, options: options,
                  points: PointTable(profile: profile))
    }

    /// `points` must be the table of `profile`.
    init(profile: DeviceProfile, client: ModbusClient, plan: ReadPlan?, unit: UInt8?, options: PollOptions,
         points: PointTable) {
        self.profile = profile
        self.client = client
        self.plan = plan ?? ReadPlan(profile: profile)
        self.unit = unit ?? client.unit
        self.options = options
        self.points = points
    }

    /// Reads every block once and decodes every point.
    public func poll() -> PollResult {
        client.unit = unit
        client.use(options)
        var executed: [ReadBlock] = []
        var results: [BlockResult] = []
        executed.reserveCapacity(plan.blocks.count)
        results.reserveCapacity(plan.blocks.count)
        var split: [ReadBlock] = []
        var abandon: ModbusError?
        var first = true

        var queue = plan.blocks[...]
        while let block = queue.popFirst() {
            if let abandon {
                executed.append(block)
                results.append(.failed(abandon))
                continue
            }
            if !first { pause(options.pauseBetweenRequests) }
            first = false
            let result = readWithRetry(block)
            if case .failed(let error) = result {
                if error == .exception(.illegalDataAddress), let parts = Self.split(block, profile: profile) {
                    split.append(block)
                    queue = parts[...] + queue
                    continue
                }
                // A lost connection or a silent device ends the poll; an RTU reply that
                // was invalid (bad CRC, another unit's) costs only its own block: the
                // client let the line fall silent and kept the connection.
                if error.requiresReconnect, !client.isConnected || Self.isTransport(error) { abandon = error }
            }
            executed.append(block)
            results.append(result)
        }
        if !split.isEmpty { plan = ReadPlan(blocks: executed) }

        var samples = points.unread
        for (block, result) in zip(executed, results) {
            points.decode(block, result, into: &samples)
        }
        return PollResult(plan: ReadPlan(blocks: executed), blocks: results, points: samples, splitBlocks: split)
    }

    static func isTransport(_ error: ModbusError) -> Bool {
        if case .transport = error { return true }
        return false
    }

    /// Splits a block that failed with exception 2: first into runs of
    /// adjacent points (dropping the gaps), then a gap-free run into single
    /// points. Nil when the block is one point already.
    static func split(_ block: ReadBlock, profile: DeviceProfile) -> [ReadBlock]? {
        guard block.pointIndexes.count > 1 else { return nil }
        let ordered = block.pointIndexes.sorted {
            profile.pduAddress(of: profile.points[$0]) < profile.pduAddress(of: profile.points[$1])
        }
        var runs: [ReadBlock] = []
        for index in ordered {
            let start = profile.pduAddress(of: profile.points[index])
            let end = start + profile.points[index].width
            if var last = runs.last, start <= last.end {
                last.count = max(last.end, end) - last.start
                last.pointIndexes.append(index)
                runs[runs.count - 1] = last
            } else {
                runs.append(ReadBlock(table: block.table, start: start, count: end - start, pointIndexes: [index]))
            }
        }
        if runs.count > 1 { return runs }
        // One gap-free run: one request per point (bits points share theirs).
        var singles: [ReadBlock] = []
        for index in ordered {
            let start = profile.pduAddress(of: profile.points[index])
            if var last = singles.last, last.start == start {
                last.pointIndexes.append(index)
                singles[singles.count - 1] = last
            } else {
                singles.append(ReadBlock(table: block.table, start: start, count: profile.points[index].width, pointIndexes: [index]))
            }
        }
        return singles.count > 1 ? singles : nil
    }

    func readWithRetry(_ block: ReadBlock) -> BlockResult {
        var attempt = 0
        while true {
            let result = read(block)
            guard case .failed(.exception(.serverDeviceBusy)) = result, attempt < options.busyRetries else { return result }
            attempt += 1
            pause(options.busyPause)
        }
    }

    func read(_ block: ReadBlock) -> BlockResult {
        Self.read(block, with: client)
    }

    /// One request for `block` (the benchmark floor sends the same ones).
    static func read(_ block: ReadBlock, with client: ModbusClient) -> BlockResult {
        do {
            switch block.table {
            case .holding:
                return .registers(try client.readRegisters(.holdingRegisters, address: block.start, count: block.count))
            case .input:
                return .registers(try client.readRegisters(.inputRegisters, address: block.start, count: block.count))
            case .coil:
                return .bits(try client.readBits(.coils, address: block.start, count: block.count))
            case .discrete:
                return .bits(try client.readBits(.discreteInputs, address: block.start, count: block.count))
            }
        } catch {
            return .failed(error)
        }
    }

    private func pause(_ duration: Duration) {
        guard duration > .zero else { return }
        Thread.sleep(forTimeInterval: duration.seconds)
    }
}

/// A profile's points as every poll needs them, worked out once per device:
/// where each sits on the wire, how it is decoded, and its sample (name and
/// unit) to fill in, so that a poll neither copies the profile's points nor
/// makes their strings again.
struct PointTable {
    /// The profile the table is of.
    let profile: DeviceProfile
    /// Per point, in profile order: its PDU address.
    let addresses: [Int]
    /// Per point: its decoding (byte order, scale, sentinel resolved).
    let decodings: [PointDecoding]
    /// Every point's sample before a poll: read as "not read".
    let unread: [PointSample]

    init(profile: DeviceProfile) {
        self.profile = profile
        addresses = profile.points.map { profile.pduAddress(of: $0) }
        decodings = profile.points.map { PointDecoding($0, defaultOrder: profile.order ?? .ABCD) }
        unread = profile.points.map { PointSample(name: $0.name, unit: $0.unit, reading: .error("not read")) }
    }

    /// Sets the readings of `block`'s points from its result.
    func decode(_ block: ReadBlock, _ result: BlockResult, into samples: inout [PointSample]) {
        switch result {
        case .registers(let words):
            for index in block.pointIndexes {
                samples[index].reading = decodings[index].decode(words, at: addresses[index] - block.start)
            }
        case .bits(let bits):
            for index in block.pointIndexes {
                samples[index].reading = .good(.bool(bits[addresses[index] - block.start]))
            }
        case .failed(let error):
            let reading = Reading.error(error.description)
            for index in block.pointIndexes { samples[index].reading = reading }
        }
    }
}

/// The point tables of an engine's pollers, one per distinct profile (or
/// poll group's part of one): a thousand devices of one model share a table.
final class PointTables: Sendable {
    private let tables = Mutex<[String: [PointTable]]>([:])

    /// The table of `profile`, made on first use. Pollers ask once, as they start.
    func table(for profile: DeviceProfile) -> PointTable {
        tables.withLock { byId in
            // Devices without poll groups share the loaded profile's storage, so this compare is quick.
            if let known = byId[profile.profile]?.first(where: { $0.profile == profile }) { return known }
            let fresh = PointTable(profile: profile)
            byId[profile.profile, default: []].append(fresh)
            return fresh
        }
    }
}
