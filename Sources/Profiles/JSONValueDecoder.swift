// Decodes a typed value straight from a `JSONValue` tree, with the rules of
// JSONDecoder: numbers decode as floating point or as an integer type that
// holds them exactly, null only as nil, nothing converts between strings,
// numbers and booleans. Errors say little and keep no coding path: every
// caller has checked the tree's shape first, or only asks "does it fit".

enum JSONValueDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try TreeDecoder(value: value).decodeValue(type)
    }
}

extension JSONValue {
    /// False when a number somewhere in the value is infinite or NaN.
    var isFinite: Bool {
        switch self {
        case .null, .bool, .string: return true
        case .number(let number): return number.isFinite
        case .array(let items): return items.allSatisfy(\.isFinite)
        case .object(let members): return members.values.allSatisfy(\.isFinite)
        }
    }
}

private struct TreeDecoder: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw Self.mismatch([String: JSONValue].self, value) }
        return KeyedDecodingContainer(KeyedTreeContainer(members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw Self.mismatch([JSONValue].self, value) }
        return UnkeyedTreeContainer(items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value == .null }

    /// Serves every `decode` of SingleValueDecodingContainer (Bool, String, Int, ...).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeValue(type)
    }

    /// The leaf types from the value itself; any other type decodes itself from this decoder.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        switch value {
        case .bool(let flag) where T.self == Bool.self:
            return flag as! T
        case .string(let text) where T.self == String.self:
            return text as! T
        case .number(let number) where T.self == Double.self:
            return number as! T
        case .number(let number) where T.self == Float.self:
            return Float(number) as! T
        case .number(let number):
            if let integerType = T.self as? any FixedWidthInteger.Type {
                guard let integer = Self.integer(integerType, exactly: number) else { throw Self.mismatch(type, value) }
                return integer as! T
            }
        default:
            break
        }
        if T.self == Bool.self || T.self == String.self || T.self == Double.self || T.self == Float.self
            || T.self is any FixedWidthInteger.Type {
            throw Self.mismatch(type, value)
        }
        return try T(from: self)
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, exactly number: Double) -> I? {
        I(exactly: number)
    }

    static func mismatch(_ type: Any.Type, _ value: JSONValue) -> DecodingError {
        DecodingError.typeMismatch(type, DecodingError.Context(codingPath: [], debugDescription: "found \(ShapeChecker.describe(value))"))
    }
}

private struct KeyedTreeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    var codingPath: [any CodingKey] { [] }

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { try member(key) == .null }

    /// Serves every `decode(_:forKey:)` of the protocol.
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder(for: key).decodeValue(type)
    }

    /// Serves every `decodeIfPresent(_:forKey:)`: nil for a missing key or null, in one lookup.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let member = members[key.stringValue] else { return nil }
        if case .null = member { return nil }
        return try TreeDecoder(value: member).decodeValue(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        TreeDecoder(value: members["super"] ?? .null)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try decoder(for: key)
    }

    private func member(_ key: Key) throws -> JSONValue {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: [], debugDescription: "no key '\(key.stringValue)'"))
        }
        return value
    }

    private func decoder(for key: Key) throws -> TreeDecoder {
        TreeDecoder(value: try member(key))
    }
}

private struct UnkeyedTreeContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    var codingPath: [any CodingKey] { [] }
    private(set) var currentIndex = 0

    init(items: [JSONValue]) {
        self.items = items
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func decodeNil() throws -> Bool {
        guard try peek() == .null else { return false }
        currentIndex += 1
        return true
    }

    /// Serves every `decode(_:)` of the protocol.
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoded = try next().decodeValue(type)
        currentIndex += 1
        return decoded
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try next().container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try next().unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = try next()
        currentIndex += 1
        return decoder
    }

    private func peek() throws -> JSONValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(JSONValue.self, DecodingError.Context(codingPath: [], debugDescription: "the list ends"))
        }
        return items[currentIndex]
    }

    private func next() throws -> TreeDecoder {
        TreeDecoder(value: try peek())
    }
}
