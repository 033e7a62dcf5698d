/// The admin and alternating strategies let the admin change the account the
/// rotated secret's current credential logs in as. That proof decides which
/// account the admin then changes, so it must be as well protected as the
/// admin's own session: with a weaker one (the rotated secret's `"ssl":
/// false`, say), whoever answers the plaintext `SELECT CURRENT_USER()` could
/// name `'root'@'%'` and have the admin reset root's password into the
/// application's secret. And the proved account must be the secret's user:
/// the host part is the server's to say, the user is the secret's.
extension Rotator {
    /// `current`'s login over a session at least as protected as `admin`'s
    /// (whose `ssl` `adminSecret` already raised to the stronger of the two).
    func ownershipLogin(of current: DatabaseSecret, admin: DatabaseSecret) -> DatabaseLogin {
        var login = current.login
        login.ssl = SessionProtection.admin(adminSSL: admin.ssl, rotatedSSL: current.ssl)
        return login
    }

    /// The proved account must be the secret's user.
    func requireSecretsUser(_ account: Account, username: String, secretId: String) throws {
        guard account.user == username else {
            throw RotationError.accountMismatch(secretId: secretId, field: settings.keys.username)
        }
    }

    /// The account `current` logs in as, proved at the admin's protection;
    /// nil when the server refuses the login.
    func provenAccount(of current: DatabaseSecret, admin: DatabaseSecret, secretId: String) throws -> Account? {
        guard let account = try account(loggedInWith: ownershipLogin(of: current, admin: admin)) else { return nil }
        try requireSecretsUser(account, username: current.username, secretId: secretId)
        return account
    }
}
