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
        case .alternating:
            // Always done in full, never skipped because the pending password
            // already logs in: a process killed right after CREATE USER leaves
            // a user that logs in but lacks the grants.
            let move = try setAlternateUser(secretId, current: current, pending: pending)
            return .passwordSet(keepSkipped: false, pluginMoved: move.isMoving)
        case .single:
            var plan = SetSecretPlan(
                secretId: secretId, current: current, pending: pending, keepPrevious: settings.keepPreviousPassword,
                authPlugin: settings.authPlugin)
            // Nothing but a confirmation (the login-ahead path's) abandons a plan.
            return try carryOut(&plan)!
        case .admin:
            // Strategies/Admin/AdminSetSecret.swift, top to bottom.
            return try setPasswordAsAdmin(secretId, current: current, pending: pending)
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
