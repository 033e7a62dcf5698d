import JSON

/// `{"Revoke": {"SecretId": "…"}}`: leave AWSCURRENT's password the only
/// one that logs in for the secret's account(s). Secrets Manager never
/// sends a `Revoke` key, so its presence alone marks the event.
public struct RevokeRequest: Sendable, Equatable {
    public var secretId: String

    public init(secretId: String) {
        self.secretId = secretId
    }

    /// nil when the event is not a revoke (not JSON, not an object, or no
    /// top-level `Revoke` key). Any other key is refused rather than
    /// ignored: a revoke is an incident's step, where a typo must not pass.
    public static func parse(_ bytes: [UInt8]) throws(RotationError) -> RevokeRequest? {
        guard let value = try? JSONValue(parsing: bytes), let object = value.objectValue,
            let revoke = object["Revoke"]
        else { return nil }
        guard object.entries.count == 1 else { throw .invalidEvent("a 'Revoke' event takes no other top-level key") }
        guard let fields = revoke.objectValue else { throw .invalidEvent("key 'Revoke' must be a JSON object") }
        guard let secretId = fields["SecretId"]?.stringValue, !secretId.isEmpty else {
            throw .invalidEvent("key 'Revoke.SecretId' must be a non-empty string")
        }
        guard fields.entries.count == 1 else { throw .invalidEvent("key 'Revoke' takes only 'SecretId'") }
        return RevokeRequest(secretId: secretId)
    }
}
