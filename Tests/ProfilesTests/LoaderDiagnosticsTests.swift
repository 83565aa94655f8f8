// The pieces behind the loaders' messages: the JSON5 scanner's lines,
// columns and duplicate keys, the UTF-8 check, the "did you mean" hints,
// and a gateway config that loads with its device workarounds.

import Foundation
import Testing
@testable import Profiles

struct SourceMapTests {
    @Test func linesOfPaths() {
        let map = SourceMap(text: """
            // header
            {
              profile: "p",
              points: [
                { name: "a",
                  address: 3 },
                {
                  'name': "b", "bit": 2,
                },
              ],
            }
            """)
        #expect(map.syntaxError == nil)
        #expect(map.exactLine(of: "") == 2)
        #expect(map.exactLine(of: "profile") == 3)
        #expect(map.exactLine(of: "points[0]") == 5)
        #expect(map.exactLine(of: "points[0].address") == 6)
        #expect(map.exactLine(of: "points[1]") == 7)
        #expect(map.exactLine(of: "points[1].name") == 8)
        #expect(map.exactLine(of: "points[1].bit") == 8)
        // A key that is not written falls back to its object.
        #expect(map.line(of: "points[1].type") == 7)
        #expect(map.line(of: "points[7].type") == 4)
    }

    @Test(arguments: [
        ("{ a: 1 } x", 1, 10, "unexpected 'x' after the end of the document"),
        ("{\n  a: 'x\n", 2, 6, "a string is not closed (missing ')"),
        ("{ a: [1, 2 }", 1, 12, "unexpected '}' after a list element; expected ',' or ']'"),
        ("{ \"é\": 1, b: 0x }", 1, 14, "a hexadecimal number needs digits after 0x"),
        ("{ ü: 1e, }", 1, 6, "an exponent needs digits"),
        ("{ a: 1 /* open", 1, 8, "a /* comment is not closed"),
        ("  ", 1, 3, "the file is empty; expected a JSON5 object { ... }"),
        ("\n .1111", 2, 2, "expected a JSON5 object { ... } at the start of the file, found '.'"),
    ])
    func syntaxErrors(text: String, line: Int, column: Int, message: String) throws {
        let error = try #require(SourceMap(text: text).syntaxError)
        #expect(error.message == message)
        #expect(error.position == SourceMap.Position(line: line, column: column))
    }

    @Test func json5ThatFoundationAcceptsScansClean() {
        let text = "\u{FEFF}{ a: +.5, b: 5., c: -Infinity, d: NaN, e: 0x1F, 'f': 'it\\'s', g: [/*x*/], $h_1: null, }"
        #expect(SourceMap(text: text).syntaxError == nil)
    }

    @Test func duplicateKeys() {
        let map = SourceMap(text: "{\n a: 1,\n b: { c: 1,\n c: 2 },\n a: 3 }")
        #expect(map.duplicateKeys.map(\.path) == ["b.c", "a"])
        #expect(map.duplicateKeys.map(\.line) == [4, 5])
        #expect(map.duplicateKeys.map(\.firstLine) == [3, 2])
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let text = String(repeating: "[", count: 100_000)
        let error = try #require(SourceMap(text: text).syntaxError)
        #expect(error.message == "nested more than 256 levels deep")
    }
}

struct UTF8CheckTests {
    @Test(arguments: [
        ([0x41, 0xC3, 0xA9], nil as Int?),          // Aé
        ([0xE4, 0xB8, 0xAD], nil),                   // 中
        ([0xF0, 0x9F, 0x92, 0xA7], nil),             // 💧
        ([0x41, 0xFF], 1),
        ([0xC0, 0x80], 0),                           // overlong NUL
        ([0xED, 0xA0, 0x80], 0),                     // a surrogate
        ([0xF4, 0x90, 0x80, 0x80], 0),               // above U+10FFFF
        ([0x41, 0xE4, 0xB8], 1),                     // cut short
        ([0xD1, 0xB9, 0xC1, 0xA6], 2),               // GBK 压力
    ] as [([UInt8], Int?)])
    func firstInvalidByte(bytes: [UInt8], expected: Int?) {
        #expect(UTF8Check.firstInvalidByte(in: bytes) == expected)
    }
}

struct SuggestionTests {
    @Test(arguments: [
        ("adress", "address"), ("adressBase", "addressBase"), ("address_base", "addressBase"),
        ("regsiter", "register"), ("Name", "name"), ("typ", "type"), ("precission", "precision"),
        ("nmae", "name"), ("float", "float32"),
    ])
    func suggests(word: String, expected: String) {
        let options = FileShapes.point.map(\.name) + FileShapes.profile.map(\.name) + FileShapes.feed.map(\.name)
            + PointType.allCases.map(\.rawValue)
        #expect(ShapeChecker.suggestion(for: word, among: options) == expected)
    }

    @Test(arguments: ["colour", "x", "", "registers_and_more"])
    func doesNotGuess(word: String) {
        #expect(ShapeChecker.suggestion(for: word, among: FileShapes.point.map(\.name)) == nil)
    }
}

struct ConfigLoaderTests {
    /// A temporary folder with one profile and one config.
    func load(device: String) throws -> LoadedConfig {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-config-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            { profile: "pump", addressBase: 0, points: [
                { name: "a", register: "holding", address: 0, type: "uint16" },
                { name: "b", register: "holding", address: 1, type: "uint32" },
                { name: "c", register: "holding", address: 5, type: "uint16" } ] }
            """.write(to: folder.appendingPathComponent("profiles/pump.json5"), atomically: true, encoding: .utf8)
        try """
            { gateway: { id: "gw" }, profiles: "profiles", store: { path: "var/x.db" },
              stations: [ { id: "S1", tags: { district: "futian" }, devices: [ \(device) ] } ] }
            """.write(to: folder.appendingPathComponent("config.json5"), atomically: true, encoding: .utf8)
        return try ConfigLoader.load(path: folder.appendingPathComponent("config.json5").path)
    }

    @Test func devicesAreResolvedWithDefaults() throws {
        let loaded = try load(device: #"{ id: "d", profile: "pump", host: "10.0.0.2" }"#)
        let device = try #require(loaded.devices.first)
        #expect(device.port == 502 && device.unit == 1)
        #expect(device.interval == .seconds(1) && device.timeout == .milliseconds(500))
        #expect(device.station.tags == ["district": "futian"])
        #expect(device.plan.blocks.count == 2)  // 0...2 and 5
        #expect(loaded.storePath.hasSuffix("/var/x.db") && loaded.storePath.hasPrefix("/"))
    }

    @Test func deviceWorkaroundsShapeThePlan() throws {
        let gap = try load(device: #"{ id: "d", profile: "pump", host: "h", maxGap: 2 }"#)
        #expect(gap.devices.first?.plan.blocks.map(\.count) == [6])
        let single = try load(device: #"{ id: "d", profile: "pump", host: "h", onePerPoint: true }"#)
        #expect(single.devices.first?.plan.blocks.count == 3)
        let small = try load(device: #"{ id: "d", profile: "pump", host: "h", maxRegisters: 2 }"#)
        #expect(small.devices.first?.plan.blocks.map(\.count) == [1, 2, 1])
    }

    @Test func isGatewayConfig() {
        #expect(ConfigLoader.isGatewayConfig(Data(#"{ gateway: { id: "g" }, stations: [] }"#.utf8)))
        #expect(!ConfigLoader.isGatewayConfig(Data(#"{ profile: "p", points: [] }"#.utf8)))
        #expect(!ConfigLoader.isGatewayConfig(Data([0x7B, 0xFF, 0x7D])))
    }
}
