// Encoding against the strict parser: hostile names round trip, values keep
// their types, NaN/Inf never leave, tags come sorted, precisions convert.

import Foundation
import Testing
@testable import Feed
import Decoding

/// Names a field engineer or a config could throw at the encoder, and what
/// they read back as: line breaks become spaces; a run of backslashes before
/// a comma, space or equals sign, or at the end, is left out (InfluxDB 1.x
/// rejects any line where a backslash precedes a delimiter).
let hostileNames: [(String, String)] = [
    ("福田区泵房", "福田区泵房"), ("a b", "a b"), ("a,b", "a,b"), ("a=b", "a=b"), ("say \"hi\"", "say \"hi\""),
    ("back\\slash", "back\\slash"), ("two\\\\x", "two\\\\x"), ("trail\\", "trail"), ("x\\,y", "x,y"),
    ("\\\\ x", " x"), ("=,\\ \"", "=, \""), (" lead", " lead"), ("line\nbreak", "line break"),
    ("crlf\r\nx", "crlf x"), ("emoji 🚰,=", "emoji 🚰,="), ("\\\"", "\\\""), ("é\\\u{301}", "é\\\u{301}"),
]

let epoch = Date(timeIntervalSince1970: 1_764_115_200.5)

@Suite struct LineProtocolTests {
    @Test(arguments: hostileNames)
    func hostileNamesRoundTrip(_ name: String, _ expected: String) throws {
        let line = try #require(LineProtocol.line(
            measurement: name, tags: [name: name, "plain": "x"],
            fields: [(name, .string(name)), ("n", .integer(1))], time: epoch, precision: .ms))
        #expect(!line.contains("\n") && !line.contains("\r"))
        let parsed = try LineProtocolParser.parse(line)
        let flat = String(name.map { $0.isNewline ? " " : $0 })
        #expect(parsed.measurement == expected)
        #expect(parsed.tags.contains(.init(key: expected, value: expected)))
        #expect(parsed.fields.first == .init(key: expected, value: .string(flat)))
        #expect(parsed.timestamp == 1_764_115_200_500)
    }

    @Test func namesThatEscapeToNothingAreLeftOut() {
        #expect(LineProtocol.line(measurement: "m", tags: ["t": "\\", "\\": "v"], fields: [("\\", .integer(1)), ("f", .integer(2))],
                                  time: epoch, precision: .s) == "m f=2i 1764115201")
        #expect(LineProtocol.line(measurement: "\\", tags: [:], fields: [("f", .integer(2))], time: epoch, precision: .s) == nil)
    }

    @Test func escapingIsExactlyTheSpecs() {
        let line = LineProtocol.line(
            measurement: "my measure,x=1", tags: ["tag key": "a,b=c d", "empty": ""],
            fields: [("field,key=1 x", .string("say \"hi\" \\o/"))], time: epoch, precision: .s)
        #expect(line == #"my\ measure\,x=1,tag\ key=a\,b\=c\ d field\,key\=1\ x="say \"hi\" \\o/" 1764115201"#)
    }

    @Test func backslashesBeforeDelimitersAreLeftOut() {
        let line = LineProtocol.line(measurement: "m", tags: ["t": "C:\\dir\\", "u": "a\\,b", "v": "a\\b"],
                                     fields: [("f", .bool(true))], time: epoch, precision: .s)
        #expect(line == #"m,t=C:\dir,u=a\,b,v=a\b f=true 1764115201"#)
    }

    @Test func valuesAreTyped() throws {
        let line = try #require(LineProtocol.line(
            measurement: "m", tags: [:],
            fields: [("f", .float(0.453)), ("whole", .float(12)), ("tiny", .float(1e-5)), ("neg0", .float(-0.0)),
                     ("i", .integer(-42)), ("u", FieldValue(.unsigned(7))), ("big", FieldValue(.unsigned(.max))),
                     ("b", .bool(false)), ("s", .string(""))],
            time: epoch, precision: .ms))
        #expect(line == #"m f=0.453,whole=12.0,tiny=1e-05,neg0=0.0,i=-42i,u=7i,big=1.8446744073709552e+19,b=false,s="" 1764115200500"#)
        let parsed = try LineProtocolParser.parse(line)
        #expect(parsed.fields.map(\.value) == [.float(0.453), .float(12), .float(1e-5), .float(0), .integer(-42),
                                               .integer(7), .float(18446744073709551616), .bool(false), .string("")])
    }

    @Test func nonFiniteFieldsAreDroppedAndEmptyLinesNotWritten() {
        let line = LineProtocol.line(measurement: "m", tags: [:],
                                     fields: [("a", .float(.nan)), ("b", .float(2.5)), ("c", .float(-.infinity))],
                                     time: epoch, precision: .ms)
        #expect(line == "m b=2.5 1764115200500")
        #expect(LineProtocol.line(measurement: "m", tags: ["t": "x"], fields: [("a", .float(.infinity))],
                                  time: epoch, precision: .ms) == nil)
        #expect(LineProtocol.line(measurement: "m", tags: [:], fields: [], time: epoch, precision: .ms) == nil)
    }

    @Test func tagsAreSortedInByteOrder() throws {
        let line = try #require(LineProtocol.line(
            measurement: "m", tags: ["b": "1", "B": "2", "a": "3", "Z": "4", "é": "5", "_": "6"],
            fields: [("f", .integer(1))], time: epoch, precision: .ms))
        #expect(line == "m,B=2,Z=4,_=6,a=3,b=1,é=5 f=1i 1764115200500")
    }

    @Test(arguments: [(Precision.s, Int64(1_764_115_201)), (.ms, 1_764_115_200_500),
                      (.us, 1_764_115_200_500_000), (.ns, 1_764_115_200_500_000_000)])
    func precisions(_ precision: Precision, _ expected: Int64) {
        #expect(precision.timestamp(epoch) == expected)
    }

    @Test func millisecondsSurviveFloatNoise() {
        #expect(Precision.ms.timestamp(Date(timeIntervalSince1970: 1_764_115_200.123)) == 1_764_115_200_123)
        #expect(Precision.ms.timestamp(Date(timeIntervalSince1970: -1.5)) == -1_500)
    }

    @Test func precisionFromConfig() throws {
        #expect(try Precision(config: nil) == .ms)
        #expect(try Precision(config: "ns") == .ns)
        #expect(throws: FeedConfigError.self) { try Precision(config: "m") }
    }

    @Test func theParserIsStrict() {
        for bad in ["m", "m f=1 x", "m f=", "m,t f=1", "m f=\"open", "m f=1.2.3 1", "m f=nan", "m,t=a=b f=1",
                    "m f=1\n", "m  f=1", "m f=1i0"] {
            #expect(throws: LineSyntaxError.self, "\(bad)") { try LineProtocolParser.parse(bad) }
        }
    }
}
