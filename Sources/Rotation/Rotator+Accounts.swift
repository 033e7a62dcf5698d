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

    /// The account the current credential logs in as, as the server names it.
    func currentAccount(of current: DatabaseSecret, secretId: String) throws -> Account {
        guard let account = try account(loggedInWith: current.login) else {
            throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
        }
        return account
    }

    /// `CURRENT_USER()` for `login`, or nil when the server refuses it.
    func account(loggedInWith login: DatabaseLogin) throws -> Account? {
        do {
            return try database.withSession(login) { session in
                let rows = try session.query("SELECT CURRENT_USER()")
                guard let text = rows.first?.first ?? nil, let account = Account(currentUser: text) else {
                    throw RotationError.unexpectedServerAnswer("CURRENT_USER() returned no account")
                }
                return account
            }
        } catch is LoginRejected {
            return nil
        }
    }

    /// The admin secret and its id, which must point at the same server as the rotated one.
    func adminSecret(for current: DatabaseSecret, secretId: String) throws -> (secret: DatabaseSecret, id: String) {
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
        return (admin, masterARN)
    }
}
