// DeviceProfiles/profile.schema.json, generated from the loader's shapes
// (FileShapes): the keys, their types, which are required and the enums come
// from the very lists `pumpgw check` walks, so the editor's schema cannot
// name a key the loader refuses. What the schema says beyond the shape
// (descriptions, ranges, patterns) sits beside each field (`Field.schema`).
// `pumpgw schema` prints it; a test holds the file equal to it.

public enum ProfileSchema {
    /// Shapes written once in the schema's `$defs` and referred to by name.
    static let definitions: [(name: String, shape: Shape)] = [
        ("register", FileShapes.registers), ("order", FileShapes.orders), ("type", FileShapes.types),
        ("addressRange", .object(FileShapes.addressRange)), ("simulate", .object(FileShapes.simulationHint)),
        ("point", .object(FileShapes.point)),
    ]

    /// What the schema says of a whole definition beyond its fields.
    static let notes: [String: [String]] = [
        "simulate": [#""description": "What `pumpgw simulate` serves: a signal of its pump-room model, a constant value, or a random walk between min and max; gain converts the signal's unit to the point's.""#],
        "point": [#"""
            "allOf": [
                    { "if": { "properties": { "type": { "const": "bits" } } }, "then": { "required": ["bit"] } },
                    { "if": { "properties": { "type": { "const": "enum" } } }, "then": { "required": ["values"] } },
                    { "if": { "properties": { "type": { "const": "string" } } }, "then": { "required": ["length"] } }
                  ]
            """#],
    ]

    static let header = [
        #""$schema": "https://json-schema.org/draft/2020-12/schema""#,
        #""$id": "https://pumpgw.example/DeviceProfiles/profile.schema.json""#,
        #""title": "pumpgw device profile""#,
        #""description": "The register map of one device model (DeviceProfiles/NAME.json5). Generated from the loader's shapes (Sources/Profiles/FileShapes.swift) by `pumpgw schema`; a test keeps this file equal to it. `pumpgw check FILE` checks more than this schema can: overlaps, address ranges after the base, duplicate names.""#,
    ]

    /// The schema's text, as DeviceProfiles/profile.schema.json holds it.
    public static func text() -> String {
        var members = header + objectMembers(FileShapes.profile, notes: [], indent: "  ")
        let defs = definitions.map { definition -> String in
            let body: String
            if case .object(let fields) = definition.shape {
                body = block(objectMembers(fields, notes: notes[definition.name] ?? [], indent: "      "), indent: "    ")
            } else {
                body = inline(definition.shape, extra: "", referring: false)
            }
            return "\(quote(definition.name)): \(body)"
        }
        members.append(#""$defs": "# + block(defs, indent: "  "))
        return block(members, indent: "") + "\n"
    }

    /// The members of an object schema: type, no other keys, the notes'
    /// description, required keys, one line per property, the other notes.
    static func objectMembers(_ fields: [Field], notes: [String], indent: String) -> [String] {
        let isDescription = { (note: String) in note.hasPrefix(#""description""#) }
        var members = [#""type": "object""#, #""additionalProperties": false"#] + notes.filter(isDescription)
        let required = fields.filter(\.required).map { quote($0.name) }
        if !required.isEmpty { members.append(#""required": [\#(required.joined(separator: ", "))]"#) }
        let properties = fields.map { "\(quote($0.name)): \(inline($0.shape, extra: $0.schema))" }
        members.append(#""properties": "# + block(properties, indent: indent))
        return members + notes.filter { !isDescription($0) }
    }

    /// One shape on one line: a reference to its definition (unless this is
    /// the definition, `referring` false), or its type.
    static func inline(_ shape: Shape, extra: String, referring: Bool = true) -> String {
        var members: [String]
        if referring, let name = definitions.first(where: { String(describing: $0.shape) == String(describing: shape) })?.name {
            members = [##""$ref": "#/$defs/\##(name)""##]
        } else {
            switch shape {
            case .string: members = [#""type": "string""#]
            case .integer: members = [#""type": "integer""#]
            case .number: members = [#""type": "number""#]
            case .bool: members = [#""type": "boolean""#]
            case .choice(let options):
                members = [#""type": "string""#, #""enum": [\#(options.map(quote).joined(separator: ", "))]"#]
            case .list(let element): members = [#""type": "array""#, #""items": \#(inline(element, extra: ""))"#]
            case .map(let element): members = [#""type": "object""#, #""additionalProperties": \#(inline(element, extra: ""))"#]
            case .object, .opaqueObject: members = [#""type": "object""#]
            }
        }
        if !extra.isEmpty {
            // minItems and the like read best before `items`.
            let insertAt = members.count > 1 && members[1].hasPrefix(#""items""#) && !extra.hasPrefix(#""description""#) ? 1 : members.count
            members.insert(extra, at: insertAt)
        }
        return "{ " + members.joined(separator: ", ") + " }"
    }

    /// `members` between braces, one a line, indented below `indent`.
    static func block(_ members: [String], indent: String) -> String {
        "{\n" + members.map { indent + "  " + $0 }.joined(separator: ",\n") + "\n" + indent + "}"
    }

    static func quote(_ text: String) -> String { "\"" + text + "\"" }
}
