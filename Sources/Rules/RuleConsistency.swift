// Checks between the rules of one point: ids unique, limits in order
// (lowLow <= low < high <= highHigh), and each deadband inside the band
// between the point's low-side and high-side limits.

import Decoding
import Profiles
import Telemetry

enum RuleConsistency {
    static func problems(_ parsed: [(draft: RuleDraft, rule: AlarmRule)]) -> [ConfigProblem] {
        var problems = ProblemList()
        let byPoint = Dictionary(grouping: parsed, by: { $0.draft.pointIndex })
        for pointIndex in byPoint.keys.sorted() {
            let entries = byPoint[pointIndex] ?? []
            var seen: [String: FieldLocation] = [:]
            for entry in entries {
                if let first = seen[entry.rule.id] {
                    problems.add(entry.draft.location(of: "id"), "duplicate rule id '\(entry.rule.id)' on \(entry.rule.point) (first at \(first.path)); give one of them an id, e.g. id: \"\(entry.rule.id)2\"")
                } else {
                    seen[entry.rule.id] = entry.draft.location
                }
            }
            let limits = entries.compactMap { entry -> (RuleDraft, LimitCondition)? in
                guard case .limit(let limit) = entry.rule.condition else { return nil }
                return (entry.draft, limit)
            }
            for (lowerDraft, lower) in limits {
                for (upperDraft, upper) in limits where rank(lower.kind) < rank(upper.kind) {
                    checkPair(lowerDraft, lower, upperDraft, upper, &problems)
                }
            }
        }
        return problems.problems
    }

    private static func rank(_ kind: RuleKind) -> Int {
        [RuleKind.lowLow, .low, .high, .highHigh].firstIndex(of: kind) ?? 0
    }

    private static func checkPair(_ lowerDraft: RuleDraft, _ lower: LimitCondition,
                                  _ upperDraft: RuleDraft, _ upper: LimitCondition, _ problems: inout ProblemList) {
        let lowerText = "\(lower.kind.rawValue) limit \(Value.format(lower.limit))"
        let upperText = "\(upper.kind.rawValue) limit \(Value.format(upper.limit))"
        let sameSide = lower.isHighSide == upper.isHighSide
        if sameSide {
            if lower.limit > upper.limit {
                problems.add(lowerDraft.location(of: "limit"), "\(lowerText) is above the \(upperText) (\(upperDraft.location.path)); \(lower.kind.rawValue) must be at or below \(upper.kind.rawValue)")
            }
            return
        }
        guard lower.limit < upper.limit else {
            problems.add(lowerDraft.location(of: "limit"), "\(lowerText) is not below the \(upperText) (\(upperDraft.location.path)); a low limit must be below a high limit")
            return
        }
        let band = upper.limit - lower.limit
        let bandText = "the band \(Value.format(lower.limit))-\(Value.format(upper.limit)) between \(lower.kind.rawValue) and \(upper.kind.rawValue)"
        if upper.deadband >= band {
            problems.add(upperDraft.location(of: "deadband"), "deadband \(Value.format(upper.deadband)) does not fit \(bandText): the \(upper.kind.rawValue) alarm would clear only below the \(lower.kind.rawValue) limit; use less than \(Value.format(band))")
        }
        if lower.deadband >= band {
            problems.add(lowerDraft.location(of: "deadband"), "deadband \(Value.format(lower.deadband)) does not fit \(bandText): the \(lower.kind.rawValue) alarm would clear only above the \(upper.kind.rawValue) limit; use less than \(Value.format(band))")
        }
    }
}
