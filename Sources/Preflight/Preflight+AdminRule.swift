import Platform
import Rotation

/// The check decides as the rotation does: the admin secret read and placed
/// by the rotation's own code (RDS-managed admin secrets included,
/// `PreflightContext.placeAdmin`), and every login at the protection setSecret
/// gives it (`SessionProtection.changesAccounts`: verified TLS only for the
/// admin, the ownership proof and `self` with KEEP_PREVIOUS_PASSWORD).
extension PreflightRun {
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
