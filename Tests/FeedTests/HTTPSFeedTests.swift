// The feed over https:// against real TLS servers on 127.0.0.1:
// Tests/Hostile/hostile_feed.py with a certificate from a throw-away CA
// (TestCertificates, made with `openssl` per suite run). The sink is told
// to trust that CA through SSL_CERT_FILE, in the environment it is given.

import Foundation
import Testing
@testable import Feed
import Profiles
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct HTTPSFeedTests {
    let certificates: TestCertificates

    init() throws { certificates = try TestCertificates() }

    /// hostile_feed.py `mode` over TLS with the certificate `certificate` (and its key).
    func tlsServer(_ mode: String, _ extra: [String] = [], certificate: String? = nil, key: String? = nil) throws -> HostileServer {
        try HostileServer(mode, megabytes: 512, ["--tls-cert", certificate ?? certificates.certificateFile,
                                                 "--tls-key", key ?? certificates.keyFile] + extra)
    }

    func sink(port: Int, trusting caFile: String?, host: String = "127.0.0.1") throws -> any FeedSink {
        var environment = ["PW": "s3cret"]
        environment["SSL_CERT_FILE"] = caFile
        return try FeedSinks.make(FeedSection(url: "https://\(host):\(port)/write?db=pumps", tokenEnv: "PW", username: "gw"),
                                  environment: environment, timeout: 5)
    }

    /// By address (checked against the certificate's IP name) and by name (SNI, checked against its DNS name).
    @Test(arguments: ["127.0.0.1", "localhost"])
    func linesAreDeliveredOverTLS(_ host: String) async throws {
        defer { certificates.remove() }
        let record = certificates.folder.appendingPathComponent("record.log").path
        let server = try tlsServer("record", ["--record", record])
        defer { server.stop() }
        let feed = try sink(port: server.port, trusting: certificates.caFile, host: host)
        #expect(await feed.write(["m a=1i 1", "m a=2i 2"]) == .accepted)
        #expect(await feed.write(["m a=3i 3"]) == .accepted)
        // By hand: "m a=1i 1\n" is 9 bytes, two lines 18, one line 9; the basic-auth header went too.
        let seen = try String(contentsOfFile: record, encoding: .utf8)
        #expect(seen == "POST /write?db=pumps&precision=ms HTTP/1.1 18 auth\nPOST /write?db=pumps&precision=ms HTTP/1.1 9 auth\n")
    }

    /// The same two hostile replies as the http:// test, over TLS: the same message, the lines kept, no memory.
    @Test(arguments: [("bigbody", "HTTP 500: (a reply body of 2147483648 bytes, not read)"),
                      ("bigchunked", "HTTP 500: (a reply body of unknown length, not read)")])
    func anEndlessReplyBodyIsNotReadAndTheLinesKept(_ mode: String, _ expected: String) async throws {
        defer { certificates.remove() }
        let server = try tlsServer(mode)
        defer { server.stop() }
        try await expectEndlessReplyIsNotRead(try sink(port: server.port, trusting: certificates.caFile), expected)
    }

    @Test func aRedirectOverTLSIsNotFollowed() async throws {
        defer { certificates.remove() }
        let server = try tlsServer("redirect", ["--location", "https://127.0.0.1:9/write?db=x"])
        defer { server.stop() }
        let result = await (try sink(port: server.port, trusting: certificates.caFile)).write(["m a=1i 1"])
        guard case .refused(307, let message) = result else { Issue.record("expected a refusal, got \(result)"); return }
        #expect(message.hasPrefix("HTTP 307 redirect to https://127.0.0.1:9/write, not followed"))
    }

    /// A certificate that does not verify is never talked to: nothing reaches
    /// the server, and the message says why and what to set.
    @Test(arguments: [("stranger", "127.0.0.1", "self-signed certificate"),            // signed by nobody we trust
                      ("other", "127.0.0.1", "IP address mismatch"),                  // our CA, but for feed.example
                      ("other", "localhost", "hostname mismatch"),                    // the same, asked by name
                      ("system", "127.0.0.1", "unable to get local issuer certificate")])   // our CA, not trusted: no SSL_CERT_FILE
    func anUntrustedCertificateIsRefused(_ which: String, _ host: String, _ reason: String) async throws {
        defer { certificates.remove() }
        let record = certificates.folder.appendingPathComponent("record.log").path
        let (certificate, key) = switch which {
        case "stranger": (certificates.strangerCertificateFile, certificates.strangerKeyFile)
        case "other": (certificates.otherNameCertificateFile, certificates.otherNameKeyFile)
        default: (certificates.certificateFile, certificates.keyFile)
        }
        let server = try tlsServer("record", ["--record", record], certificate: certificate, key: key)
        defer { server.stop() }
        let caFile = which == "system" ? nil : certificates.caFile
        let result = await (try sink(port: server.port, trusting: caFile, host: host)).write(["m a=1i 1"])
        guard case .retry(let message, _) = result else { Issue.record("expected a retry, got \(result)"); return }
        #expect(message == "TLS handshake: the server's certificate is not trusted: \(reason) "
                + "(a private CA: set SSL_CERT_FILE to its PEM file)")
        #expect(!FileManager.default.fileExists(atPath: record), "a request reached the server")
    }

    /// `check` and start-up refuse it (FeedOptions); a sink made anyway refuses every write.
    @Test func aCAFileThatCannotBeReadIsAConfigurationProblem() async throws {
        defer { certificates.remove() }
        let missing = certificates.folder.appendingPathComponent("no-such.pem").path
        let notPEM = certificates.folder.appendingPathComponent("server.csr").path   // a file, but no certificate in it
        for file in [missing, notPEM] {
            #expect {
                _ = try FeedOptions(section: FeedSection(url: "https://127.0.0.1:9/write?db=pumps"), environment: ["SSL_CERT_FILE": file])
            } throws: { error in
                "\(error)".hasPrefix("SSL_CERT_FILE: cannot load CA certificates from \(file): ")
            }
        }
        // Plain http never reads it.
        _ = try FeedOptions(section: FeedSection(url: "http://127.0.0.1:9/write?db=pumps"), environment: ["SSL_CERT_FILE": missing])
        let sink = HTTPSink(url: try #require(URL(string: "https://127.0.0.1:9/write?db=pumps")), credentials: .none, caFile: missing)
        let result = await sink.write(["m a=1i 1"])
        guard case .refused(0, let message) = result else { Issue.record("expected a refusal, got \(result)"); return }
        #expect(message.hasPrefix("SSL_CERT_FILE: cannot load CA certificates from \(missing): "), "\(message)")
    }

    /// Peers that are not TLS servers: one that accepts and says nothing (the
    /// handshake is bounded by the sink's timeout, 1 s here), one that answers
    /// the ClientHello with plain HTTP. Both fail the write; neither hangs it.
    @Test(arguments: ["silent", "plain HTTP"])
    func aPeerThatDoesNotSpeakTLSFailsTheWriteInTime(_ peer: String) async throws {
        defer { certificates.remove() }
        let (listener, port) = try listenLoopback()
        defer { close(listener) }
        let answer = peer == "silent" ? nil : "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
        let held = Thread {
            let connection = acceptWithin(listener, seconds: 5)
            guard connection >= 0 else { return }
            if let answer { _ = answer.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
            usleep(3_000_000)   // holds the connection past the sink's timeout
            close(connection)
        }
        held.start()
        let sink = try FeedSinks.make(FeedSection(url: "https://127.0.0.1:\(port)/write?db=pumps"),
                                      environment: ["SSL_CERT_FILE": certificates.caFile], timeout: 1)
        let started = Date()
        let result = await sink.write(["m a=1i 1"])
        let took = Date().timeIntervalSince(started)
        guard case .retry(let message, _) = result else { Issue.record("expected a retry, got \(result)"); return }
        if peer == "silent" {
            #expect(message == "timed out")
            #expect(took >= 0.9 && took < 2.5, "took \(took) s")
        } else {
            #expect(message.hasPrefix("TLS handshake: ") && !message.contains("timed out"), "\(message)")
            #expect(took < 1, "took \(took) s")
        }
    }
}
