import JSON

/// What `DescribeSecret` says about a secret: enough to check a rotation
/// request against the secret's versions and stages.
public struct SecretDescription: Sendable, Equatable {
    public var arn: String
    public var name: String
    /// `nil` when the response has no `RotationEnabled` key.
    public var rotationEnabled: Bool?
    /// Version id to the staging labels it carries (`AWSCURRENT`, `AWSPENDING`, ...).
    public var versionIdsToStages: [String: [String]]
    /// Tag keys to values; RDS tags the secrets it manages with the database's ARN.
    public var tags: [String: String]

    public init(
        arn: String, name: String, rotationEnabled: Bool?, versionIdsToStages: [String: [String]],
        tags: [String: String] = [:]
    ) {
        self.arn = arn
        self.name = name
        self.rotationEnabled = rotationEnabled
        self.versionIdsToStages = versionIdsToStages
        self.tags = tags
    }
}
