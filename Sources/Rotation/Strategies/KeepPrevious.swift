/// KEEP_PREVIOUS_PASSWORD outside setSecret's plans: the warning a skipped
/// keep leaves, and testSecret's check that AWSCURRENT's password still logs in.
extension Rotator {
    /// The warning a skipped keep leaves in the log: the account and why, never a value.
    func warnKeepSkipped(_ skipped: KeepSkipped, account: String, secretId: String) {
        warn(
            "previous password not kept",
            [("secret", secretId), ("account", account), ("reason", skipped.description)])
    }

    /// KEEP_PREVIOUS_PASSWORD, testSecret: AWSCURRENT's password must still
    /// log in too, unless setSecret set the new password alone (it was not
    /// proven to be the account's primary, KeptPasswordProof.swift). That is
    /// told from the account, in the pending password's session, only when
    /// AWSCURRENT's is refused: a MariaDB account with one password method
    /// (MySQL never prints its secondary, and `RETAIN CURRENT PASSWORD`
    /// keeps the server's primary, so there a refusal is always such a skip).
    /// Returns whether the keep was skipped.
    func testKeptPassword(_ secretId: String, pending: DatabaseSecret) throws -> Bool {
        // Never with alternating: RotationSettings refuses that pair at start-up.
        guard settings.keepPreviousPassword else { return false }
        let current = try requiredSecret(secretId, stage: Stage.current)
        guard try !database.logsIn(current.login) else { return false }
        let onePassword = try database.withSession(pending.login) { session in
            let version = try ServerVersion(reportedBy: session)
            guard version.flavor == .mariadb else { return true }
            let reader = AccountReader(session, secretId: secretId)
            return try reader.methods(of: try reader.sessionAccount()).passwordCount == 1
        }
        guard onePassword else {
            throw RotationError.keptPasswordDoesNotLogIn(secretId: secretId, login: current.login.description)
        }
        warn(
            "previous password not kept",
            [
                ("secret", secretId),
                (
                    "reason",
                    "AWSCURRENT's password no longer logs in and the account holds only the pending one: setSecret did not keep it"
                ),
            ])
        return true
    }
}
