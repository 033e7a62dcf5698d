extension Rotator {
    /// Makes the database accept the pending password.
    func setSecret(_ event: RotationEvent) throws -> StepOutcome {
        let secretId = event.secretId
        let current = try requiredSecret(secretId, stage: Stage.current)
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
        case .single, .admin:
            var current = current, pending = pending
            var admin: (secret: DatabaseSecret, id: String)?
            if settings.strategy == .admin {
                // Read first: its `ssl` also protects the rotated logins.
                let found = try adminSecret(for: current, secretId: secretId)
                current = Self.protected(current, by: found.secret)
                pending = Self.protected(pending, by: found.secret)
                admin = found
            }
            if try keptPendingAlreadySet(pending, admin: admin?.secret) { return .passwordAlreadySet }
            // The current password first: in a rotation that has not set
            // the password yet it logs in, and one connection does the work.
            let changed: Bool
            if let admin {
                changed = try setPasswordAsAdmin(secretId, current: current, pending: pending, admin: admin)
            } else {
                changed = try changeOwnPassword(login: current.login, to: pending.password, secretId: secretId)
            }
            if changed { return .passwordSet }
            // Refused: a retry after the password was set, or a process
            // killed just after setting it, finds the pending one working.
            if try database.logsIn(pending.login) { return .passwordAlreadySet }
            guard settings.strategy == .single else {
                throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
            }
            try setOwnPasswordWithPrevious(secretId, current: current, pending: pending)
            return .passwordSet
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

    /// Single user, when neither the current nor the pending password logs
    /// in: a rotation that set the password but never finished leaves the
    /// database on AWSPREVIOUS's. It is read only now, so a healthy rotation
    /// never pays for the round trip.
    func setOwnPasswordWithPrevious(_ secretId: String, current: DatabaseSecret, pending: DatabaseSecret) throws {
        // With KEEP_PREVIOUS_PASSWORD the password kept beside the new one is
        // AWSCURRENT's: keeping AWSPREVIOUS's instead would leave a rotation
        // that testSecret can never pass.
        guard !settings.keepPreviousPassword, let previous = try secret(secretId, stage: Stage.previous) else {
            throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
        }
        // Its password only with its own host, port and user, which must be
        // AWSCURRENT's, at the stronger TLS of the two (Rotator+CredentialFields).
        guard Self.namesTheSameAccount(previous, as: current) else {
            throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
        }
        let login = Self.atStrongerTLS(previous, than: current).login
        if try changeOwnPassword(login: login, to: pending.password, secretId: secretId) { return }
        throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current, Stage.previous])
    }

    /// Changes the password of whichever account `login` resolves to;
    /// false when the server refuses the login.
    func changeOwnPassword(login: DatabaseLogin, to password: String, secretId: String) throws -> Bool {
        do {
            try database.withSession(login) { session in
                let version = try ServerVersion(reportedBy: session)
                // Without FOR, the statement changes CURRENT_USER(): the account
                // the server matched, so its host part is never guessed.
                try session.execute(
                    ownPasswordStatement(
                        in: session, version: version, to: password, loggedInWith: login, secretId: secretId))
            }
            return true
        } catch is LoginRejected {
            return false
        }
    }

    /// Admin: prove the current credential owns the account, then let the
    /// admin named by `masterarn` change that exact account's password.
    /// False, with nothing changed, when the current password does not log in.
    func setPasswordAsAdmin(
        _ secretId: String, current: DatabaseSecret, pending: DatabaseSecret,
        admin: (secret: DatabaseSecret, id: String)
    ) throws -> Bool {
        // Read in the account's own session, at the admin's protection, then
        // written by the admin (Rotator+Ownership.swift, Rotator+KeepPrevious.swift).
        let found: AccountFacts?
        do {
            found = try accountFacts(loggedInWith: ownershipLogin(of: current, admin: admin.secret), secretId: secretId)
        } catch RotationError.accountMismatch(let secretId, let field) {
            throw RotationError.accountMismatch(secretId: secretId, field: field)
        } catch {
            throw accountWithoutPassword(current.username, admin: admin, secretId: secretId) ?? error
        }
        guard let facts = found else {
            if let refusal = accountWithoutPassword(current.username, admin: admin, secretId: secretId) {
                throw refusal
            }
            return false
        }
        try withAdminSession(admin, for: secretId) { session in
            try setPassword(of: facts, asAdminIn: session, secretId: secretId, pending: pending, current: current)
        }
        return true
    }
}
