// A daily window of local time ("02:00" to "04:00") in a time zone, possibly
// crossing midnight, and the occurrence of it that contains an instant.

import Foundation
import Profiles

/// A local time of day, minutes since midnight.
public struct LocalTime: Sendable, Equatable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// "02:00" or "2:00"; nil unless HH:MM with 0-23 and 0-59.
    public init?(parsing text: String) {
        guard let (hour, minute) = LocalTimeText.parse(text) else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public var description: String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    var minutesSinceMidnight: Int { hour * 60 + minute }
}

public struct DailyWindow: Sendable, Equatable, CustomStringConvertible {
    public var from: LocalTime
    /// At or before `from`: the window ends the next day.
    public var to: LocalTime
    public var timeZone: TimeZone

    public init(from: LocalTime, to: LocalTime, timeZone: TimeZone) {
        self.from = from
        self.to = to
        self.timeZone = timeZone
    }

    public var description: String { "\(from)-\(to) \(timeZone.identifier)" }

    /// The occurrence of the window that contains `time`, or nil outside the window.
    public func occurrence(containing time: Date) -> DateInterval? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = calendar.startOfDay(for: time)
        for dayOffset in [-1, 0] {
            guard let day = calendar.date(byAdding: .day, value: dayOffset, to: today),
                  let occurrence = occurrence(startingOn: day, calendar: calendar) else { continue }
            if occurrence.start <= time && time < occurrence.end { return occurrence }
        }
        return nil
    }

    /// The occurrence that starts on the local day beginning at `day`. A
    /// local time that a DST change skips moves forward to the next valid one.
    func occurrence(startingOn day: Date, calendar: Calendar) -> DateInterval? {
        let crossesMidnight = to.minutesSinceMidnight <= from.minutesSinceMidnight
        guard let endDay = calendar.date(byAdding: .day, value: crossesMidnight ? 1 : 0, to: day),
              let start = localDate(from, on: day, calendar: calendar),
              let end = localDate(to, on: endDay, calendar: calendar),
              end > start else { return nil }
        return DateInterval(start: start, end: end)
    }

    private func localDate(_ time: LocalTime, on day: Date, calendar: Calendar) -> Date? {
        var components = calendar.dateComponents([.year, .month, .day], from: day)
        components.hour = time.hour
        components.minute = time.minute
        components.second = 0
        return calendar.date(from: components)
    }
}
