import Rotation

/// A secret as the fleet check finds it in `ListSecrets`: who rotates it,
/// on which schedule, when it last did, and its versions' labels. Dates
/// are epoch seconds.
public struct FleetSecret: Sendable, Equatable {
    public var arn: String
    public var name: String
    public var rotationEnabled: Bool?
    public var rotationFunctionARN: String?
    public var schedule: RotationSchedule
    public var createdDate: Double?
    public var lastRotatedDate: Double?
    public var nextRotationDate: Double?
    public var versionIdsToStages: [String: [String]]

    public init(
        arn: String, name: String, rotationEnabled: Bool?, rotationFunctionARN: String?,
        schedule: RotationSchedule = RotationSchedule(), createdDate: Double? = nil, lastRotatedDate: Double? = nil,
        nextRotationDate: Double? = nil, versionIdsToStages: [String: [String]] = [:]
    ) {
        self.arn = arn
        self.name = name
        self.rotationEnabled = rotationEnabled
        self.rotationFunctionARN = rotationFunctionARN
        self.schedule = schedule
        self.createdDate = createdDate
        self.lastRotatedDate = lastRotatedDate
        self.nextRotationDate = nextRotationDate
        self.versionIdsToStages = versionIdsToStages
    }

    /// What `DescribeSecret` would have said, so the single check's own
    /// secret checks run on it without another call.
    public var facts: SecretFacts {
        SecretFacts(
            arn: arn, name: name, rotationEnabled: rotationEnabled, rotationFunctionARN: rotationFunctionARN,
            versionIdsToStages: versionIdsToStages)
    }

    /// Versions holding `AWSPENDING` but not `AWSCURRENT`: unfinished rotations.
    public var pendingVersions: [String] {
        versionIdsToStages.filter { $0.value.contains(Stage.pending) && !$0.value.contains(Stage.current) }
            .map(\.key).sorted()
    }
}

/// `RotationRules`: every N days, or a `rate()`/`cron()` expression, with
/// an optional window (`Duration`, e.g. `3h`).
public struct RotationSchedule: Sendable, Equatable {
    public var automaticallyAfterDays: Int?
    public var scheduleExpression: String?
    public var duration: String?

    public init(automaticallyAfterDays: Int? = nil, scheduleExpression: String? = nil, duration: String? = nil) {
        self.automaticallyAfterDays = automaticallyAfterDays
        self.scheduleExpression = scheduleExpression
        self.duration = duration
    }

    /// Seconds between rotations; nil for a `cron()` expression or no schedule.
    public var intervalSeconds: Double? {
        if let expression = scheduleExpression?.trimmingSpaces, expression.hasPrefix("rate("),
            expression.hasSuffix(")")
        {
            let words = expression.dropFirst(5).dropLast().split(separator: " ")
            guard words.count == 2, let count = Double(words[0]), count > 0 else { return nil }
            switch words[1] {
            case "day", "days": return count * 86400
            case "hour", "hours": return count * 3600
            default: return nil
            }
        }
        if scheduleExpression != nil { return nil }
        return automaticallyAfterDays.map { Double($0) * 86400 }
    }

    /// The rotation window, as Secrets Manager documents it: `Duration`
    /// when set; else one hour for a schedule in hours, and the rest of the
    /// UTC day (at most a day) otherwise.
    public var windowSeconds: Double {
        if let duration = duration?.trimmingSpaces, duration.hasSuffix("h"), let hours = Double(duration.dropLast()),
            hours > 0
        {
            return hours * 3600
        }
        if let interval = intervalSeconds, interval < 86400 { return 3600 }
        return 86400
    }

    /// As a person would read it: "every 30 days", "rate(4 hours)".
    public var summary: String {
        if let scheduleExpression { return scheduleExpression }
        if let days = automaticallyAfterDays { return "every \(days) day\(days == 1 ? "" : "s")" }
        return "no schedule"
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
