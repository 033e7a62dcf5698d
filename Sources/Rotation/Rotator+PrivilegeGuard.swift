/// The function is no master key: under admin and alternating, whoever may
/// write a secret that names this function as its rotator chooses the
/// account whose password the admin resets (and writes the new password into
/// that secret). So the admin never sets the password of, nor clones, the
/// admin itself or an account that can manage others, unless the operator
/// opts in with `ALLOW_PRIVILEGED_ACCOUNTS=true`: only an account whose
/// global and `mysql` privileges, its roles' and proxies' included, are on
/// `AccountPrivileges.harmless`. Nor does it work through an admin session
/// that runs someone's `init_connect`. Everything is read before the first
/// change; a refusal changes nothing.
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

    /// Whether the server skips `init_connect` for an account holding
    /// `privileges`: CONNECTION ADMIN on `*.*` (MariaDB 10.5.2+, MySQL 8), or
    /// SUPER where it still implies that (MySQL; MariaDB before 11.0, which
    /// split it). Granted directly: a role's counts only once active.
    public static func sparesFromInitConnect(_ privileges: AccountPrivileges, on version: ServerVersion) -> Bool {
        let superSpares = version.flavor == .mysql || !version.isAtLeast(11, 0)
        return privileges.holdsGlobal("CONNECTION ADMIN") || privileges.holdsGlobal("CONNECTION_ADMIN")
            || (superSpares && privileges.holdsGlobal("SUPER"))
    }

    /// Refuses `account` when it is `admin` or `privileges` hold anything off the harmless list.
    func refusePrivileged(
        _ account: Account, privileges: AccountPrivileges?, admin: Account, secretId: String
    ) throws {
        guard !settings.allowPrivilegedAccounts else { return }
        var reasons: [String] = []
        if account == admin { reasons.append("it is the admin account itself") }
        if let privileges { reasons += privileges.refused }
        guard reasons.isEmpty else {
            throw RotationError.privilegedAccount(secretId: secretId, account: account.description, reasons: reasons)
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

    /// Alternating: neither the current user (the copy's source) nor an
    /// existing other user (whose grants and password the copy overwrites)
    /// may be the admin or an account that manages others. Read in the
    /// admin's session, which may read the grant tables.
    func refusePrivilegedCopy(
        source: Account, wanted: AccountGrants, target: Account, existing: AccountGrants?,
        in session: any DatabaseSession, version: ServerVersion, secretId: String
    ) throws {
        let admin = try Self.adminAccount(session, secretId: secretId)
        guard !settings.allowPrivilegedAccounts else { return }
        for (account, grants) in [(source, wanted)] + (existing.map { [(target, $0)] } ?? []) {
            let privileges = try Self.privileges(
                AccountPrivileges(grants: grants.grants), in: session, version: version, asOwner: false)
            try refusePrivileged(account, privileges: privileges, admin: admin, secretId: secretId)
        }
    }
}
