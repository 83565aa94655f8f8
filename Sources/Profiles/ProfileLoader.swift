// Reads a device profile from a JSON5 file and validates it.

import Foundation

public enum ProfileLoader {
    /// Reads and validates the profile at `path`.
    /// Throws `ProfileProblems` listing every problem found.
    public static func load(path: String) throws(ProfileProblems) -> DeviceProfile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ProfileProblems([ProfileProblem(file: path, path: "",
                                                  message: "cannot read the file (\(Self.reason(error)))")])
        }
        return try load(data: data, file: path)
    }

    /// Reads and validates a profile from `data`; `file` names it in problems.
    public static func load(data: Data, file: String) throws(ProfileProblems) -> DeviceProfile {
        let text = String(decoding: data, as: UTF8.self)
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let profile: DeviceProfile
        do {
            profile = try decoder.decode(DeviceProfile.self, from: data)
        } catch let error as DecodingError {
            throw ProfileProblems([problem(from: error, file: file, text: text)])
        } catch {
            throw ProfileProblems([ProfileProblem(file: file, path: "", message: "\(error)")])
        }
        let problems = ProfileValidator.problems(in: profile, file: file, text: text)
        if !problems.isEmpty { throw ProfileProblems(problems) }
        return profile
    }

    static func problem(from error: DecodingError, file: String, text: String) -> ProfileProblem {
        let locator = SourceLocator(text: text)
        switch error {
        case .keyNotFound(let key, let context):
            let path = dottedPath(context.codingPath + [key])
            return ProfileProblem(file: file, line: locator.line(forPath: context.codingPath), path: path,
                                  message: "missing required key '\(key.stringValue)'")
        case .typeMismatch(let type, let context):
            return ProfileProblem(file: file, line: locator.line(forPath: context.codingPath),
                                  path: dottedPath(context.codingPath),
                                  message: "wrong type: expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return ProfileProblem(file: file, line: locator.line(forPath: context.codingPath),
                                  path: dottedPath(context.codingPath),
                                  message: "expected \(typeName(type)), found null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return ProfileProblem(file: file, path: "",
                                      message: "not valid JSON5: \(syntaxDetail(context))")
            }
            return ProfileProblem(file: file, line: locator.line(forPath: context.codingPath),
                                  path: dottedPath(context.codingPath), message: context.debugDescription)
        @unknown default:
            return ProfileProblem(file: file, path: "", message: "\(error)")
        }
    }

    static func syntaxDetail(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError {
            let info = (underlying as NSError).userInfo
            if let detail = info[NSDebugDescriptionErrorKey] as? String { return detail }
        }
        return context.debugDescription
    }

    /// `points[3].address` from a coding path.
    public static func dottedPath(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return name
        }
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
