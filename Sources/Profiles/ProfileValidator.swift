// Checks what the shape of a profile cannot: ranges, combinations of keys,
// duplicates, overlapping registers, unreadable addresses and simulate hints.

public enum ProfileValidator {
    /// Largest register count of one read (Modbus: 125 for FC 3/4).
    public static let maxRegistersPerRead = 125

    /// The read workarounds a profile or a device may set, against the
    /// Modbus limit of one read: (field, message) for each out of range.
    static func readLimitProblems(maxRegisters: Int?, maxGap: Int?) -> [(field: String, message: String)] {
        var problems: [(field: String, message: String)] = []
        if let maxRegisters, !(1...maxRegistersPerRead).contains(maxRegisters) {
            problems.append(("maxRegisters", "must be 1-\(maxRegistersPerRead) (the Modbus limit of one read), not \(maxRegisters)"))
        }
        if let maxGap, !(0...maxRegistersPerRead - 2).contains(maxGap) {
            problems.append(("maxGap", "must be 0-\(maxRegistersPerRead - 2) (unused registers a read may bridge), not \(maxGap)"))
        }
        return problems
    }
    /// Largest bit count of one read (Modbus: 2000 for FC 1/2).
    public static let maxBitsPerRead = 2000

    /// The problems of a whole decoded profile; `text` (its source) gives lines.
    public static func problems(in profile: DeviceProfile, file: String, text: String = "") -> [ConfigProblem] {
        let partial = PartialProfile(profile: profile)
        return ConfigProblems.ordered(problems(in: partial, file: file, map: SourceMap(text: text)))
    }

    static func problems(in partial: PartialProfile, file: String, map: SourceMap) -> [ConfigProblem] {
        let profile = partial.profile
        var problems: [ConfigProblem] = []
        func report(_ path: String, _ message: String) {
            problems.append(ConfigProblem(file: file, line: map.line(of: path), path: path, message: message))
        }

        if profile.profile.isEmpty { report("profile", "must not be empty") }
        if partial.addressBaseKnown && profile.addressBase != 0 && profile.addressBase != 1 {
            report("addressBase", "must be 0 (addresses as on the wire) or 1 (register numbers counted from 1), not \(profile.addressBase)")
        }
        let checkAddresses = partial.addressBaseKnown && (0...1).contains(profile.addressBase)
        for (field, message) in Self.readLimitProblems(maxRegisters: profile.maxRegisters, maxGap: profile.maxGap) {
            report(field, message)
        }
        if partial.pointsListEmpty {
            report("points", "a profile needs at least one point")
        }
        for (position, range) in (profile.unreadable ?? []).enumerated() {
            let path = "unreadable[\(position)]"
            if range.from > range.to {
                report("\(path).to", "must not be below from (\(range.from)), not \(range.to)")
            }
            if checkAddresses, range.from - profile.addressBase < 0 || range.to - profile.addressBase > 65535 {
                report(path, "\(range.from)...\(range.to) is out of range: with addressBase \(profile.addressBase) addresses lie within \(profile.addressBase)...\(65535 + profile.addressBase)")
            }
        }

        var firstIndexOfName: [String: Int] = [:]
        for (position, point) in profile.points.enumerated() {
            let index = partial.pointIndexes[position]
            let path = "points[\(index)]"
            func field(_ key: String, _ message: String) { report("\(path).\(key)", message) }

            if !isSnakeCase(point.name) {
                field("name", "'\(point.name)' is not snake_case (lower-case letters, digits and _, starting with a letter)")
            }
            if let first = firstIndexOfName[point.name] {
                field("name", "duplicate point name '\(point.name)' (first used by points[\(first)])")
            } else {
                firstIndexOfName[point.name] = index
            }
            if checkAddresses {
                let pdu = profile.pduAddress(of: point)
                if pdu < 0 || pdu + point.width - 1 > 65535 {
                    field("address", "\(point.address) is out of range: with addressBase \(profile.addressBase) a \(point.type.rawValue) must lie within \(profile.addressBase)...\(65535 + profile.addressBase)")
                } else if let range = unreadableRange(touching: point, in: profile) {
                    field("address", "reads \(point.register.rawValue) \(range.from == range.to ? "\(range.from)" : "\(range.from)...\(range.to)"), which the profile marks unreadable")
                }
            }
            typeProblems(point, profile: profile, field: field)
            simulateProblems(point.simulate, field: field)
        }
        // Overlaps do not depend on the base: checked whenever it is a number.
        if partial.addressBaseKnown {
            problems += overlapProblems(in: partial, file: file, map: map)
        }
        return problems
    }

    /// Problems of the keys that depend on the point's type and table.
    static func typeProblems(_ point: Point, profile: DeviceProfile, field: (String, String) -> Void) {
        if point.register.holdsBits && point.type != .bool {
            field("type", "a \(point.register.rawValue) holds one bit: its type must be bool, not \(point.type.rawValue)")
        }
        if point.order != nil && !point.type.isMultiRegister {
            field("order", "order applies only to 32/64-bit types and strings; \(point.type.rawValue) is one register")
        }
        switch (point.type, point.length) {
        case (.string, nil): field("length", "a string needs length: the registers it spans (two characters each)")
        case (.string, let length?) where !(1...maxRegistersPerRead).contains(length):
            field("length", "must be 1-\(maxRegistersPerRead) registers, not \(length)")
        case (.string, _), (_, nil): break
        case (_, .some): field("length", "length applies only to type string, not \(point.type.rawValue)")
        }
        if point.byte != nil && ![.int8, .uint8].contains(point.type) {
            field("byte", "byte applies only to types int8 and uint8, not \(point.type.rawValue)")
        }
        switch (point.type, point.bit) {
        case (.bits, nil):
            field("bit", "a bits point needs bit (0-15)")
        case (.bits, let bit?) where !(0...15).contains(bit):
            field("bit", "must be 0-15 (0 = least significant), not \(bit)")
        case (.bits, _), (_, nil):
            break
        case (_, .some):
            field("bit", "bit applies only to type bits, not \(point.type.rawValue)")
        }
        if point.type == .enum {
            if let values = point.values, !values.isEmpty {
                for key in values.keys.sorted() {
                    if let number = Int(key) {
                        if !(0...65535).contains(number) { field("values", "enum key '\(key)' is outside 0-65535 and can never match a register") }
                    } else {
                        field("values", "enum key '\(key)' is not an integer")
                    }
                }
            } else {
                field("values", "an enum needs values, e.g. { \"0\": \"auto\", \"1\": \"manual\" }")
            }
        } else if point.values != nil {
            field("values", "values apply only to type enum, not \(point.type.rawValue)")
        }
        if let maxRegisters = profile.maxRegisters, (1...maxRegistersPerRead).contains(maxRegisters),
           !point.register.holdsBits, point.registerCount > maxRegisters {
            field("type", "a \(point.type.rawValue) spans \(point.registerCount) registers, more than one read may hold (maxRegisters \(maxRegisters))")
        }
        if point.scale == 0 {
            field("scale", "must not be 0 (every value would read 0)")
        }
        if (point.scale != nil || point.offset != nil) && [.bool, .bits, .enum, .string].contains(point.type) {
            field(point.scale != nil ? "scale" : "offset", "scale and offset apply only to numeric types, not \(point.type.rawValue)")
        }
        if let sentinel = point.invalid, let range = rawRange(of: point.type), !range.contains(sentinel) {
            field("invalid", "\(ShapeChecker.formatNumber(sentinel)) can never be read from a \(point.type.rawValue) (raw values lie within \(ShapeChecker.formatNumber(range.lowerBound))...\(ShapeChecker.formatNumber(range.upperBound)))")
        }
    }

    /// Raw values (typed or as the unsigned bit pattern) an integer type can carry.
    static func rawRange(of type: PointType) -> ClosedRange<Double>? {
        switch type {
        case .bool, .bits, .enum, .int16, .uint16, .bcd16: return -32_768...65_535
        case .int8, .uint8: return -128...255
        case .int32, .uint32: return -2_147_483_648...4_294_967_295
        default: return nil
        }
    }

    static func simulateProblems(_ hint: SimulationHint?, field: (String, String) -> Void) {
        guard let hint else { return }
        let kinds = [hint.signal != nil, hint.value != nil, hint.min != nil || hint.max != nil].filter { $0 }.count
        if kinds == 0 {
            field("simulate", "give a signal, a value, or min and max")
        } else if kinds > 1 {
            field("simulate", "give only one of signal, value, or min and max")
        }
        if (hint.min == nil) != (hint.max == nil) {
            field("simulate", "min and max go together")
        } else if let low = hint.min, let high = hint.max, low > high {
            field("simulate.max", "must not be below min (\(ShapeChecker.formatNumber(low))), not \(ShapeChecker.formatNumber(high))")
        }
        if let pump = hint.pump, pump < 1 { field("simulate.pump", "pumps count from 1, not \(pump)") }
        if hint.gain == 0 { field("simulate.gain", "must not be 0") }
    }

    static func unreadableRange(touching point: Point, in profile: DeviceProfile) -> AddressRange? {
        profile.unreadable?.first { $0.overlaps(point.register, point.address, point.address + point.width - 1) }
    }

    /// Two points may not read the same register, except `bits` points that
    /// share a word and `int8`/`uint8` points on its two bytes. Reported on the later point of the file.
    static func overlapProblems(in partial: PartialProfile, file: String, map: SourceMap) -> [ConfigProblem] {
        let profile = partial.profile
        var problems: [ConfigProblem] = []
        for table in RegisterTable.allCases {
            let indexed = profile.points.indices
                .filter { profile.points[$0].register == table }
                .sorted { profile.pduAddress(of: profile.points[$0]) < profile.pduAddress(of: profile.points[$1]) }
            for (position, first) in indexed.enumerated() {
                let point = profile.points[first]
                let end = profile.pduAddress(of: point) + point.width
                for second in indexed[(position + 1)...] {
                    let other = profile.points[second]
                    if profile.pduAddress(of: other) >= end { break }
                    if point.type == .bits && other.type == .bits { continue }
                    let byteTypes: Set<PointType> = [.int8, .uint8]
                    if byteTypes.contains(point.type), byteTypes.contains(other.type),
                       (point.byte ?? "low") != (other.byte ?? "low") { continue }
                    let (earlier, later) = partial.pointIndexes[first] < partial.pointIndexes[second]
                        ? (first, second) : (second, first)
                    let path = "points[\(partial.pointIndexes[later])].address"
                    let a = profile.points[later], b = profile.points[earlier]
                    problems.append(ConfigProblem(
                        file: file, line: map.line(of: path), path: path,
                        message: "'\(a.name)' (\(a.type.rawValue) at \(table.rawValue) \(a.address)) overlaps '\(b.name)' (\(b.type.rawValue) at \(b.address))"))
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

extension PartialProfile {
    /// A profile decoded whole: every point present, every field known.
    init(profile: DeviceProfile) {
        self.profile = profile
        pointIndexes = Array(profile.points.indices)
        addressBaseKnown = true
        pointsListEmpty = profile.points.isEmpty
    }
}
