import Rotation

/// The check decides as the rotation does: the admin secret read and placed
/// by the rotation's own code when the function provides it (RDS-managed
/// admin secrets included), and every login of a strategy with an admin at
/// the protection the rotation gives it (`SessionProtection`; the ownership proof at
/// the admin's, Rotator+Ownership.swift).
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

    /// AWSCURRENT's login as the step would make it: with an admin, at the
    /// stronger of its own and the admin's protection.
    func currentLogin(_ current: DatabaseSecret) -> DatabaseLogin {
        var login = current.login
        if usesAdmin, let admin { login.ssl = SessionProtection.admin(adminSSL: admin.ssl, rotatedSSL: current.ssl) }
        return login
    }
}
