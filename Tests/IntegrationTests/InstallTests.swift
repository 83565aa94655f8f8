// deploy/install.sh into a temporary prefix, with the test build as the
// binary (`--binary`: the release build takes minutes; the install steps
// are the same). Then, from a folder with no DeviceProfiles of its own:
// `pumpgw demo` finds the installed profiles and says so on its first line,
// and `pumpgw check` does for a config whose `profiles` is relative. And
// the installed unit's ExecStartPre and ExecStart run as an unprivileged
// user (setpriv, as the DynamicUser would) and can read the config.

import Foundation
import Testing
import TestSupport

/// One install into a fresh temporary folder: PREFIX, CONFIG and UNIT below it.
struct TemporaryInstall {
    let root: URL
    var prefix: URL { root.appendingPathComponent("prefix") }
    var configFolder: URL { root.appendingPathComponent("etc/pumpgw") }
    var config: URL { configFolder.appendingPathComponent("pumpgw.json5") }
    var unit: URL { root.appendingPathComponent("pumpgw.service") }
    var binary: String { prefix.appendingPathComponent("bin/pumpgw").path }
    /// A folder with no DeviceProfiles in it, to run commands from.
    var elsewhere: URL { root.appendingPathComponent("elsewhere") }

    /// Runs install.sh: `withUnit` puts the unit in this folder, else `--no-systemd`.
    init(withUnit: Bool) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
        // The service user must be able to walk into the folder, as into /usr/local and /etc.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path)
        let script = Paths.root.appendingPathComponent("deploy/install.sh").path
        let result = try runToEnd(script, ["--prefix", prefix.path, "--config-dir", configFolder.path,
                                           "--binary", Paths.pumpgw] + (withUnit ? ["--unit-dir", root.path] : ["--no-systemd"]),
                             timeout: 60)
        #expect(result.status == 0, "install.sh: \(result.stderr)")
    }

    /// `command arguments...` run inside `folder`.
    func run(in folder: URL, _ command: [String], timeout: TimeInterval = 30) throws -> Finished {
        try runToEnd("/bin/sh", ["-c", #"cd "$1" && shift && exec "$@""#, "sh", folder.path] + command, timeout: timeout)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite("install.sh into a temporary prefix")
struct InstallTests {
    @Test("pumpgw demo runs from a folder without profiles, on the installed ones, and says which")
    func demoFromAnyFolder() throws {
        let install = try TemporaryInstall(withUnit: false)
        defer { install.remove() }
        let installed = install.prefix.appendingPathComponent("share/pumpgw/DeviceProfiles").resolvingSymlinksInPath().path
        #expect(FileManager.default.fileExists(atPath: installed + "/grundfos-hydro-mpc-cim500.json5"))
        #expect(!FileManager.default.fileExists(atPath: install.unit.path), "--no-systemd installed a unit")

        let demo = try install.run(in: install.elsewhere, [install.binary, "demo", "--duration", "4"], timeout: 60)
        #expect(demo.status == 0, "stderr: \(demo.stderr)")
        #expect(demo.stdout.split(separator: "\n").first == "pumpgw demo: profiles from \(installed)"[...], "stdout: \(demo.stdout)")
        #expect(FileManager.default.fileExists(atPath: install.elsewhere.appendingPathComponent("var/pumpgw.db").path))
    }

    @Test("pumpgw check finds the installed profiles for a config whose profiles folder is relative and missing")
    func checkFromAnyFolder() throws {
        let install = try TemporaryInstall(withUnit: false)
        defer { install.remove() }
        // The example config as shipped: profiles "../DeviceProfiles", which does not exist beside it here.
        let copy = install.elsewhere.appendingPathComponent("pumpgw.json5")
        try FileManager.default.copyItem(at: Paths.root.appendingPathComponent("deploy/pumpgw.example.json5"), to: copy)
        let check = try install.run(in: install.elsewhere, [install.binary, "check", "pumpgw.json5"])
        #expect(check.status == 0, "stderr: \(check.stderr)")
        #expect(check.stdout.hasPrefix("pumpgw.json5: ok: gateway gw-01"), "stdout: \(check.stdout)")
        let installed = install.prefix.appendingPathComponent("share/pumpgw/DeviceProfiles").resolvingSymlinksInPath().path
        #expect(check.stdout.contains("\n  profiles from \(installed) (installed; ../DeviceProfiles relative to the config does not exist)\n"),
                "stdout: \(check.stdout)")
        // A profile id that exists nowhere is still an error that names the folder used.
        try String(contentsOf: copy, encoding: .utf8).replacingOccurrences(of: "grundfos-hydro-mpc-cim500", with: "no-such-profile")
            .write(to: copy, atomically: true, encoding: .utf8)
        let bad = try install.run(in: install.elsewhere, [install.binary, "check", "pumpgw.json5"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("no-such-profile"), "stderr: \(bad.stderr)")
    }
}

@Suite("the installed systemd unit as an unprivileged user", .enabled(if: getuid() == 0, "setpriv needs root to change user"))
struct UnitAsServiceUserTests {
    /// As systemd runs a DynamicUser: another uid and gid, no supplementary groups.
    static let asServiceUser = ["/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]

    /// The command lines of `key` (ExecStartPre, ExecStart) in the installed unit.
    static func commands(_ key: String, in unit: URL) throws -> [[String]] {
        try String(contentsOf: unit, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix(key + "=") }
            .map { $0.dropFirst(key.count + 1).split(separator: " ").map(String.init) }
    }

    @Test("ExecStartPre (check) reads the config and the profiles as nobody; with the old 0750 folder it could not")
    func checkAsServiceUser() throws {
        let install = try TemporaryInstall(withUnit: true)
        defer { install.remove() }
        let pre = try #require(try Self.commands("ExecStartPre", in: install.unit).first)
        #expect(pre == [install.binary, "check", install.config.path])
        let ok = try runToEnd(Self.asServiceUser[0], Array(Self.asServiceUser.dropFirst()) + pre)
        #expect(ok.status == 0, "as nobody: \(ok.stderr)")
        #expect(ok.stdout.contains(": ok: gateway gw-01"), "stdout: \(ok.stdout)")

        // The mode the earlier unit gave the folder (ConfigurationDirectoryMode=0750, root's): nobody cannot read.
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: install.configFolder.path)
        let refused = try runToEnd(Self.asServiceUser[0], Array(Self.asServiceUser.dropFirst()) + pre)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("ermission denied"), "stderr: \(refused.stderr)")
    }

    @Test("ExecStart (run) starts as nobody on the installed config, polls, and stops cleanly on SIGTERM")
    func runAsServiceUser() throws {
        let install = try TemporaryInstall(withUnit: true)
        defer { install.remove() }
        let simulator = try startSimulator(profile: Paths.profiles.appendingPathComponent("grundfos-hydro-mpc-cim500.json5").path)
        defer { simulator.stop() }
        // What systemd does for StateDirectory=pumpgw: a state folder owned by the service user.
        let state = install.root.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.ownerAccountID: 65534, .groupOwnerAccountID: 65534], ofItemAtPath: state.path)
        let text = try String(contentsOf: install.config, encoding: .utf8)
            .replacingOccurrences(of: "/var/lib/pumpgw", with: state.path)
            .replacingOccurrences(of: "port: 1502", with: "port: \(simulator.port)")
        try text.write(to: install.config, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: install.config.path)

        let start = try #require(try Self.commands("ExecStart", in: install.unit).first)
        #expect(start == [install.binary, "run", "--config", install.config.path])
        // Run it for 3 s as the service user, then stop it as systemd does (SIGTERM).
        let script = #"exec 0</dev/null; "$@" & pid=$!; sleep 3; kill -TERM $pid; wait $pid"#
        let result = try runToEnd("/bin/sh", ["-c", script, "sh"] + Self.asServiceUser + start, timeout: 30)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("gateway started"), "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("level=error"), "stderr: \(result.stderr)")
        let store = state.appendingPathComponent("pumpgw.db").path
        let owner = try FileManager.default.attributesOfItem(atPath: store)[.ownerAccountID] as? Int
        #expect(owner == 65534, "the store was written by uid \(owner.map(String.init) ?? "?")")
    }
}
