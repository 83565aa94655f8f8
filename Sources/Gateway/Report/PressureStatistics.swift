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

    public init(low: Double?, timeZone: TimeZone) {
        self.low = low
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// Adds samples in time order.
    public mutating func add(_ value: Double, at time: Date) {
        let hourStart = calendar.dateInterval(of: .hour, for: time)?.start ?? time
        let dayStart = calendar.startOfDay(for: time)
        if hours.last?.start != hourStart { hours.append(PressureBucket(start: hourStart)) }
        if days.last?.start != dayStart { days.append(PressureBucket(start: dayStart)) }
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
