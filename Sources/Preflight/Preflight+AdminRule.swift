import Rotation

/// The check decides as the rotation does: the admin secret read and placed
/// by the rotation's own code when the function provides it (RDS-managed
/// admin secrets included), and every login at the protection setSecret
/// gives it (`SessionProtection.changesAccounts`: verified TLS only for the
/// admin, the ownership proof and `self` with KEEP_PREVIOUS_PASSWORD).
extension PreflightRun {
    func checkPlacedAdminSecret(
        _ current: DatabaseSecret, master: String,
        place: (_ current: DatabaseSecret, _ secretId: String) throws -> DatabaseSecret
    ) {
        let (result, ms) = timed { try place(current, secretId) }
        switch result {
        case .success(let admin):
            addMeasurement(secretsManager: ms)
            self.admin = admin
            add("admin-secret", true, "readable; user \(admin.username) at \(admin.host):\(admin.port)", ms)
        case .failure(let error):
            add(
                "admin-secret", false, "the admin secret \(master): \(message(error))", ms,
                advice:
                    "Let the function's role read the admin secret (template parameter AdminSecretArns), check the ARN in masterarn, and see docs/errors.md for \(context.describeError(error).type)"
            )
        }
    }

    /// Whether setSecret's sessions can change an account under the checked strategy.
    var setSecretChangesAccounts: Bool {
        SessionProtection.changesAccounts(
            step: .setSecret, strategy: strategy, keepPreviousPassword: context.settings.keepPreviousPassword)
    }

    /// Who needs verified TLS, as the report names it.
    var strategyNeedingTLS: String {
        strategy == .single ? "the self strategy with KEEP_PREVIOUS_PASSWORD" : "the \(strategy.rawValue) strategy"
    }

    /// AWSCURRENT's login as setSecret would make it.
    func currentLogin(_ current: DatabaseSecret) -> DatabaseLogin {
        (setSecretChangesAccounts ? current.changingAccounts : current).login
    }
}
