// A float32 register's value is the shortest decimal that reads back as the
// same float32 (what `String(float)` prints: 0.35913226), not the float's
// exact binary value widened to a Double (0.3591322600841522). A float32
// holds about 7 significant digits; the digits after those are noise of the
// binary format, and every later stage would print them (frames, feed,
// page) and the history codec would have to store them.
//
// `shortest` finds those digits without String work per value. It tries
// k = 0, 1, 2 ... decimal places: the float's rounding interval (halfway to
// each neighbour float) holds a decimal with k places when the integer
// nearest x × 10^k, divided by 10^k, lies inside it. The first such
// k gives the shortest decimal, and of its candidates the one nearest x (as
// `String` chooses). All arithmetic is exact in Double: x has 24 significant
// bits and 5^k at most 28 for k <= 12, so x × 10^k and the half-gap × 10^k
// are exact, and so is the difference of two Doubles within a factor of 2.
// A decimal on the interval's edge (halfway to a neighbour) has more places
// than x itself, so below 2^24 it never wins and the edge is left out.
// Floats of 2^24 and more are integers; their shortest decimal may end in
// zeros (1.2345679e+11), found the same way in Int64 arithmetic; there an
// edge counts when the float's significand is even (round half to even
// reads it back as this float, and `String` prints it). What is
// outside these ranges (below 1e-4, above 4e18, subnormal) takes the String
// path: rare in a pump room, and exact all the same.

public enum FloatDigits {
    /// The largest k tried: x × 10^k stays exact up to here (see above).
    private static let mostPlaces = 12

    /// The Double nearest the shortest decimal of `value`: what
    /// `Double(String(value))` gives, for a finite float.
    public static func nearestDouble(_ value: Float) -> Double {
        if value == 0 { return Double(value) }  // keeps -0.0
        if let digits = shortest(value) { return digits.nearestDouble }
        return Double(String(value)) ?? Double(value)
    }

    /// The shortest decimal of a finite, non-zero `value` as M / 10^places,
    /// or nil when it is outside the fast ranges (see above).
    public static func shortest(_ value: Float) -> ExactDecimal? {
        guard value.isNormal else { return nil }
        let magnitude = value.magnitude
        let upperHalfGap = Double(magnitude.ulp) / 2
        // At a power of two the float below is half as far as the one above.
        let lowerHalfGap = magnitude.significandBitPattern == 0 ? upperHalfGap / 2 : upperHalfGap
        let found = magnitude < 0x1p24
            ? fraction(Double(magnitude), lowerHalfGap: lowerHalfGap, upperHalfGap: upperHalfGap)
            : integer(Double(magnitude), lowerHalfGap: lowerHalfGap, upperHalfGap: upperHalfGap,
                      // A decimal exactly halfway reads back as the float with the even significand.
                      endpointsIncluded: magnitude.bitPattern & 1 == 0)
        guard let found else { return nil }
        return value < 0 ? ExactDecimal(mantissa: -found.mantissa, places: found.places) : found
    }

    /// For 0 < x < 2^24: the fewest places k <= 12 that hold a decimal of x's interval.
    private static func fraction(_ x: Double, lowerHalfGap: Double, upperHalfGap: Double) -> ExactDecimal? {
        for places in 0...mostPlaces {
            let power = ExactDecimal.powersOfTen[places]
            let scaled = x * power, below = lowerHalfGap * power, above = upperHalfGap * power
            let nearest = scaled.rounded(.toNearestOrEven)
            let other = nearest < scaled ? nearest + 1 : nearest - 1
            func inside(_ candidate: Double) -> Bool {
                candidate > 0 && (candidate < scaled ? scaled - candidate < below : candidate - scaled < above)
            }
            if inside(nearest) { return ExactDecimal(mantissa: Int64(nearest), places: places) }
            if inside(other) { return ExactDecimal(mantissa: Int64(other), places: places) }
        }
        return nil
    }

    /// For 2^24 <= x < 2^62 (an integer, half-gaps of 1 or more): the most
    /// trailing zeros a decimal of x's interval can have.
    private static func integer(_ x: Double, lowerHalfGap: Double, upperHalfGap: Double, endpointsIncluded: Bool) -> ExactDecimal? {
        guard x < 0x1p62 else { return nil }  // so that down + 10^18 below cannot overflow
        let exact = Int64(x), below = Int64(lowerHalfGap), above = Int64(upperHalfGap)
        var best = exact
        for zeros in 1..<ExactDecimal.integerPowersOfTen.count {
            let power = ExactDecimal.integerPowersOfTen[zeros]
            let down = exact / power * power, up = down + power
            func inside(_ candidate: Int64) -> Bool {
                let (distance, limit) = candidate < exact ? (exact - candidate, below) : (candidate - exact, above)
                return distance < limit || endpointsIncluded && distance == limit
            }
            // Of the two multiples of 10^zeros around x, the nearer one inside.
            let (nearer, farther) = exact - down <= up - exact ? (down, up) : (up, down)
            if inside(nearer) { best = nearer } else if inside(farther) { best = farther } else { break }
        }
        return ExactDecimal(mantissa: best, places: 0)
    }
}
