import Platform

extension SessionProtection {
    // MARK: - Sessions that can change an account

    // A session as the admin can change any account the admin can, so
    // whoever reads or rewrites it in plaintext (a path that cleared
    // CLIENT_SSL in the greeting) gets everything the admin can do: an
    // `ALTER USER` rewritten to name `root`. The rotated secret's own logins
    // in a step that uses the admin prove which account the admin changes
    // (`SELECT CURRENT_USER()`), so an on-path answer would choose it. And
    // `self` with KEEP_PREVIOUS_PASSWORD writes the kept password into its
    // statement. None of these may depend on a key someone could leave out
    // or set to false: they run over verified TLS whatever `REQUIRE_TLS` and
    // the secrets' `ssl` say. Only `self` without KEEP_PREVIOUS_PASSWORD
    // (which changes the account it logs in as, and only its password)
    // follows the keys.

    /// Whether a step's sessions can change an account (every one of them,
    /// the admin's and the rotated secret's): computed once per step.
    /// `testSecret` and `finishSecret` change nothing; `createSecret` logs in
    /// only as the admin, under `alternating` (the user name limit).
    public static func changesAccounts(
        step: RotationEvent.Step, strategy: RotationSettings.Strategy, keepPreviousPassword: Bool
    ) -> Bool {
        switch (step, strategy) {
        case (.setSecret, .admin), (.setSecret, .alternating), (.createSecret, .alternating): true
        case (.setSecret, .single): keepPreviousPassword
        default: false
        }
    }

    /// What to change when a server offers no TLS to such a session.
    public static let accountChangeAdvice =
        "enable TLS on the server (require_secure_transport, or the RDS parameter group) and give the function its CA bundle (DB_CA_BUNDLE, or ca/db-ca-bundle.pem with scripts/package.sh --ca-bundle); plaintext is possible only for the self strategy without KEEP_PREVIOUS_PASSWORD"
}

extension DatabaseLogin {
    /// The `ssl` key this login's session follows before `REQUIRE_TLS`:
    /// its secret's, or `true` when it can change an account.
    public var effectiveSSL: Bool? { changesAccounts ? true : ssl }

    /// The protection this login's session gets under `REQUIRE_TLS`.
    public func protection(requireTLS: Bool) -> SessionProtection {
        SessionProtection(ssl: effectiveSSL, requireTLS: requireTLS)
    }
}

extension DatabaseSecret {
    /// This secret as a step whose sessions can change an account logs in
    /// with it: verified TLS only (`SessionProtection.changesAccounts`).
    public var changingAccounts: DatabaseSecret {
        var marked = self
        marked.changesAccounts = true
        return marked
    }
}
