import JSON
import Rotation

/// A preflight request: `{"Check": {"SecretId": "…", "Strategy": "…"}}`.
/// Secrets Manager never sends a `Check` key, so its presence alone marks
/// the event as a check rather than a rotation step.
public struct CheckRequest: Sendable, Equatable {
    public var secretId: String
    /// Overrides `ROTATION_STRATEGY` for a what-if; nil keeps the function's.
    public var strategy: RotationSettings.Strategy?

    public init(secretId: String, strategy: RotationSettings.Strategy? = nil) {
        self.secretId = secretId
        self.strategy = strategy
    }

    /// nil when the event is not a check (not JSON, not an object, or no
    /// top-level `Check` key): the rotation's own parsing then reports it.
    public static func parse(_ bytes: [UInt8]) throws(RotationError) -> CheckRequest? {
        guard let value = try? JSONValue(parsing: bytes), let object = value.objectValue,
            let check = object["Check"]
        else { return nil }
        guard let fields = check.objectValue else { throw .invalidEvent("key 'Check' must be a JSON object") }
        guard let secretId = fields["SecretId"]?.stringValue, !secretId.isEmpty else {
            throw .invalidEvent("key 'Check.SecretId' must be a non-empty string")
        }
        switch fields["Strategy"] {
        case nil, .null?:
            return CheckRequest(secretId: secretId)
        case .string(let name)?:
            guard let strategy = RotationSettings.Strategy(rawValue: name.lowercased()) else {
                throw .invalidEvent("key 'Check.Strategy' must be self, admin or alternating")
            }
            return CheckRequest(secretId: secretId, strategy: strategy)
        case .some:
            throw .invalidEvent("key 'Check.Strategy' must be self, admin or alternating")
        }
    }
}
