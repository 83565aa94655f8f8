// A throw-away certificate authority and a server certificate it signed,
// made with the `openssl` command in a temporary folder, for TLS test
// servers on 127.0.0.1. Never trusted by anything but the test that made it.

import Foundation

public struct TestCertificates {
    /// The folder holding every file; `remove()` deletes it.
    public let folder: URL
    /// The CA's certificate (PEM): what a client is told to trust.
    public var caFile: String { folder.appendingPathComponent("ca.pem").path }
    /// The server's certificate (PEM), signed by the CA, for IP 127.0.0.1 and DNS localhost.
    public var certificateFile: String { folder.appendingPathComponent("server.pem").path }
    public var keyFile: String { folder.appendingPathComponent("server.key").path }
    /// A second, self-signed certificate for 127.0.0.1 that the CA did not sign.
    public var strangerCertificateFile: String { folder.appendingPathComponent("stranger.pem").path }
    public var strangerKeyFile: String { folder.appendingPathComponent("stranger.key").path }
    /// A certificate the CA signed for another name only (DNS feed.example).
    public var otherNameCertificateFile: String { folder.appendingPathComponent("other.pem").path }
    public var otherNameKeyFile: String { folder.appendingPathComponent("other.key").path }

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + key + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=pumpgw test CA",
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try signed("server", names: "IP:127.0.0.1,DNS:localhost", key: key)
        try signed("other", names: "DNS:feed.example", key: key)
        try openssl(["req", "-x509"] + key + ["-keyout", "stranger.key", "-out", "stranger.pem", "-days", "2",
                     "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
    }

    public func remove() { try? FileManager.default.removeItem(at: folder) }

    /// NAME.pem and NAME.key, signed by the CA, for `names` (subjectAltName).
    private func signed(_ name: String, names: String, key: [String]) throws {
        try openssl(["req"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"])
        let extensions = folder.appendingPathComponent("\(name).ext")
        try "subjectAltName=\(names)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(to: extensions, atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                     "-out", "\(name).pem", "-days", "2", "-extfile", extensions.path])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestCertificateError(description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed "
                                       + "(Debian package openssl, installed by `make deps`): \(text)")
        }
    }
}

public struct TestCertificateError: Error, CustomStringConvertible {
    public var description: String
}
