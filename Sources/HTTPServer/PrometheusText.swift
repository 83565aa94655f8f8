// Prometheus text exposition format 0.0.4, from a list of metric families.
// Pure: the gateway builds the families from its counters, this writes
// them. Each family gets its HELP and TYPE lines; label values and help
// text are escaped as the format says; histograms are written as
// cumulative `_bucket{le=...}` series ending in `+Inf`, then `_sum` and `_count`.

public enum MetricType: String, Sendable {
    case gauge, counter, histogram
}

/// A fixed-bucket histogram: `counts[i]` observations fell in
/// (bounds[i-1], bounds[i]], the last count is above every bound.
public struct Histogram: Sendable, Equatable {
    public let bounds: [Double]
    public private(set) var counts: [UInt64]
    public private(set) var sum = 0.0
    public private(set) var count: UInt64 = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    public mutating func observe(_ value: Double) {
        let index = bounds.firstIndex { value <= $0 } ?? bounds.count
        counts[index] += 1
        sum += value
        count += 1
    }
}

public struct MetricFamily: Sendable {
    public typealias Labels = [(name: String, value: String)]

    public var name: String
    public var help: String
    public var type: MetricType
    public var samples: [(labels: Labels, value: Double)] = []
    public var histograms: [(labels: Labels, histogram: Histogram)] = []

    public init(_ name: String, _ type: MetricType, help: String) {
        self.name = name
        self.type = type
        self.help = help
    }

    public mutating func add(_ value: Double, _ labels: Labels = []) {
        samples.append((labels, value))
    }

    public mutating func add(_ histogram: Histogram, _ labels: Labels = []) {
        histograms.append((labels, histogram))
    }
}

public enum PrometheusText {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.type.rawValue)\n"
            for sample in family.samples {
                out += family.name + labelText(sample.labels) + " " + number(sample.value) + "\n"
            }
            for (labels, histogram) in family.histograms {
                var cumulative: UInt64 = 0
                for (index, bound) in histogram.bounds.enumerated() {
                    cumulative += histogram.counts[index]
                    out += family.name + "_bucket" + labelText(labels + [("le", number(bound))]) + " \(cumulative)\n"
                }
                out += family.name + "_bucket" + labelText(labels + [("le", "+Inf")]) + " \(histogram.count)\n"
                out += family.name + "_sum" + labelText(labels) + " " + number(histogram.sum) + "\n"
                out += family.name + "_count" + labelText(labels) + " \(histogram.count)\n"
            }
        }
        return out
    }

    static func labelText(_ labels: MetricFamily.Labels) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.name)=\"\(escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
    }

    /// Integers without a fraction; NaN and infinities as the format spells them.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabel(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n")
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
