extension Rotator {
    /// Stores a copy of the current secret with a new password as the
    /// token's AWSPENDING version, unless that version already has a value:
    /// then a retry must keep it, since setSecret may already have used it.
    func createSecret(_ event: RotationEvent) throws -> StepOutcome {
        let current = try requiredSecret(event.secretId, stage: Stage.current)
        if try secret(event.secretId, stage: Stage.pending, versionId: event.clientRequestToken) != nil {
            return .pendingAlreadyExists
        }
        let newUsername = settings.strategy == .alternating ? try alternateUsername(of: current, secretId: event.secretId) : nil
        let pending = current.replacing(password: try newPassword(), username: newUsername)
        try store.putPending(
            event.secretId, token: event.clientRequestToken, secretString: pending, rotationToken: event.rotationToken)
        return .pendingCreated
    }
}
