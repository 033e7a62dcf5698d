import Platform

/// A password goes only with its own connection fields.
///
/// Whoever may write the rotated secret (often an application team with
/// `PutSecretValue` on it, but not the function's role) can store an
/// AWSCURRENT that names their own host. Were AWSPREVIOUS's or AWSPENDING's
/// password tried with AWSCURRENT's host, user and `ssl`, their server would
/// receive a login answer made with a password they never held. So a stage's
/// password is used only where that stage names the same host, port and
/// user as AWSCURRENT, and at the stronger of the two stages' TLS
/// protections, so that neither version can lower the other's.
extension Rotator {
    /// Whether `other` names the host, port and user of `current`.
    static func namesTheSameAccount(_ other: DatabaseSecret, as current: DatabaseSecret) -> Bool {
        other.host == current.host && other.port == current.port && other.username == current.username
    }

    /// `secret` with the stronger of its own `ssl` and `current`'s
    /// (false < absent < true, as `SessionProtection` ranks them), and
    /// verified TLS only when `current`'s step can change an account.
    static func atStrongerTLS(_ secret: DatabaseSecret, than current: DatabaseSecret) -> DatabaseSecret {
        var protected = secret
        protected.ssl = SessionProtection.stronger(secret.ssl, current.ssl)
        protected.changesAccounts = secret.changesAccounts || current.changesAccounts
        return protected
    }
}
