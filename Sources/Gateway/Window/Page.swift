// `GET /`: the page an engineer opens on site. One card per station with
// its devices' connection state, live values with units and quality (a bad
// or stale value is shown as such, never as a number), active alarms in the
// utility's grade colours, the last hour's trend of the key points, and a
// line on the outbox and the feed. Plain HTML and CSS, no script, no
// external files; it reloads itself every few seconds and fits a phone.

import Decoding
import Feed
import Foundation
import Telemetry
import Profiles
import Rules
import Store

enum Page {
    /// Points drawn in a station's trend, in this order, when its devices have them.
    static let keyPoints = ["outlet_pressure", "inlet_pressure", "flow"]
    static let refreshSeconds = 5
    /// Up to this many stations and points, every station gets a full card; beyond it the
    /// page stays light: compact cards (key points, alarms) for the stations
    /// in trouble first, up to `compactLimit`, then links; `/?station=ID`
    /// shows one station in full.
    static let fullLimit = 12
    /// A full row is ~100 bytes: 500 of them keep the page well under 100 KB.
    static let fullPointLimit = 500
    static let compactLimit = 60

    struct Layout {
        var full: [StationStatus] = []
        var compact: [StationStatus] = []
        var others: [String] = []
    }

    static func layout(_ stations: [StationStatus], selected: String?) -> Layout {
        if let selected { return Layout(full: stations.filter { $0.station == selected }) }
        let points = stations.reduce(0) { $0 + $1.devices.reduce(0) { $0 + $1.points.count } }
        if stations.count <= fullLimit && points <= fullPointLimit { return Layout(full: stations) }
        func inTrouble(_ station: StationStatus) -> Bool {
            station.devices.contains { !$0.activeAlarms.isEmpty || $0.health?.connected == false }
        }
        let ordered = stations.filter(inTrouble) + stations.filter { !inTrouble($0) }
        return Layout(compact: Array(ordered.prefix(compactLimit)), others: ordered.dropFirst(compactLimit).map(\.station))
    }

    struct Input {
        var gatewayId: String
        var layout: Layout
        var config: LoadedConfig
        var trends: [String: [TrendSeries]]
        var outboxLines: Int?
        var outboxOldest: Date?
        var feed: FeedStatus?
        var now: Date
    }

    static func html(_ input: Input) -> String {
        var out = """
            <!doctype html><html lang="en"><head><meta charset="utf-8">\
            <meta name="viewport" content="width=device-width,initial-scale=1">\
            <meta http-equiv="refresh" content="\(refreshSeconds)">\
            <title>\(escape(input.gatewayId)) · pumpgw</title><style>\(style)</style></head><body>
            <header><h1>\(escape(input.gatewayId))</h1><p class="state" id="feed-state">\(escape(stateLine(input)))</p></header>
            <main>
            """
        let names = Dictionary(input.config.config.stations.map { ($0.id, $0.name ?? "") }, uniquingKeysWith: { a, _ in a })
        let layout = input.layout
        if layout.full.isEmpty && layout.compact.isEmpty { out += "<p>No device has been polled yet.</p>" }
        for station in layout.full {
            out += card(station, name: names[station.station] ?? "", input: input)
        }
        for station in layout.compact {
            out += compactCard(station, name: names[station.station] ?? "", input: input)
        }
        if !layout.others.isEmpty {
            out += "<section class=\"station others\"><h2>\(layout.others.count) more stations</h2><p>"
            out += layout.others.map { "<a href=\"/?station=\(escape($0))\">\(escape($0))</a>" }.joined(separator: " ")
            out += "</p></section>"
        }
        out += "</main><footer>pumpgw · reloads every \(refreshSeconds) s · \(StatusDocument.timestamp(input.now))</footer></body></html>\n"
        return out
    }

    static func card(_ station: StationStatus, name: String, input: Input) -> String {
        var out = "<section class=\"station\" id=\"station-\(escape(station.station))\">"
        out += "<h2>\(escape(station.station)) <small>\(escape(name))</small></h2>"
        out += alarmList(station, now: input.now)
        let series = input.trends[station.station] ?? []
        for unit in uniqueUnits(series) {
            if let chart = TrendChart.svg(series.filter { $0.unit == unit }, start: input.now.addingTimeInterval(-3600), end: input.now) {
                out += chart
            }
        }
        for device in station.devices {
            out += deviceBlock(device, interval: interval(station.station, device.device, input.config), now: input.now)
        }
        return out + "</section>\n"
    }

    /// A station in a few lines: alarms, and per device its state and key points.
    static func compactCard(_ station: StationStatus, name: String, input: Input) -> String {
        var out = "<section class=\"station\" id=\"station-\(escape(station.station))\">"
        out += "<h2><a href=\"/?station=\(escape(station.station))\">\(escape(station.station))</a> <small>\(escape(name))</small></h2>"
        out += alarmList(station, now: input.now)
        for device in station.devices {
            var key = device
            key.points = device.points.filter { keyPoints.contains($0.name) }
            if key.points.isEmpty { key.points = Array(device.points.prefix(4)) }   // a profile without them
            out += deviceBlock(key, interval: interval(station.station, device.device, input.config), now: input.now)
        }
        return out + "</section>\n"
    }

    static func alarmList(_ station: StationStatus, now: Date) -> String {
        let alarms = station.devices.flatMap(\.activeAlarms).sorted { ($0.severity, $0.time) < ($1.severity, $1.time) }
        guard !alarms.isEmpty else { return "" }
        var out = "<ul class=\"alarms\">"
        for alarm in alarms {
            out += "<li class=\"sev-\(alarm.severity.rawValue)\"><b>\(alarm.severity.rawValue.uppercased())</b> "
            out += "\(escape(alarm.device))\(alarm.point.isEmpty ? "" : "/" + escape(alarm.point)) \(escape(alarm.message)) "
            out += "<span class=\"age\">\(age(now.timeIntervalSince(alarm.time))) ago</span></li>"
        }
        return out + "</ul>"
    }

    static func deviceBlock(_ device: DeviceStatus, interval: Double, now: Date) -> String {
        let connection: String
        if let health = device.health {
            connection = health.connected
                ? "<span class=\"conn ok\">connected</span>"
                : "<span class=\"conn down\">DISCONNECTED: \(escape(health.lastError ?? "no answer"))</span>"
        } else {
            connection = "<span class=\"conn\">unknown</span>"
        }
        var out = "<div class=\"device\"><h3>\(escape(device.device)) \(connection)</h3><table>"
        // Stale: older than three intervals (and 10 s): the value no longer describes the room.
        let staleAfter = max(10, 3 * interval)
        // The key points first: they are what a person looks for.
        let ordered = keyPoints.compactMap { name in device.points.first { $0.name == name } }
            + device.points.filter { !keyPoints.contains($0.name) }
        for point in ordered {
            let ageSeconds = point.time.map { now.timeIntervalSince($0) }
            let valueCell: String, qualityCell: String
            if !point.quality.isGood || point.value == nil {
                valueCell = "<td class=\"v bad\">—</td>"
                let kind = point.quality.description.prefix { $0 != ":" }
                qualityCell = "<td class=\"q bad\" title=\"\(escape(point.quality.description))\">\(escape(String(kind)))</td>"
            } else if let ageSeconds, ageSeconds > staleAfter {
                valueCell = "<td class=\"v stale\">—</td>"
                qualityCell = "<td class=\"q stale\">stale \(age(ageSeconds))</td>"
            } else {
                valueCell = "<td class=\"v\">\(escape(point.value?.description ?? ""))</td>"
                qualityCell = "<td class=\"q\">good</td>"
            }
            out += "<tr><td>\(escape(point.name))</td>\(valueCell)<td class=\"u\">\(escape(point.unit ?? ""))</td>\(qualityCell)</tr>"
        }
        return out + "</table></div>"
    }

    static func stateLine(_ input: Input) -> String {
        var outbox = "Outbox: " + (input.outboxLines.map { "\($0) lines" } ?? "unknown")
        if let oldest = input.outboxOldest { outbox += ", oldest \(age(input.now.timeIntervalSince(oldest)))" }
        var feed = "Feed: " + (input.feed?.state.name ?? "unknown")
        if let success = input.feed?.lastSuccess { feed += ", last sent \(age(input.now.timeIntervalSince(success))) ago" }
        if let error = input.feed?.lastError, input.feed?.state != .ok { feed += " (\(error))" }
        return outbox + " · " + feed
    }

    static func interval(_ station: String, _ device: String, _ config: LoadedConfig) -> Double {
        config.devices.first { $0.station.id == station && $0.config.id == device }?.interval.seconds ?? 1
    }

    static func uniqueUnits(_ series: [TrendSeries]) -> [String] {
        var seen: [String] = []
        for entry in series where !seen.contains(entry.unit) { seen.append(entry.unit) }
        return seen
    }

    static func age(_ seconds: TimeInterval) -> String { StatusDocument.age(seconds) }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    static let style = """
        body{font:15px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f23}\
        header{background:#263238;color:#fff;padding:.6em 1em}h1{font-size:1.2em;margin:0}\
        .state{margin:.2em 0 0;font-size:.9em;opacity:.9}\
        main{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:.8em;padding:.8em}\
        .station{min-width:0;background:#fff;border-radius:6px;padding:.6em .8em;box-shadow:0 1px 2px #0002}\
        h2{font-size:1.1em;margin:.1em 0 .4em}h2 small{font-weight:normal;color:#555}h3{font-size:1em;margin:.6em 0 .2em}\
        table{width:100%;border-collapse:collapse;font-size:.92em;table-layout:fixed}\
        td{padding:.1em .3em;border-bottom:1px solid #eee;overflow-wrap:anywhere}td:first-child{width:44%}\
        td.u{width:14%}td.q{width:16%}\
        td.v{text-align:right;font-variant-numeric:tabular-nums;font-weight:600}td.u,td.q{color:#555}\
        .bad{color:#b71c1c!important}.stale{color:#8d6e00!important}\
        .conn{font-size:.8em;font-weight:normal;padding:0 .4em;border-radius:3px;background:#ddd}\
        .conn.ok{background:#c8e6c9}.conn.down{background:#ffcdd2}\
        ul.alarms{list-style:none;padding:0;margin:.2em 0}ul.alarms li{padding:.3em .5em;margin:.2em 0;border-radius:4px}\
        .sev-critical{background:#d32f2f;color:#fff}.sev-major{background:#f57c00;color:#fff}\
        .sev-minor{background:#fbc02d;color:#000}.sev-warning{background:#1976d2;color:#fff}.age{opacity:.8;font-size:.85em}\
        figure{margin:.3em 0}svg.trend{width:100%;height:auto;font-size:10px}svg .plot{fill:#fafafa;stroke:#ccc}\
        figcaption{font-size:.85em}.unit{color:#555}footer{font-size:.8em;color:#666;padding:0 1em 1em}
        """
}
