import JSON
import Platform

extension SecretsManagerClient {
    /// One page of `ListSecrets` (at most 100 secrets, the service's
    /// maximum). `namePrefix` is sent as the `name` filter, which the service
    /// matches at the start of the name; callers still compare names
    /// themselves, since the filter's case rules are the service's.
    public func listSecrets(
        namePrefix: String? = nil, nextToken: String? = nil, maxResults: Int = 100, context: CallContext = .unbounded
    ) throws(SecretsManagerError) -> SecretListPage {
        var body: JSONObject = ["MaxResults": .number(String(max(1, min(100, maxResults))))]
        if let namePrefix, !namePrefix.isEmpty {
            body["Filters"] = .array([.object(["Key": .string("name"), "Values": .array([.string(namePrefix)])])])
        }
        if let nextToken { body["NextToken"] = .string(nextToken) }
        let result = try call("ListSecrets", body, context: context)
        let fields = ResponseFields(operation: "ListSecrets", result: result, host: host)
        guard let list = fields.optional("SecretList") else { return SecretListPage(secrets: [], nextToken: nil) }
        guard let elements = list.arrayValue else {
            throw fields.invalid("SecretList is a \(list.typeName), not an array")
        }
        var secrets: [SecretListEntry] = []
        for element in elements {
            secrets.append(try Self.listEntry(ResponseFields(operation: "ListSecrets", result: element, host: host)))
        }
        // moto answers an empty string where the service leaves the token out.
        let token = try fields.optionalString("NextToken").flatMap { $0.isEmpty ? nil : $0 }
        return SecretListPage(secrets: secrets, nextToken: token)
    }

    /// Every version's creation date (epoch seconds), by version id, from
    /// `ListSecretVersionIds`: how long an `AWSPENDING` version has waited.
    public func versionCreatedDates(
        _ secretId: String, context: CallContext = .unbounded
    ) throws(SecretsManagerError) -> [String: Double] {
        var dates: [String: Double] = [:]
        var token: String?
        repeat {
            var body: JSONObject = ["SecretId": .string(secretId), "MaxResults": .number("100")]
            if let token { body["NextToken"] = .string(token) }
            let target = try client(forSecret: secretId, operation: "ListSecretVersionIds")
            let result = try target.call("ListSecretVersionIds", body, context: context)
            let fields = ResponseFields(operation: "ListSecretVersionIds", result: result, host: target.host)
            for version in fields.optional("Versions")?.arrayValue ?? [] {
                let entry = ResponseFields(operation: "ListSecretVersionIds", result: version, host: target.host)
                if let id = try entry.optionalString("VersionId"), let created = try entry.optionalDate("CreatedDate") {
                    dates[id] = created
                }
            }
            token = try fields.optionalString("NextToken").flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return dates
    }

    static func listEntry(_ fields: ResponseFields) throws(SecretsManagerError) -> SecretListEntry {
        var stages: [String: [String]] = [:]
        if let versions = try fields.optionalObject("SecretVersionsToStages") {
            for (versionId, labels) in versions.entries {
                stages[versionId] = try fields.strings(labels, "SecretVersionsToStages.\(versionId)")
            }
        }
        let rules = try fields.optionalObject("RotationRules")
        let ruleFields = ResponseFields(operation: fields.operation, result: .object(rules ?? [:]), host: fields.host)
        let days = try ruleFields.optionalDate("AutomaticallyAfterDays").map { Int($0) }
        return SecretListEntry(
            arn: try fields.string("ARN"), name: try fields.string("Name"),
            rotationEnabled: try fields.optionalBool("RotationEnabled"),
            rotationLambdaARN: try fields.optionalString("RotationLambdaARN").flatMap { $0.isEmpty ? nil : $0 },
            automaticallyAfterDays: days.flatMap { $0 > 0 ? $0 : nil },
            scheduleExpression: try ruleFields.optionalString("ScheduleExpression"),
            duration: try ruleFields.optionalString("Duration"), createdDate: try fields.optionalDate("CreatedDate"),
            lastRotatedDate: try fields.optionalDate("LastRotatedDate"),
            nextRotationDate: try fields.optionalDate("NextRotationDate"), versionIdsToStages: stages)
    }
}

extension ResponseFields {
    /// A timestamp as the JSON 1.1 protocol sends it: epoch seconds, a number.
    func optionalDate(_ key: String) throws(SecretsManagerError) -> Double? {
        guard let value = optional(key) else { return nil }
        guard let number = value.doubleValue else { throw invalid("\(key) is a \(value.typeName), not a number") }
        return number
    }
}
