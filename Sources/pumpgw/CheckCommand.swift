// `pumpgw check`: validate profiles, print every problem, and the read plan.

import Foundation
import Profiles

enum CheckCommand: Command {
    static let help = """
        pumpgw check: validate device profiles

        Usage: pumpgw check FILE...

        Prints every problem as FILE:LINE: path.to.field: message and exits 1 if
        there is any; for a valid profile prints its read plan (requests per
        poll against one request per point).

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: [], flags: [])
        guard !options.positionals.isEmpty else { throw UsageError(message: "name at least one file to check") }
        var failed = false
        for path in options.positionals {
            guard let profile = loadProfile(path) else {
                failed = true
                continue
            }
            let plan = ReadPlan(profile: profile)
            Console.print("\(path): ok: profile \(profile.profile), \(profile.points.count) points, \(plan.blocks.count) requests per poll (one per point: \(profile.points.count))")
            for block in plan.blocks {
                Console.print("  \(block.table.rawValue) \(block.start + profile.addressBase)...\(block.end - 1 + profile.addressBase) (\(block.count) \(block.table.holdsBits ? "bits" : "registers"), \(block.pointIndexes.count) points)")
            }
        }
        return failed ? 1 : 0
    }
}
