// `POST /api/boost`: the command line's `pumpgw boost --config` over the
// window, for a local tool that cannot run the command. The same checks
// (BoostAdmission) and the same `boosts` table; source "http".
//
// Writing through a socket is a door the read-only window did not have, so
// it is narrow:
// - only on a loopback listener (127.0.0.0/8, ::1): anyone on the network
//   could boost otherwise (403 on any other address);
// - only with the header `X-Pumpgw: boost`: a web page in a browser on the
//   box cannot send a custom header without a CORS preflight, which this
//   server never grants, so no page can boost through the user's browser;
// - no body: the parameters are in the query, as on the command line
//   (`station`, `device`, `interval`, `for`, `reason`, `history`).
// `GET /api/boost` lists the boosts in force, as `pumpgw boost --list --json`.

import Foundation
import HTTPServer
import Profiles
import Store

enum BoostAPI {
    static let header = "x-pumpgw"

    static func respond(_ request: HTTPRequest, config: LoadedConfig, storePath: String, loopback: Bool, now: Date) -> HTTPResponse {
        do {
            guard request.method == "POST" else {
                return json(200, ["boosts": try BoostTable(path: storePath, readOnly: true).active(at: now).map(object)])
            }
            if let refusal = refusal(request, loopback: loopback) { return refusal }
            return try add(request, config: config, storePath: storePath, now: now)
        } catch {
            return .jsonError(503, "the boosts table cannot be used: \(error)")
        }
    }

    /// 403 off loopback, or without the header; nil: the POST may go on.
    static func refusal(_ request: HTTPRequest, loopback: Bool) -> HTTPResponse? {
        guard loopback else {
            return .jsonError(403, "boosts over HTTP need a loopback listener (http.listen 127.0.0.1:PORT); on the box, use pumpgw boost")
        }
        guard request.header(header) == "boost" else {
            return .jsonError(403, "send the header 'X-Pumpgw: boost' (it keeps web pages in a browser on this box from boosting)")
        }
        return nil
    }

    private static func add(_ request: HTTPRequest, config: LoadedConfig, storePath: String, now: Date) throws -> HTTPResponse {
        guard let station = request.parameter("station") else { return .jsonError(400, "give station=ID") }
        let device = request.parameter("device")
        let admission = BoostAdmission(config: config)
        if let problem = admission.unknownTarget(station: station, device: device) { return .jsonError(404, problem) }
        guard let interval = request.parameter("interval").flatMap(DurationText.parse), interval > .zero else {
            return .jsonError(400, "give interval=D, a duration such as 200ms")
        }
        guard let duration = request.parameter("for").flatMap(DurationText.parse), duration > .zero else {
            return .jsonError(400, "give for=D, a duration such as 2h")
        }
        let history = request.parameter("history") ?? "every"
        guard ["every", "exception"].contains(history) else { return .jsonError(400, "history must be every or exception") }
        let until = now.addingTimeInterval(duration.seconds)
        let boost = BoostRequest(station: station, device: device, interval: interval, from: now, until: until, source: .http)
        let table = try BoostTable(path: storePath)
        switch admission.check(boost, active: try table.active(at: now), at: now) {
        case .failure(let refusal):
            return .jsonError(422, "refused: \(refusal.message)")
        case .success(let notes):
            var record = BoostRecord(station: station, device: device, intervalMilliseconds: Int64(interval.seconds * 1000),
                                     created: now, until: until, reason: request.parameter("reason") ?? "",
                                     source: BoostSource.http.description, history: history)
            record.id = try table.add(record)
            return json(200, ["boost": object(record), "notes": notes])
        }
    }

    /// One boost as `pumpgw boost --list --json` prints it.
    static func object(_ boost: BoostRecord) -> [String: Any] {
        ["station": boost.station, "device": boost.device ?? NSNull(), "interval_ms": boost.intervalMilliseconds,
         "until": ISO8601DateFormatter().string(from: boost.until), "reason": boost.reason, "source": boost.source,
         "history": boost.history]
    }

    static func json(_ status: Int, _ document: [String: Any]) -> HTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return HTTPResponse(status: status, contentType: "application/json", body: Array(data) + [0x0A])
    }
}
