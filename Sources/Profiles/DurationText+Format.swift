// The inverse of `DurationText.parse`, for messages that quote a duration
// the way a config writes it ("200ms", "2h").

extension DurationText {
    /// "200ms", "1500ms", "30s", "2m", "2h": the largest unit that divides it.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = Int64((duration.seconds * 1000).rounded())
        for (size, unit) in [(Int64(3_600_000), "h"), (60_000, "m"), (1000, "s")]
        where milliseconds >= size && milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }
}
