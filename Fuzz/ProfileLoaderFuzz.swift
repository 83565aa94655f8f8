// libFuzzer target: the profile loader and the config loader on any bytes.
// They must return a profile, a config or a list of problems: never trap,
// never read out of bounds (AddressSanitizer), never hang. Built and run by
// Fuzz/run.sh together with the Profiles module.

import Foundation
import Profiles

@_cdecl("LLVMFuzzerTestOneInput")
public func profileLoaderFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    do {
        let profile = try ProfileLoader.load(data: data, file: "fuzz.json5")
        // A profile that loads must plan without trapping, with any workaround.
        _ = ReadPlan(profile: profile)
        _ = ReadPlan(profile: profile, maxGap: 3, maxRegisters: 7, onePerPoint: false)
        _ = ReadPlan(profile: profile, onePerPoint: true)
    } catch {
        // Every problem must render as one line.
        for problem in error.problems where problem.description.contains("\n") && !problem.message.contains("\n") {
            preconditionFailure("a problem spans lines: \(problem)")
        }
    }
    // The same bytes as a gateway config (its profiles folder does not exist).
    _ = try? ConfigLoader.load(data: data, file: "/nonexistent-pumpgw-fuzz/config.json5")
    return 0
}
