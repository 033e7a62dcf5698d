import Platform
import Rotation
import SecretsManager

/// Secrets Manager as the rotation's secret store, for one invocation:
/// every call carries its context. It holds nothing but the client and the context.
struct SecretsManagerStore: SecretReading, SecretWriting {
    let client: SecretsManagerClient
    let context: CallContext

    func describe(_ secretId: String) throws -> SecretMetadata {
        try startDescribe(secretId, forToken: "").metadata()
    }

    func value(of secretId: String, stage: String, versionId: String?) throws -> StoredSecret? {
        let value: SecretValue
        do {
            // An admin secret (masterarn) may live in another region.
            value = try client.client(forSecret: secretId, operation: "GetSecretValue")
                .getSecretValue(secretId, versionId: versionId, versionStage: stage, context: context)
        } catch  where error.isResourceNotFound {
            return nil
        }
        guard let text = value.secretString else {
            throw RotationError.invalidSecret(
                secretId: secretId, stage: stage, problem: .notJSON("absent: the version holds a SecretBinary"))
        }
        return StoredSecret(versionId: value.versionId, secretString: text)
    }

    func putPending(_ secretId: String, token: String, secretString: String, rotationToken: String?) throws {
        do {
            try client.putSecretValue(
                secretId, clientRequestToken: token, secretString: secretString, versionStages: [Stage.pending],
                rotationToken: rotationToken, context: context)
        } catch  where error.isResourceExists {
            throw VersionAlreadyHasValue(storeError: error)
        }
    }

    func startDescribe(_ secretId: String, forToken _: String) -> InFlightDescribe {
        let answer = client.startDescribeSecret(secretId, context: context)
        return InFlightDescribe {
            let description = try answer()
            return SecretMetadata(
                arn: description.arn, rotationEnabled: description.rotationEnabled,
                versionIdsToStages: description.versionIdsToStages, tags: description.tags)
        }
    }

    func moveCurrent(_ secretId: String, to token: String, from currentVersionId: String?) throws {
        try client.updateSecretVersionStage(
            secretId, versionStage: Stage.current, moveToVersionId: token, removeFromVersionId: currentVersionId,
            context: context)
    }
}
