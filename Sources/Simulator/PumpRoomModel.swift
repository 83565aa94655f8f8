// A small physical model of a booster pump room, so that simulated values
// move the way real ones do: demand with morning and evening peaks, a
// variable-speed booster set holding the outlet pressure at its setpoint,
// pumps cutting in as demand rises, a totaliser that only counts up.
//
// Deterministic for a given seed and sequence of times, so tests can rely
// on its ranges (see `PumpRoomModel.ranges`).

import Foundation

public struct PumpRoomModel: Sendable {
    public static let pumpCount = 3
    /// Flow one pump delivers at full speed, m3/h.
    public static let pumpCapacity = 30.0
    public static let setpoint = 0.45
    /// Local time of the pump room, hours east of UTC (Asia/Shanghai).
    public static let utcOffsetHours = 8.0

    /// Ranges every signal stays within, in its own unit.
    public static let ranges: [String: ClosedRange<Double>] = [
        "flow": 0...90,
        "outlet_pressure": 0.40...0.50,
        "inlet_pressure": 0.15...0.25,
        "setpoint": 0.45...0.45,
        "head": 15...36,
        "pumps_running": 1...3,
        "pump_speed": 0...100,
        "pump_frequency": 0...50,
        "pump_current": 0...12.5,
        "pump_power": 0...5.5,
        "pump_temperature": 20...55,
    ]

    /// What happens to the pump room over time (default: a normal day).
    public var scenario: Scenario = .normal
    public let started: Date
    public private(set) var time: Date
    public private(set) var flow = 0.0
    public private(set) var outletPressure = setpoint
    public private(set) var inletPressure = 0.22
    /// Cumulative volume, m3; only ever grows.
    public private(set) var total = 123_456.7
    public private(set) var pumpsRunning = 1
    /// Index of the lead pump (0-based); rotates every six hours.
    public private(set) var leadPump = 0
    /// Per pump, frequency in Hz (0 when stopped).
    public private(set) var frequencies = [Double](repeating: 0, count: pumpCount)
    /// Per pump, accumulated run hours.
    public private(set) var runHours: [Double] = [12_000, 11_500, 9_800]

    private var random: SplitMix64

    public init(start: Date, seed: UInt64 = 1, scenario: Scenario = .normal) {
        time = start
        started = start
        self.scenario = scenario
        random = SplitMix64(seed: seed)
        advance(to: start)
    }

    /// Moves the model to `now` (earlier times are ignored).
    public mutating func advance(to now: Date) {
        let elapsedHours = max(0, now.timeIntervalSince(time)) / 3600
        time = max(time, now)

        let localHour = Self.localHour(of: time)
        flow = Self.demand(atLocalHour: localHour) + random.normal(sigma: 0.6)
        flow = min(max(flow, 0.5), 90)

        pumpsRunning = min(Self.pumpCount, max(1, Int((flow / Self.pumpCapacity).rounded(.up))))
        let sixHourPeriods = Int((time.timeIntervalSince1970 / 3600 + Self.utcOffsetHours) / 6)
        leadPump = sixHourPeriods % Self.pumpCount
        let perPumpLoad = min(1, flow / Double(pumpsRunning) / Self.pumpCapacity)
        for pump in 0..<Self.pumpCount {
            let running = isRunning(pump: pump)
            frequencies[pump] = running ? 30 + 20 * perPumpLoad : 0
            if running { runHours[pump] += elapsedHours }
        }

        outletPressure = min(max(Self.setpoint + random.normal(sigma: 0.004), 0.40), 0.50)
        if case .pressureDrop(let after, let lasting) = scenario {
            let elapsed = time.timeIntervalSince(started)
            if elapsed >= after && elapsed < after + lasting {
                // The booster set tripped: outlet pressure falls to what the
                // mains give, the pumps stand still.
                outletPressure = 0.12 + random.normal(sigma: 0.003)
                pumpsRunning = 0
                for pump in 0..<Self.pumpCount { frequencies[pump] = 0 }
            }
        }
        if scenario.wavers(elapsed: time.timeIntervalSince(started), localHour: localHour) {
            // A sharp PID or a slow changeover: the outlet swings ±15 kPa every 4 s.
            outletPressure += Scenario.waveringAmplitude * sin(2 * .pi * time.timeIntervalSince(started) / Scenario.waveringPeriod)
        }
        inletPressure = min(max(0.22 - 0.04 * flow / 90 + random.normal(sigma: 0.003), 0.15), 0.25)
        total += flow * elapsedHours
    }

    public func isRunning(pump: Int) -> Bool {
        guard pumpsRunning > 0 else { return false }
        let position = (pump - leadPump + Self.pumpCount) % Self.pumpCount
        return position < pumpsRunning
    }

    /// The value of a named signal (engineering units), or nil if unknown.
    /// `pump` is 1-based for per-pump signals.
    public func signal(_ name: String, pump: Int?) -> Double? {
        let index = (pump ?? 1) - 1
        let validPump = (0..<Self.pumpCount).contains(index)
        let frequency = validPump ? frequencies[index] : 0
        switch name {
        case "flow": return flow
        case "outlet_pressure": return outletPressure
        case "inlet_pressure": return inletPressure
        case "setpoint": return Self.setpoint
        case "total": return total
        case "head": return (outletPressure - inletPressure) * 101.97
        case "pumps_running": return Double(pumpsRunning)
        case "any_pump_running": return pumpsRunning > 0 ? 1 : 0
        case "pump_running": return validPump && isRunning(pump: index) ? 1 : 0
        case "pump_fault": return 0
        case "pump_frequency": return frequency
        case "pump_speed": return frequency / 50 * 100
        case "pump_current": return frequency > 0 ? 1.5 + 11 * pow(frequency / 50, 2) : 0
        case "pump_power": return frequency > 0 ? 5.5 * pow(frequency / 50, 3) : 0
        case "pump_run_hours": return validPump ? runHours[index] : 0
        case "pump_temperature": return frequency > 0 ? 30 + 25 * frequency / 50 : 20
        default: return nil
        }
    }

    public static let signalNames: Set<String> = [
        "flow", "outlet_pressure", "inlet_pressure", "setpoint", "total", "head", "pumps_running",
        "any_pump_running", "pump_running", "pump_fault", "pump_frequency", "pump_speed",
        "pump_current", "pump_power", "pump_run_hours", "pump_temperature",
    ]

    /// Water demand of a residential estate, m3/h, by local hour: a low
    /// night minimum, a morning peak around 07:30, an evening peak around 19:30.
    public static func demand(atLocalHour hour: Double) -> Double {
        func bump(_ centre: Double, _ width: Double) -> Double {
            var distance = abs(hour - centre)
            distance = min(distance, 24 - distance)
            return exp(-pow(distance / width, 2))
        }
        let daytime = 1 / (1 + exp(-(hour - 6))) - 1 / (1 + exp(-(hour - 23)))
        return 4 + 12 * daytime + 26 * bump(7.5, 1.2) + 32 * bump(19.5, 1.6)
    }

    static func localHour(of date: Date) -> Double {
        let seconds = date.timeIntervalSince1970 + utcOffsetHours * 3600
        return seconds.truncatingRemainder(dividingBy: 86_400) / 3600
    }
}

/// What the simulated pump room goes through.
public enum Scenario: Sendable, Equatable {
    /// A normal day.
    case normal
    /// After `after` seconds the booster set trips for `lasting` seconds:
    /// outlet pressure falls to about 0.12 MPa and every pump stops.
    case pressureDrop(after: Double, lasting: Double)
    /// After `after` seconds one point of the profile shows `value` (in its
    /// engineering unit) for `lasting` seconds: a fault contact closing, an
    /// analyser reading low, a tank running dry. Any profile, any point.
    case setPoint(point: String, value: Double, after: Double, lasting: Double)
    /// Outlet pressure wavers ±15 kPa with a 4 s period: at the peak hours
    /// (07:00-10:00 and 18:00-21:00 local) when `after` is nil, else from
    /// `after` seconds for `lasting` seconds.
    case wavering(after: Double?, lasting: Double)

    static let waveringAmplitude = 0.015  // MPa
    static let waveringPeriod = 4.0       // seconds

    func wavers(elapsed: Double, localHour: Double) -> Bool {
        guard case .wavering(let after, let lasting) = self else { return false }
        guard let after else { return (7..<10).contains(localHour) || (18..<21).contains(localHour) }
        return elapsed >= after && elapsed < after + lasting
    }

    /// Parses `normal`, `pressure-drop[:AFTER:LASTING]` (seconds; default 10
    /// and 30), `wavering[:AFTER:LASTING]` (default: at peak hours) or `set:POINT=VALUE[:AFTER[:LASTING]]` (default 0 and for ever).
    public init?(_ text: String) {
        let parts = text.split(separator: ":").map(String.init)
        switch parts.first {
        case "normal" where parts.count == 1: self = .normal
        case "wavering":
            let numbers = parts.dropFirst().compactMap(Double.init)
            guard numbers.count == parts.count - 1, numbers.count == 0 || numbers.count == 2 else { return nil }
            self = .wavering(after: numbers.first, lasting: numbers.last ?? 0)
        case "pressure-drop":
            let numbers = parts.dropFirst().compactMap(Double.init)
            guard numbers.count == parts.count - 1, numbers.count == 0 || numbers.count == 2 else { return nil }
            self = .pressureDrop(after: numbers.first ?? 10, lasting: numbers.last ?? 30)
        case "set" where (2...4).contains(parts.count):
            let assignment = parts[1].split(separator: "=", maxSplits: 1).map(String.init)
            let numbers = parts.dropFirst(2).compactMap(Double.init)
            guard assignment.count == 2, !assignment[0].isEmpty, let value = Double(assignment[1]),
                  numbers.count == parts.count - 2 else { return nil }
            self = .setPoint(point: assignment[0], value: value, after: numbers.first ?? 0,
                             lasting: numbers.count == 2 ? numbers[1] : .infinity)
        default: return nil
        }
    }

    /// The value the scenario forces on `point` at `elapsed` seconds, if any.
    func forcedValue(of point: String, elapsed: Double) -> Double? {
        guard case .setPoint(let name, let value, let after, let lasting) = self, name == point,
              elapsed >= after, elapsed < after + lasting else { return nil }
        return value
    }
}

/// A tiny seeded random generator (SplitMix64), so runs are repeatable.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }

    /// Normal with mean 0 (Box-Muller).
    mutating func normal(sigma: Double) -> Double {
        let u1 = max(uniform(), 1e-12)
        let u2 = uniform()
        return sigma * sqrt(-2 * log(u1)) * cos(2 * .pi * u2)
    }
}
