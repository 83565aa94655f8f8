// The file read once: the scanner's tree must be the tree Foundation's JSON5
// reader gives wherever the scanner gives one (and Foundation must read the
// rest), and decoding from the tree must give what JSONDecoder gives, for
// parts of a file (as a JSONEncoder/JSONDecoder round trip did) and for whole
// files (as decoding the text did); a large config's problems keep their
// lines.

import Foundation
import Testing
@testable import Profiles

private let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Every JSON5 file of the repository's profiles, fixtures, corpus and fuzz seeds.
private let sampleFiles: [URL] = ["DeviceProfiles", "Benchmarks", "Tests/IntegrationTests/Fixtures",
                                  "Tests/IntegrationTests/Fixtures/Corpus", "Fuzz/seeds/loader"].flatMap { folder in
    let url = repository.appendingPathComponent(folder)
    let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
    return names.sorted().map { url.appendingPathComponent($0) }.filter { !$0.hasDirectoryPath && $0.pathExtension != "expected" }
}

private func foundationDecoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.allowsJSON5 = true
    return decoder
}

/// Foundation's tree of `bytes` (with the final newline JSONDocument gives it), nil if it refuses them.
private func foundationTree(_ bytes: [UInt8]) -> JSONValue? {
    try? foundationDecoder().decode(JSONValue.self, from: Data(bytes + [0x0A]))
}

struct ScannerTreeTests {
    @Test func everySampleFileReadsAsFoundationReadsIt() throws {
        var scanned = 0
        for file in sampleFiles {
            let bytes = [UInt8](try Data(contentsOf: file))
            guard UTF8Check.firstInvalidByte(in: bytes) == nil else { continue }
            let map = SourceMap(bytes: bytes)
            guard map.syntaxError == nil, let tree = map.tree else { continue }
            scanned += 1
            #expect(tree == foundationTree(bytes), "\(file.lastPathComponent)")
        }
        // The shipped profiles and most fixtures take the scanner's path.
        #expect(scanned >= 40)
    }

    @Test(arguments: [
        #"{ a: 1, b: -2.5e-3, c: "x\"y\'z\\/\/\n\t", 'd': 'it\'s "so"', $e_1: [true, false, null, {}, []], }"#,
        "{ big: 1e308, tiny: 2.5e-320, zero: 0, minus: -0, exp: 1E+2, long: 123456789012345678901234567890 }",
        "// header\r\n{ a: 1, /* note */ b: [1, 2,], }\r\n// end\r\n",
        #"{ "é": "ü 水泵", "": "" }"#,
        "[1, { a: null }]",
    ])
    func plainTextIsReadByTheScanner(text: String) throws {
        let map = SourceMap(text: text)
        #expect(map.syntaxError == nil)
        let tree = try #require(map.tree)
        #expect(tree == foundationTree(Array(text.utf8)))
    }

    @Test(arguments: [
        "{ a: 0x1F }", "{ a: +1 }", "{ a: .5 }", "{ a: 5. }", "{ a: -Infinity }",
        "{ a: 1e400 }", "{ a: 1e-400 }", #"{ a: "\u0041" }"#, #"{ a: "\x41" }"#, #"{ a: "\0" }"#, #"{ a: "\r" }"#,
        #"{ a: "\q" }"#, "{ a: \"tab\there\" }", "{ a: 'line\\\nnext' }", "{ ü: 1 }", "{ a: 1, a: 2 }",
        "\u{FEFF}{ a: 1 }", "{ a:\u{0B}1 }", "{ a:\u{A0}1 }", "{ a: 1 } // note\r b",
    ])
    func whatFoundationDecidesIsLeftToFoundation(text: String) {
        let map = SourceMap(text: text)
        #expect(map.syntaxError == nil)
        #expect(map.tree == nil)
        // JSONDocument then gives Foundation's tree, or its refusal.
        let document = try? JSONDocument.parse(Data(text.utf8), file: "t.json5")
        #expect(document?.tree == foundationTree(Array(text.utf8)))
    }
}

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

    @Test func wholeFilesDecodeAsFoundationDecodesTheirText() throws {
        var decoded = 0
        for file in sampleFiles {
            let data = try Data(contentsOf: file)
            // (A file with a NaN gives values that are never equal to themselves.)
            guard let document = try? JSONDocument.parse(data, file: file.path), document.tree.isFinite else { continue }
            if let profile = try? foundationDecoder().decode(DeviceProfile.self, from: data) {
                #expect(try JSONValueDecoder.decode(DeviceProfile.self, from: document.tree) == profile, "\(file.lastPathComponent)")
                decoded += 1
            }
            if let config = try? foundationDecoder().decode(GatewayConfig.self, from: data) {
                #expect(try JSONValueDecoder.decode(GatewayConfig.self, from: document.tree) == config, "\(file.lastPathComponent)")
                decoded += 1
            }
        }
        #expect(decoded >= 20)
    }
}

struct LargeConfigTests {
    /// A config of `count` stations of one bench-plc-100 device each, one a line
    /// (station i on line 4 + i), with `replace` applied to device lines by index.
    func config(count: Int, replace: [Int: (String, String)] = [:]) -> Data {
        var text = """
            { gateway: { id: "bench" }, profiles: "\(repository.appendingPathComponent("Benchmarks").path)",
              store: { path: "/tmp/x.db" }, feed: { url: "stdout" },
              stations: [

            """
        for index in 0..<count {
            var line = #"    { id: "ST-\#(index)", devices: [ { id: "plc", profile: "bench-plc-100", host: "127.0.0.1", port: \#(26000 + index), interval: "1s", timeout: "500ms" } ] },"#
            if let (old, new) = replace[index] { line = line.replacingOccurrences(of: old, with: new) }
            text += line + "\n"
        }
        return Data((text + "  ] }\n").utf8)
    }

    @Test func aThousandDevicesLoad() throws {
        let loaded = try ConfigLoader.load(data: config(count: 1000), file: "/tmp/gw.json5")
        #expect(loaded.devices.count == 1000)
        #expect(loaded.devices[999].port == 26999)
        #expect(loaded.devices[999].plan == loaded.devices[0].plan)
    }

    @Test func problemsInALargeConfigKeepTheirLines() throws {
        let data = config(count: 1000, replace: [500: (#"interval: "1s""#, "interval: 5"),
                                                 999: ("port: 26999", "port: 70000"),
                                                 7: (#"id: "plc""#, #"id: "plc", id: "again""#)])
        let error = try #require(throws: ConfigProblems.self) { try ConfigLoader.load(data: data, file: "gw.json5") }
        #expect(error.problems.map(\.description) == [
            "gw.json5:11: stations[7].devices[0].id: duplicate key 'id' (first written on line 11)",
            "gw.json5:504: stations[500].devices[0].interval: expected a string, found the number 5",
            "gw.json5:1003: stations[999].devices[0].port: must be 1-65535, not 70000",
        ])
    }
}
