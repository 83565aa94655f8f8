// Decoding from the tree: parts of a file decode from its `JSONValue` tree
// as a JSONEncoder/JSONDecoder round trip of the part did.

import Foundation
import Testing
@testable import Profiles

struct JSONValueDecoderTests {
    /// What `JSONDocument.decode` did before: the value written out by JSONEncoder, read back by JSONDecoder.
    func roundTrip<T: Decodable>(_ type: T.Type, _ value: JSONValue) -> T? {
        guard let data = try? JSONEncoder().encode(value) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    static let leaves: [JSONValue] = [
        .number(1), .number(-0.0), .number(1.5), .number(1e17), .number(1e20), .number(9_007_199_254_740_992),
        .number(300), .number(-1), .number(.infinity), .number(.nan), .null, .bool(true), .string("1"), .array([]), .object([:]),
    ]

    @Test(arguments: leaves)
    func leavesDecodeAsInARoundTrip(leaf: JSONValue) {
        #expect(JSONDocument.decode(Int.self, from: leaf) == roundTrip(Int.self, leaf))
        #expect(JSONDocument.decode(UInt8.self, from: leaf) == roundTrip(UInt8.self, leaf))
        #expect(JSONDocument.decode(Double.self, from: leaf) == roundTrip(Double.self, leaf))
        #expect(JSONDocument.decode(Bool.self, from: leaf) == roundTrip(Bool.self, leaf))
        #expect(JSONDocument.decode(String.self, from: leaf) == roundTrip(String.self, leaf))
        #expect(JSONDocument.decode(Int?.self, from: leaf) == roundTrip(Int?.self, leaf))
        #expect(JSONDocument.decode([String: String].self, from: .object(["k": leaf])) == roundTrip([String: String].self, .object(["k": leaf])))
        #expect(JSONDocument.decode([JSONValue].self, from: .array([leaf, .number(2)])) == roundTrip([JSONValue].self, .array([leaf, .number(2)])))
    }

    static let device: [String: JSONValue] = [
        "id": .string("plc"), "profile": .string("p"), "host": .string("h"), "port": .number(502), "interval": .string("1s"),
        "rules": .array([.object(["point": .string("x"), "limit": .number(1.5), "on": .bool(true), "w": .null])]),
        "pollGroups": .array([.object(["interval": .string("60s"), "points": .array([.string("a")])])]),
    ]

    @Test(arguments: [
        ("port", .string("502")), ("port", .number(1.5)), ("port", .null), ("id", .null), ("onePerPoint", .number(1)),
        ("rules", .object([:])), ("pollGroups", .array([.null])), ("unit", .number(.nan)), ("extra", .number(.infinity)),
        ("host", .number(1)), ("unit", .number(7)),
    ] as [(String, JSONValue)])
    func aDeviceDecodesAsInARoundTrip(key: String, value: JSONValue) {
        var fields = Self.device
        #expect(JSONDocument.decode(DeviceConfig.self, from: .object(fields)) == roundTrip(DeviceConfig.self, .object(fields)))
        fields[key] = value
        #expect(JSONDocument.decode(DeviceConfig.self, from: .object(fields)) == roundTrip(DeviceConfig.self, .object(fields)))
        fields[key] = nil
        #expect(JSONDocument.decode(DeviceConfig.self, from: .object(fields)) == roundTrip(DeviceConfig.self, .object(fields)))
    }
}
