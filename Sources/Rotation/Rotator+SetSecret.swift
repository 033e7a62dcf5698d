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
            try setAlternateUser(secretId, current: current, pending: pending)
            return .passwordSet
        case .single:
            var plan = SetSecretPlan(
                secretId: secretId, current: current, pending: pending, keepPrevious: settings.keepPreviousPassword)
            // Nothing but a confirmation (the login-ahead path's) abandons a plan.
            return try carryOut(&plan)!
        case .admin:
            let admin = try adminSecret(for: current, secretId: secretId)
            if try keptPendingAlreadySet(pending, admin: admin.secret) { return .passwordAlreadySet }
            // The current password first: in a rotation that has not set
            // the password yet it logs in, and one connection does the work.
            if let outcome = try setPasswordAsAdmin(secretId, current: current, pending: pending, admin: admin) {
                return outcome
            }
            // Refused: a retry after the password was set, or a process
            // killed just after setting it, finds the pending one working.
            if try database.logsIn(pending.login) { return .passwordAlreadySet }
            throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
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

    /// Admin: prove the current credential owns the account, then let the
    /// admin named by `masterarn` change that exact account's password.
    /// Nil, with nothing changed, when the current password does not log in.
    func setPasswordAsAdmin(
        _ secretId: String, current: DatabaseSecret, pending: DatabaseSecret,
        admin: (secret: DatabaseSecret, id: String)
    ) throws -> StepOutcome? {
        // Read in the account's own session, over verified TLS only, then
        // written by the admin (Rotator+Ownership.swift, Rotator+KeepPrevious.swift).
        let found: AccountFacts?
        do {
            found = try accountFacts(loggedInWith: ownershipLogin(of: current), secretId: secretId)
        } catch RotationError.accountMismatch(let secretId, let field) {
            throw RotationError.accountMismatch(secretId: secretId, field: field)
        } catch {
            throw accountWithoutPassword(current.username, admin: admin, secretId: secretId) ?? error
        }
        guard let facts = found else {
            if let refusal = accountWithoutPassword(current.username, admin: admin, secretId: secretId) {
                throw refusal
            }
            return nil
        }
        let skipped = try withAdminSession(admin, for: secretId) { session in
            try setPassword(of: facts, asAdminIn: session, secretId: secretId, pending: pending, current: current)
        }
        return skipped == nil ? .passwordSet : .passwordSetPreviousNotKept
    }
}
