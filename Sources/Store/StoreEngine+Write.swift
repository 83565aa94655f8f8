// The one writer: a batch of poll cycles, health, alarm events and outbox
// lines in one transaction. History by exception, as frames (one row per
// device poll, see Schema.swift); latest frames when due (StoreEngine+Latest).

import Foundation
import Telemetry

extension StoreEngine {
    /// Writes a batch (several devices' cycles, health, alarm events, outbox
    /// lines) in ONE transaction: all of it or, on error, none of it.
    @discardableResult
    public func write(_ batch: StoreBatch) throws(StoreError) -> WriteReport {
        try writeTransaction { () throws(StoreError) in
            var report = WriteReport()
            for sample in batch.samples { try write(sample, into: &report) }
            if let newest = batch.samples.map(\.time).max() {
                try foldQuietLists(polledBefore: ValueColumns.milliseconds(newest) - Self.quietList)
            }
            for health in batch.health { try write(health) }
            for alarm in batch.alarms { try write(alarm) }
            try appendOutbox(batch.outbox, into: &report)
            if report.outboxLines > 0 { report.droppedLines = try enforceOutboxCap() }
            return report
        }
    }

    /// One poll of one device: a history frame holds the points due by
    /// exception (none: no row); the list's latest frame (every point) is
    /// rewritten only when due (StoreEngine+Latest.swift), its poll time always.
    private func write(_ sample: DeviceSample, into report: inout WriteReport) throws(StoreError) {
        let deviceID = try deviceID(for: sample.identity)
        let time = ValueColumns.milliseconds(sample.time)
        let listKey = PointListKey(deviceID: deviceID, count: sample.points.count, first: sample.points.first?.name ?? "")
        var states = points.removeValue(forKey: listKey) ?? []
        states.reserveCapacity(sample.points.count)  // exact: 100,000 points' states are 14 MB
        defer { points[listKey] = states }
        // Each entry is rendered once (`rendered`, explicit) and copied into
        // the latest frame and, when due by exception, the history frame: both
        // dense (FrameText.swift), so a list whose values are all good is
        // [B,51.3,0.7,...] in both.
        var rendered = FrameText(expectedEntries: sample.points.count)
        var latest = FrameText(expectedEntries: sample.points.count, dense: true)
        var history = FrameText(expectedEntries: sample.points.count, dense: true)
        // The latest frame must be written when the list is new or changed,
        // or when history drops a change a reader would otherwise not see.
        var mustWriteLatest = false
        for (index, point) in sample.points.enumerated() {
            if index == states.count || !states[index].describes(point) {
                let state = try pointState(deviceID: deviceID, identity: sample.identity, point: point)
                if index == states.count { states.append(state) } else { states[index] = state }
                mustWriteLatest = true
            }
            let quality = ValueColumns.column(point.reading.quality)
            let entry = rendered.append(pointID: states[index].id, value: point.reading.value, quality: quality)
            latest.appendCopy(of: entry, from: rendered, pointID: states[index].id, isGood: quality.text == nil)
            if sample.keepsEverySample || historyDue(states[index], value: point.reading.value, quality: quality, time: time) {
                history.appendCopy(of: entry, from: rendered, pointID: states[index].id, isGood: quality.text == nil)
                states[index].historyValue = point.reading.value
                states[index].historyQuality = quality
                states[index].historyTime = time
                states[index].shownValue = point.reading.value
                states[index].shownQuality = quality
                report.historyRows += 1
            } else if !states[index].shows(point.reading.value, quality: quality) {
                mustWriteLatest = true
            }
        }
        guard let firstPointID = states.first?.id else { return }
        if !history.isEmpty {
            let id = try upcomingFrameID()
            nextFrame = id + 1
            try preparedFrameStatements().insertHistory[FrameTable.of(time: time).parity]
                .run([.integer(id), .integer(deviceID), .integer(time), .text(history.closed())])
        }
        if try recordLatest(listKey, firstPointID: firstPointID, time: time, mustWrite: mustWriteLatest, frame: { latest.closed() }) {
            for (index, point) in sample.points.enumerated() {
                states[index].shownValue = point.reading.value
                states[index].shownQuality = ValueColumns.column(point.reading.quality)
            }
            report.latestRows += sample.points.count
        }
    }

    /// Stored when the quality changed, the value moved by more than the
    /// deadband (any change for text), or the heartbeat has passed.
    func historyDue(_ state: PointState, value: Value?, quality: SQLiteValue, time: Int64) -> Bool {
        guard let last = state.historyTime else { return true }
        if Double(time - last) >= state.policy.heartbeat * 1000 { return true }
        if quality != state.historyQuality { return true }
        switch (value, state.historyValue) {
        case (nil, nil): return false
        case (let new?, let old?):
            if case .string = new { return new != old }
            guard let newNumber = new.number, let oldNumber = old.number else { return new != old }
            return abs(newNumber - oldNumber) > state.policy.deadband
        default: return true
        }
    }

    private func write(_ health: DeviceHealth) throws(StoreError) {
        let deviceID = try deviceID(for: health.identity)
        try connection.run("""
            INSERT OR REPLACE INTO device_health
                (device_id, time, connected, poll_ms, errors, consecutive_failures, last_good_poll, last_error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(deviceID), .integer(ValueColumns.milliseconds(health.time)), .integer(health.connected ? 1 : 0),
                  .real(health.pollMilliseconds), SQLiteValue(health.errors), SQLiteValue(health.consecutiveFailures),
                  health.lastGoodPoll.map { .integer(ValueColumns.milliseconds($0)) } ?? .null,
                  SQLiteValue(health.lastError)])
    }

    private func write(_ alarm: AlarmEvent) throws(StoreError) {
        let values: [SQLiteValue] = [.text(alarm.station), .text(alarm.device), .text(alarm.point), .text(alarm.rule),
                                     .text(alarm.severity.rawValue), SQLiteValue(alarm.value), SQLiteValue(alarm.limit),
                                     .integer(ValueColumns.milliseconds(alarm.time)), .text(alarm.message)]
        try connection.run("""
            INSERT INTO alarm_events (station, device, point, rule, severity, value, limit_value, time, message, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, values + [.text(alarm.state.rawValue)])
        switch alarm.state {
        case .raised:
            try connection.run("""
                INSERT OR REPLACE INTO active_alarms (station, device, point, rule, severity, value, limit_value, time, message, key)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, values + [.text(alarm.key)])
        case .cleared:
            try connection.run("DELETE FROM active_alarms WHERE key = ?", [.text(alarm.key)])
        }
    }

    // MARK: metadata

    func deviceID(for identity: DeviceIdentity) throws(StoreError) -> Int64 {
        let key = "\(identity.station)/\(identity.device)"
        if let cached = deviceIDs[key], cached.profile == identity.profile { return cached.id }
        let tags = identity.tags.sorted { $0.key < $1.key }
            .map { "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))" }.joined(separator: ",")
        let stationID = try connection.scalar("""
            INSERT INTO stations (name, tags) VALUES (?, ?)
            ON CONFLICT (name) DO UPDATE SET tags = excluded.tags RETURNING id
            """, [.text(identity.station), .text("{\(tags)}")])?.integer
        let deviceID = try connection.scalar("""
            INSERT INTO devices (station_id, name, profile) VALUES (?, ?, ?)
            ON CONFLICT (station_id, name) DO UPDATE SET profile = excluded.profile RETURNING id
            """, [stationID.map { .integer($0) } ?? .null, .text(identity.device), .text(identity.profile)])?.integer
        guard let deviceID else {
            throw .sqlite(code: .constraint, message: "no row id for device \(key)", sql: nil)
        }
        deviceIDs[key] = (deviceID, identity.profile)
        return deviceID
    }

    /// The point's row, upserted (a new point, or its unit or kind changed).
    private func pointState(deviceID: Int64, identity: DeviceIdentity, point: PointSample) throws(StoreError) -> PointState {
        let kind = point.reading.value.map(ValueColumns.kind)
        let rows = try connection.rows("""
            INSERT INTO points (device_id, name, unit, kind) VALUES (?1, ?2, ?3, coalesce(?4, 'double'))
            ON CONFLICT (device_id, name) DO UPDATE SET unit = excluded.unit, kind = coalesce(?4, kind)
            RETURNING id, kind
            """, [.integer(deviceID), .text(point.name), SQLiteValue(point.unit), SQLiteValue(kind)]) { row in
            (row[0].integer ?? 0, row[1].text ?? "double")
        }
        guard let (pointID, storedKind) = rows.first else {
            throw .sqlite(code: .constraint, message: "no row id for point \(point.name)", sql: nil)
        }
        // The by-exception memory starts empty: the first poll after a start is stored whole.
        return PointState(id: pointID, name: point.name, unit: point.unit, kind: storedKind,
                          policy: options.historyPolicy(station: identity.station, device: identity.device, point: point.name),
                          historyValue: nil, historyQuality: .null, historyTime: nil)
    }
}
