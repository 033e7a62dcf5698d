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
        // The admin rule: never less protected than the rotated secret (SessionProtection).
        var protected = admin.secret
        protected.ssl = SessionProtection.admin(adminSSL: admin.secret.ssl, rotatedSSL: current.ssl)
        return (protected, masterARN)
    }

    /// `secret` with the `ssl` its logins use in a step that also logs in as
    /// `admin` (already protected by `adminSecret`, so its `ssl` is true when
    /// either secret's is).
    static func protected(_ secret: DatabaseSecret, by admin: DatabaseSecret) -> DatabaseSecret {
        var protected = secret
        protected.ssl = SessionProtection.rotated(rotatedSSL: secret.ssl, adminSSL: admin.ssl)
        return protected
    }
}
