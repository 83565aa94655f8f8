// value = raw × scale + offset, computed so that the result is the Double
// nearest the exact decimal answer: 513 × 0.1 gives 51.3, not the
// 51.300000000000004 that floating-point multiplication gives (the Double
// 0.1 is a little more than 1/10). Every later stage prints the value with
// the shortest text that reads back as the same Double (frames, feed, page),
// so noise digits here would be written to disk and sent on every poll.
//
// A scale or offset written by hand in a profile is a decimal, and its
// shortest text (`Double.description`, at decoder build time) gives it back
// exactly: 0.1 is 1 / 10^1, 0.0689 is 689 / 10^4. Both are brought to one
// number of places d: scale = S / 10^d, offset = O / 10^d. A raw decimal
// M / 10^k (an integer register has k = 0) then scales to
//     (M × S + O × 10^k) / 10^(d + k)
// and when the numerator is an integer below 2^53 and d + k <= 22 both
// operands are exact Doubles, so the one IEEE division rounds correctly.
// Otherwise (a huge raw, a scale like 1/3 with 16 digits) the value falls
// back to raw × scale + offset in floating point, as before.

import Telemetry

/// A point's scale and offset, resolved once per decoder.
public struct DecimalScaling: Sendable {
    /// 2^53: an integer up to this magnitude is an exact Double.
    static let exactIntegerLimit: UInt64 = 1 << 53
    static let powersOfTen = ExactDecimal.powersOfTen, integerPowersOfTen = ExactDecimal.integerPowersOfTen

    public let scale: Double
    public let offset: Double
    /// scale = factor / 10^places and offset = addend / 10^places, or nil when
    /// either is not a decimal of at most 15 digits (then: floating point).
    let decimal: (factor: Int64, addend: Int64, places: Int)?

    public init(scale: Double, offset: Double) {
        self.scale = scale
        self.offset = offset
        decimal = Self.commonPlaces(ExactDecimal(shortestOf: scale), ExactDecimal(shortestOf: offset))
    }

    /// Both decimals over one power of ten, or nil when they do not fit.
    private static func commonPlaces(_ scale: ExactDecimal?, _ offset: ExactDecimal?) -> (Int64, Int64, Int)? {
        guard let scale, let offset else { return nil }
        let places = max(scale.places, offset.places)
        guard places < integerPowersOfTen.count,
              case (let factor, false) = scale.mantissa.multipliedReportingOverflow(by: integerPowersOfTen[places - scale.places]),
              case (let addend, false) = offset.mantissa.multipliedReportingOverflow(by: integerPowersOfTen[places - offset.places])
        else { return nil }
        return (factor, addend, places)
    }

    /// An integer register's scaled value.
    public func value(of raw: Int64) -> Double {
        value(of: ExactDecimal(mantissa: raw, places: 0))
    }

    /// A decimal raw value's scaled value (a float32 register's digits).
    public func value(of raw: ExactDecimal) -> Double {
        if let exact = exactValue(of: raw) { return exact }
        return raw.nearestDouble * scale + offset
    }

    /// A raw value that is no known decimal (a float64, a uint64 beyond
    /// Int64): floating point.
    public func value(ofFloatingPoint raw: Double) -> Double {
        raw * scale + offset
    }

    /// (M × S + O × 10^k) / 10^(d + k), or nil where that is not exact in
    /// Int64 and Double (see the top of the file).
    func exactValue(of raw: ExactDecimal) -> Double? {
        guard let (factor, addend, places) = decimal, raw.places >= 0 else { return nil }
        let total = places + raw.places
        guard raw.places < Self.integerPowersOfTen.count, total < Self.powersOfTen.count,
              case (let product, false) = raw.mantissa.multipliedReportingOverflow(by: factor),
              case (let shifted, false) = addend.multipliedReportingOverflow(by: Self.integerPowersOfTen[raw.places]),
              case (let numerator, false) = product.addingReportingOverflow(shifted)
        else { return nil }
        if total == 0 { return Double(numerator) }
        guard numerator.magnitude <= Self.exactIntegerLimit else { return nil }
        return Double(numerator) / Self.powersOfTen[total]
    }
}
