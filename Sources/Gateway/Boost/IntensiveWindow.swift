// A configured intensive window (`stations[].intensive`): on the listed
// days, from one local time to another in the gateway's time zone, the
// station (or the listed devices) is polled at the window's interval. A
// window whose `to` is at or before its `from` crosses midnight and belongs
// to the day it starts on. Local times that a DST change skips move to the
// next valid time (DailyWindow), so a window is as long as the clock on
// the wall says, not as the UTC clock says.

import Foundation
import Rules

public struct IntensiveWindow: Sendable, Equatable {
    public var station: String
    /// nil: every device of the station.
    public var devices: [String]?
    /// Calendar weekdays, 1 = Sunday ... 7 = Saturday (Foundation's numbering).
    public var weekdays: Set<Int>
    public var daily: DailyWindow
    public var interval: Duration

    public init(station: String, devices: [String]? = nil, weekdays: Set<Int>, daily: DailyWindow, interval: Duration) {
        self.station = station
        self.devices = devices
        self.weekdays = weekdays
        self.daily = daily
        self.interval = interval
    }

    /// "sun" ... "sat" as Foundation numbers them.
    public static let dayNames = ["sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7]

    /// The occurrence in force at `time`, if any.
    public func occurrence(containing time: Date) -> DateInterval? {
        guard let occurrence = daily.occurrence(containing: time) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = daily.timeZone
        // The day the occurrence started on decides, also after midnight.
        return weekdays.contains(calendar.component(.weekday, from: occurrence.start)) ? occurrence : nil
    }

    /// The window's boost requests in force at `time` (one per listed device,
    /// or one for the whole station).
    public func requests(at time: Date) -> [BoostRequest] {
        guard let occurrence = occurrence(containing: time) else { return [] }
        let reason = "intensive window \(daily.from)-\(daily.to)"
        let targets: [String?] = devices ?? [nil]
        return targets.map { device in
            BoostRequest(station: station, device: device, interval: interval, from: occurrence.start,
                         until: occurrence.end, reason: reason, source: .schedule)
        }
    }
}
