extension Rotator {
    /// Logs in with the pending secret and runs a query.
    func testSecret(_ event: RotationEvent) throws -> StepOutcome {
        let pending = try requiredSecret(event.secretId, stage: Stage.pending, versionId: event.clientRequestToken)
        do {
            try database.withSession(pending.login) { session in
                _ = try session.query("SELECT NOW()")
            }
        } catch is LoginRejected {
            throw RotationError.pendingDoesNotLogIn(secretId: event.secretId, login: pending.login.description)
        }
        return .pendingLogsIn
    }
}
