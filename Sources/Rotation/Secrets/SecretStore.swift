/// What rotation reads from Secrets Manager.
public protocol SecretReading {
    func describe(_ secretId: String) throws -> SecretMetadata
    /// The version's value, or `nil` when that version has no value (the
    /// service answers ResourceNotFound for a stage or version without one).
    func value(of secretId: String, stage: String, versionId: String?) throws -> StoredSecret?
    /// Sends DescribeSecret for the step of rotation `token` and reads the
    /// answer later, so the round trip can overlap a database login.
    func startDescribe(_ secretId: String, forToken token: String) -> InFlightDescribe
    /// The value of the stage (as the last DescribeSecret placed it) or
    /// version that this store already holds, without asking anyone; with
    /// `token`, only when that DescribeSecret was read in a step of rotation `token`.
    func knownValue(
        of secretId: String, stage: String, versionId: String?, describedFor token: String?
    )
        -> StoredSecret?
}

extension SecretReading {
    /// A store that cannot overlap describes when the answer is asked for.
    public func startDescribe(_ secretId: String, forToken token: String) -> InFlightDescribe {
        InFlightDescribe { try describe(secretId) }
    }

    /// A store that remembers nothing.
    public func knownValue(
        of secretId: String, stage: String, versionId: String?, describedFor token: String?
    )
        -> StoredSecret?
    { nil }
}

/// What rotation changes in Secrets Manager.
public protocol SecretWriting {
    /// Stores the token's version. Throws `VersionAlreadyHasValue` when that
    /// version already holds another value (versions never change).
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

/// The token's version already holds a different value: the service
/// (ResourceExistsException) never replaces a version's value.
public struct VersionAlreadyHasValue: Error, CustomStringConvertible {
    /// The store's own error, reported if the value then cannot be read.
    public var storeError: any Error

    public init(storeError: any Error) {
        self.storeError = storeError
    }

    public var description: String { "\(storeError)" }
}

/// A DescribeSecret on its way. `metadata()` waits for the answer; later
/// calls give the same answer (or error) without another request.
public final class InFlightDescribe {
    private var receive: (() throws -> SecretMetadata)?
    private var answer: Result<SecretMetadata, any Error>?

    public init(_ receive: @escaping () throws -> SecretMetadata) {
        self.receive = receive
    }

    public func metadata() throws -> SecretMetadata {
        if answer == nil, let receive {
            answer = Result { try receive() }
            self.receive = nil
        }
        return try answer!.get()
    }
}
