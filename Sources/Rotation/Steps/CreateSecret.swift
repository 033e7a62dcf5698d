extension Rotator {
    /// Stores a copy of the current secret with a new password as the
    /// token's AWSPENDING version, unless that version already has a value:
    /// then a retry must keep it, since setSecret may already have used it.
    ///
    /// The version is written first and read only when the write finds it
    /// taken (the service never replaces a version's value): a fresh
    /// rotation pays one round trip instead of a read and a write.
    func createSecret(_ event: RotationEvent) throws -> StepOutcome {
        let current = try requiredSecret(event.secretId, stage: Stage.current)
        if store.knownValue(
            of: event.secretId, stage: Stage.pending, versionId: event.clientRequestToken, describedFor: nil) != nil
        {
            return .pendingAlreadyExists
        }
        let pending: String
        do {
            let newUsername =
                settings.strategy == .alternating ? try alternateUsername(of: current, secretId: event.secretId) : nil
            pending = current.replacing(password: try newPassword(), username: newUsername)
        } catch {
            // A value already stored is kept even when a new one cannot be made.
            if try pendingAlreadyStored(event) { return .pendingAlreadyExists }
            throw error
        }
        do {
            try store.putPending(
                event.secretId, token: event.clientRequestToken, secretString: pending,
                rotationToken: event.rotationToken)
        } catch let taken as VersionAlreadyHasValue {
            guard try pendingAlreadyStored(event) else { throw taken.storeError }
            return .pendingAlreadyExists
        }
        return .pendingCreated
    }

    /// Whether the token's version holds a value (which must be a valid secret, as before).
    private func pendingAlreadyStored(_ event: RotationEvent) throws -> Bool {
        try secret(event.secretId, stage: Stage.pending, versionId: event.clientRequestToken) != nil
    }
}
