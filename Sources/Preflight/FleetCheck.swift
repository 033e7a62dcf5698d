import JSON
import Platform

/// The fleet check's decisions, pure: which secrets are this function's,
/// what one secret's verdict is, and the answer. The probing and the
/// threads are the caller's (RotationHandler+CheckAll.swift).
public enum FleetCheck {
    /// A secret is started only with this much of the fleet's time left: its
    /// probes need about that to say anything but "no time".
    public static let minimumSecondsPerSecret = 2.0
    /// The least a secret's cap may be: a database conversation needs 1 s
    /// of its own plus the 1 s kept back for the report
    /// (`CallContext.Margin.database`), and the secret's Secrets Manager
    /// call and TCP probe come first.
    public static let minimumCapSeconds = 4.0
    /// No secret's check needs longer than this when its servers answer
    /// (a login's connect limit is 5 s, a statement's 10 s).
    public static let maximumSecondsPerSecret = 30.0
    /// Listing (ListSecrets, every page) may use this share of the fleet's
    /// time; the rest is kept for checking what was listed.
    public static let listingShare = 0.5

    /// Each secret's time cap: the fleet's time shared out so that, with
    /// every secret taking its whole cap (a server that trickles, a hung
    /// one), every one is still started: `threads` at a time, in
    /// ⌈count / threads⌉ rounds. Never under `minimumCapSeconds` (a fleet
    /// too big for its time then leaves the last ones not reached) and never
    /// over `maximumSecondsPerSecret`.
    public static func secretCapSeconds(fleetSeconds: Double, count: Int, threads: Int) -> Double {
        let rounds = max(1, (count + max(1, threads) - 1) / max(1, threads))
        return min(maximumSecondsPerSecret, max(minimumCapSeconds, fleetSeconds / Double(rounds)))
    }

    /// How long listing may take of `fleetSeconds`.
    public static func listingSeconds(fleetSeconds: Double) -> Double { fleetSeconds * listingShare }

    /// Whether a ListSecrets page that failed with `secondsLeft` of the
    /// listing's time failed for want of time (the answer is then given in
    /// part) rather than for a reason the caller must see (access denied,
    /// throttled for good): the whole check then fails with that error.
    public static func listingRanOutOfTime(secondsLeft: Double) -> Bool {
        secondsLeft < minimumAttemptSeconds
    }

    /// A request is not started with less than this of the listing's time
    /// left (CallContext.minimumAttemptSeconds, without the dependency).
    static let minimumAttemptSeconds = 0.25

    public static let outOfTime = "still being checked when the invocation's time ran out"

    /// A secret whose check was still waiting on something when its cap ran out.
    public static func cappedOut(_ secret: FleetSecret, capSeconds: Double, now: Double) -> SecretVerdict {
        notChecked(
            secret,
            reason:
                "not finished within its cap of \(Int(capSeconds.rounded(.down))) s per secret: a server or service it needs answered too slowly",
            now: now)
    }
    /// The secrets whose rotation function is `functionARN` (with or without
    /// a version or alias qualifier), rotation on or off, and whose name
    /// starts with `namePrefix`; in name order, the order they are checked in.
    /// Secrets without a rotation function, or with another one, are left out.
    public static func selected(
        _ secrets: [FleetSecret], functionARN: String, namePrefix: String?
    )
        -> [FleetSecret]
    {
        var seen: Set<String> = []
        return
            secrets
            .filter { secret in
                guard let configured = secret.rotationFunctionARN, !configured.isEmpty else { return false }
                return PreflightRun.sameFunction(configured, functionARN)
                    && (namePrefix.map { secret.name.hasPrefix($0) } ?? true)
            }
            .filter { seen.insert($0.arn).inserted }
            .sorted { ($0.name, $0.arn) < ($1.name, $1.arn) }
    }

    /// One secret's verdict: the single check's report with the schedule
    /// checks added. A rotation under way within its window is not a
    /// failure here (the single check's `stuck-rotation` reports any
    /// AWSPENDING without AWSCURRENT): a daily check would otherwise raise
    /// the alarm whenever it met a rotation in progress.
    public static func verdict(
        _ secret: FleetSecret, report: PreflightReport, pendingCreated: [String: Double], now: Double
    ) -> SecretVerdict {
        var report = report
        let schedule = Preflight.scheduleChecks(secret, pendingCreated: pendingCreated, now: now)
        let underWay =
            !secret.pendingVersions.isEmpty && schedule.contains { $0.check.name == "pending-too-long" && $0.check.ok }
        if underWay, let index = report.checks.firstIndex(where: { $0.name == "stuck-rotation" && !$0.ok }) {
            report.checks[index].ok = true
            report.checks[index].detail = "a rotation is under way within its window (see pending-too-long)"
            // Its advice is the one about clearing AWSPENDING.
            report.advice.removeAll { $0.contains("--version-stage AWSPENDING --remove-from-version-id") }
        }
        for (check, advice) in schedule {
            report.checks.append(check)
            if !check.ok, let advice { report.advice.append(advice) }
        }
        return SecretVerdict(
            arn: secret.arn, name: secret.name, state: .checked(report), lastRotatedDate: secret.lastRotatedDate,
            createdDate: secret.createdDate, now: now)
    }

    /// A secret the check did not reach before its deadline.
    public static func notChecked(_ secret: FleetSecret, reason: String, now: Double) -> SecretVerdict {
        SecretVerdict(
            arn: secret.arn, name: secret.name, state: .notChecked(reason: reason),
            lastRotatedDate: secret.lastRotatedDate, createdDate: secret.createdDate, now: now)
    }
}

public struct SecretVerdict: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case checked(PreflightReport)
        case notChecked(reason: String)
    }

    public var arn: String
    public var name: String
    public var state: State
    public var lastRotatedDate: Double?
    public var createdDate: Double?
    public var now: Double

    public var report: PreflightReport? {
        if case .checked(let report) = state { return report }
        return nil
    }

    public var isChecked: Bool { report != nil }
    /// Checked and every check passed. A secret not checked is not healthy.
    public var ok: Bool { report?.ok ?? false }
    public var failing: Bool { report.map { !$0.ok } ?? false }
    public var failed: [String] { report?.failed ?? [] }

    /// Whole days since the last rotation; nil when it never rotated.
    public var daysSinceLastRotation: Int? { lastRotatedDate.map { Int(max(0, now - $0) / 86400) } }
    /// Whole days the current password has been in use: since the last
    /// rotation, else since the secret was made (the metric's value).
    public var credentialAgeDays: Int? {
        (lastRotatedDate ?? createdDate).map { Int(max(0, now - $0) / 86400) }
    }

    public var status: String {
        switch state {
        case .checked(let report): report.ok ? "ok" : "failing"
        case .notChecked: "notChecked"
        }
    }

    /// The secret's line of the answer: the failed checks with what they
    /// found, not every check, so a thousand secrets still fit Lambda's
    /// response limit.
    public var json: JSONObject {
        var object: JSONObject = [
            "SecretId": .string(arn), "Name": .string(name), "status": .string(status), "ok": .bool(ok),
            "failed": .array(failed.map { .string($0) }),
            "daysSinceLastRotation": daysSinceLastRotation.map { .number(String($0)) } ?? .null,
            "lastRotatedDate": lastRotatedDate.map {
                .string(UTCTime(epochMilliseconds: Int64($0.rounded(.down)) * 1000).iso8601Seconds)
            } ?? .null,
        ]
        switch state {
        case .checked(let report):
            object["Strategy"] = .string(report.strategy)
            object["problems"] = .array(
                report.checks.filter { !$0.ok }.map {
                    .object(["name": .string($0.name), "detail": .string($0.detail)])
                })
            object["advice"] = .array(report.advice.map { .string($0) })
        case .notChecked(let reason):
            object["notChecked"] = .string(reason)
        }
        return object
    }
}

/// The whole answer.
public struct FleetReport: Sendable, Equatable {
    public var functionARN: String
    public var namePrefix: String?
    public var secrets: [SecretVerdict]
    public var durationMs: Int
    /// Why listing stopped before its last page; nil when every page was read.
    public var notListed: String?

    public init(
        functionARN: String, namePrefix: String?, secrets: [SecretVerdict], durationMs: Int, notListed: String? = nil
    ) {
        self.functionARN = functionARN
        self.namePrefix = namePrefix
        self.secrets = secrets
        self.durationMs = durationMs
        self.notListed = notListed
    }

    public var listingComplete: Bool { notListed == nil }
    /// Every secret listed, and every one listed checked.
    public var complete: Bool { notChecked == 0 && listingComplete }

    public var checked: Int { secrets.filter(\.isChecked).count }
    public var failing: Int { secrets.filter(\.failing).count }
    public var notChecked: Int { secrets.count - checked }
    /// Days since the oldest rotation (or creation, if never rotated) of the secrets listed.
    public var oldestRotationDays: Int? { secrets.compactMap(\.credentialAgeDays).max() }

    public var json: JSONObject {
        [
            "FunctionArn": .string(functionARN), "NamePrefix": namePrefix.map { .string($0) } ?? .null,
            "checked": .number(String(checked)), "failing": .number(String(failing)),
            "notChecked": .number(String(notChecked)), "complete": .bool(complete),
            "listingComplete": .bool(listingComplete), "notListed": notListed.map { .string($0) } ?? .null,
            "oldestRotationDays": oldestRotationDays.map { .number(String($0)) } ?? .null,
            "durationMs": .number(String(durationMs)), "secrets": .array(secrets.map { .object($0.json) }),
        ]
    }
}
