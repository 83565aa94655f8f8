// Helpers for the rules tests: a small pump-controller profile with rules
// written as JSON5, timed samples, and events reduced to what a scenario
// table compares (time, state, rule, value, message).

import Foundation
import Testing
import Decoding
import Profiles
@testable import Rules
import Telemetry

let station = DeviceIdentity(station: "FT-0412", device: "ctrl1", profile: "test-booster")

/// A JSON5 value, e.g. a rule list `[{ kind: "high", limit: 0.6 }]`.
func json5(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
    let decoder = JSONDecoder()
    decoder.allowsJSON5 = true
    return try decoder.decode(JSONValue.self, from: Data(text.utf8))
}

func jsonList(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONValue] {
    guard case .array(let list) = try json5(text) else {
        Issue.record("not a list: \(text)", sourceLocation: sourceLocation)
        return []
    }
    return list
}

/// The test profile; `rules` maps a point name to its rule list in JSON5.
func testProfile(rules: [String: String] = [:]) throws -> DeviceProfile {
    var points = [
        Point(name: "outlet_pressure", register: .holding, address: 0, type: .uint16, scale: 0.001, unit: "MPa"),
        Point(name: "inlet_pressure", register: .holding, address: 1, type: .uint16, scale: 0.001, unit: "MPa"),
        Point(name: "flow", register: .input, address: 0, type: .float32, unit: "m3/h"),
        Point(name: "pump1_running", register: .holding, address: 10, type: .bits, bit: 1),
        Point(name: "pump1_fault", register: .holding, address: 10, type: .bits, bit: 2),
        Point(name: "mode", register: .holding, address: 11, type: .enum, values: ["0": "auto", "1": "manual"]),
    ]
    for index in points.indices {
        if let text = rules[points[index].name] { points[index].rules = try jsonList(text) }
    }
    return DeviceProfile(profile: "test-booster", addressBase: 0, points: points)
}

/// An engine for the test profile; records an issue for any rule problem.
func makeEngine(rules: [String: String], overrides: String? = nil, interval: Duration = .seconds(1),
                seeded: [AlarmEvent] = [], sourceLocation: SourceLocation = #_sourceLocation) throws -> AlarmEngine {
    let profile = try testProfile(rules: rules)
    let resolution = RuleResolver.resolve(profile: profile, profileFile: "test-booster.json5",
                                          overrides: try overrides.map { try jsonList($0) },
                                          overridesFile: "gateway.json5", overridesPath: "stations[0].devices[0]")
    #expect(resolution.problems.map(\.description) == [], sourceLocation: sourceLocation)
    return AlarmEngine(identity: station, rules: resolution.rules, pollInterval: interval, activeAlarms: seeded)
}

/// Seconds after a fixed start, 2026-11-26T00:00:00Z.
let start = Date(timeIntervalSince1970: 1_795_651_200)
func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

func utc(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    return formatter.date(from: text) ?? .distantPast
}

/// A reading of a number; nil means bad quality (a failed read).
func number(_ value: Double?) -> Reading {
    value.map { .good(.double($0)) } ?? .error("timed out")
}

func sample(_ time: Date, _ readings: [String: Reading]) -> DeviceSample {
    DeviceSample(identity: station, time: time,
                 points: readings.keys.sorted().map { PointSample(name: $0, reading: readings[$0] ?? .error("none")) })
}

/// What the scenario tables compare: seconds after `start`, state, rule, value, message.
struct Got: Equatable, CustomStringConvertible {
    var t: Double
    var state: AlarmState
    var rule: String
    var value: String?
    var message: String

    init(_ t: Double, _ state: AlarmState, _ rule: String, _ value: String?, _ message: String) {
        self.t = t
        self.state = state
        self.rule = rule
        self.value = value
        self.message = message
    }

    init(_ event: AlarmEvent, from origin: Date = start) {
        self.init(event.time.timeIntervalSince(origin), event.state, event.rule,
                  event.value.map { Value.format(Double(String(format: "%.6g", $0)) ?? $0) }, event.message)
    }

    var description: String { "\(Value.format(t)) \(state) \(rule) \(value ?? "nil") \"\(message)\"" }
}

/// Feeds `outlet_pressure` readings (nil: bad quality) at the given seconds.
func feed(_ engine: AlarmEngine, point: String = "outlet_pressure", _ steps: [(Double, Double?)]) -> [Got] {
    steps.flatMap { step in engine.evaluate(sample(at(step.0), [point: number(step.1)])).map { Got($0) } }
}
