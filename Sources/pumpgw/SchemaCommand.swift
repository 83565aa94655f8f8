// `pumpgw schema`: prints DeviceProfiles/profile.schema.json, generated
// from the loader's shapes, so that the editors' schema is never written by hand.

import Profiles

enum SchemaCommand: Command {
    static let help = """
        pumpgw schema: print the JSON Schema of device profiles

        Usage: pumpgw schema > DeviceProfiles/profile.schema.json

        The schema is generated from the shapes `pumpgw check` walks
        (Sources/Profiles/FileShapes.swift); run this after changing them.

        """

    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineArguments(arguments, options: [], flags: [])
        guard options.positionals.isEmpty else { throw UsageError(message: "unexpected argument '\(options.positionals[0])'") }
        // The text ends in its own newline.
        Console.print(String(ProfileSchema.text().dropLast()))
        return 0
    }
}
