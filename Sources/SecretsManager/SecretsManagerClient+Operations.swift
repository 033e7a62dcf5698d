import JSON
import Platform

extension SecretsManagerClient {
    public func describeSecret(
        _ secretId: String, context: CallContext = .unbounded
    ) throws(SecretsManagerError) -> SecretDescription {
        try startDescribeSecret(secretId, context: context)()
    }

    /// DescribeSecret sent now, its answer read by calling the result.
    public func startDescribeSecret(
        _ secretId: String, context: CallContext = .unbounded
    ) -> () throws(SecretsManagerError) -> SecretDescription {
        let pending = start("DescribeSecret", ["SecretId": .string(secretId)], context: context)
        return { () throws(SecretsManagerError) in try self.description(from: pending.result()) }
    }

    private func description(from result: JSONValue) throws(SecretsManagerError) -> SecretDescription {
        let operation = "DescribeSecret"
        let fields = ResponseFields(operation: operation, result: result, host: host)
        var stages: [String: [String]] = [:]
        if let versions = try fields.optionalObject("VersionIdsToStages") {
            for (versionId, labels) in versions.entries {
                stages[versionId] = try fields.strings(labels, "VersionIdsToStages.\(versionId)")
            }
        }
        var tags: [String: String] = [:]
        if let list = fields.optional("Tags") {
            guard let elements = list.arrayValue else {
                throw fields.invalid("Tags is a \(list.typeName), not an array")
            }
            for element in elements {
                guard let key = element["Key"]?.stringValue, let value = element["Value"]?.stringValue else {
                    throw fields.invalid("Tags holds an entry without a string Key and Value")
                }
                tags[key] = value
            }
        }
        return SecretDescription(
            arn: try fields.string("ARN"), name: try fields.string("Name"),
            rotationEnabled: try fields.optionalBool("RotationEnabled"), versionIdsToStages: stages, tags: tags)
    }

    public func getSecretValue(
        _ secretId: String, versionId: String? = nil, versionStage: String? = nil, context: CallContext = .unbounded
    )
        throws(SecretsManagerError) -> SecretValue
    {
        let operation = "GetSecretValue"
        var body: JSONObject = ["SecretId": .string(secretId)]
        body["VersionId"] = versionId.map { .string($0) }
        body["VersionStage"] = versionStage.map { .string($0) }
        let result = try call(operation, body, context: context)
        let fields = ResponseFields(operation: operation, result: result, host: host)
        let stages = try fields.optional("VersionStages").map { value throws(SecretsManagerError) in
            try fields.strings(value, "VersionStages")
        }
        return SecretValue(
            arn: try fields.string("ARN"), versionId: try fields.string("VersionId"), versionStages: stages ?? [],
            secretString: try fields.optionalString("SecretString"))
    }

    public func putSecretValue(
        _ secretId: String, clientRequestToken: String, secretString: String, versionStages: [String],
        rotationToken: String? = nil, context: CallContext = .unbounded
    ) throws(SecretsManagerError) {
        var body: JSONObject = [
            "SecretId": .string(secretId),
            "ClientRequestToken": .string(clientRequestToken),
            "SecretString": .string(secretString),
            "VersionStages": .array(versionStages.map { .string($0) }),
        ]
        body["RotationToken"] = rotationToken.map { .string($0) }
        // Already as asked: the token's version holds this value and the stages.
        _ = try call("PutSecretValue", body, context: context) { () throws(SecretsManagerError) in
            let stored = try self.getSecretValue(secretId, versionId: clientRequestToken, context: context)
            return stored.secretString == secretString && versionStages.allSatisfy(stored.versionStages.contains)
        }
    }

    public func updateSecretVersionStage(
        _ secretId: String, versionStage: String, moveToVersionId: String?, removeFromVersionId: String?,
        context: CallContext = .unbounded
    ) throws(SecretsManagerError) {
        var body: JSONObject = ["SecretId": .string(secretId), "VersionStage": .string(versionStage)]
        body["MoveToVersionId"] = moveToVersionId.map { .string($0) }
        body["RemoveFromVersionId"] = removeFromVersionId.map { .string($0) }
        // Already as asked: the label on the target version and off the one it was to leave.
        _ = try call("UpdateSecretVersionStage", body, context: context) { () throws(SecretsManagerError) in
            let stages = try self.describeSecret(secretId, context: context).versionIdsToStages
            let onTarget = moveToVersionId.map { stages[$0]?.contains(versionStage) == true } ?? true
            let offSource =
                removeFromVersionId.map { $0 == moveToVersionId || stages[$0]?.contains(versionStage) != true } ?? true
            return onTarget && offSource
        }
    }

    public func getRandomPassword(
        _ request: RandomPasswordRequest, context: CallContext = .unbounded
    ) throws(SecretsManagerError) -> String {
        let operation = "GetRandomPassword"
        let result = try call(operation, request.body, context: context)
        return try ResponseFields(operation: operation, result: result, host: host).string("RandomPassword")
    }
}

/// Typed reads from a response object. Failures name the key and the type
/// found, never the value, which may be a secret.
struct ResponseFields {
    var operation: String
    var result: JSONValue
    var host: String

    func optional(_ key: String) -> JSONValue? {
        guard let value = result[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(SecretsManagerError) -> String {
        guard let value = try optionalString(key) else { throw invalid("\(key) is missing") }
        return value
    }

    func optionalString(_ key: String) throws(SecretsManagerError) -> String? {
        guard let value = optional(key) else { return nil }
        guard let string = value.stringValue else { throw invalid("\(key) is a \(value.typeName), not a string") }
        return string
    }

    func optionalBool(_ key: String) throws(SecretsManagerError) -> Bool? {
        guard let value = optional(key) else { return nil }
        guard let bool = value.boolValue else { throw invalid("\(key) is a \(value.typeName), not a boolean") }
        return bool
    }

    func optionalObject(_ key: String) throws(SecretsManagerError) -> JSONObject? {
        guard let value = optional(key) else { return nil }
        guard let object = value.objectValue else { throw invalid("\(key) is a \(value.typeName), not an object") }
        return object
    }

    func strings(_ value: JSONValue, _ name: String) throws(SecretsManagerError) -> [String] {
        guard let elements = value.arrayValue else { throw invalid("\(name) is a \(value.typeName), not an array") }
        var strings: [String] = []
        for element in elements {
            guard let string = element.stringValue else {
                throw invalid("\(name) holds a \(element.typeName), not a string")
            }
            strings.append(string)
        }
        return strings
    }

    func invalid(_ reason: String) -> SecretsManagerError {
        .invalidResponse(operation: operation, reason: reason, host: host)
    }
}
