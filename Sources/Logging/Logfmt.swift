// The one encoder every log line goes through: logfmt, `level=info
// msg="..." key=value`, the event's fields first, then the logger's metadata
// (station, device, endpoint). A value with a space, `=`, a quote, a
// backslash or a line break is quoted; a line break becomes `\n`, so one
// event is always one line.

enum Logfmt {
    static func line(level: LogLevel, message: String, fields: KeyValuePairs<String, String>,
                     metadata: [(key: String, value: String)]) -> String {
        var line = "level=\(level.name) msg=\(quote(message))"
        for (key, value) in fields {
            line += " \(key)=\(quoteIfNeeded(value))"
        }
        for (key, value) in metadata {
            line += " \(key)=\(quoteIfNeeded(value))"
        }
        return line
    }

    static func quote(_ value: String) -> String {
        var out = "\""
        for character in value {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.append(character)
            }
        }
        return out + "\""
    }

    static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { character in
            character == " " || character == "=" || character == "\"" || character == "\\"
                || character == "\n" || character == "\r"
        }
        return needsQuotes ? quote(value) : value
    }
}
