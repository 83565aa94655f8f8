// Reads for `pumpgw status`: latest values (latest frames and the history
// frames written after them, never older history), device health, active alarms. History reads are in StoreEngine+History.swift.

import Foundation
import Telemetry

/// One point's latest value.
public struct PointStatus: Sendable, Equatable {
    public var name: String
    public var unit: String?
    /// nil unless the quality is good.
    public var value: Value?
    public var quality: Quality
    /// When it was read (nil: never).
    public var time: Date?
}

public struct DeviceStatus: Sendable, Equatable {
    public var station: String
    public var device: String
    public var profile: String
    /// The last health record (nil: none written yet).
    public var health: DeviceHealth?
    public var points: [PointStatus]
    public var activeAlarms: [AlarmEvent]
}

public struct StationStatus: Sendable, Equatable {
    public var station: String
    public var tags: [String: String]
    public var devices: [DeviceStatus]
}

extension StoreEngine {
    /// The alarms raised and not cleared, oldest first: restored after a restart.
    public func activeAlarms() throws(StoreError) -> [AlarmEvent] {
        try connection.rows("""
            SELECT station, device, point, rule, severity, value, limit_value, time, message
            FROM active_alarms ORDER BY time, key
            """) { row in
            AlarmEvent(station: row[0].text ?? "", device: row[1].text ?? "", point: row[2].text ?? "",
                       rule: row[3].text ?? "", severity: Severity(rawValue: row[4].text ?? "") ?? .critical,
                       state: .raised, value: row[5].real, limit: row[6].real,
                       time: ValueColumns.date(row[7].integer ?? 0), message: row[8].text ?? "")
        }
    }

    /// Per station and device: latest values, health and active alarms.
    public func status() throws(StoreError) -> [StationStatus] {
        let alarms = Dictionary(grouping: try activeAlarms()) { "\($0.station)/\($0.device)" }
        let devices = try connection.rows("""
            SELECT d.id, s.name, s.tags, d.name, d.profile, h.time, h.connected, h.poll_ms, h.errors,
                   h.consecutive_failures, h.last_good_poll, h.last_error
            FROM devices d JOIN stations s ON s.id = d.station_id
            LEFT JOIN device_health h ON h.device_id = d.id
            ORDER BY s.name, d.name
            """) { row in
            let identity = DeviceIdentity(station: row[1].text ?? "", device: row[3].text ?? "",
                                          profile: row[4].text ?? "", tags: Self.tags(row[2].text))
            let health = row[5].integer.map { time in
                DeviceHealth(identity: identity, time: ValueColumns.date(time), connected: row[6].integer == 1,
                             pollMilliseconds: row[7].real ?? 0, errors: Int(row[8].integer ?? 0),
                             consecutiveFailures: Int(row[9].integer ?? 0),
                             lastGoodPoll: ValueColumns.date(row[10]), lastError: row[11].text)
            }
            return (id: row[0].integer ?? 0, identity: identity, health: health)
        }
        // Each point's latest frame entry with the newer history frames laid
        // over it (LatestOverlay.swift; the rule: Schema+LatestOverlay.swift).
        let newest = try LatestOverlay.readings(connection)
        let points = Dictionary(grouping: try connection.rows("""
            SELECT device_id, id, name, unit, kind FROM points ORDER BY device_id, id
            """) { row in
            let latest = newest[row[1].integer ?? 0]
            return (device: row[0].integer ?? 0,
                    point: PointStatus(name: row[2].text ?? "", unit: row[3].text,
                                       value: latest.flatMap { ValueColumns.value($0.entry.value, kind: row[4].text ?? "double") },
                                       quality: ValueColumns.quality(SQLiteValue(latest?.entry.quality)),
                                       time: latest.map { ValueColumns.date($0.time) }))
        }) { $0.device }
        var stations: [StationStatus] = []
        for device in devices {
            let status = DeviceStatus(station: device.identity.station, device: device.identity.device,
                                      profile: device.identity.profile, health: device.health,
                                      points: points[device.id]?.map(\.point) ?? [],
                                      activeAlarms: alarms["\(device.identity.station)/\(device.identity.device)"] ?? [])
            if stations.last?.station == device.identity.station {
                stations[stations.count - 1].devices.append(status)
            } else {
                stations.append(StationStatus(station: device.identity.station, tags: device.identity.tags, devices: [status]))
            }
        }
        return stations
    }

    /// `PRAGMA integrity_check`: ["ok"] for a sound database.
    public func integrityCheck() throws(StoreError) -> [String] {
        try connection.rows("PRAGMA integrity_check") { $0[0].text ?? "" }
    }

    private static func tags(_ json: String?) -> [String: String] {
        guard let data = json?.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else { return [:] }
        return object
    }
}
