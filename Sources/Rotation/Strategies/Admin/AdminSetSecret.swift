/// The admin strategy's setSecret, top to bottom: the admin named by
/// `masterarn` changes the password of the account AWSCURRENT's credential
/// proves to be, after that account's own session has said what it is.
/// Reading an account is Accounts/AccountReading.swift's; refusing a
/// privileged one Accounts/PrivilegeGuard.swift's; the statements
/// Accounts/PasswordChange.swift's.
extension Rotator {
    /// setSecret under admin (Steps/SetSecret.swift has checked the pending
    /// secret): the admin secret placed, then, in this order,
    /// 1. KEEP_PREVIOUS_PASSWORD: a pending password that already logs in
    ///    was set by an earlier run; nothing more may be sent.
    /// 2. AWSCURRENT's own session, over verified TLS only: the account it
    ///    is, its methods and privileges (`accountFacts`).
    /// 3. The admin's session: the guards, then the change (`setPassword`).
    /// 4. Refused at 2: a retry after the password was set, or a process
    ///    killed just after setting it, finds the pending one working.
    func setPasswordAsAdmin(_ secretId: String, current: DatabaseSecret, pending: DatabaseSecret) throws -> StepOutcome
    {
        let admin = try adminSecret(for: current, secretId: secretId)
        if try keptPendingAlreadySet(pending, admin: admin.secret) { return .passwordAlreadySet }
        // The current password first: in a rotation that has not set
        // the password yet it logs in, and one connection does the work.
        if let outcome = try setPasswordAsAdmin(secretId, current: current, pending: pending, admin: admin) {
            return outcome
        }
        if try database.logsIn(pending.login) { return .passwordAlreadySet }
        throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
    }

    /// KEEP_PREVIOUS_PASSWORD, before a change: a pending password that
    /// already logs in was set by an earlier run of this step. On MySQL a
    /// second RETAIN CURRENT PASSWORD would retain that new password and
    /// drop AWSCURRENT's, so nothing more may be sent.
    ///
    /// Asked where the change is made (the admin's database, the primary):
    /// a replica that has not caught up yet would refuse the pending password
    /// and have the retain sent again.
    func keptPendingAlreadySet(_ pending: DatabaseSecret, admin: DatabaseSecret?) throws -> Bool {
        guard settings.keepPreviousPassword else { return false }
        var login = pending.login
        if let admin {
            login.host = admin.host
            login.port = admin.port
        }
        return try database.logsIn(login)
    }

    /// Admin: prove the current credential owns the account, then let the
    /// admin named by `masterarn` change that exact account's password.
    /// Nil, with nothing changed, when the current password does not log in.
    func setPasswordAsAdmin(
        _ secretId: String, current: DatabaseSecret, pending: DatabaseSecret,
        admin: (secret: DatabaseSecret, id: String)
    ) throws -> StepOutcome? {
        // Read in the account's own session, over verified TLS only, then
        // written by the admin (Accounts/OwnershipProof.swift, below).
        let found: AccountFacts?
        do {
            found = try accountFacts(loggedInWith: ownershipLogin(of: current), secretId: secretId)
        } catch RotationError.accountMismatch(let secretId, let field) {
            throw RotationError.accountMismatch(secretId: secretId, field: field)
        } catch {
            throw accountWithoutPassword(current.username, admin: admin, secretId: secretId) ?? error
        }
        guard let facts = found else {
            if let refusal = accountWithoutPassword(current.username, admin: admin, secretId: secretId) {
                throw refusal
            }
            return nil
        }
        let skipped = try withAdminSession(admin, for: secretId) { session in
            try setPassword(of: facts, asAdminIn: session, secretId: secretId, pending: pending, current: current)
        }
        return skipped == nil ? .passwordSet : .passwordSetPreviousNotKept
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
    /// password is set alone, and the reason returned.
    func setPassword(
        of facts: AccountFacts, asAdminIn session: any DatabaseSession, secretId: String, pending: DatabaseSecret,
        current: DatabaseSecret
    ) throws -> KeepSkipped? {
        let version = try ServerVersion(reportedBy: session)
        try refuseKeptPasswordOutsideVerifiedTLS(in: session, version: version, for: current.login)
        let admin = try Self.adminAccount(session, secretId: secretId)
        try refusePrivileged(facts.account, privileges: facts.privileges, admin: admin, secretId: secretId)
        let skipped =
            settings.keepPreviousPassword
            ? facts.methods.keepSkipped(keeping: current.password, on: version.flavor) : nil
        let statements = try refusing(facts.account, secretId: secretId) { () throws(PasswordChangeProblem) in
            // Asked with the setting first, so a server that cannot keep two passwords is refused as before.
            let kept = try PasswordChange.byAdmin(
                of: facts.account, methods: facts.methods, on: version, to: pending.password,
                retaining: settings.keepPreviousPassword ? current.password : nil)
            guard skipped != nil else { return kept }
            return try PasswordChange.byAdmin(
                of: facts.account, methods: facts.methods, on: version, to: pending.password, retaining: nil)
        }
        for statement in statements { try session.execute(statement) }
        if let skipped { warnKeepSkipped(skipped, account: facts.account.description, secretId: secretId) }
        return skipped
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
