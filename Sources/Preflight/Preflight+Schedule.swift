/// Stuck and late rotations, judged from what `ListSecrets` and
/// `ListSecretVersionIds` say and the time now; no database needed.
/// Each is its own check with the command that clears it.
extension Preflight {
    /// The tolerance past a due date before a rotation counts as late:
    /// Secrets Manager rotates any time in the window, and the check runs
    /// once a day.
    public static let lateAfterSeconds = 86400.0

    /// When a rotation due at `due` is late: a rotation is due when its
    /// window opens and may run until the window closes (`Duration`, else
    /// Secrets Manager's default window), so only a rotation missing after
    /// the window that should have held it counts as overdue.
    public static func overdueAfter(due: Double, schedule: RotationSchedule) -> Double {
        due + schedule.windowSeconds
    }

    /// `pending-too-long`, `rotation-overdue`, `rotation-never-succeeded`.
    /// - Parameters:
    ///   - pendingCreated: creation dates of the versions, by id (only the
    ///     unfinished ones are looked up); a missing date counts as old.
    ///   - now: epoch seconds.
    public static func scheduleChecks(
        _ secret: FleetSecret, pendingCreated: [String: Double], now: Double
    ) -> [(check: CheckResult, advice: String?)] {
        var results: [(check: CheckResult, advice: String?)] = []
        let schedule = secret.schedule
        let window = schedule.windowSeconds
        let rotateNow = "aws secretsmanager rotate-secret --secret-id \(secret.arn)"

        // An AWSPENDING version without AWSCURRENT, older than the window.
        let pending = secret.pendingVersions
        if pending.isEmpty {
            results.append((CheckResult(name: "pending-too-long", ok: true, detail: "no unfinished rotation"), nil))
        } else {
            let stuck = pending.filter { (now - (pendingCreated[$0] ?? -.infinity)) > window }
            let ages = pending.map { id in
                pendingCreated[id].map { "\(id) created \(Self.age(now - $0)) ago" } ?? "\(id) of unknown age"
            }.joined(separator: ", ")
            if stuck.isEmpty {
                results.append(
                    (
                        CheckResult(
                            name: "pending-too-long", ok: true,
                            detail:
                                "a rotation is under way (\(ages)), within its window of \(Self.age(window))"),
                        nil
                    ))
            } else {
                let clear = stuck.map {
                    "aws secretsmanager update-secret-version-stage --secret-id \(secret.arn) --version-stage AWSPENDING --remove-from-version-id \($0)"
                }
                results.append(
                    (
                        CheckResult(
                            name: "pending-too-long", ok: false,
                            detail:
                                "AWSPENDING without AWSCURRENT on \(ages): older than the rotation window of \(Self.age(window)), so that rotation is stuck and every later rotate-secret re-runs it"
                        ),
                        "Clear the stuck AWSPENDING (when the AWSCURRENT password still logs in): \(clear.joined(separator: "; ")); or fix the cause and finish it: \(rotateNow)"
                    ))
            }
        }

        let enabled = secret.rotationEnabled == true
        let interval = schedule.intervalSeconds
        // A last rotation older than the schedule plus its window.
        if !enabled {
            results.append(
                (
                    CheckResult(
                        name: "rotation-overdue", ok: true,
                        detail: "rotation is disabled, so nothing is due (see rotation-enabled)"), nil
                ))
        } else if let last = secret.lastRotatedDate {
            let since = now - last
            let due: Double? = interval.map { last + $0 } ?? secret.nextRotationDate
            if let due, now > overdueAfter(due: due, schedule: schedule) {
                results.append(
                    (
                        CheckResult(
                            name: "rotation-overdue", ok: false,
                            detail:
                                "last rotated \(Self.age(since)) ago, on a schedule of \(schedule.summary): due \(Self.age(now - due)) ago, and its window of \(Self.age(window)) has closed"
                        ),
                        "Rotate it now (the other checks say what would stop it): \(rotateNow)"
                    ))
            } else {
                let next = due.map {
                    $0 > now
                        ? "next due in \(Self.age($0 - now))"
                        : "due \(Self.age(now - $0)) ago, within its window of \(Self.age(window))"
                }
                results.append(
                    (
                        CheckResult(
                            name: "rotation-overdue", ok: true,
                            detail:
                                "last rotated \(Self.age(since)) ago, on a schedule of \(schedule.summary)\(next.map { "; " + $0 } ?? "")"
                        ), nil
                    ))
            }
        } else {
            results.append(
                (
                    CheckResult(
                        name: "rotation-overdue", ok: true, detail: "never rotated (see rotation-never-succeeded)"),
                    nil
                ))
        }

        // Rotation on, and never a successful one. ListSecrets does not say
        // when rotation was turned on, so the secret's creation stands in.
        if enabled && secret.lastRotatedDate == nil {
            let created = secret.createdDate
            let grace = (interval ?? window) + lateAfterSeconds
            if let created, now - created <= grace {
                results.append(
                    (
                        CheckResult(
                            name: "rotation-never-succeeded", ok: true,
                            detail:
                                "not rotated yet; the secret is \(Self.age(now - created)) old, its first rotation due within \(Self.age(grace))"
                        ), nil
                    ))
            } else {
                let since = created.map { "the secret is \(Self.age(now - $0)) old and " } ?? ""
                results.append(
                    (
                        CheckResult(
                            name: "rotation-never-succeeded", ok: false,
                            detail:
                                "rotation is on but never succeeded: \(since)it has no LastRotatedDate (schedule \(schedule.summary))"
                        ),
                        "Fix what the other checks name, then rotate it: \(rotateNow)"
                    ))
            }
        } else {
            let detail =
                enabled
                ? "rotation succeeded before" : "rotation is disabled, so none is expected (see rotation-enabled)"
            results.append((CheckResult(name: "rotation-never-succeeded", ok: true, detail: detail), nil))
        }
        return results
    }

    /// "3 d 4 h", "25 min", "12 s".
    static func age(_ seconds: Double) -> String {
        let whole = Int(max(0, seconds))
        if whole >= 86400 {
            let hours = (whole % 86400) / 3600
            return "\(whole / 86400) d" + (hours > 0 ? " \(hours) h" : "")
        }
        if whole >= 3600 {
            let minutes = (whole % 3600) / 60
            return "\(whole / 3600) h" + (minutes > 0 ? " \(minutes) min" : "")
        }
        if whole >= 60 { return "\(whole / 60) min" }
        return "\(whole) s"
    }
}
