// Reads a device profile from a JSON5 file and validates it: syntax, then
// shape (unknown and missing keys, value types), then meaning (ranges,
// duplicates, overlaps), every problem in one pass, ordered by line.

import Foundation
import Sockets

public enum ProfileLoader {
    /// Reads and validates the profile at `path`.
    /// Throws `ConfigProblems` listing every problem found.
    public static func load(path: String) throws(ConfigProblems) -> DeviceProfile {
        try loadWithText(path: path).profile
    }

    /// The profile and the file's text, kept so that later checks (the
    /// rules) find their lines without reading the file again.
    public static func loadWithText(path: String) throws(ConfigProblems) -> (profile: DeviceProfile, text: [UInt8]) {
        let data = try read(path)
        return (try load(data: data, file: path), [UInt8](data))
    }

    /// The largest profile file read, in bytes. The biggest shipped profile
    /// is about 20 KB; a file of megabytes is not a profile (a log, a dump
    /// copied into the folder) and would cost the daemon its size many
    /// times over in memory while it is parsed.
    public static let maxFileBytes = 1 << 20

    /// The bytes of a profile file, refused when larger than `maxFileBytes`
    /// (checked before reading).
    static func read(_ path: String) throws(ConfigProblems) -> Data {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxFileBytes {
            throw ConfigProblems([ConfigProblem(file: path, path: "",
                                                  message: "the file has \(size) bytes; a profile may have at most \(maxFileBytes) (1 MiB): is it really a profile?")])
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigProblems([ConfigProblem(file: path, path: "",
                                                  message: "cannot read the file (\(Self.reason(error)))")])
        }
    }

    /// Reads and validates a profile from `data`; `file` names it in problems.
    public static func load(data: Data, file: String) throws(ConfigProblems) -> DeviceProfile {
        let document = try JSONDocument.parse(data, file: file)
        var problems = document.shapeProblems(FileShapes.profile)
        let partial = PartialProfile(document.tree, skipping: ProblemPaths(problems))
        problems += ProfileValidator.problems(in: partial, file: file, map: document.map)
        guard problems.isEmpty else { throw ConfigProblems(ConfigProblems.ordered(problems)) }

        // Everything passed: the typed decode of the whole tree is the profile.
        do {
            return try JSONValueDecoder.decode(DeviceProfile.self, from: document.tree)
        } catch {
            throw ConfigProblems([ConfigProblem(file: file, path: "", message: "cannot decode the profile (\(error))")])
        }
    }

    static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return systemErrorText(ENOENT)
            case .fileReadNoPermission: return systemErrorText(EACCES)
            default: break
            }
        }
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return systemErrorText(Int32(underlying.code))
        }
        return nsError.localizedDescription
    }
}

/// The parts of a profile that passed the shape check, decoded, so that the
/// meaning checks run even when some points are broken.
struct PartialProfile {
    var profile: DeviceProfile
    /// For each decoded point, its index in the file's `points` list.
    var pointIndexes: [Int]
    /// False when `addressBase` is missing or wrong: address checks are skipped.
    var addressBaseKnown: Bool
    /// True when `points` is an empty list.
    var pointsListEmpty: Bool

    init(_ tree: JSONValue, skipping bad: ProblemPaths) {
        func valid(_ key: String) -> JSONValue? { bad.contains(under: key) ? nil : tree[key] }
        let base = valid("addressBase")?.integer
        var points: [Point] = []
        var indexes: [Int] = []
        for (index, item) in (valid("points")?.array ?? tree["points"]?.array ?? []).enumerated()
        where !bad.contains(under: "points[\(index)]") {
            if let point = JSONDocument.decode(Point.self, from: item) {
                points.append(point)
                indexes.append(index)
            }
        }
        profile = DeviceProfile(
            profile: valid("profile")?.string ?? "-",
            addressBase: base ?? 0,
            order: valid("order")?.string.flatMap(ByteOrder.init(rawValue:)),
            maxGap: valid("maxGap")?.integer,
            maxRegisters: valid("maxRegisters")?.integer,
            onePerPoint: valid("onePerPoint")?.bool,
            unreadable: valid("unreadable").flatMap { JSONDocument.decode([AddressRange].self, from: $0) },
            points: points)
        pointIndexes = indexes
        addressBaseKnown = base != nil
        pointsListEmpty = tree["points"]?.array?.isEmpty == true
    }
}
