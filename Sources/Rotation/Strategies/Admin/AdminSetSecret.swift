/// The admin strategy's setSecret, top to bottom: the admin named by
/// `masterarn` changes the password of the account AWSCURRENT's credential
/// proves to be, after that account's own session has said what it is. The
/// order is `AdminSetSecretPlan`'s table; each action is carried out here.
/// Reading an account is Accounts/AccountReading.swift's; refusing a
/// privileged one Accounts/PrivilegeGuard.swift's; the statements
/// Accounts/PasswordChange.swift's.
extension Rotator {
    /// setSecret under admin (Steps/SetSecret.swift has checked the pending
    /// secret): the admin secret placed once, then `AdminSetSecretPlan`'s
    /// actions carried out in its order, each here.
    func setPasswordAsAdmin(_ secretId: String, current: DatabaseSecret, pending: DatabaseSecret) throws -> StepOutcome
    {
        let admin = try adminSecret(for: current, secretId: secretId)
        var plan = AdminSetSecretPlan(
            secretId: secretId, current: current, pending: pending, admin: admin.secret,
            keepPrevious: settings.keepPreviousPassword)
        var facts: AccountFacts?
        var failure: (any Error)?
        var action = plan.start()
        while true {
            switch action {
            case .done(let outcome):
                return outcome
            case .fail(let error):
                throw error
            case .rethrow:
                throw failure!
            case .probe(let login):
                action = plan.next(.probed(logsIn: try database.logsIn(login)))
            case .readAccount(let login):
                do {
                    facts = try accountFacts(loggedInWith: login, secretId: secretId)
                    action = plan.next(facts == nil ? .refused : .read)
                } catch {
                    failure = error
                    if case RotationError.accountMismatch = error {
                        action = plan.next(.readFailed(proof: true))
                    } else {
                        action = plan.next(.readFailed(proof: false))
                    }
                }
            case .lookForPasswordlessAccount:
                action = plan.next(
                    .passwordless(accountWithoutPassword(current.username, admin: admin, secretId: secretId)))
            case .change:
                let changed = try withAdminSession(admin, for: secretId) { session in
                    try setPassword(
                        of: facts!, asAdminIn: session, secretId: secretId, pending: pending, current: current)
                }
                action = plan.next(.changed(keepSkipped: changed.skipped != nil, pluginMoved: changed.move.isMoving))
            }
        }
    }

    /// What the rotated account's own session tells about it before any change.
    struct AccountFacts {
        var account: Account
        var methods: AuthenticationMethods
        /// Read only when privileged accounts are refused.
        var privileges: AccountPrivileges?
    }

    /// Logs in with `login` and reads the account the server matched, its
    /// authentication methods and (unless privileged accounts are allowed)
    /// its grants and roles' grants: an account may read all of these about
    /// itself, so the admin needs no privilege beyond CREATE USER. Nil when
    /// the server refuses the login.
    func accountFacts(loggedInWith login: DatabaseLogin, secretId: String) throws -> AccountFacts? {
        do {
            return try database.withSession(login) { session in
                let version = try ServerVersion(reportedBy: session)
                let account = try Self.sessionAccount(session)
                // The ownership proof, before anything is read about that account.
                try requireSecretsUser(account, username: login.username, secretId: secretId)
                // Before SHOW CREATE USER (MySQL 5.7.6, MariaDB 10.2) an account has one password method.
                let methods =
                    version.supports(.showCreateUser)
                    ? try Self.methods(of: account, in: session, secretId: secretId)
                    : AuthenticationMethods([.init(plugin: "mysql_native_password")])
                var privileges: AccountPrivileges?
                if !settings.allowPrivilegedAccounts {
                    let lines = try session.query("SHOW GRANTS").compactMap { $0.first ?? nil }
                    privileges = try Self.privileges(granted: lines, in: session, version: version, asOwner: true)
                }
                return AccountFacts(account: account, methods: methods, privileges: privileges)
            }
        } catch is LoginRejected {
            return nil
        }
    }

    /// The admin's half of setSecret: checks the account is not privileged,
    /// then sends the statements that change only its password. With
    /// KEEP_PREVIOUS_PASSWORD, AWSCURRENT's is kept only when proven to be
    /// the account's primary (KeptPasswordProof.swift); otherwise the new
    /// password is set alone, and the reason returned. AUTH_PLUGIN's move
    /// (Accounts/PluginMove+Rotator.swift) is returned too.
    func setPassword(
        of facts: AccountFacts, asAdminIn session: any DatabaseSession, secretId: String, pending: DatabaseSecret,
        current: DatabaseSecret
    ) throws -> (skipped: KeepSkipped?, move: PluginMove) {
        let version = try ServerVersion(reportedBy: session)
        try refuseKeptPasswordOutsideVerifiedTLS(in: session, version: version, for: current.login)
        let admin = try Self.adminAccount(session, secretId: secretId)
        try refusePrivileged(facts.account, privileges: facts.privileges, admin: admin, secretId: secretId)
        let move = try pluginMove(
            of: facts.account, methods: facts.methods, in: session, version: version, secretId: secretId)
        let skipped =
            settings.keepPreviousPassword
            ? move.keepSkipped(on: version) ?? facts.methods.keepSkipped(keeping: current.password, on: version.flavor)
            : nil
        let statements = try refusing(facts.account, secretId: secretId) { () throws(PasswordChangeProblem) in
            // Asked with the setting first, so a server that cannot keep two passwords is refused as before.
            let kept = try PasswordChange.byAdmin(
                of: facts.account, methods: facts.methods, on: version, to: pending.password,
                retaining: settings.keepPreviousPassword ? current.password : nil, move: move)
            guard skipped != nil else { return kept }
            return try PasswordChange.byAdmin(
                of: facts.account, methods: facts.methods, on: version, to: pending.password, retaining: nil,
                move: move)
        }
        for statement in statements { try session.execute(statement) }
        reportPluginMove(move, account: facts.account.description, secretId: secretId)
        if let skipped { warnKeepSkipped(skipped, account: facts.account.description, secretId: secretId) }
        return (skipped, move)
    }

    /// The admin's statement would carry a kept MariaDB password
    /// (Sessions/PasswordInStatementRefusal.swift): verified TLS or nothing sent.
    func refuseKeptPasswordOutsideVerifiedTLS(
        in session: any DatabaseSession, version: ServerVersion, for login: DatabaseLogin
    ) throws {
        if let refusal = Self.keptPasswordRefusal(
            keepPrevious: settings.keepPreviousPassword, on: version, verifiedTLS: session.isVerifiedTLS, for: login)
        {
            throw refusal
        }
    }

    func refusing<T>(_ account: Account, secretId: String, _ body: () throws(PasswordChangeProblem) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Self.refusal(error, account: account, secretId: secretId)
        }
    }

    /// Admin or alternating, when AWSCURRENT does not log in: an account that
    /// holds no password (RDS IAM authentication, unix_socket, PAM) never
    /// will, and says so, if the admin may read the grant tables (SELECT on
    /// mysql.*). Any doubt leaves the caller's own error standing.
    func accountWithoutPassword(
        _ username: String, admin: (secret: DatabaseSecret, id: String), secretId: String
    ) -> RotationError? {
        let found = try? withAdminSession(admin, for: secretId) { session in
            try Self.accountWithoutPassword(username, in: session)
        }
        return (found ?? nil).map {
            .accountHoldsNoPassword(secretId: secretId, account: $0.account.description, plugins: $0.plugins)
        }
    }
}
