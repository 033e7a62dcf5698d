/// What rotation reads from Secrets Manager.
public protocol SecretReading {
    func describe(_ secretId: String) throws -> SecretMetadata
    /// The version's value, or `nil` when that version has no value (the
    /// service answers ResourceNotFound for a stage or version without one).
    func value(of secretId: String, stage: String, versionId: String?) throws -> StoredSecret?
}

/// What rotation changes in Secrets Manager.
public protocol SecretWriting {
    func putPending(_ secretId: String, token: String, secretString: String, rotationToken: String?) throws
    func moveCurrent(_ secretId: String, to token: String, from currentVersionId: String?) throws
}

public struct SecretMetadata: Sendable, Equatable {
    public var arn: String
    /// `nil` when DescribeSecret leaves the key out; AWS's templates then go on.
    public var rotationEnabled: Bool?
    public var versionIdsToStages: [String: [String]]
    /// Read only for an admin secret without a host: RDS names its database in a tag.
    public var tags: [String: String]

    public init(
        arn: String, rotationEnabled: Bool?, versionIdsToStages: [String: [String]], tags: [String: String] = [:]
    ) {
        self.arn = arn
        self.rotationEnabled = rotationEnabled
        self.versionIdsToStages = versionIdsToStages
        self.tags = tags
    }

    public var currentVersionId: String? {
        versionIdsToStages.first(where: { $0.value.contains(Stage.current) })?.key
    }
}

public struct StoredSecret: Sendable, CustomStringConvertible {
    public var versionId: String
    public var secretString: String

    public init(versionId: String, secretString: String) {
        self.versionId = versionId
        self.secretString = secretString
    }

    public var description: String { "StoredSecret(version: \(versionId), <redacted>)" }
}

public enum Stage {
    public static let current = "AWSCURRENT"
    public static let pending = "AWSPENDING"
    public static let previous = "AWSPREVIOUS"
}
