import JSON

/// One secret as `ListSecrets` describes it: what the fleet check needs to
/// pick the secrets this function rotates and to judge their schedule,
/// without a `DescribeSecret` per secret. Dates are epoch seconds.
public struct SecretListEntry: Sendable, Equatable {
    public var arn: String
    public var name: String
    public var rotationEnabled: Bool?
    public var rotationLambdaARN: String?
    /// `RotationRules`: `AutomaticallyAfterDays`, `ScheduleExpression`, `Duration`.
    public var automaticallyAfterDays: Int?
    public var scheduleExpression: String?
    public var duration: String?
    public var createdDate: Double?
    public var lastRotatedDate: Double?
    public var nextRotationDate: Double?
    /// `SecretVersionsToStages`.
    public var versionIdsToStages: [String: [String]]

    public init(
        arn: String, name: String, rotationEnabled: Bool? = nil, rotationLambdaARN: String? = nil,
        automaticallyAfterDays: Int? = nil, scheduleExpression: String? = nil, duration: String? = nil,
        createdDate: Double? = nil, lastRotatedDate: Double? = nil, nextRotationDate: Double? = nil,
        versionIdsToStages: [String: [String]] = [:]
    ) {
        self.arn = arn
        self.name = name
        self.rotationEnabled = rotationEnabled
        self.rotationLambdaARN = rotationLambdaARN
        self.automaticallyAfterDays = automaticallyAfterDays
        self.scheduleExpression = scheduleExpression
        self.duration = duration
        self.createdDate = createdDate
        self.lastRotatedDate = lastRotatedDate
        self.nextRotationDate = nextRotationDate
        self.versionIdsToStages = versionIdsToStages
    }
}

/// One page of `ListSecrets`.
public struct SecretListPage: Sendable, Equatable {
    public var secrets: [SecretListEntry]
    /// nil on the last page.
    public var nextToken: String?

    public init(secrets: [SecretListEntry], nextToken: String?) {
        self.secrets = secrets
        self.nextToken = nextToken
    }
}
