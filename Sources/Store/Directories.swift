// Creating the store's folder with mkdir(2) itself, so that a failure is
// reported with its errno ("Read-only file system"), not Foundation's
// CocoaError code read as an errno ("Unknown error 642").

import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum Directories {
    /// `mkdir -p`: creates `path` and its missing parents (mode 0755).
    static func create(_ path: String) throws(StoreError) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try create(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .system(call: "mkdir", path: path, errno: errno)
        }
    }
}
