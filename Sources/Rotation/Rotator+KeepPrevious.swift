/// The password changes of self and admin as PasswordChange decides them:
/// only the password changes, and with KEEP_PREVIOUS_PASSWORD AWSCURRENT's
/// keeps logging in beside the new one.
extension Rotator {
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

    static func methods(
        of account: Account, in session: any DatabaseSession, secretId: String
    ) throws
        -> AuthenticationMethods
    {
        let rows = try session.query("SHOW CREATE USER \(account: account)")
        guard let line = rows.first?.first ?? nil else {
            throw RotationError.unexpectedServerAnswer("SHOW CREATE USER returned nothing for the current account")
        }
        do {
            return try AuthenticationMethods(showCreateUser: line)
        } catch {
            throw RotationError.passwordNotChangeable(
                secretId: secretId, account: account.description, problem: .unsupported(error))
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

    /// The warning a skipped keep leaves in the log: the account and why, never a value.
    func warnKeepSkipped(_ skipped: KeepSkipped, account: String, secretId: String) {
        warn(
            "previous password not kept",
            [("secret", secretId), ("account", account), ("reason", skipped.description)])
    }

    func refusing<T>(_ account: Account, secretId: String, _ body: () throws(PasswordChangeProblem) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Self.refusal(error, account: account, secretId: secretId)
        }
    }

    /// What a password change `PasswordChange` refused is reported as.
    static func refusal(_ problem: PasswordChangeProblem, account: Account, secretId: String) -> RotationError {
        switch problem {
        case .holdsNoPassword(let plugins):
            .accountHoldsNoPassword(secretId: secretId, account: account.description, plugins: plugins)
        case .keepPreviousUnsupported(let obstacle):
            .keepPreviousUnsupported(secretId: secretId, account: account.description, obstacle: obstacle)
        default:
            .passwordNotChangeable(secretId: secretId, account: account.description, problem: problem)
        }
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
            let account = try Self.sessionAccount(session)
            return try Self.methods(of: account, in: session, secretId: secretId).passwordCount == 1
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

    /// The first of `username`'s accounts when none of them holds a password;
    /// nil when one does, or when the grant tables cannot be read.
    public static func accountWithoutPassword(
        _ username: String, in session: any DatabaseSession
    ) throws -> (
        account: Account, plugins: [String]
    )? {
        let hosts = try session.query("SELECT Host FROM mysql.user WHERE User = \(hex: username)")
            .compactMap { $0.first ?? nil }
        var found: (account: Account, plugins: [String])?
        for host in hosts {
            let account = Account(user: username, host: host)
            guard let line = try session.query("SHOW CREATE USER \(account: account)").first?.first ?? nil,
                let methods = try? AuthenticationMethods(showCreateUser: line)
            else { return nil }
            if methods.holdsPassword { return nil }
            found = found ?? (account, methods.methods.map(\.plugin))
        }
        return found
    }
}
