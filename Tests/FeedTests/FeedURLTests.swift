// feed.url parsing and sink construction: every accepted form, and a clear
// error for each bad one (naming the field, never the secret).

import Foundation
import Testing
@testable import Feed
import Profiles

@Suite struct FeedURLTests {
    @Test func acceptedForms() throws {
        #expect(try FeedURL.parse("stdout") == .stdout)
        #expect(try FeedURL.parse("file:var/feed.lp", relativeTo: URL(fileURLWithPath: "/etc/pumpgw"))
                == .file("/etc/pumpgw/var/feed.lp"))
        #expect(try FeedURL.parse("file:/tmp/feed.lp") == .file("/tmp/feed.lp"))
        #expect(try FeedURL.parse("tcp://127.0.0.1:8089") == .tcp(host: "127.0.0.1", port: 8089))
        #expect(try FeedURL.parse("http://127.0.0.1:8086/write?db=pumps&rp=week")
                == .influxV1(try #require(URL(string: "http://127.0.0.1:8086/write?db=pumps&rp=week&precision=ms"))))
        #expect(try FeedURL.parse("https://h:8086/api/v2/write?org=o&bucket=b", precision: .s)
                == .influxV2(try #require(URL(string: "https://h:8086/api/v2/write?org=o&bucket=b&precision=s"))))
        #expect(try FeedURL.parse("http://127.0.0.1:8428/write", precision: .ns)
                == .lineProtocolHTTP(try #require(URL(string: "http://127.0.0.1:8428/write?precision=ns"))))
    }

    @Test(arguments: [
        ("ftp://h/write", "unknown scheme \"ftp\""),
        ("tcp://127.0.0.1", "tcp:// needs a port"),
        ("tcp://127.0.0.1:8089/x", "tcp:// takes no path"),
        ("http://127.0.0.1:8086/query?db=x", "path must end in /write"),
        ("http://127.0.0.1:8086/write?db=", "db= is empty"),
        ("http://127.0.0.1:8086/api/v2/write?org=o", "needs bucket=NAME"),
        ("http://user:pw@127.0.0.1:8086/write?db=x", "credentials do not belong in the URL"),
        ("http://127.0.0.1:8086/write?db=x&p=pw", "credentials do not belong in the URL"),
        ("http://127.0.0.1:8086/write?db=x&precision=s", "set feed.precision instead"),
        ("http:///write?db=x", "no host"),
        ("file:", "file: needs a path"),
        ("127.0.0.1:8086", "not a URL"),
        ("localhost:8086/write", "unknown scheme \"localhost\""),
        ("just words", "not a URL"),
    ])
    func badURLs(_ url: String, _ expected: String) {
        do {
            _ = try FeedURL.parse(url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(error.message.hasPrefix("feed.url \"\(url)\": "))
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func credentialProblems() throws {
        let v2 = "http://127.0.0.1:1/api/v2/write?org=o&bucket=b"
        #expect(throws: FeedConfigError("feed: InfluxDB 2.x/3.x needs a token: set feed.tokenEnv or feed.tokenFile")) {
            try FeedSinks.make(FeedSection(url: v2), environment: [:])
        }
        #expect(throws: FeedConfigError("feed.tokenEnv: environment variable NOPE is not set or empty")) {
            try FeedSinks.make(FeedSection(url: v2, tokenEnv: "NOPE"), environment: [:])
        }
        #expect(throws: FeedConfigError("feed.username: needed with a password (feed.tokenEnv or feed.tokenFile)")) {
            try FeedSinks.make(FeedSection(url: "http://127.0.0.1:1/write?db=x", tokenEnv: "PW"), environment: ["PW": "s3cret"])
        }
        #expect(throws: FeedConfigError("feed.precision: \"h\" is not one of s, ms, us, ns")) {
            try FeedSinks.make(FeedSection(url: "stdout", precision: "h"))
        }
    }

    @Test func tokenFromAFileRelativeToTheConfig() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("feed-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("tok-file\n".utf8).write(to: folder.appendingPathComponent("token"))
        let section = FeedSection(url: "http://127.0.0.1:1/api/v2/write?org=o&bucket=b", tokenFile: "token")
        #expect(try FeedSinks.readSecret(section, relativeTo: folder, environment: [:]) == "tok-file")
        _ = try FeedSinks.make(section, relativeTo: folder)
        #expect(throws: FeedConfigError.self) {
            try FeedSinks.make(FeedSection(url: section.url, tokenFile: "missing"), relativeTo: folder)
        }
    }
}
