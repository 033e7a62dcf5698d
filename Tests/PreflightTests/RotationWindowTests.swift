import Testing

@testable import Preflight

/// "Overdue" judged against the rotation window: a rotation is due when its
/// window opens and may run until it closes (`Duration`, or Secrets
/// Manager's default: an hour for schedules in hours, the day otherwise).
@Suite struct RotationWindowTests {
    static let hour = 3600.0
    static let day = 86400.0
    static let now = 1_800_000_000.0

    struct Row: Sendable, CustomTestStringConvertible {
        var schedule: RotationSchedule
        /// Seconds since the last rotation (rate and days schedules).
        var sinceLast: Double
        /// Seconds since `NextRotationDate` (cron schedules), if given.
        var sinceNext: Double?
        var overdue: Bool
        var testDescription: String {
            "\(schedule.summary) \(schedule.duration ?? "no window") \(overdue ? "overdue" : "on time")"
        }
    }

    static let rows: [Row] = [
        // rate() in days with a 4-hour window: late only once the window closes.
        Row(
            schedule: RotationSchedule(scheduleExpression: "rate(10 days)", duration: "4h"),
            sinceLast: 10 * day + 3 * hour, overdue: false),
        Row(
            schedule: RotationSchedule(scheduleExpression: "rate(10 days)", duration: "4h"),
            sinceLast: 10 * day + 5 * hour, overdue: true),
        // rate() in hours: the default window is an hour.
        Row(
            schedule: RotationSchedule(scheduleExpression: "rate(4 hours)"),
            sinceLast: 4.5 * hour, overdue: false),
        Row(
            schedule: RotationSchedule(scheduleExpression: "rate(4 hours)"),
            sinceLast: 5.5 * hour, overdue: true),
        Row(
            schedule: RotationSchedule(scheduleExpression: "rate(4 hours)", duration: "2h"),
            sinceLast: 5.5 * hour, overdue: false),
        Row(
            schedule: RotationSchedule(scheduleExpression: "rate(4 hours)", duration: "2h"),
            sinceLast: 6.5 * hour, overdue: true),
        // The simple form with a window.
        Row(
            schedule: RotationSchedule(automaticallyAfterDays: 30, duration: "4h"),
            sinceLast: 30 * day + 3 * hour, overdue: false),
        Row(
            schedule: RotationSchedule(automaticallyAfterDays: 30, duration: "4h"),
            sinceLast: 30 * day + 5 * hour, overdue: true),
        // cron(): due at NextRotationDate, the window's start.
        Row(
            schedule: RotationSchedule(scheduleExpression: "cron(0 16 ? * SAT *)", duration: "4h"),
            sinceLast: 7 * day + 3 * hour, sinceNext: 3 * hour, overdue: false),
        Row(
            schedule: RotationSchedule(scheduleExpression: "cron(0 16 ? * SAT *)", duration: "4h"),
            sinceLast: 7 * day + 5 * hour, sinceNext: 5 * hour, overdue: true),
        Row(
            schedule: RotationSchedule(scheduleExpression: "cron(0 16 ? * SAT *)"),
            sinceLast: 7 * day + 20 * hour, sinceNext: 20 * hour, overdue: false),
        Row(
            schedule: RotationSchedule(scheduleExpression: "cron(0 16 ? * SAT *)"),
            sinceLast: 8 * day + 1 * hour, sinceNext: 25 * hour, overdue: true),
        Row(
            schedule: RotationSchedule(scheduleExpression: "cron(0 16 ? * SAT *)", duration: "4h"),
            sinceLast: 6 * day, sinceNext: -day, overdue: false),
    ]

    @Test(arguments: rows)
    func overdueOnlyOnceTheWindowThatShouldHaveRunHasClosed(row: Row) {
        let secret = FleetSecret(
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:windowed-AbCdEf", name: "windowed",
            rotationEnabled: true, rotationFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:rotator",
            schedule: row.schedule, createdDate: Self.now - 100 * Self.day, lastRotatedDate: Self.now - row.sinceLast,
            nextRotationDate: row.sinceNext.map { Self.now - $0 }, versionIdsToStages: ["v1": ["AWSCURRENT"]])
        let result = Preflight.scheduleChecks(secret, pendingCreated: [:], now: Self.now)
            .first { $0.check.name == "rotation-overdue" }!
        #expect(result.check.ok == !row.overdue, "\(result.check.detail)")
        #expect((result.advice != nil) == row.overdue)
        if row.overdue { #expect(result.check.detail.contains("window of 4 h") == (row.schedule.duration == "4h")) }
    }

    @Test func theWindowEndsAtItsStartPlusDuration() {
        let schedule = RotationSchedule(scheduleExpression: "cron(0 16 ? * SAT *)", duration: "4h")
        #expect(Preflight.overdueAfter(due: Self.now, schedule: schedule) == Self.now + 4 * Self.hour)
        #expect(
            Preflight.overdueAfter(due: Self.now, schedule: RotationSchedule(automaticallyAfterDays: 7)) == Self.now
                + Self.day)
    }
}
