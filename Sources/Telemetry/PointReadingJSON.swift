// One point's reading as the JSON outputs write it (`pumpgw read --json`,
// `pumpgw status --json`, `/api/status`): the value is null unless good.

public struct PointReadingJSON: Encodable, Sendable {
    public var name: String
    public var value: Value?
    public var unit: String?
    public var quality: String

    public init(name: String, value: Value?, unit: String?, quality: String) {
        self.name = name
        self.value = value
        self.unit = unit
        self.quality = quality
    }

    enum CodingKeys: String, CodingKey { case name, value, unit, quality }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        switch value {
        case .none: try container.encodeNil(forKey: .value)
        case .double(let number): try container.encode(Double(Value.format(number)) ?? number, forKey: .value)
        case .integer(let number): try container.encode(number, forKey: .value)
        case .unsigned(let number): try container.encode(number, forKey: .value)
        case .bool(let flag): try container.encode(flag, forKey: .value)
        case .string(let text): try container.encode(text, forKey: .value)
        }
        try container.encode(unit ?? "", forKey: .unit)
        try container.encode(quality, forKey: .quality)
    }
}
