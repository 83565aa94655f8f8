// DeviceProfiles/profile.schema.json, the loader's shapes (FileShapes) and
// the typed models must name the same keys with the same value types, and
// the schema's enums must be the Swift enums: editors then complete and
// check exactly what `pumpgw check` accepts. The file is generated from the
// shapes (`pumpgw schema`): the first test holds it equal to the generator,
// the others check the generated schema itself against the loader.

import Foundation
import Testing
@testable import Profiles

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// The schema as a JSON tree.
private func schema() throws -> [String: Any] {
    let data = try Data(contentsOf: root.appendingPathComponent("DeviceProfiles/profile.schema.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// An object schema: the definition itself, or the `$defs` entry it refers to.
private func resolve(_ node: [String: Any], in document: [String: Any]) throws -> [String: Any] {
    guard let reference = node["$ref"] as? String else { return node }
    let name = try #require(reference.split(separator: "/").last.map(String.init))
    let definitions = try #require(document["$defs"] as? [String: Any])
    return try #require(definitions[name] as? [String: Any], "no $defs/\(name)")
}

/// The JSON Schema type a shape stands for.
private func schemaType(_ shape: Shape) -> String {
    switch shape {
    case .string, .choice: return "string"
    case .integer: return "integer"
    case .number: return "number"
    case .bool: return "boolean"
    case .list: return "array"
    case .map, .object, .opaqueObject: return "object"
    }
}

/// Compares one object schema with one list of fields, recursively.
private func compare(_ node: [String: Any], _ fields: [Field], in document: [String: Any], path: String) throws {
    let object = try resolve(node, in: document)
    let properties = try #require(object["properties"] as? [String: Any], "\(path) has no properties")
    #expect(Set(properties.keys) == Set(fields.map(\.name)), "\(path): schema and loader name different keys")
    let required = Set((object["required"] as? [String]) ?? [])
    #expect(required == Set(fields.filter(\.required).map(\.name)), "\(path): required keys differ")
    #expect(object["additionalProperties"] as? Bool == false, "\(path): unknown keys must be refused")
    for field in fields {
        let property = try resolve(try #require(properties[field.name] as? [String: Any]), in: document)
        #expect(property["type"] as? String == schemaType(field.shape), "\(path).\(field.name): type differs")
        switch field.shape {
        case .choice(let options):
            #expect(property["enum"] as? [String] == options, "\(path).\(field.name): enum differs")
        case .object(let inner):
            try compare(property, inner, in: document, path: "\(path).\(field.name)")
        case .list(.object(let inner)):
            try compare(try #require(property["items"] as? [String: Any]), inner, in: document, path: "\(path).\(field.name)[]")
        default:
            break
        }
    }
}

/// Stored property names of a value, as the synthesized Codable keys see them.
private func keys(of value: Any) -> Set<String> {
    Set(Mirror(reflecting: value).children.compactMap(\.label))
}

struct SchemaAgreementTests {
    @Test func theFileIsWhatTheGeneratorWrites() throws {
        let file = try String(contentsOf: root.appendingPathComponent("DeviceProfiles/profile.schema.json"), encoding: .utf8)
        #expect(file == ProfileSchema.text(), "run `pumpgw schema > DeviceProfiles/profile.schema.json` after changing FileShapes")
    }

    @Test func schemaMatchesTheLoader() throws {
        let document = try schema()
        #expect(document["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        try compare(document, FileShapes.profile, in: document, path: "profile")
    }

    @Test func schemaEnumsAreTheSwiftEnums() throws {
        let definitions = try #require(try schema()["$defs"] as? [String: Any])
        func options(_ name: String) -> [String]? { (definitions[name] as? [String: Any])?["enum"] as? [String] }
        #expect(options("register") == RegisterTable.allCases.map(\.rawValue))
        #expect(options("order") == ByteOrder.allCases.map(\.rawValue))
        #expect(options("type") == PointType.allCases.map(\.rawValue))
    }

    @Test func shapesMatchTheModels() {
        let point = Point(name: "a", register: .holding, address: 0, type: .uint16)
        let profile = DeviceProfile(profile: "p", addressBase: 0, points: [point])
        #expect(keys(of: profile) == Set(FileShapes.profile.map(\.name)).subtracting(["$schema"]))
        #expect(keys(of: point) == Set(FileShapes.point.map(\.name)))
        #expect(keys(of: SimulationHint()) == Set(FileShapes.simulationHint.map(\.name)))
        #expect(keys(of: AddressRange(register: .coil, from: 0, to: 0)) == Set(FileShapes.addressRange.map(\.name)))

        let device = DeviceConfig(id: "d", profile: "p", host: "h")
        let config = GatewayConfig(gateway: GatewaySection(id: "g"), stations: [Station(id: "s", devices: [device])])
        #expect(keys(of: config) == Set(FileShapes.config.map(\.name)).subtracting(["$schema"]))
        #expect(keys(of: device) == Set(FileShapes.device.map(\.name)))
        #expect(keys(of: Station(id: "s", devices: [])) == Set(FileShapes.station.map(\.name)))
        #expect(keys(of: GatewaySection(id: "g")) == Set(FileShapes.gateway.map(\.name)))
        #expect(keys(of: StoreSection()) == Set(FileShapes.store.map(\.name)))
        #expect(keys(of: FeedSection(url: "stdout")) == Set(FileShapes.feed.map(\.name)))
    }

    /// A schema that names a key the loader refuses would be caught above;
    /// this checks the comparison itself can fail.
    @Test func comparisonNoticesAMissingKey() throws {
        var fields = FileShapes.simulationHint
        fields.append(Field("noise", .number))
        let document = try schema()
        let definitions = try #require(document["$defs"] as? [String: Any])
        let simulate = try #require(definitions["simulate"] as? [String: Any])
        let properties = try #require(simulate["properties"] as? [String: Any])
        #expect(Set(properties.keys) != Set(fields.map(\.name)))
    }
}
