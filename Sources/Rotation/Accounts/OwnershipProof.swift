/// The admin and alternating strategies let the admin change the account the
/// rotated secret's current credential logs in as. That proof decides which
/// account the admin then changes, so it runs, like the admin's own session,
/// over verified TLS only (`SessionProtection.changesAccounts`): in plaintext
/// (the rotated secret's `"ssl": false`, or a greeting stripped of TLS),
/// whoever answers `SELECT CURRENT_USER()` could name `'root'@'%'` and have
/// the admin reset root's password into the application's secret. And the
/// proved account must be the secret's user: the host part is the server's
/// to say, the user is the secret's.
extension Rotator {
    /// `current`'s login for the proof, over verified TLS only, whatever the keys say.
    func ownershipLogin(of current: DatabaseSecret) -> DatabaseLogin {
        current.changingAccounts.login
    }

    /// The proved account must be the secret's user.
    func requireSecretsUser(_ account: Account, username: String, secretId: String) throws {
        guard account.user == username else {
            throw RotationError.accountMismatch(secretId: secretId, field: settings.keys.username)
        }
    }

    /// The account `current` logs in as, proved over verified TLS only;
    /// nil when the server refuses the login.
    func provenAccount(of current: DatabaseSecret, secretId: String) throws -> Account? {
        guard let account = try account(loggedInWith: ownershipLogin(of: current), secretId: secretId) else {
            return nil
        }
        try requireSecretsUser(account, username: current.username, secretId: secretId)
        return account
    }
}
