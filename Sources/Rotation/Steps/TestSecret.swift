extension Rotator {
    /// Logs in with the pending secret and runs a query.
    ///
    /// On a read replica or Aurora reader of an RDS-managed admin's database
    /// the new password arrives by replication, so a refusal there is tried
    /// again, with doubling waits, within `replicaLagWait`'s bounds.
    func testSecret(_ event: RotationEvent) throws -> StepOutcome {
        let pending = try requiredSecret(event.secretId, stage: Stage.pending, versionId: event.clientRequestToken)
        var onReader: Bool?
        var waited = 0.0
        var delay: Double?
        while true {
            do {
                try database.withSession(pending.login) { session in
                    _ = try session.query("SELECT NOW()")
                }
                let skipped = try testKeptPassword(event.secretId, pending: pending)
                return skipped ? .pendingLogsInPreviousNotKept : .pendingLogsIn
            } catch is LoginRejected {
                // Asked only after a refusal: a healthy rotation pays nothing for it.
                if onReader == nil { onReader = pendingIsOnReader(pending, secretId: event.secretId) }
                guard onReader == true, let next = replicaLagWait.nextDelay(after: waited, previous: delay) else {
                    throw RotationError.pendingDoesNotLogIn(secretId: event.secretId, login: pending.login.description)
                }
                replicaLagWait.sleep(next)
                waited += next
                delay = next
            }
        }
    }

    /// Whether the pending secret's host is a replica or reader of its
    /// RDS-managed admin's database; any doubt counts as no.
    func pendingIsOnReader(_ pending: DatabaseSecret, secretId: String) -> Bool {
        guard settings.strategy != .single, let masterARN = pending.masterARN,
            let stored = try? store.value(of: masterARN, stage: Stage.current, versionId: nil),
            let admin = try? placeAdmin(stored.secretString, masterARN: masterARN, for: pending, secretId: secretId)
        else { return false }
        return admin.rotatedOnReader
    }
}
