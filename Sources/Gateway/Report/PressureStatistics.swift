// The statistics of `pumpgw report pressure`: per local hour and per local
// day, min, max, mean, standard deviation (population, as the instability
// rule has it), peak to peak, the excursions below the low limit and the
// longest of them; and the worst hours. Pure: samples in, buckets out.

import Foundation

public struct PressureBucket: Sendable, Equatable {
    /// The local hour's (or day's) start.
    public var start: Date
    public var count = 0
    public var min = Double.infinity
    public var max = -Double.infinity
    public var mean = 0.0
    /// Welford's running sum of squared deviations.
    var squares = 0.0
    /// Excursions below the low limit that began in this bucket.
    public var excursions = 0
    /// The longest of them, seconds (from the first sample below to the first back at or above).
    public var longestExcursion: TimeInterval = 0

    init(start: Date) { self.start = start }

    public var standardDeviation: Double { count > 0 ? (squares / Double(count)).squareRoot() : 0 }
    public var peakToPeak: Double { count > 0 ? max - min : 0 }

    mutating func add(_ value: Double) {
        count += 1
        min = Swift.min(min, value)
        max = Swift.max(max, value)
        let delta = value - mean
        mean += delta / Double(count)
        squares += delta * (value - mean)
    }
}

public struct PressureStatistics: Sendable {
    public private(set) var hours: [PressureBucket] = []
    public private(set) var days: [PressureBucket] = []
    public let low: Double?
    private let calendar: Calendar
    /// The excursion in progress: when it began, and the buckets it began in.
    private var excursionStart: (time: Date, hour: Int, day: Int)?
    /// Where the last hour and day end: a sample before them and after their
    /// start goes in without asking the calendar (a week of 100 ms polls is
    /// 6 M samples; the calendar costs microseconds a call).
    private var hourEnd = Date.distantPast, dayEnd = Date.distantPast

    public init(low: Double?, timeZone: TimeZone) {
        self.low = low
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// Adds samples in time order. One that comes late (before the last
    /// hour's start: frames after a clock step) goes into its own hour and
    /// day but counts in no excursion.
    public mutating func add(_ value: Double, at time: Date) {
        if let hour = hours.last, time < hour.start { return addLate(value, at: time) }
        if time >= hourEnd {
            let interval = calendar.dateInterval(of: .hour, for: time) ?? DateInterval(start: time, duration: 3600)
            hours.append(PressureBucket(start: interval.start))
            hourEnd = interval.end
        }
        if time >= dayEnd {
            let interval = calendar.dateInterval(of: .day, for: time) ?? DateInterval(start: time, duration: 86400)
            days.append(PressureBucket(start: interval.start))
            dayEnd = interval.end
        }
        hours[hours.count - 1].add(value)
        days[days.count - 1].add(value)
        guard let low else { return }
        if value < low, excursionStart == nil {
            excursionStart = (time, hours.count - 1, days.count - 1)
            hours[hours.count - 1].excursions += 1
            days[days.count - 1].excursions += 1
        } else if value >= low, let start = excursionStart {
            endExcursion(start, at: time)
        }
    }

    private mutating func addLate(_ value: Double, at time: Date) {
        let hour = Self.add(value, to: &hours, start: calendar.dateInterval(of: .hour, for: time)?.start ?? time)
        let day = Self.add(value, to: &days, start: calendar.startOfDay(for: time))
        // A bucket inserted before the excursion's moves it one place on.
        if let start = excursionStart {
            excursionStart = (start.time, start.hour + (hour.inserted && hour.index <= start.hour ? 1 : 0),
                              start.day + (day.inserted && day.index <= start.day ? 1 : 0))
        }
    }

    /// Adds to the bucket that starts at `start`, made in its place among the others if missing.
    private static func add(_ value: Double, to buckets: inout [PressureBucket], start: Date) -> (index: Int, inserted: Bool) {
        if let index = buckets.lastIndex(where: { $0.start == start }) {
            buckets[index].add(value)
            return (index, false)
        }
        let index = buckets.firstIndex { $0.start > start } ?? buckets.count
        var bucket = PressureBucket(start: start)
        bucket.add(value)
        buckets.insert(bucket, at: index)
        return (index, true)
    }

    /// Closes an excursion still open at the end of the data (its length so far).
    public mutating func finish(at time: Date) {
        if let start = excursionStart { endExcursion(start, at: time) }
    }

    private mutating func endExcursion(_ start: (time: Date, hour: Int, day: Int), at time: Date) {
        let length = time.timeIntervalSince(start.time)
        hours[start.hour].longestExcursion = Swift.max(hours[start.hour].longestExcursion, length)
        days[start.day].longestExcursion = Swift.max(days[start.day].longestExcursion, length)
        excursionStart = nil
    }

    /// The hours where the pressure wavered most: by standard deviation, then peak to peak.
    public func worstHours(_ count: Int) -> [PressureBucket] {
        Array(hours.sorted { ($0.standardDeviation, $0.peakToPeak) > ($1.standardDeviation, $1.peakToPeak) }.prefix(count))
    }
}
