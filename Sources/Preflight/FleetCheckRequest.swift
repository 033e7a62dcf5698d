import JSON
import Rotation

/// A fleet check: `{"CheckAll": {"NamePrefix": "prod/", "Concurrency": 4}}`,
/// both keys optional. Like `Check`, a key Secrets Manager never sends.
public struct FleetCheckRequest: Sendable, Equatable {
    /// Only secrets whose name starts with this (case-sensitive).
    public var namePrefix: String?
    /// Secrets checked at once, each on its own thread with its own
    /// database handle: also the most connections the check holds open to
    /// any one server at a time.
    public var concurrency: Int

    public static let defaultConcurrency = 4
    public static let concurrencyRange = 1...16

    public init(namePrefix: String? = nil, concurrency: Int = FleetCheckRequest.defaultConcurrency) {
        self.namePrefix = namePrefix
        self.concurrency = concurrency
    }

    /// nil when the event is not a fleet check (no top-level `CheckAll`).
    public static func parse(_ bytes: [UInt8]) throws(RotationError) -> FleetCheckRequest? {
        guard let value = try? JSONValue(parsing: bytes), let object = value.objectValue,
            let checkAll = object["CheckAll"]
        else { return nil }
        guard let fields = checkAll.objectValue else { throw .invalidEvent("key 'CheckAll' must be a JSON object") }
        var request = FleetCheckRequest()
        for key in fields.keys where !["NamePrefix", "Concurrency"].contains(key) {
            throw .invalidEvent("key 'CheckAll.\(key)' is not known (NamePrefix, Concurrency)")
        }
        switch fields["NamePrefix"] {
        case nil, .null?: break
        case .string(let prefix)?: request.namePrefix = prefix.isEmpty ? nil : prefix
        case .some: throw .invalidEvent("key 'CheckAll.NamePrefix' must be a string")
        }
        switch fields["Concurrency"] {
        case nil, .null?: break
        case let value?:
            guard let number = value.intValue, concurrencyRange.contains(number) else {
                throw .invalidEvent(
                    "key 'CheckAll.Concurrency' must be a whole number from \(concurrencyRange.lowerBound) to \(concurrencyRange.upperBound)"
                )
            }
            request.concurrency = number
        }
        return request
    }
}
