/// Reading accounts in one open session: which account the session is, an
/// account's authentication methods (`SHOW CREATE USER`), its attributes,
/// grants and TLS requirement, and everything it holds, its roles' grants
/// included. Reads only; the rules applied to what is read are
/// Accounts/PrivilegeGuard.swift's and PasswordChange's. Errors name the
/// rotated secret and the account, never a value read.
public struct AccountReader {
    let session: any DatabaseSession
    /// The rotated secret, named in errors.
    let secretId: String

    public init(_ session: any DatabaseSession, secretId: String) {
        self.session = session
        self.secretId = secretId
    }

    /// The account the session runs as.
    func sessionAccount() throws -> Account {
        let rows = try session.query("SELECT CURRENT_USER()")
        guard let text = rows.first?.first ?? nil, let account = Account(currentUser: text) else {
            throw RotationError.unexpectedServerAnswer("CURRENT_USER() returned no account")
        }
        return account
    }

    /// The account the admin session runs as, read with the server's
    /// `init_connect` in the same query (no round trip of its own). The
    /// server runs `init_connect` in every new session of an account it does
    /// not spare (`sparesFromInitConnect`), as that account: whoever set it
    /// acts with the admin's CREATE USER. Refused when set and the admin is
    /// not spared (its SHOW GRANTS asked only then), before anything changes.
    func adminAccount() throws -> Account {
        let rows = try session.query("SELECT CURRENT_USER(), @@GLOBAL.init_connect")
        guard let row = rows.first, let text = row.first ?? nil, let account = Account(currentUser: text) else {
            throw RotationError.unexpectedServerAnswer("CURRENT_USER() returned no account")
        }
        if row.count > 1, let initConnect = row[1], !initConnect.allSatisfy(\.isWhitespace) {
            let version = try ServerVersion(reportedBy: session)
            let grants = try session.query("SHOW GRANTS").compactMap { $0.first ?? nil }
            guard Rotator.sparesFromInitConnect(AccountPrivileges(showGrants: grants), on: version) else {
                throw RotationError.adminRunsInitConnect(secretId: secretId, admin: account.description)
            }
        }
        return account
    }

    /// `SHOW CREATE USER` for `account`.
    private func createUserLine(of account: Account) throws -> String {
        guard let line = try session.query("SHOW CREATE USER \(account: account)").first?.first ?? nil else {
            throw RotationError.unexpectedServerAnswer("SHOW CREATE USER returned nothing for the current account")
        }
        return line
    }

    func methods(of account: Account) throws -> AuthenticationMethods {
        let line = try createUserLine(of: account)
        do {
            return try AuthenticationMethods(showCreateUser: line)
        } catch {
            throw RotationError.passwordNotChangeable(
                secretId: secretId, account: account.description, problem: .unsupported(error))
        }
    }

    // MARK: - What a copy of an account needs (alternating)

    /// `body`'s problem with `account`, as the refusal to copy it.
    func copying<T>(_ account: Account, _ body: () throws(AccountProblem) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw RotationError.accountNotCopyable(secretId: secretId, account: account.description, problem: error)
        }
    }

    func attributes(of account: Account, version: ServerVersion) throws -> AccountAttributes {
        guard version.supports(.showCreateUser) else {
            return try copying(account) { () throws(AccountProblem) in throw .serverTooOld(version) }
        }
        let line = try createUserLine(of: account)
        return try copying(account) { () throws(AccountProblem) in try AccountAttributes(showCreateUser: line) }
    }

    func grants(of account: Account) throws -> AccountGrants {
        let lines = try session.query("SHOW GRANTS FOR \(account: account)").compactMap { $0.first ?? nil }
        return try copying(account) { () throws(AccountProblem) in try AccountGrants(showGrantsLines: lines) }
    }

    /// Whether `account` exists (asked in the grant tables, which the admin may read).
    func exists(_ account: Account) throws -> Bool {
        try !session.query("SELECT 1 FROM mysql.user WHERE User = \(hex: account.user) AND Host = \(hex: account.host)")
            .isEmpty
    }

    func tlsRequirement(of account: Account) throws -> TLSRequirement {
        let rows = try session.query(
            "SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = \(hex: account.user) AND Host = \(hex: account.host)"
        )
        guard let row = rows.first, row.count == 4 else {
            throw RotationError.unexpectedServerAnswer("no mysql.user row for the current account")
        }
        return TLSRequirement(type: row[0] ?? "", cipher: row[1] ?? "", issuer: row[2] ?? "", subject: row[3] ?? "")
    }

    /// The longest user name the server stores (32 on MySQL 8, 128 on MariaDB 10.11).
    func usernameLimit() throws -> Int {
        let rows = try session.query(
            "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user' AND COLUMN_NAME = 'User'"
        )
        guard let text = rows.first?.first ?? nil, let limit = Int(text) else {
            throw RotationError.unexpectedServerAnswer("no length for mysql.user's User column")
        }
        return limit
    }

    // MARK: - Privileges

    /// Everything `lines` grant, with the privileges of every role they name
    /// (and the roles those name).
    ///
    /// `asOwner`: the session is the account's own. MariaDB shows a role's
    /// grants only to a session that holds the role active (`SET ROLE`,
    /// which changes nothing stored) and then shows the roles inside it too;
    /// MySQL shows them with `USING`. Otherwise the session may read the
    /// grant tables and asks `SHOW GRANTS FOR role`. A role whose grants
    /// cannot be read counts as unreadable, which refuses.
    public func privileges(
        granted lines: [String], version: ServerVersion, asOwner: Bool
    ) throws
        -> AccountPrivileges
    {
        try privileges(AccountPrivileges(showGrants: lines), version: version, asOwner: asOwner, ownLines: Set(lines))
    }

    func privileges(
        _ direct: AccountPrivileges, version: ServerVersion, asOwner: Bool, ownLines: Set<String> = []
    ) throws -> AccountPrivileges {
        var all = direct
        let granted = Set(direct.roles)
        // How each role was reached, for the message: the role granted to the account first.
        var paths = Dictionary(direct.roles.map { ($0, [$0]) }, uniquingKeysWith: { first, _ in first })
        var asked = Set<String>()
        var depth = 0
        while let role = all.roles.first(where: { !asked.contains($0) }), depth < 32 {
            depth += 1
            asked.insert(role)
            let path = paths[role] ?? [role]
            let statement: SQL =
                switch (asOwner, version.flavor) {
                case (true, .mariadb): "SET ROLE \(raw: role)"
                case (true, .mysql): "SHOW GRANTS FOR CURRENT_USER() USING \(raw: role)"
                case (false, _): "SHOW GRANTS FOR \(raw: role)"
                }
            do {
                var rows = try session.query(statement)
                if asOwner && version.flavor == .mariadb { rows = try session.query("SHOW GRANTS") }
                // The account's own lines come back with the role's: they are counted already.
                let lines = rows.compactMap { $0.first ?? nil }.filter { !ownLines.contains($0) }
                let found = AccountPrivileges(showGrants: lines)
                for inner in found.roles where paths[inner] == nil { paths[inner] = path + [inner] }
                if asOwner {
                    // Shown transitively: the roles inside need no SET ROLE (USING) of their own.
                    // (Roles granted to the account itself are still asked for, each in turn.)
                    asked.formUnion(Set(found.roles).subtracting(granted))
                }
                all.merge(found, via: path)
            } catch {
                all.unreadable += 1
            }
        }
        // Roles past the bound stay unread, which refuses.
        if all.roles.contains(where: { !asked.contains($0) }) { all.unreadable += 1 }
        return all
    }

    /// The first of `username`'s accounts when none of them holds a password;
    /// nil when one does, or when the grant tables cannot be read.
    public func accountWithoutPassword(_ username: String) throws -> (account: Account, plugins: [String])? {
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

extension Rotator {
    /// `CURRENT_USER()` for `login`, or nil when the server refuses it.
    func account(loggedInWith login: DatabaseLogin, secretId: String) throws -> Account? {
        do {
            return try database.withSession(login) { try AccountReader($0, secretId: secretId).sessionAccount() }
        } catch is LoginRejected {
            return nil
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

extension Rotator {
    /// Logs in with `login` and reads the account the server matched, its
    /// authentication methods and (unless privileged accounts are allowed)
    /// its grants and roles' grants: an account may read all of these about
    /// itself, so the admin needs no privilege beyond CREATE USER. Nil when
    /// the server refuses the login.
    func accountFacts(loggedInWith login: DatabaseLogin, secretId: String) throws -> AccountFacts? {
        do {
            return try database.withSession(login) { session in
                let version = try ServerVersion(reportedBy: session)
                let reader = AccountReader(session, secretId: secretId)
                let account = try reader.sessionAccount()
                // The ownership proof, before anything is read about that account.
                try requireSecretsUser(account, username: login.username, secretId: secretId)
                // Before SHOW CREATE USER (MySQL 5.7.6, MariaDB 10.2) an account has one password method.
                let methods =
                    version.supports(.showCreateUser)
                    ? try reader.methods(of: account)
                    : AuthenticationMethods([.init(plugin: "mysql_native_password")])
                var privileges: AccountPrivileges?
                if !settings.allowPrivilegedAccounts {
                    let lines = try session.query("SHOW GRANTS").compactMap { $0.first ?? nil }
                    privileges = try reader.privileges(granted: lines, version: version, asOwner: true)
                }
                return AccountFacts(account: account, methods: methods, privileges: privileges)
            }
        } catch is LoginRejected {
            return nil
        }
    }
}
