/// One version of a secret as `GetSecretValue` returns it.
///
/// `secretString` holds the credentials themselves, so nothing that prints
/// this value shows it: description, debug description and mirror give its
/// length only.
public struct SecretValue: Sendable, Equatable {
    public var arn: String
    public var versionId: String
    public var versionStages: [String]
    /// `nil` when the version holds a `SecretBinary` instead.
    public var secretString: String?

    public init(arn: String, versionId: String, versionStages: [String], secretString: String?) {
        self.arn = arn
        self.versionId = versionId
        self.versionStages = versionStages
        self.secretString = secretString
    }
}

extension SecretValue: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private var redactedSecretString: String {
        secretString.map { "<redacted \($0.utf8.count) bytes>" } ?? "none"
    }

    public var description: String {
        "SecretValue(arn: \(arn), versionId: \(versionId), versionStages: \(versionStages), "
            + "secretString: \(redactedSecretString))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "arn": arn,
                "versionId": versionId,
                "versionStages": versionStages,
                "secretString": redactedSecretString,
            ])
    }
}
