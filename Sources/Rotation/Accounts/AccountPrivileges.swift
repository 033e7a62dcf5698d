/// What an account's `SHOW GRANTS` lines (and its roles') let it do beyond
/// the application's own schemas.
///
/// The admin and alternating strategies hand an account's password (or a
/// copy of the account) to whoever may write the rotated secret, so they
/// rotate only an account whose every global or `mysql`-schema privilege is
/// on a short list of harmless ones (`harmless`; why each is there:
/// docs/strategies-security.md), unless the operator opts in
/// (`ALLOW_PRIVILEGED_ACCOUNTS`). An allow-list, because the servers keep
/// adding privileges that reach other sessions, replication, files or the
/// grant tables (CONNECTION ADMIN's `init_connect`, REPLICATION SLAVE
/// ADMIN's `CHANGE MASTER`, MySQL 8.4's SET_ANY_DEFINER): a name this
/// function does not know refuses.
public struct AccountPrivileges: Sendable, Equatable {
    /// One privilege held, and how.
    public struct Held: Sendable, Equatable {
        /// Upper case, spacing normalised, `ALL` spelled `ALL PRIVILEGES`; `PROXY` for a proxy grant.
        public var name: String
        /// Nil for a proxy grant.
        public var object: GrantObject?
        public var grantOption: Bool
        /// A proxy grant's account, as printed.
        public var proxied: String?
        /// The roles it came through, the one granted to the account first; empty when granted directly.
        public var via: [String] = []
    }

    public var privileges: [Held]
    /// Roles granted, as the server printed their names (to ask SHOW GRANTS FOR each).
    public var roles: [String]
    /// Lines or objects of a form not understood: refused, since what they grant is unknown.
    public var unreadable: Int

    /// The privileges an account may hold on `*.*` or on the `mysql` schema
    /// and still be rotated by an admin: read-only or session-only ones that
    /// cannot touch accounts, other sessions, replication, files or the grant
    /// tables. MariaDB 10.4–11.x and MySQL 8.0–9.x spellings. Everything
    /// else, and any of these WITH GRANT OPTION, refuses.
    public static let harmless: Set<String> = [
        "USAGE", "SELECT", "SHOW DATABASES", "SHOW VIEW", "SHOW CREATE ROUTINE", "SHOW_ROUTINE",
        "CREATE TEMPORARY TABLES", "APPLICATION_PASSWORD_ADMIN",
    ]

    public init(showGrants lines: [String]) {
        var grants: [Grant] = []
        var unreadable = 0
        for line in lines {
            switch try? Grant.parse(showGrantsLine: line) {
            case .grant(let grant)?: grants.append(grant)
            // A partial revoke narrows a global privilege, which refuses whatever it withholds.
            case .partialRevoke?: continue
            // MariaDB's SET DEFAULT ROLE names a role granted on its own line.
            case .defaultRole?: continue
            case nil: unreadable += 1
            }
        }
        self.init(grants: grants, unreadable: unreadable)
    }

    public init(grants: [Grant], unreadable: Int = 0) {
        privileges = []
        roles = []
        self.unreadable = unreadable
        for grant in grants {
            let statement = PrintedStatement(grant.what)
            switch grant.kind {
            case .privileges:
                guard let on = statement.tokens.firstIndex(where: { $0.is("ON") }),
                    let object = GrantObject(statement, after: on)
                else {
                    self.unreadable += 1
                    continue
                }
                for name in Self.privilegeNames(statement, before: on) {
                    privileges.append(
                        Held(name: name, object: object, grantOption: grant.withOption == "WITH GRANT OPTION"))
                }
            case .roles:
                var start = 0
                for (index, token) in statement.tokens.enumerated() where token.text == "," {
                    roles.append(statement.text(of: start..<index))
                    start = index + 1
                }
                roles.append(statement.text(of: start..<statement.tokens.count))
            case .proxy:
                // A proxy grant lets a login become the proxied account: on
                // the anonymous `''@'%'` (root's default) any account, on a
                // named one that account, whatever it holds now or later.
                let proxied = statement.text(of: 2..<statement.tokens.count)
                privileges.append(
                    Held(name: "PROXY", object: nil, grantOption: grant.withOption != nil, proxied: proxied))
            }
        }
    }

    /// Adds what a role holds, reached through `path` (outermost role first).
    public mutating func merge(_ other: AccountPrivileges, via path: [String]) {
        privileges += other.privileges.map { held in
            var held = held
            held.via = path + held.via
            return held
        }
        for role in other.roles where !roles.contains(role) { roles.append(role) }
        unreadable += other.unreadable
    }

    /// `SELECT, INSERT (a, b)` → SELECT, INSERT; `ALL` → ALL PRIVILEGES.
    static func privilegeNames(_ statement: PrintedStatement, before on: Int) -> [String] {
        var names: [String] = []
        var words: [String] = []
        var depth = 0
        for token in statement.tokens[0..<on] {
            switch token.text {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                names.append(words.joined(separator: " "))
                words = []
            default:
                if depth == 0 && token.kind == .word { words.append(token.text.uppercased()) }
            }
        }
        if !words.isEmpty { names.append(words.joined(separator: " ")) }
        return names.map { $0 == "ALL" ? "ALL PRIVILEGES" : $0 }
    }

    public func holdsGlobal(_ privilege: String) -> Bool {
        privileges.contains {
            $0.object?.isGlobal == true && ($0.name == privilege || $0.name == "ALL PRIVILEGES")
        }
    }

    /// What refuses the account, for the error message and the check: each
    /// privilege off the list with its object and the role path that brought
    /// it; names and objects only.
    public var refused: [String] {
        var found: [String] = []
        for held in privileges {
            let path = held.via.isEmpty ? "" : " (through role \(held.via.joined(separator: " → ")))"
            if let proxied = held.proxied {
                // The anonymous user (`''@'%'` on MariaDB, `''@''` on MySQL) stands for any account.
                let whom = proxied.filter { $0 != "`" && $0 != "'" }.hasPrefix("@") ? "any account" : "that account"
                found.append("PROXY ON \(proxied) (it may log in as \(whom))\(path)")
                continue
            }
            guard let object = held.object, object.reachesMySQLSchema else { continue }
            if !Self.harmless.contains(held.name) { found.append("\(held.name) ON \(object)\(path)") }
            if held.grantOption { found.append("GRANT OPTION ON \(object)\(path)") }
        }
        if unreadable > 0 { found.append("\(unreadable) grant line(s) of a form this function does not know") }
        var seen = Set<String>()
        return found.filter { seen.insert($0).inserted }
    }
}
