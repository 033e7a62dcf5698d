/// Reading an account in a session: which account the session is, its
/// authentication methods (`SHOW CREATE USER`), and everything it holds,
/// its roles' grants included. Reads only; the rules applied to what is
/// read are Accounts/PrivilegeGuard.swift's and PasswordChange's.
extension Rotator {
    /// The account the admin session runs as.
    static func sessionAccount(_ session: any DatabaseSession) throws -> Account {
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
    static func adminAccount(_ session: any DatabaseSession, secretId: String) throws -> Account {
        let rows = try session.query("SELECT CURRENT_USER(), @@GLOBAL.init_connect")
        guard let row = rows.first, let text = row.first ?? nil, let account = Account(currentUser: text) else {
            throw RotationError.unexpectedServerAnswer("CURRENT_USER() returned no account")
        }
        if row.count > 1, let initConnect = row[1], !initConnect.allSatisfy(\.isWhitespace) {
            let version = try ServerVersion(reportedBy: session)
            let grants = try session.query("SHOW GRANTS").compactMap { $0.first ?? nil }
            guard Self.sparesFromInitConnect(AccountPrivileges(showGrants: grants), on: version) else {
                throw RotationError.adminRunsInitConnect(secretId: secretId, admin: account.description)
            }
        }
        return account
    }

    /// `CURRENT_USER()` for `login`, or nil when the server refuses it.
    func account(loggedInWith login: DatabaseLogin) throws -> Account? {
        do {
            return try database.withSession(login) { try Self.sessionAccount($0) }
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

    /// Everything `lines` grant, with the privileges of every role they name
    /// (and the roles those name), read in `session`.
    ///
    /// `asOwner`: the session is the account's own. MariaDB shows a role's
    /// grants only to a session that holds the role active (`SET ROLE`,
    /// which changes nothing stored) and then shows the roles inside it too;
    /// MySQL shows them with `USING`. Otherwise the session may read the
    /// grant tables and asks `SHOW GRANTS FOR role`. A role whose grants
    /// cannot be read counts as unreadable, which refuses.
    public static func privileges(
        granted lines: [String], in session: any DatabaseSession, version: ServerVersion, asOwner: Bool
    ) throws -> AccountPrivileges {
        try privileges(
            AccountPrivileges(showGrants: lines), in: session, version: version, asOwner: asOwner,
            ownLines: Set(lines))
    }

    static func privileges(
        _ direct: AccountPrivileges, in session: any DatabaseSession, version: ServerVersion, asOwner: Bool,
        ownLines: Set<String> = []
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
