import Rotation
import SecretsManager

/// Secrets Manager as the rotation's secret store.
extension SecretsManagerClient: SecretReading, SecretWriting, DescribeStarting {
    public func describe(_ secretId: String) throws -> SecretMetadata {
        try startDescribe(secretId).metadata()
    }

    public func value(of secretId: String, stage: String, versionId: String?) throws -> StoredSecret? {
        let value: SecretValue
        do {
            // An admin secret (masterarn) may live in another region.
            value = try client(forSecret: secretId, operation: "GetSecretValue")
                .getSecretValue(secretId, versionId: versionId, versionStage: stage)
        } catch  where error.isResourceNotFound {
            return nil
        }
        guard let text = value.secretString else {
            throw RotationError.invalidSecret(
                secretId: secretId, stage: stage, problem: .notJSON("absent: the version holds a SecretBinary"))
        }
        return StoredSecret(versionId: value.versionId, secretString: text)
    }

    public func putPending(_ secretId: String, token: String, secretString: String, rotationToken: String?) throws {
        do {
            try putSecretValue(
                secretId, clientRequestToken: token, secretString: secretString, versionStages: [Stage.pending],
                rotationToken: rotationToken)
        } catch  where error.isResourceExists {
            throw VersionAlreadyHasValue(storeError: error)
        }
    }

    public func startDescribe(_ secretId: String) -> InFlightDescribe {
        let answer = startDescribeSecret(secretId)
        return InFlightDescribe {
            let description = try answer()
            return SecretMetadata(
                arn: description.arn, rotationEnabled: description.rotationEnabled,
                versionIdsToStages: description.versionIdsToStages, tags: description.tags)
        }
    }

    public func moveCurrent(_ secretId: String, to token: String, from currentVersionId: String?) throws {
        try updateSecretVersionStage(
            secretId, versionStage: Stage.current, moveToVersionId: token, removeFromVersionId: currentVersionId)
    }
}
