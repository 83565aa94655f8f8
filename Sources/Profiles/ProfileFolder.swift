// Where the device profiles are. A folder named relative (the demo's
// `DeviceProfiles`, a config's `profiles: "DeviceProfiles"`) is looked for
// where it is written first, then among the profiles installed beside the
// binary: `<the executable's real folder>/../share/pumpgw/DeviceProfiles`,
// where deploy/install.sh puts them. So `pumpgw demo` and `pumpgw check`
// work from any folder after an install, and a source checkout still uses
// its own profiles.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum ProfileFolder {
    public static let defaultName = "DeviceProfiles"

    /// The folder to read: `written` resolved against `base` when it exists
    /// (or is absolute), else the installed folder when that exists, else
    /// `written` resolved (so the error names what was asked for).
    public static func locate(_ written: String, relativeTo base: String,
                              executable: String? = runningExecutable()) -> String {
        resolve(written, relativeTo: base, executable: executable).path
    }

    /// As `locate`, and whether the installed folder stood in for `written`.
    public static func resolve(_ written: String, relativeTo base: String,
                               executable: String? = runningExecutable()) -> (path: String, isInstalled: Bool) {
        let asWritten = written.hasPrefix("/") ? written : (base as NSString).appendingPathComponent(written)
        guard !written.hasPrefix("/"), !isDirectory(asWritten),
              let installed = executable.map(installedFolder(besideExecutable:)), isDirectory(installed) else {
            return (asWritten, false)
        }
        return (installed, true)
    }

    /// `<folder of executable>/../share/pumpgw/DeviceProfiles`, normalised.
    public static func installedFolder(besideExecutable executable: String) -> String {
        URL(fileURLWithPath: executable).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/pumpgw/\(defaultName)").standardizedFileURL.path
    }

    /// The real path of the running binary (symlinks resolved), from /proc/self/exe.
    public static func runningExecutable() -> String? {
        guard let resolved = realpath("/proc/self/exe", nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
