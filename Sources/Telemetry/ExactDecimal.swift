// A decimal number as an integer over a power of ten, exactly: what a
// decoded value is before it becomes a Double (DecimalScaling in Decoding,
// FloatDigits here, which the chunk codec uses too).

/// A decimal number `mantissa / 10^places`, exactly.
public struct ExactDecimal: Equatable, Sendable {
    public var mantissa: Int64
    public var places: Int

    /// 10^0 ... 10^22: every one an exact Double.
    public static let powersOfTen: [Double] = (0...22).map { exponent in (0..<exponent).reduce(1.0) { value, _ in value * 10 } }
    /// 10^0 ... 10^18: every one an Int64.
    public static let integerPowersOfTen: [Int64] = (0...18).map { exponent in (0..<exponent).reduce(1) { value, _ in value * 10 } }

    public init(mantissa: Int64, places: Int) {
        self.mantissa = mantissa
        self.places = places
    }

    /// The Double nearest this decimal: correctly rounded where the division
    /// is exact in its operands (|mantissa| <= 2^53, places <= 22).
    public var nearestDouble: Double {
        if places == 0 { return Double(mantissa) }  // Int64 → Double rounds correctly
        return Double(mantissa) / Self.powersOfTen[places]
    }

    /// The shortest decimal that reads back as `value` (its `description`), or
    /// nil for a non-finite value or one that needs more than 15 digits.
    /// String work: for build time only, never per poll.
    public init?(shortestOf value: Double) {
        guard value.isFinite else { return nil }
        var digits: Int64 = 0, significant = 0, places = 0, exponent = 0
        var afterPoint = false
        let text = value.description  // e.g. "0.1", "1e-05", "-2.5e+20", "100.0"
        var rest = Substring(text)
        let negative = rest.first == "-"
        if negative { rest = rest.dropFirst() }
        while let character = rest.first, character != "e" {
            rest = rest.dropFirst()
            if character == "." { afterPoint = true; continue }
            guard let digit = character.wholeNumberValue else { return nil }
            if afterPoint { places += 1 }
            if digits == 0 && digit == 0 { continue }
            significant += 1
            guard significant <= 15 else { return nil }
            digits = digits * 10 + Int64(digit)
        }
        if rest.first == "e" {
            guard let parsed = Int(rest.dropFirst().drop { $0 == "+" }) else { return nil }
            exponent = parsed
        }
        places -= exponent
        while places > 0, digits != 0, digits % 10 == 0 { digits /= 10; places -= 1 }
        if digits == 0 { places = 0 }
        while places < 0 {  // 2.5e+20: fold the zeros into the mantissa, if they fit
            guard case (let product, false) = digits.multipliedReportingOverflow(by: 10) else { return nil }
            digits = product
            places += 1
        }
        self.init(mantissa: negative ? -digits : digits, places: places)
    }
}
