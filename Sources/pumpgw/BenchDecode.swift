// `pumpgw bench decode`: what decimal-exact values cost per value, and a
// check of float32 digits against the standard library.
// - ns per value: a scaled uint16 the decimal way and as raw × scale; a
//   float32's shortest decimal by FloatDigits and by Double(String(float));
// - with --check-every N: every Nth positive finite float32 bit pattern
//   (N = 1: all 2,139,095,039 of them) through FloatDigits.nearestDouble and
//   Double(String(float)); the negatives mirror them. Prints disagreements.

import Decoding
import Foundation
import Telemetry

enum BenchDecode {
    static func run(checkEvery: Int?) throws -> Int32 {
        Console.print("bench decode: ns per value, \(sampleCount) values each")
        timeScaling()
        timeFloatDigits()
        if let checkEvery { return check(every: checkEvery) }
        return 0
    }

    private static let sampleCount = 2_000_000

    private static func timeScaling() {
        let raws = (0..<sampleCount).map { Int64($0 % 65_536) }
        let scaling = DecimalScaling(scale: 0.1, offset: 0)
        let decimal = nanoseconds { raws.reduce(0) { $0 + scaling.value(of: $1) } }
        let naive = nanoseconds { raws.reduce(0) { $0 + Double($1) * scaling.scale + scaling.offset } }
        Console.print("  uint16 x 0.1     decimal-exact \(format(decimal))   raw x scale \(format(naive))")
    }

    private static func timeFloatDigits() {
        // Pump-room floats: 0.01 to 1000 (frequencies, flows, pressures).
        var random = SystemRandomNumberGenerator()
        let floats = (0..<sampleCount).map { _ in Float(Double.random(in: 0.01...1000, using: &random)) }
        let digits = nanoseconds { floats.reduce(0) { $0 + FloatDigits.nearestDouble($1) } }
        let text = nanoseconds { floats.reduce(0) { $0 + (Double(String($1)) ?? 0) } }
        let widened = nanoseconds { floats.reduce(0) { $0 + Double($1) } }
        Console.print("  float32 digits   FloatDigits \(format(digits))   Double(String(f)) \(format(text))   Double(f) \(format(widened))")
    }

    /// Nanoseconds per value of `work` over `sampleCount` values (its result
    /// is printed nowhere but kept, so the optimizer cannot drop the work).
    private static func nanoseconds(_ work: () -> Double) -> Double {
        let clock = ContinuousClock()
        var sink = 0.0
        let elapsed = clock.measure { sink = work() }
        if sink.isNaN { Console.print("") }
        let (seconds, attoseconds) = elapsed.components
        return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(sampleCount)
    }

    private static func format(_ nanoseconds: Double) -> String { String(format: "%.1f ns", nanoseconds) }

    private static func check(every stride: Int) -> Int32 {
        let start = ContinuousClock.now
        var checked = 0, disagreements = 0
        var bits: UInt32 = 1
        while bits < 0x7F80_0000 {
            let value = Float(bitPattern: bits)
            if FloatDigits.nearestDouble(value) != Double(String(value)) {
                if disagreements < 10 { Console.print("  disagree: 0x\(String(bits, radix: 16)) \(value)") }
                disagreements += 1
            }
            checked += 1
            let (next, overflow) = bits.addingReportingOverflow(UInt32(stride))
            if overflow { break }
            bits = next
        }
        Console.print("  check: \(checked) float32 values (positive finite bit patterns 1, 1 + \(stride), ...), "
                      + "\(disagreements) disagree with Double(String(f)), \(ContinuousClock.now - start)")
        return disagreements == 0 ? 0 : 1
    }
}
