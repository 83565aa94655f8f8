// The page's trend charts: SVG drawn here, no script. One chart per unit
// (pressures share MPa, flow has its own scale), one polyline per point,
// broken where the value was bad; at most one vertex per `step` seconds.

import Decoding
import Foundation
import Telemetry
import Store

struct TrendSeries {
    var label: String
    var unit: String
    var samples: [HistorySample]
}

enum TrendChart {
    static let colours = ["#1565c0", "#2e7d32", "#6a1b9a", "#00838f"]
    static let width = 600.0, height = 150.0, left = 44.0, bottom = 18.0

    /// An SVG of `series` (all of one unit) over [start, end]; nil without a good value.
    static func svg(_ series: [TrendSeries], start: Date, end: Date, step: Double = 15) -> String? {
        let lines = series.map { line($0.samples, step: step) }
        let values = lines.flatMap { $0.flatMap { $0.map(\.value) } }
        guard let low = values.min(), let high = values.max() else { return nil }
        let span = high - low
        let bottomValue = span > 0 ? low - span * 0.1 : low - max(abs(low) * 0.1, 0.1)
        let topValue = span > 0 ? high + span * 0.1 : high + max(abs(high) * 0.1, 0.1)
        let plotWidth = width - left - 4, plotHeight = height - bottom - 6
        func x(_ time: Date) -> Double { left + plotWidth * time.timeIntervalSince(start) / max(1, end.timeIntervalSince(start)) }
        func y(_ value: Double) -> Double { 6 + plotHeight * (topValue - value) / (topValue - bottomValue) }
        func f(_ number: Double) -> String { String(format: "%.1f", number) }

        var svg = "<svg class=\"trend\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"last hour\">"
        svg += "<rect x=\"\(f(left))\" y=\"6\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" class=\"plot\"/>"
        for fraction in [0.0, 0.5, 1.0] {
            let value = bottomValue + (topValue - bottomValue) * fraction
            svg += "<text x=\"\(f(left - 3))\" y=\"\(f(y(value) + 3))\" text-anchor=\"end\">\(Value.format((value * 1000).rounded() / 1000))</text>"
        }
        svg += "<text x=\"\(f(left))\" y=\"\(f(height - 4))\">−60 min</text>"
        svg += "<text x=\"\(f(width - 4))\" y=\"\(f(height - 4))\" text-anchor=\"end\">now</text>"
        for (index, runs) in lines.enumerated() {
            let colour = colours[index % colours.count]
            for run in runs {
                let points = run.map { "\(f(x($0.time))),\(f(y($0.value)))" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.6\" points=\"\(points)\"/>"
            }
        }
        svg += "</svg>"
        let legend = series.enumerated().map { index, entry in
            "<span style=\"color:\(colours[index % colours.count])\">━ \(Page.escape(entry.label))</span>"
        }.joined(separator: " ")
        return "<figure>\(svg)<figcaption>\(legend) <span class=\"unit\">\(Page.escape(series.first?.unit ?? ""))</span></figcaption></figure>"
    }

    /// The samples as runs of good values (a bad one ends a run), one vertex
    /// per `step` seconds (the mean of the values in it).
    static func line(_ samples: [HistorySample], step: Double) -> [[(time: Date, value: Double)]] {
        var runs: [[(time: Date, value: Double)]] = []
        var current: [(time: Date, value: Double)] = []
        var bucket: (start: Double, sum: Double, count: Int)?
        func flushBucket() {
            if let open = bucket { current.append((Date(timeIntervalSince1970: open.start + step / 2), open.sum / Double(open.count))) }
            bucket = nil
        }
        for sample in samples {
            guard sample.quality.isGood, let value = sample.value?.number, value.isFinite else {
                flushBucket()
                if !current.isEmpty { runs.append(current) }
                current = []
                continue
            }
            let start = (sample.time.timeIntervalSince1970 / step).rounded(.down) * step
            if let open = bucket, open.start == start {
                bucket = (start, open.sum + value, open.count + 1)
            } else {
                flushBucket()
                bucket = (start, value, 1)
            }
        }
        flushBucket()
        if !current.isEmpty { runs.append(current) }
        return runs
    }
}
