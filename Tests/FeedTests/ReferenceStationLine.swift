// The plain `pump_station` encoder, kept in the tests as the reference the
// production `StationLineEncoder` is compared with byte for byte: the good
// points as fields through `LineProtocol.line` (which sorts and escapes the
// tags and keeps the first of a repeated field name), no caches.

import Telemetry
@testable import Feed

extension FeedLines {
    /// The reference station line of `sample`: nil when no point is good.
    func station(_ sample: DeviceSample) -> String? {
        let fields = sample.points.compactMap { point -> (String, FieldValue)? in
            guard point.reading.quality.isGood, let value = point.reading.value else { return nil }
            return (point.name, FieldValue(value))
        }
        return LineProtocol.line(measurement: Self.stationMeasurement, tags: Self.stationTags(sample.identity),
                                 fields: fields, time: sample.time, precision: precision)
    }
}
