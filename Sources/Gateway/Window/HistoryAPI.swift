// `GET /api/history?point=STATION/DEVICE/POINT&since=1h[&every=10s]`: one
// point's stored history as JSON, or CSV with `Accept: text/csv`; with
// `every`, min/max/mean of the good numeric values per bucket instead.
// Errors are JSON with a message; a point the config does not have is 404.

import Decoding
import Foundation
import Telemetry
import HTTPServer
import Profiles
import Store

enum HistoryAPI {
    /// The longest `since` served (a day's history of one point is ~86k rows at 1 s).
    static let maxSince = 31.0 * 86_400
    static let maxBuckets = 10_000

    struct Query: Equatable {
        var station, device, point: String
        var since: Double
        var every: Double?
        var csv: Bool
    }

    /// The query a request asks for, or the 400 that says what is wrong.
    static func query(_ request: HTTPRequest) -> Result<Query, HTTPResponseError> {
        guard let pointText = request.parameter("point") else {
            return .failure(.init(400, "give point=STATION/DEVICE/POINT, e.g. point=FT-0412/ctrl1/outlet_pressure"))
        }
        let parts = pointText.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts.contains(where: \.isEmpty) else {
            return .failure(.init(400, "point must be STATION/DEVICE/POINT, not '\(pointText)'"))
        }
        let sinceText = request.parameter("since") ?? "1h"
        guard let since = DurationText.parse(sinceText)?.seconds, since > 0, since <= maxSince else {
            return .failure(.init(400, "since must be a duration from 1s to 31d such as 30m or 6h, not '\(sinceText)'"))
        }
        var every: Double?
        if let everyText = request.parameter("every") {
            guard let seconds = DurationText.parse(everyText)?.seconds, seconds >= 1 else {
                return .failure(.init(400, "every must be a duration of 1s or more such as 10s or 5m, not '\(everyText)'"))
            }
            guard since / seconds <= Double(maxBuckets) else {
                return .failure(.init(400, "since/every gives more than \(maxBuckets) buckets; choose a larger every"))
            }
            every = seconds
        }
        let csv = (request.header("accept") ?? "").lowercased().contains("text/csv")
        return .success(Query(station: parts[0], device: parts[1], point: parts[2], since: since, every: every, csv: csv))
    }

    struct Bucket: Equatable {
        var start: Date
        var count: Int
        var min, max, mean: Double
    }

    /// Min/max/mean of the good numeric samples per `every` seconds, buckets
    /// aligned to multiples of `every` since the epoch; empty buckets left out.
    static func buckets(_ samples: [HistorySample], every: Double) -> [Bucket] {
        var byStart: [Double: (count: Int, min: Double, max: Double, sum: Double)] = [:]
        for sample in samples {
            guard sample.quality.isGood, let value = sample.value?.number, value.isFinite else { continue }
            let start = (sample.time.timeIntervalSince1970 / every).rounded(.down) * every
            let old = byStart[start] ?? (0, .infinity, -.infinity, 0)
            byStart[start] = (old.count + 1, Swift.min(old.min, value), Swift.max(old.max, value), old.sum + value)
        }
        return byStart.keys.sorted().map { start in
            let entry = byStart[start]!
            return Bucket(start: Date(timeIntervalSince1970: start), count: entry.count, min: entry.min, max: entry.max,
                          mean: entry.sum / Double(entry.count))
        }
    }

    static func respond(_ request: HTTPRequest, config: LoadedConfig, store: StationStore, now: Date) -> HTTPResponse {
        let query: Query
        switch Self.query(request) {
        case .failure(let error): return .jsonError(error.status, error.message)
        case .success(let parsed): query = parsed
        }
        let key = "\(query.station)/\(query.device)/\(query.point)"
        guard let device = config.devices.first(where: { $0.station.id == query.station && $0.config.id == query.device }),
              let point = device.profile.points.first(where: { $0.name == query.point }) else {
            return .jsonError(404, "no point \(key) in this gateway's config")
        }
        let samples: [HistorySample]
        do {
            samples = try store.read { try $0.history(station: query.station, device: query.device, point: query.point,
                                                      since: now.addingTimeInterval(-query.since), limit: 200_000) }
        } catch {
            return .jsonError(503, "the store cannot be read: \(error)")
        }
        if let every = query.every {
            let buckets = Self.buckets(samples, every: every)
            if query.csv {
                let rows = buckets.map { "\(StatusDocument.timestamp($0.start)),\($0.count),\(Value.format($0.min)),\(Value.format($0.max)),\(Value.format($0.mean))" }
                return csv(["start,count,min,max,mean"] + rows)
            }
            struct Document: Encodable { var point: String; var unit: String; var every: Double; var buckets: [BucketJSON] }
            struct BucketJSON: Encodable { var start: String; var count: Int; var min, max, mean: Double }
            return json(Document(point: key, unit: point.unit ?? "", every: every, buckets: buckets.map {
                BucketJSON(start: StatusDocument.timestamp($0.start), count: $0.count, min: $0.min, max: $0.max, mean: $0.mean)
            }))
        }
        if query.csv {
            return csv(["time,value,quality"] + samples.map {
                "\(StatusDocument.timestamp($0.time)),\($0.value?.description ?? ""),\(csvField($0.quality.description))"
            })
        }
        struct Document: Encodable { var point: String; var unit: String; var samples: [SampleJSON] }
        struct SampleJSON: Encodable {
            var time: String
            var reading: PointReadingJSON
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(time, forKey: .time)
                try reading.encode(to: encoder)
            }
            enum CodingKeys: String, CodingKey { case time }
        }
        return json(Document(point: key, unit: point.unit ?? "", samples: samples.map {
            SampleJSON(time: StatusDocument.timestamp($0.time),
                       reading: PointReadingJSON(name: query.point, value: $0.quality.isGood ? $0.value : nil,
                                                 unit: point.unit, quality: $0.quality.description))
        }))
    }

    static func json(_ document: some Encodable) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "application/json", text: StatusDocument.encode(document) + "\n")
    }

    static func csv(_ lines: [String]) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "text/csv; charset=utf-8", text: lines.joined(separator: "\r\n") + "\r\n")
    }

    static func csvField(_ text: String) -> String { StatusDocument.csvField(text) }
}

struct HTTPResponseError: Error, Equatable {
    var status: Int
    var message: String
    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}
