extension Rotator {
    /// Makes the database accept the pending password.
    func setSecret(_ event: RotationEvent) throws -> StepOutcome {
        let secretId = event.secretId
        let current = try requiredSecret(secretId, stage: Stage.current)
        let pending = try requiredSecret(secretId, stage: Stage.pending, versionId: event.clientRequestToken)
        // A retry after the password was set, or a process killed just after
        // setting it, finds the work done.
        if try database.logsIn(pending.login) {
            return .passwordAlreadySet
        }
        if settings.strategy != .alternating {
            guard pending.username == current.username else {
                throw RotationError.pendingMismatch(secretId: secretId, field: settings.keys.username)
            }
        }
        guard pending.host == current.host else { throw RotationError.pendingMismatch(secretId: secretId, field: "host") }
        guard pending.port == current.port else { throw RotationError.pendingMismatch(secretId: secretId, field: "port") }

        switch settings.strategy {
        case .single: try setOwnPassword(secretId, current: current, pending: pending)
        case .admin: try setPasswordAsAdmin(secretId, current: current, pending: pending)
        case .alternating: try setAlternateUser(secretId, current: current, pending: pending)
        }
        return .passwordSet
    }

    /// Single user: log in with the current password, else the previous
    /// one (a rotation that set the password but never finished), and
    /// change the password of whichever account that login resolves to.
    func setOwnPassword(_ secretId: String, current: DatabaseSecret, pending: DatabaseSecret) throws {
        if try changeOwnPassword(login: current.login, to: pending.password) { return }
        // AWSPREVIOUS is read only now: in a healthy rotation the current
        // password works and the extra round trip is never made.
        guard let previous = try secret(secretId, stage: Stage.previous) else {
            throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
        }
        // Only the password comes from AWSPREVIOUS: the account is the current one.
        var login = current.login
        login.password = previous.password
        if try changeOwnPassword(login: login, to: pending.password) { return }
        throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current, Stage.previous])
    }

    /// Changes the password of whichever account `login` resolves to;
    /// false when the server refuses the login.
    private func changeOwnPassword(login: DatabaseLogin, to password: String) throws -> Bool {
        do {
            try database.withSession(login) { session in
                guard let version = ServerVersion(session.serverVersion) else {
                    throw RotationError.unexpectedServerAnswer("a version string that is neither MySQL's nor MariaDB's")
                }
                // Without FOR, the statement changes CURRENT_USER(): the account
                // the server matched, so its host part is never guessed.
                try session.execute(version.setOwnPassword(password))
            }
            return true
        } catch is LoginRejected {
            return false
        }
    }

    /// Admin: prove the current credential owns the account, then let the
    /// admin named by `masterarn` change that exact account's password.
    func setPasswordAsAdmin(_ secretId: String, current: DatabaseSecret, pending: DatabaseSecret) throws {
        let admin = try adminSecret(for: current, secretId: secretId)
        let account = try currentAccount(of: current, secretId: secretId)
        try database.withSession(admin.login) { session in
            guard let version = ServerVersion(session.serverVersion) else {
                throw RotationError.unexpectedServerAnswer("a version string that is neither MySQL's nor MariaDB's")
            }
            try session.execute(version.setPassword(of: account, to: pending.password))
        }
    }

    /// The account the current credential logs in as, as the server names it.
    func currentAccount(of current: DatabaseSecret, secretId: String) throws -> Account {
        do {
            return try database.withSession(current.login) { session in
                let rows = try session.query("SELECT CURRENT_USER()")
                guard let text = rows.first?.first ?? nil, let account = Account(currentUser: text) else {
                    throw RotationError.unexpectedServerAnswer("CURRENT_USER() returned no account")
                }
                return account
            }
        } catch is LoginRejected {
            throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
        }
    }

    /// The admin secret, which must point at the same server as the rotated one.
    func adminSecret(for current: DatabaseSecret, secretId: String) throws -> DatabaseSecret {
        guard let masterARN = current.masterARN else {
            throw RotationError.invalidSecret(secretId: secretId, stage: Stage.current, problem: .missingKey("masterarn"))
        }
        guard let stored = try store.value(of: masterARN, stage: Stage.current, versionId: nil) else {
            throw RotationError.stageHasNoValue(secretId: masterARN, stage: Stage.current)
        }
        let admin: DatabaseSecret
        do {
            admin = try DatabaseSecret(parsing: stored.secretString)
        } catch {
            throw RotationError.invalidSecret(secretId: masterARN, stage: Stage.current, problem: error)
        }
        guard admin.host == current.host, admin.port == current.port else {
            throw RotationError.adminElsewhere(secretId: secretId, adminSecretId: masterARN)
        }
        return admin
    }
}
