import Rotation

/// What one read-only session learnt.
struct SessionFacts {
    var account: Account
    var version: String
    var server: ServerVersion?
    var grants: GrantSet
    /// Alternating, admin session: whether the other user exists (nil when unreadable).
    var cloneExists: Bool?
    /// The server's limit on user names, when asked.
    var usernameLimit: Int?
    /// SHOW GRANTS as printed (Preflight+Authentication.swift reads it; never reported).
    var grantLines: [String] = []
    /// The rotated account's session: its grants with its roles', read as the rotation reads them.
    var privileges: AccountPrivileges?
    /// Whether the server's `init_connect` is set, which runs in this session's account's sessions.
    var runsInitConnect = false
    /// SHOW CREATE USER of the own account, as printed (holds hashes; never reported).
    var createUser: String?
    /// Whether the session was verified TLS, which a statement carrying the
    /// current password needs (Sessions/PasswordInStatementRefusal.swift).
    var verifiedTLS = false
    /// The server's active authentication plugins, read only when AUTH_PLUGIN names a target.
    var activePlugins: Set<String>?
}

extension PreflightRun {
    func checkLogins(_ current: DatabaseSecret) {
        let login = currentLogin(current)
        let (result, ms) = timed { try session(login, clone: nil, readsRoles: usesAdmin) }
        switch result {
        case .success(let facts):
            currentSession = facts
            add(
                "login-current", true,
                "AWSCURRENT logs in as \(facts.account) on \(facts.server.map(\.description) ?? "an unknown server") (\(facts.version))",
                ms)
        case .failure(let error) where context.missingClientPlugin(error) != nil:
            addMissingClientPlugin(context.missingClientPlugin(error) ?? "", login, ms)
        case .failure(let error) where error is LoginRejected || context.isLoginRefusal(error):
            // One text for every refusal: the server's reason (locked, no
            // such plugin) would describe an account nobody has proven to hold.
            add(
                "login-current", false,
                "the server refused AWSCURRENT's password for \(login.username) at \(login.host):\(login.port)", ms,
                advice:
                    "Make AWSCURRENT hold the password the database accepts (a rotation that set the password but never finished leaves it in AWSPENDING)"
            )
        case .failure(let error):
            add("login-current", false, "logging in with AWSCURRENT failed: \(message(error))", ms)
        }
        guard usesAdmin, let admin else { return }
        let clone = currentSession.map { Account(user: Rotator.alternate($0.account.user), host: $0.account.host) }
        let (adminResult, adminMs) = timed { try session(admin.login, clone: strategy == .alternating ? clone : nil) }
        switch adminResult {
        case .success(let facts):
            adminSession = facts
            add("login-admin", true, "the admin secret logs in as \(facts.account)", adminMs)
            let spared = facts.server.map {
                Rotator.sparesFromInitConnect(AccountPrivileges(showGrants: facts.grantLines), on: $0)
            }
            if facts.runsInitConnect && spared != true {
                // Listed only when it fails, as setSecret would (AdminRunsInitConnect).
                add(
                    "admin-init-connect", false,
                    "the server's init_connect is set: it runs in every session of the admin \(facts.account) with its privileges; setSecret refuses (AdminRunsInitConnect)",
                    advice:
                        "Find who set it and what it did, then SET GLOBAL init_connect = '' (and in the server's configuration), or grant the admin CONNECTION ADMIN on *.*, whose sessions the server spares"
                )
            }
        case .failure(let error as LoginRejected):
            add(
                "login-admin", false, "the server refused the admin secret's password for \(error.username)", adminMs,
                advice: "Make the admin secret (masterarn) hold the admin's working password")
        case .failure(let error):
            add("login-admin", false, "logging in with the admin secret failed: \(message(error))", adminMs)
        }
    }

    /// Logs in and reads who the server says we are and what we may do.
    /// Only SELECT and SHOW: nothing here can change anything.
    ///
    /// `readsRoles`: the rotated account's session under admin or
    /// alternating, whose roles' grants the privilege guard reads (extra
    /// statements only for an account that holds roles).
    func session(_ login: DatabaseLogin, clone: Account?, readsRoles: Bool = false) throws -> SessionFacts {
        let started = context.clock()
        return try preflight.database.withSession(login) { session in
            let loggedIn = context.clock()
            loginMs = max(loginMs ?? 0, (loggedIn - started) * 1000)
            let rows = try session.query("SELECT CURRENT_USER(), @@GLOBAL.init_connect")
            statementMs = max(statementMs ?? 0, (context.clock() - loggedIn) * 1000)
            guard let row = rows.first, let text = row.first ?? nil, let account = Account(currentUser: text) else {
                throw RotationError.unexpectedServerAnswer("CURRENT_USER() returned no account")
            }
            let grants = try session.query("SHOW GRANTS").compactMap { $0.first ?? nil }
            var facts = SessionFacts(
                account: account, version: session.serverVersion, server: ServerVersion(session.serverVersion),
                grants: GrantSet(showGrants: grants))
            facts.grantLines = grants
            facts.runsInitConnect = row.count > 1 && !(row[1] ?? "").allSatisfy(\.isWhitespace)
            if readsRoles, let server = facts.server, !context.settings.allowPrivilegedAccounts {
                facts.privileges = try AccountReader(session, secretId: secretId).privileges(
                    granted: grants, version: server, asOwner: true)
            }
            facts.verifiedTLS = session.isVerifiedTLS
            facts.createUser = try? session.query("SHOW CREATE USER \(account: account)").first?.first ?? nil
            if context.settings.authPlugin != .keep {
                let plugins = try? session.query(
                    "SELECT LOWER(PLUGIN_NAME) FROM information_schema.PLUGINS WHERE PLUGIN_TYPE = 'AUTHENTICATION' AND PLUGIN_STATUS = 'ACTIVE'"
                )
                facts.activePlugins = plugins.map { Set($0.compactMap { $0.first ?? nil }) }
            }
            if let clone {
                // Without SELECT on mysql this fails; the privileges check says so.
                facts.cloneExists = try? !session.query(
                    "SELECT 1 FROM mysql.user WHERE User = \(hex: clone.user) AND Host = \(hex: clone.host)"
                ).isEmpty
                if context.settings.usernameCharacterLimit == nil {
                    let limit = try? session.query(
                        "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user' AND COLUMN_NAME = 'User'"
                    )
                    facts.usernameLimit = (limit?.first?.first ?? nil).flatMap { Int($0) }
                }
            }
            return facts
        }
    }

    /// Alternating: the other user's name must fit the server's limit.
    func checkCloneName(_ current: DatabaseSecret) {
        guard strategy == .alternating else { return }
        let clone = Rotator.alternate(current.username)
        let length = clone.unicodeScalars.count
        guard let limit = context.settings.usernameCharacterLimit ?? adminSession?.usernameLimit else {
            add(
                "clone-name", false,
                "the other user \(clone) has \(length) characters; the server's limit could not be read (no admin session)"
            )
            return
        }
        let source = context.settings.usernameCharacterLimit != nil ? "USERNAME_CHARACTER_LIMIT" : "the server's limit"
        if length <= limit {
            add("clone-name", true, "the other user \(clone) has \(length) characters, within \(source) of \(limit)")
        } else {
            add(
                "clone-name", false,
                "the other user \(clone) would have \(length) characters, over \(source) of \(limit)",
                advice:
                    "Use a user name at most \(limit - Rotator.alternate("").count) characters long, or the admin strategy"
            )
        }
    }
}
