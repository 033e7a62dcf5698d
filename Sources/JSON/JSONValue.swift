/// A JSON document that round-trips exactly.
///
/// A rotation copies the whole secret and replaces one key, so every other
/// value must come back as it went in: numbers keep their literal text (a
/// 64-bit integer or a long decimal never passes through `Double`), and
/// object keys keep their order.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's literal text, already checked against JSON's grammar.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An ordered JSON object. Lookups are linear: secrets hold a few keys.
public struct JSONObject: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var entries: [(key: String, value: JSONValue)]

    public init(_ entries: [(key: String, value: JSONValue)] = []) {
        self.entries = entries
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.entries = elements.map { (key: $0.0, value: $0.1) }
    }

    public var keys: [String] { entries.map(\.key) }

    /// Setting keeps an existing key in its place; a new key goes last;
    /// setting `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            let index = entries.firstIndex(where: { $0.key == key })
            switch (index, newValue) {
            case let (index?, value?): entries[index].value = value
            case let (nil, value?): entries.append((key: key, value: value))
            case let (index?, nil): entries.remove(at: index)
            case (nil, nil): break
            }
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue {
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The number as an integer, when its literal is one that fits.
    public var intValue: Int? {
        if case .number(let literal) = self { return Int(literal) }
        return nil
    }

    /// The number as a `Double`, for values such as timestamps.
    public var doubleValue: Double? {
        if case .number(let literal) = self { return Double(literal) }
        return nil
    }

    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The name of the value's type, for error messages that must not show the value.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
