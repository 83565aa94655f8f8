// `pumpgw bench codec`: bytes per sample of the history chunk codec, with
// reals coded as decimal mantissas (VictoriaMetrics) and as Gorilla XOR, on
// two kinds of series, in chunks of 30 minutes of 1 s polls:
// - the store bench's analog points (a random walk rounded to 0.001);
// - a real-looking pump room: the simulator's physical model, each signal
//   read as a register (raw = value / scale, rounded) and decoded as the
//   gateway does (decimal-exact: raw 513 x 0.1 is 51.3, DecimalScaling);
//   and its flow as a float32 register, as its shortest decimal and as the
//   float's exact binary value (which the gateway stored before).

import Decoding
import Foundation
import Telemetry
import Simulator
import Store

enum BenchCodec {
    /// The pump room's signals and the scale of the register each is read from.
    static let signals: [(name: String, pump: Int?, scale: Double)] = [
        ("outlet_pressure", nil, 0.001), ("inlet_pressure", nil, 0.001), ("flow", nil, 0.1), ("total", nil, 0.1),
        ("head", nil, 0.01), ("pump_frequency", 1, 0.01), ("pump_current", 1, 0.01), ("pump_power", 1, 0.01),
        ("pump_temperature", 1, 0.1), ("pump_run_hours", 1, 0.1),
    ]

    static func run(hours: Int) throws -> Int32 {
        let seconds = hours * 3600
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let times = (0..<seconds).map { Int64(start.timeIntervalSince1970 * 1000) + Int64($0) * 1000 }
        var model = PumpRoomModel(start: start, seed: 7)
        let scalings = signals.map { DecimalScaling(scale: $0.scale, offset: 0) }
        var room = Array(repeating: [Double](), count: signals.count)
        var walk = UnitRandom(), analog = 0.45
        var bench: [Double] = [], flowDigits: [Double] = [], flowWidened: [Double] = []
        for second in 0..<seconds {
            model.advance(to: start.addingTimeInterval(Double(second)))
            for (index, signal) in signals.enumerated() {
                let raw = ((model.signal(signal.name, pump: signal.pump) ?? 0) / signal.scale).rounded()
                room[index].append(scalings[index].value(of: Int64(raw)))
            }
            // The flow as a float32 register: its shortest decimal (the gateway
            // now) or its exact binary value widened (the gateway before).
            let flow = Float(model.signal("flow", pump: nil) ?? 0)
            flowDigits.append(FloatDigits.nearestDouble(flow))
            flowWidened.append(Double(flow))
            analog += (walk.unit() - 0.5) * 0.01
            bench.append((analog * 1000).rounded() / 1000)
        }
        Console.print("bench codec: \(hours) h of 1 s samples per series, chunks of 30 min; bytes per sample")
        Console.print("  series                 decimal/auto   xor")
        report("bench analog (0.001)", times: times, values: bench)
        for (index, signal) in signals.enumerated() {
            report("\(signal.name) (\(Value.format(signal.scale)))", times: times, values: room[index])
        }
        report("flow as float32 digits", times: times, values: flowDigits)
        report("  widened (before)", times: times, values: flowWidened)
        let all = room.flatMap { $0 }
        report("pump room, all above", times: Array(repeating: times, count: room.count).flatMap { $0 }, values: all,
               seriesLength: times.count)
        return 0
    }

    /// Prints bytes per sample of `values` cut into 1800-sample chunks, both codings.
    private static func report(_ name: String, times: [Int64], values: [Double], seriesLength: Int? = nil) {
        let length = seriesLength ?? values.count
        var automatic = 0, xor = 0
        for seriesStart in stride(from: 0, to: values.count, by: length) {
            for chunk in stride(from: seriesStart, to: seriesStart + length, by: 1800) {
                let end = min(chunk + 1800, seriesStart + length)
                let chunkTimes = Array(times[chunk..<end]), chunkValues = Array(values[chunk..<end])
                automatic += ChunkSizes.bytes(times: chunkTimes, values: chunkValues, coding: .automatic)
                xor += ChunkSizes.bytes(times: chunkTimes, values: chunkValues, coding: .xor)
            }
        }
        let count = Double(values.count)
        Console.print("  \(name.padding(toLength: 22, withPad: " ", startingAt: 0)) "
                      + "\(String(format: "%12.3f", Double(automatic) / count))  \(String(format: "%6.3f", Double(xor) / count))")
    }
}
