// The serial parts of deploy/install.sh, into a temporary root: the systemd
// drop-in made from the installed config's buses (and removed when the
// buses go), `systemd-analyze verify` on the unit with it, the udev rules
// that name USB adapters, and the adapter listing on a fake /sys.

import Foundation
import Testing
import TestSupport

@Suite("install.sh: serial ports and udev names")
struct InstallSerialTests {
    static let script = Paths.root.appendingPathComponent("deploy/install.sh").path

    /// install.sh --serial-only on `install`'s folders, with `extra` options.
    static func serialOnly(_ install: TemporaryInstall, _ extra: [String] = []) throws -> Finished {
        try runToEnd(script, ["--serial-only", "--prefix", install.prefix.path, "--config-dir", install.configFolder.path,
                              "--unit-dir", install.root.path] + extra)
    }

    /// A config with buses rs485-1 and rs485-2 in use and a spare one that no device names.
    static func twoBusConfig() -> String {
        """
        { gateway: { id: "gw" }, profiles: "\(Paths.profiles.path)", store: { path: "/var/lib/pumpgw/pumpgw.db" },
          buses: [ { id: "rs485-1", port: "/dev/rs485-1" }, { id: "rs485-2", port: "/dev/ttyS1", baud: 19200 },
                   { id: "spare", port: "/dev/ttyS2" } ],
          stations: [ { id: "S", devices: [
            { id: "flow", profile: "electromagnetic-flowmeter-mfe600h", bus: "rs485-1", unit: 2 },
            { id: "level", profile: "level-transmitter-rs485", bus: "rs485-2", unit: 1 } ] } ] }
        """
    }

    /// The drop-in's settings, comments left out.
    static func settings(_ file: URL) throws -> [Substring] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
    }

    @Test("the drop-in allows exactly the ports of the buses in use, and goes when the buses go")
    func dropInFromBuses() throws {
        let install = try TemporaryInstall(withUnit: true)
        defer { install.remove() }
        let dropIn = install.root.appendingPathComponent("pumpgw.service.d/serial.conf")
        // The example config has no bus: no drop-in at all.
        #expect(!FileManager.default.fileExists(atPath: dropIn.path))

        let example = try String(contentsOf: install.config, encoding: .utf8)
        try Self.twoBusConfig().write(to: install.config, atomically: true, encoding: .utf8)
        let written = try Self.serialOnly(install)
        #expect(written.status == 0, "stderr: \(written.stderr)")
        // By hand: the unit's two blockers off, the group, one line per bus in use (not the spare).
        #expect(try Self.settings(dropIn) == ["[Service]", "PrivateDevices=no", "SupplementaryGroups=dialout", "PrivateUsers=no",
                                              "DeviceAllow=/dev/rs485-1 rw", "DeviceAllow=/dev/ttyS1 rw"])

        // A broken config leaves the drop-in as it was.
        try "{ gateway: {".write(to: install.config, atomically: true, encoding: .utf8)
        #expect(try Self.serialOnly(install).status == 0)
        #expect(try Self.settings(dropIn).count == 6)

        // Back to no buses: the drop-in is removed, the unit stays fully confined.
        try example.write(to: install.config, atomically: true, encoding: .utf8)
        let removed = try Self.serialOnly(install)
        #expect(removed.stdout.contains("removed"), "stdout: \(removed.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dropIn.path))
    }

    @Test("systemd-analyze verify accepts the unit with its serial drop-in",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func unitVerifies() throws {
        let install = try TemporaryInstall(withUnit: true)
        defer { install.remove() }
        try Self.twoBusConfig().write(to: install.config, atomically: true, encoding: .utf8)
        #expect(try Self.serialOnly(install).status == 0)
        let verify = try runToEnd("/usr/bin/systemd-analyze", ["verify", install.unit.path])
        #expect(verify.status == 0, "stderr: \(verify.stderr)")
        // verify reads the drop-in beside the unit: a key it does not know would be named here.
        #expect(!verify.stderr.contains("pumpgw.service"), "stderr: \(verify.stderr)")
    }

    @Test("udev rules name adapters by serial number; a name given again replaces its rule")
    func udevRules() throws {
        let install = try TemporaryInstall(withUnit: false)
        defer { install.remove() }
        let udev = install.root.appendingPathComponent("udev")
        let rules = udev.appendingPathComponent("99-pumpgw-serial.rules")
        let first = try Self.serialOnly(install, ["--no-systemd", "--udev-dir", udev.path, "--udev-name", "rs485-1", "--usb-serial", "A10K3XYZ",
                                                  "--udev-name", "rs485-2", "--usb-serial", "FT4Q77"])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let again = try Self.serialOnly(install, ["--no-systemd", "--udev-dir", udev.path, "--udev-name", "rs485-1", "--usb-serial", "B20"])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(try Self.settings(rules) == [
            #"SUBSYSTEM=="tty", ATTRS{serial}=="FT4Q77", SYMLINK+="rs485-2", GROUP="dialout", MODE="0660""#,
            #"SUBSYSTEM=="tty", ATTRS{serial}=="B20", SYMLINK+="rs485-1", GROUP="dialout", MODE="0660""#,
        ])
        // A quote in a serial number would break out of the rule: refused.
        let bad = try Self.serialOnly(install, ["--no-systemd", "--udev-dir", udev.path, "--udev-name", "x", "--usb-serial", #"A", RUN+="/bin/sh"#])
        #expect(bad.status == 2)
        #expect(try Self.settings(rules).count == 2)
    }

    @Test("--list-usb-serial finds a USB adapter's serial number in /sys")
    func listAdapters() throws {
        // A fake /sys: ttyUSB0's interface under a USB device that has the serial number.
        let sys = FileManager.default.temporaryDirectory.appendingPathComponent("pumpgw-sys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: sys) }
        let usb = sys.appendingPathComponent("devices/pci0000:00/usb1/1-1")
        let port = usb.appendingPathComponent("1-1:1.0/ttyUSB0")
        try FileManager.default.createDirectory(at: port, withIntermediateDirectories: true)
        for (name, text) in [("serial", "A10K3XYZ"), ("idVendor", "0403"), ("idProduct", "6001"), ("product", "FT232R USB UART")] {
            try (text + "\n").write(to: usb.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let tty = sys.appendingPathComponent("class/tty/ttyUSB0")
        try FileManager.default.createDirectory(at: tty, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: tty.appendingPathComponent("device").path, withDestinationPath: port.path)
        let listed = try runToEnd("/usr/bin/env", ["PUMPGW_SYSFS=\(sys.path)", Self.script, "--list-usb-serial"])
        #expect(listed.status == 0, "stderr: \(listed.stderr)")
        #expect(listed.stdout == """
            ttyUSB0: serial A10K3XYZ (USB 0403:6001, FT232R USB UART)
              deploy/install.sh --serial-only --udev-name rs485-N --usb-serial A10K3XYZ

            """)
    }
}
