// Checks a decoded profile for everything JSON decoding cannot see:
// ranges, combinations of keys, duplicates and overlapping registers.

public enum ProfileValidator {
    /// Largest register count of one read (Modbus: 125 for FC 3/4).
    public static let maxRegistersPerRead = 125
    /// Largest bit count of one read (Modbus: 2000 for FC 1/2).
    public static let maxBitsPerRead = 2000

    public static func problems(in profile: DeviceProfile, file: String, text: String = "") -> [ProfileProblem] {
        let locator = SourceLocator(text: text)
        var problems: [ProfileProblem] = []

        func report(_ path: String, _ message: String, line: Int? = nil) {
            problems.append(ProfileProblem(file: file, line: line, path: path, message: message))
        }
        func topLine(_ key: String) -> Int? { locator.firstLine(containingKey: key).map { $0 + 1 } }

        if profile.profile.isEmpty {
            report("profile", "must not be empty", line: topLine("profile"))
        }
        if profile.addressBase != 0 && profile.addressBase != 1 {
            report("addressBase", "must be 0 (addresses as on the wire) or 1 (register numbers counted from 1), not \(profile.addressBase)",
                   line: topLine("addressBase"))
        }
        if let maxRegisters = profile.maxRegisters, !(1...maxRegistersPerRead).contains(maxRegisters) {
            report("maxRegisters", "must be between 1 and \(maxRegistersPerRead), not \(maxRegisters)", line: topLine("maxRegisters"))
        }
        if let maxGap = profile.maxGap, maxGap < 0 {
            report("maxGap", "must be 0 or more, not \(maxGap)", line: topLine("maxGap"))
        }
        if profile.points.isEmpty {
            report("points", "a profile needs at least one point", line: topLine("points"))
        }

        var firstIndexOfName: [String: Int] = [:]
        for (index, point) in profile.points.enumerated() {
            let path = "points[\(index)]"
            let pointLine = locator.line(ofPoint: index)
            func fieldLine(_ key: String) -> Int? {
                pointLine.flatMap { locator.line(ofKey: key, near: $0) } ?? pointLine
            }
            func reportField(_ key: String, _ message: String) {
                report("\(path).\(key)", message, line: fieldLine(key))
            }

            if !isSnakeCase(point.name) {
                reportField("name", "'\(point.name)' is not snake_case (lower-case letters, digits and _, starting with a letter)")
            }
            if let first = firstIndexOfName[point.name] {
                reportField("name", "duplicate point name '\(point.name)' (first used by points[\(first)])")
            } else {
                firstIndexOfName[point.name] = index
            }

            let pdu = profile.pduAddress(of: point)
            let lastAddress = 65535 + profile.addressBase
            if pdu < 0 || pdu + point.width - 1 > 65535 {
                reportField("address", "\(point.address) is out of range: with addressBase \(profile.addressBase) a \(point.type.rawValue) must lie within \(profile.addressBase)...\(lastAddress)")
            }

            if point.register.holdsBits && point.type != .bool {
                reportField("type", "a \(point.register.rawValue) holds one bit: its type must be bool, not \(point.type.rawValue)")
            }
            if point.order != nil && !point.type.isMultiRegister {
                reportField("order", "order applies only to 32/64-bit types; \(point.type.rawValue) is one register")
            }
            switch (point.type, point.bit) {
            case (.bits, nil):
                reportField("bit", "a bits point needs bit (0-15)")
            case (.bits, let bit?) where !(0...15).contains(bit):
                reportField("bit", "must be 0-15 (0 = least significant), not \(bit)")
            case (.bits, _), (_, nil):
                break
            case (_, .some):
                reportField("bit", "bit applies only to type bits, not \(point.type.rawValue)")
            }
            if point.type == .enum {
                if let values = point.values, !values.isEmpty {
                    for key in values.keys.sorted() where Int(key) == nil {
                        reportField("values", "enum key '\(key)' is not an integer")
                    }
                } else {
                    reportField("values", "an enum needs values, e.g. { \"0\": \"auto\", \"1\": \"manual\" }")
                }
            } else if point.values != nil {
                reportField("values", "values apply only to type enum, not \(point.type.rawValue)")
            }
            if let maxRegisters = profile.maxRegisters, maxRegisters >= 1, !point.register.holdsBits,
               point.type.registerCount > maxRegisters {
                reportField("type", "a \(point.type.rawValue) spans \(point.type.registerCount) registers, more than the profile's maxRegisters \(maxRegisters)")
            }
            if point.scale == 0 {
                reportField("scale", "must not be 0 (every value would read 0)")
            }
            if (point.scale != nil || point.offset != nil) && [.bool, .bits, .enum].contains(point.type) {
                reportField(point.scale != nil ? "scale" : "offset", "scale and offset apply only to numeric types, not \(point.type.rawValue)")
            }
        }

        problems += overlapProblems(in: profile, file: file, locator: locator)
        return problems
    }

    /// Two points may not read the same register, except `bits` points that
    /// share a word.
    static func overlapProblems(in profile: DeviceProfile, file: String, locator: SourceLocator) -> [ProfileProblem] {
        var problems: [ProfileProblem] = []
        for table in RegisterTable.allCases {
            let indexed = profile.points.enumerated()
                .filter { $0.element.register == table }
                .sorted { profile.pduAddress(of: $0.element) < profile.pduAddress(of: $1.element) }
            for (position, entry) in indexed.enumerated() {
                let start = profile.pduAddress(of: entry.element)
                let end = start + entry.element.width
                for other in indexed[(position + 1)...] {
                    let otherStart = profile.pduAddress(of: other.element)
                    if otherStart >= end { break }
                    if entry.element.type == .bits && other.element.type == .bits { continue }
                    problems.append(ProfileProblem(
                        file: file, line: locator.line(ofPoint: other.offset), path: "points[\(other.offset)].address",
                        message: "'\(other.element.name)' at \(table.rawValue) \(other.element.address) overlaps '\(entry.element.name)' (\(entry.element.type.rawValue) at \(entry.element.address))"))
                }
            }
        }
        return problems
    }

    public static func isSnakeCase(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
