import JSON
import Platform
import Preflight
import Rotation
import SecretsManager

/// DescribeSecret and GetSecretValue, read-only, for the preflight check.
/// DescribeSecret is read here in full because the check needs
/// `RotationLambdaARN`, which rotation itself never looks at.
public struct SecretsManagerInspector: SecretInspecting {
    public let client: SecretsManagerClient
    /// The invocation's, carried by every call.
    public let context: CallContext

    public init(client: SecretsManagerClient, context: CallContext) {
        self.client = client
        self.context = context
    }

    public func describe(_ secretId: String) throws -> SecretFacts {
        let result = try client.call("DescribeSecret", ["SecretId": .string(secretId)], context: context)
        guard let fields = result.objectValue, let arn = fields["ARN"]?.stringValue else {
            throw SecretsManagerError.invalidResponse(operation: "DescribeSecret", reason: "no ARN", host: client.host)
        }
        var stages: [String: [String]] = [:]
        for (versionId, labels) in fields["VersionIdsToStages"]?.objectValue?.entries ?? [] {
            stages[versionId] = (labels.arrayValue ?? []).compactMap(\.stringValue)
        }
        return SecretFacts(
            arn: arn, name: fields["Name"]?.stringValue ?? secretId,
            rotationEnabled: fields["RotationEnabled"]?.boolValue,
            rotationFunctionARN: fields["RotationLambdaARN"]?.stringValue, versionIdsToStages: stages)
    }

    public func currentSecretString(_ secretId: String) throws -> String? {
        try client.getSecretValue(secretId, versionStage: Stage.current, context: context).secretString
    }
}
