/// setSecret and testSecret in a warm process: the database login starts
/// while the step's DescribeSecret is on its way, and the answer is checked
/// before the first statement.
///
/// Serially, each step waits one round trip for DescribeSecret and only
/// then opens its connection (TCP, greeting, TLS, authentication). When
/// this process already knows the credential the step logs in with (a
/// version's value never changes), it sends DescribeSecret, logs in, and
/// only then reads the answer: the answer arrives during the login, and the
/// step costs one round trip less.
///
/// Nothing is given up: the answer goes through `StepPlan` exactly as it
/// would first, and the statement runs only if it lets this step run and
/// the credential used is still the one that stage holds. Otherwise the
/// session closes with nothing sent but the login, and the serial path runs
/// from the answer. A login changes nothing on the server, and it is made
/// with a credential the step would send to the same server anyway: setSecret
/// logs in with AWSCURRENT's, after checking that the pending secret names
/// the same account (before any connection, as serially), testSecret with
/// the token's pending value. When the login fails, the answer decides
/// first, so every error is the one the serial path would report.
extension Rotator {
    func loggedInWhileDescribing(_ event: RotationEvent, _ describe: InFlightDescribe) throws -> StepOutcome? {
        switch RotationEvent.Step(rawValue: event.step) {
        // KEEP_PREVIOUS_PASSWORD checks the pending password first and tests
        // both: the serial path does it (Strategies/Admin/AdminSetSecret.swift, Strategies/KeepPrevious.swift).
        case .setSecret? where settings.strategy == .single && !settings.keepPreviousPassword:
            return try setOwnPasswordWhileDescribing(event, describe)
        case .testSecret? where !settings.keepPreviousPassword:
            return try testPendingWhileDescribing(event, describe)
        default:
            return nil
        }
    }

    private func setOwnPasswordWhileDescribing(
        _ event: RotationEvent, _ describe: InFlightDescribe
    )
        throws -> StepOutcome?
    {
        let secretId = event.secretId
        guard let current = known(event, stage: Stage.current, versionId: nil),
            var pending = known(event, stage: Stage.pending, versionId: event.clientRequestToken),
            (try? checkPendingNamesTheRightAccount(secretId, current: current.secret, pending: pending.secret)) != nil
        else { return nil }
        pending.secret = Self.atStrongerTLS(pending.secret, than: current.secret)
        // The serial path's plan (Steps/SetSecret.swift); only its first login overlaps.
        var plan = SetSecretPlan(
            secretId: secretId, current: current.secret, pending: pending.secret,
            keepPrevious: settings.keepPreviousPassword, authPlugin: settings.authPlugin)
        return try carryOut(&plan) {
            try self.confirms(describe, event, .setSecret, currentVersionId: current.versionId)
        }
    }

    private func testPendingWhileDescribing(
        _ event: RotationEvent, _ describe: InFlightDescribe
    )
        throws -> StepOutcome?
    {
        guard let pending = known(event, stage: Stage.pending, versionId: event.clientRequestToken)
        else { return nil }
        let confirm = { try self.confirms(describe, event, .testSecret, currentVersionId: nil) }
        do {
            let tested = try database.withSession(pending.secret.login) { session in
                guard try confirm() else { return false }
                _ = try session.query("SELECT NOW()")
                return true
            }
            return tested ? .pendingLogsIn : nil
        } catch is LoginRejected {
            guard try confirm() else { return nil }
            // On a replica or reader the password may not have arrived yet:
            // the serial path waits out the replication lag (found against
            // a real paused replica, Tests/EndToEnd/test_rds_managed_admin.py).
            if pendingIsOnReader(pending.secret, secretId: event.secretId) { return nil }
            throw RotationError.pendingDoesNotLogIn(secretId: event.secretId, login: pending.secret.login.description)
        } catch {
            guard try confirm() else { return nil }
            throw error
        }
    }

    /// Whether DescribeSecret's answer lets `step` run now, with AWSCURRENT
    /// still on `currentVersionId` when one was used. A failed DescribeSecret
    /// throws, as it would have first; a failed check returns false, and the
    /// serial path reports it from the same answer.
    private func confirms(
        _ describe: InFlightDescribe, _ event: RotationEvent, _ step: RotationEvent.Step, currentVersionId: String?
    ) throws -> Bool {
        let metadata = try describe.metadata()
        guard (try? StepPlan.decide(event, metadata: metadata)) == .run(step) else { return false }
        return currentVersionId == nil || metadata.currentVersionId == currentVersionId
    }

    /// A version's value this process already holds, parsed; nil sends the
    /// step down the serial path. Only with stages read in this rotation: a
    /// retry after another rotation's steps could otherwise log in where
    /// AWSCURRENT no longer points.
    private func known(
        _ event: RotationEvent, stage: String, versionId: String?
    )
        -> (versionId: String, secret: DatabaseSecret)?
    {
        guard
            let stored = store.knownValue(
                of: event.secretId, stage: stage, versionId: versionId, describedFor: event.clientRequestToken),
            let secret = try? DatabaseSecret(parsing: stored.secretString, keys: settings.keys)
        else { return nil }
        return (stored.versionId, secret)
    }
}
