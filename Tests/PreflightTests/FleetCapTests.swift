import JSON
import Testing

@testable import Preflight

private let secret = FleetSecret(
    arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/a-AbCdEf", name: "prod/a", rotationEnabled: true,
    rotationFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:rotator",
    schedule: RotationSchedule(automaticallyAfterDays: 30, scheduleExpression: nil, duration: nil),
    createdDate: nil, lastRotatedDate: nil, versionIdsToStages: ["v1": ["AWSCURRENT"]])

/// Each secret's time cap and the answer given in part: the decisions the
/// fleet check's run (RotationHandler+CheckAll.swift) takes from here.
@Suite struct FleetCapTests {
    /// (fleet seconds, secrets, threads, cap): every secret started even if
    /// each takes its whole cap, within the floor and the ceiling.
    @Test(arguments: [
        (28.5, 5, 4, 14.25),  // four hostile first, one healthy: two rounds
        (28.5, 4, 4, 28.5),  // one round
        (28.5, 1, 4, 28.5),
        (88.5, 1, 4, 30.0),  // no check needs more than the ceiling
        (88.5, 1000, 4, 4.0),  // a fleet too big for its time: the floor
        (10.0, 2, 1, 5.0),
        (10.0, 0, 4, 10.0),
        (20.0, 5, 0, 4.0),  // no thread count: one at a time
    ])
    func theFleetsTimeIsSharedOutByRounds(fleet: Double, count: Int, threads: Int, cap: Double) {
        #expect(FleetCheck.secretCapSeconds(fleetSeconds: fleet, count: count, threads: threads) == cap)
    }

    @Test func everyRoundEndsByTheFleetsDeadline() {
        for count in 1...40 {
            for threads in 1...16 {
                let fleet = 60.0
                let cap = FleetCheck.secretCapSeconds(fleetSeconds: fleet, count: count, threads: threads)
                let rounds = Double((count + threads - 1) / threads)
                // Below the floor the fleet is too big for its time (the floor's test above).
                guard fleet / rounds >= FleetCheck.minimumCapSeconds else { continue }
                // Every round, the last one included, ends by the fleet's deadline.
                #expect(rounds * cap <= fleet + 1e-9, "\(count) secrets, \(threads) threads")
                #expect(cap >= FleetCheck.minimumCapSeconds)
            }
        }
    }

    @Test func listingTakesHalfTheFleetsTime() {
        #expect(FleetCheck.listingSeconds(fleetSeconds: 28) == 14)
    }

    @Test(arguments: [(0.0, true), (0.2, true), (0.25, false), (5.0, false)])
    func aPageThatFailsWithNoTimeLeftEndsTheListingInPart(secondsLeft: Double, ranOut: Bool) {
        #expect(FleetCheck.listingRanOutOfTime(secondsLeft: secondsLeft) == ranOut)
    }

    @Test func aCappedSecretIsNotCheckedAndNamesItsCap() {
        let verdict = FleetCheck.cappedOut(secret, capSeconds: 14.25, now: 1_800_000_000)
        #expect(verdict.status == "notChecked" && !verdict.ok && !verdict.failing)
        guard case .notChecked(let reason) = verdict.state else {
            Issue.record("a capped secret is reported checked")
            return
        }
        #expect(reason.contains("cap of 14 s per secret"), "\(reason)")
    }

    @Test func anAnswerWhoseListingStoppedIsIncompleteAndSaysWhy() throws {
        let checked = FleetCheck.verdict(
            secret, report: PreflightReport(secretId: secret.arn, strategy: "self"), pendingCreated: [:],
            now: 1_800_000_000)
        let partial = FleetReport(
            functionARN: "f", namePrefix: nil, secrets: [checked], durationMs: 5,
            notListed: "ListSecrets stopped after 1 page")
        #expect(partial.checked == 1 && partial.notChecked == 0)
        #expect(!partial.complete && !partial.listingComplete)
        #expect(partial.json["complete"] == .bool(false))
        #expect(partial.json["listingComplete"] == .bool(false))
        #expect(partial.json["notListed"] == .string("ListSecrets stopped after 1 page"))

        let whole = FleetReport(functionARN: "f", namePrefix: nil, secrets: [checked], durationMs: 5)
        #expect(whole.complete && whole.json["listingComplete"] == .bool(true) && whole.json["notListed"] == .null)
    }
}
