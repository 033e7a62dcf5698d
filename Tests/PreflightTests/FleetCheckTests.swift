import JSON
import Rotation
import Testing

@testable import Preflight

private let own = "arn:aws:lambda:us-east-1:123456789012:function:rotator"
private let other = "arn:aws:lambda:us-east-1:123456789012:function:someone-else"
private let day = 86400.0
private let now = 1_800_000_000.0

private func fleetSecret(
    _ name: String, function: String? = own, enabled: Bool? = true, days: Int? = 30, expression: String? = nil,
    duration: String? = nil, created: Double? = now - 100 * day, last: Double? = now - 10 * day,
    stages: [String: [String]] = ["v1": ["AWSCURRENT"]]
) -> FleetSecret {
    FleetSecret(
        arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:\(name)-AbCdEf", name: name,
        rotationEnabled: enabled, rotationFunctionARN: function,
        schedule: RotationSchedule(automaticallyAfterDays: days, scheduleExpression: expression, duration: duration),
        createdDate: created, lastRotatedDate: last, versionIdsToStages: stages)
}

private func check(_ results: [(check: CheckResult, advice: String?)], _ name: String) -> (CheckResult, String?) {
    let found = results.first { $0.check.name == name }!
    return (found.check, found.advice)
}

@Suite struct FleetSelectionTests {
    @Test func keepsOnlyThisFunctionsSecretsInNameOrder() {
        let secrets = [
            fleetSecret("prod/b"), fleetSecret("prod/a", enabled: false), fleetSecret("prod/c", function: other),
            fleetSecret("prod/d", function: nil), fleetSecret("dev/e"),
            fleetSecret("prod/f", function: own + ":live"),
        ]
        let all = FleetCheck.selected(secrets, functionARN: own, namePrefix: nil).map(\.name)
        #expect(all == ["dev/e", "prod/a", "prod/b", "prod/f"])
        let prod = FleetCheck.selected(secrets, functionARN: own, namePrefix: "prod/").map(\.name)
        #expect(prod == ["prod/a", "prod/b", "prod/f"])
    }

    @Test func aSecretListedTwiceIsCheckedOnce() {
        let secrets = [fleetSecret("a"), fleetSecret("a")]
        #expect(FleetCheck.selected(secrets, functionARN: own, namePrefix: nil).count == 1)
    }
}

@Suite struct ScheduleTests {
    @Test(arguments: [
        (RotationSchedule(automaticallyAfterDays: 30), 30 * 86400.0, 86400.0),
        (RotationSchedule(scheduleExpression: "rate(4 hours)"), 4 * 3600.0, 3600.0),
        (RotationSchedule(scheduleExpression: "rate(10 days)", duration: "3h"), 10 * 86400.0, 3 * 3600.0),
    ])
    func intervalAndWindow(schedule: RotationSchedule, interval: Double, window: Double) {
        #expect(schedule.intervalSeconds == interval)
        #expect(schedule.windowSeconds == window)
    }

    @Test func cronHasNoInterval() {
        #expect(RotationSchedule(scheduleExpression: "cron(0 8 1 * ? *)").intervalSeconds == nil)
    }

    @Test func aHealthySecretPassesTheScheduleChecks() {
        let results = Preflight.scheduleChecks(fleetSecret("a"), pendingCreated: [:], now: now)
        #expect(results.map(\.check.name) == ["pending-too-long", "rotation-overdue", "rotation-never-succeeded"])
        #expect(results.allSatisfy { $0.check.ok })
    }

    @Test func aPendingVersionOlderThanTheWindowIsStuckWithTheCommandThatClearsIt() {
        let secret = fleetSecret("a", stages: ["v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]])
        let (result, advice) = check(
            Preflight.scheduleChecks(secret, pendingCreated: ["v2": now - 2 * day], now: now), "pending-too-long")
        #expect(!result.ok)
        #expect(result.detail.contains("v2"))
        #expect(
            advice?.contains(
                "aws secretsmanager update-secret-version-stage --secret-id \(secret.arn) --version-stage AWSPENDING --remove-from-version-id v2"
            ) == true)
    }

    @Test func aPendingVersionWithinTheWindowIsARotationUnderWay() {
        let secret = fleetSecret("a", stages: ["v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]])
        let (result, _) = check(
            Preflight.scheduleChecks(secret, pendingCreated: ["v2": now - 600], now: now), "pending-too-long")
        #expect(result.ok)
        #expect(result.detail.contains("under way"))
    }

    @Test func aPendingVersionOfUnknownAgeCountsAsStuck() {
        let secret = fleetSecret("a", stages: ["v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]])
        #expect(!check(Preflight.scheduleChecks(secret, pendingCreated: [:], now: now), "pending-too-long").0.ok)
    }

    @Test(arguments: [(30, 30.5, true), (30, 31.5, false), (1, 1.9, true), (1, 2.1, false)])
    func overdueAfterTheSchedulePlusADay(days: Int, sinceLast: Double, ok: Bool) {
        let secret = fleetSecret("a", days: days, last: now - sinceLast * day)
        let (result, advice) = check(
            Preflight.scheduleChecks(secret, pendingCreated: [:], now: now), "rotation-overdue")
        #expect(result.ok == ok)
        if !ok {
            #expect(
                advice
                    == "Rotate it now (the other checks say what would stop it): aws secretsmanager rotate-secret --secret-id \(secret.arn)"
            )
        }
    }

    @Test func aCronScheduleIsJudgedByItsNextRotationDate() {
        var secret = fleetSecret("a", days: nil, expression: "cron(0 8 1 * ? *)", last: now - 40 * day)
        secret.nextRotationDate = now - 2 * day
        #expect(!check(Preflight.scheduleChecks(secret, pendingCreated: [:], now: now), "rotation-overdue").0.ok)
        secret.nextRotationDate = now + 2 * day
        #expect(check(Preflight.scheduleChecks(secret, pendingCreated: [:], now: now), "rotation-overdue").0.ok)
    }

    @Test func rotationOnAndNeverSucceededFailsOnceTheFirstWasDue() {
        let old = fleetSecret("a", days: 7, created: now - 9 * day, last: nil)
        let (result, advice) = check(
            Preflight.scheduleChecks(old, pendingCreated: [:], now: now), "rotation-never-succeeded")
        #expect(!result.ok)
        #expect(advice?.hasSuffix("aws secretsmanager rotate-secret --secret-id \(old.arn)") == true)
        let young = fleetSecret("a", days: 7, created: now - 3600, last: nil)
        #expect(
            check(Preflight.scheduleChecks(young, pendingCreated: [:], now: now), "rotation-never-succeeded").0.ok)
    }

    @Test func rotationDisabledIsLeftToTheRotationEnabledCheck() {
        let secret = fleetSecret("a", enabled: false, created: now - 400 * day, last: nil)
        #expect(Preflight.scheduleChecks(secret, pendingCreated: [:], now: now).allSatisfy { $0.check.ok })
    }
}

@Suite struct FleetVerdictTests {
    func report(failing: [String] = []) -> PreflightReport {
        var report = PreflightReport(secretId: "x", strategy: "self")
        for name in ["secrets-manager", "rotation-enabled", "stuck-rotation", "login-current"] {
            report.checks.append(CheckResult(name: name, ok: !failing.contains(name), detail: name))
        }
        if failing.contains("stuck-rotation") {
            report.advice.append(
                "If that rotation never set its password, clear it: aws secretsmanager update-secret-version-stage --secret-id x --version-stage AWSPENDING --remove-from-version-id v2"
            )
        }
        return report
    }

    @Test func aRotationUnderWayIsNotAFailureOfTheFleet() {
        let secret = fleetSecret("a", stages: ["v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]])
        let verdict = FleetCheck.verdict(
            secret, report: report(failing: ["stuck-rotation"]), pendingCreated: ["v2": now - 60], now: now)
        #expect(verdict.ok)
        #expect(verdict.report?.advice.isEmpty == true)
    }

    @Test func aStuckRotationFailsBothChecksWithAdvice() {
        let secret = fleetSecret("a", stages: ["v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]])
        let verdict = FleetCheck.verdict(
            secret, report: report(failing: ["stuck-rotation"]), pendingCreated: ["v2": now - 3 * day], now: now)
        #expect(verdict.failed == ["stuck-rotation", "pending-too-long"])
        #expect(verdict.status == "failing")
    }

    @Test func theAnswerCountsAndListsEverySecret() throws {
        let healthy = FleetCheck.verdict(fleetSecret("a"), report: report(), pendingCreated: [:], now: now)
        let broken = FleetCheck.verdict(
            fleetSecret("b", enabled: false), report: report(failing: ["rotation-enabled"]), pendingCreated: [:],
            now: now)
        let missed = FleetCheck.notChecked(fleetSecret("c", last: nil, stages: [:]), reason: "not reached", now: now)
        let fleet = FleetReport(functionARN: own, namePrefix: nil, secrets: [healthy, broken, missed], durationMs: 5)
        let json = try #require(JSONValue(parsing: Array(fleet.json.serialized.utf8)).objectValue)
        #expect(json["checked"] == .number("2"))
        #expect(json["failing"] == .number("1"))
        #expect(json["notChecked"] == .number("1"))
        #expect(json["complete"] == .bool(false))
        #expect(json["oldestRotationDays"] == .number("100"))
        let secrets = try #require(json["secrets"]?.arrayValue)
        #expect(secrets.map { $0["status"]?.stringValue } == ["ok", "failing", "notChecked"])
        #expect(secrets.map { $0["ok"]?.boolValue } == [true, false, false])
        #expect(secrets[1]["failed"] == .array([.string("rotation-enabled")]))
        #expect(secrets[0]["daysSinceLastRotation"] == .number("10"))
        #expect(secrets[2]["daysSinceLastRotation"] == .null)
        #expect(secrets[2]["notChecked"] == .string("not reached"))
    }
}

@Suite struct FleetCheckRequestTests {
    @Test func parsesTheOptionalKeys() throws {
        #expect(try FleetCheckRequest.parse(Array(#"{"CheckAll": {}}"#.utf8)) == FleetCheckRequest())
        #expect(
            try FleetCheckRequest.parse(Array(#"{"CheckAll": {"NamePrefix": "prod/", "Concurrency": 2}}"#.utf8))
                == FleetCheckRequest(namePrefix: "prod/", concurrency: 2))
        #expect(try FleetCheckRequest.parse(Array(#"{"Check": {"SecretId": "a"}}"#.utf8)) == nil)
    }

    @Test(arguments: [
        (#"{"CheckAll": []}"#, "key 'CheckAll' must be a JSON object"),
        (#"{"CheckAll": {"NamePrefix": 3}}"#, "key 'CheckAll.NamePrefix' must be a string"),
        (#"{"CheckAll": {"Concurrency": 0}}"#, "key 'CheckAll.Concurrency' must be a whole number from 1 to 16"),
        (#"{"CheckAll": {"Concurrency": 17}}"#, "key 'CheckAll.Concurrency' must be a whole number from 1 to 16"),
        (#"{"CheckAll": {"Prefix": "a"}}"#, "key 'CheckAll.Prefix' is not known (NamePrefix, Concurrency)"),
    ])
    func refusesBadKeysByName(event: String, message: String) {
        #expect(throws: RotationError.invalidEvent(message)) { try FleetCheckRequest.parse(Array(event.utf8)) }
    }
}
