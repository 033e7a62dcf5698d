/// What the admin and alternating strategies share: the admin secret and
/// its session, and the account a credential logs in as.
extension Rotator {
    /// A session as the admin, whose refusal is reported as the admin
    /// secret's, not mistaken for the rotated secret's.
    func withAdminSession<T>(
        _ admin: (secret: DatabaseSecret, id: String), for secretId: String, _ body: (any DatabaseSession) throws -> T
    ) throws -> T {
        do {
            return try database.withSession(admin.secret.login, body)
        } catch is LoginRejected {
            throw RotationError.adminLoginFailed(secretId: secretId, adminSecretId: admin.id)
        }
    }

    /// `CURRENT_USER()` for `login`, or nil when the server refuses it.
    func account(loggedInWith login: DatabaseLogin) throws -> Account? {
        do {
            return try database.withSession(login) { try Self.sessionAccount($0) }
        } catch is LoginRejected {
            return nil
        }
    }

    /// The admin secret and its id, which must point at the same server as
    /// the rotated one (or, for an RDS-managed admin, its database's primary
    /// when the rotated one is a replica or reader of it).
    func adminSecret(for current: DatabaseSecret, secretId: String) throws -> (secret: DatabaseSecret, id: String) {
        guard let masterARN = current.masterARN else {
            throw RotationError.invalidSecret(
                secretId: secretId, stage: Stage.current, problem: .missingKey("masterarn"))
        }
        guard let stored = try store.value(of: masterARN, stage: Stage.current, versionId: nil) else {
            throw RotationError.stageHasNoValue(secretId: masterARN, stage: Stage.current)
        }
        let admin = try placeAdmin(stored.secretString, masterARN: masterARN, for: current, secretId: secretId)
        // A session as the admin can change any account: verified TLS only (SessionProtection).
        return (admin.secret.changingAccounts, masterARN)
    }

    /// `secret` as `step` logs in with it: verified TLS only when the step's
    /// sessions can change an account (`SessionProtection.changesAccounts`).
    func forStep(_ step: RotationEvent.Step, _ secret: DatabaseSecret) -> DatabaseSecret {
        let changes = SessionProtection.changesAccounts(
            step: step, strategy: settings.strategy, keepPreviousPassword: settings.keepPreviousPassword)
        return changes ? secret.changingAccounts : secret
    }
}
