import Platform

extension Rotator {
    /// Makes the database accept the pending password.
    func setSecret(_ event: RotationEvent) throws -> StepOutcome {
        let secretId = event.secretId
        // Verified TLS only when this step can change an account (SessionProtection).
        let current = forStep(.setSecret, try requiredSecret(secretId, stage: Stage.current))
        // At the stronger of its own and AWSCURRENT's TLS (Rotator+CredentialFields).
        let pending = Self.atStrongerTLS(
            try requiredSecret(secretId, stage: Stage.pending, versionId: event.clientRequestToken), than: current)
        // Before anything is sent anywhere: even a login test would hand the
        // pending password to whatever server a tampered pending secret names.
        try checkPendingNamesTheRightAccount(secretId, current: current, pending: pending)

        switch settings.strategy {
        case .single:
            return try SelfStrategy(rotator: self, secretId: secretId).setSecret(current: current, pending: pending)
        case .admin:
            let admin = try admin(for: current, secretId: secretId)
            return try AdminStrategy(rotator: self, admin: admin).setSecret(current: current, pending: pending)
        case .alternating:
            let admin = try admin(for: current, secretId: secretId)
            return try AlternatingStrategy(rotator: self, admin: admin).setSecret(current: current, pending: pending)
        }
    }

    /// The pending secret must name the current user (or, alternating, its
    /// other user) on the same server.
    func checkPendingNamesTheRightAccount(_ secretId: String, current: DatabaseSecret, pending: DatabaseSecret) throws {
        let expectedUsername = settings.strategy == .alternating ? Self.alternate(current.username) : current.username
        guard pending.username == expectedUsername else {
            throw RotationError.pendingMismatch(secretId: secretId, field: settings.keys.username)
        }
        guard pending.host == current.host else {
            throw RotationError.pendingMismatch(secretId: secretId, field: "host")
        }
        guard pending.port == current.port else {
            throw RotationError.pendingMismatch(secretId: secretId, field: "port")
        }
    }

    /// `secret` as `step` logs in with it: verified TLS only when the step's
    /// sessions can change an account (`SessionProtection.changesAccounts`).
    func forStep(_ step: RotationEvent.Step, _ secret: DatabaseSecret) -> DatabaseSecret {
        let changes = SessionProtection.changesAccounts(
            step: step, strategy: settings.strategy, keepPreviousPassword: settings.keepPreviousPassword)
        return changes ? secret.changingAccounts : secret
    }
}
