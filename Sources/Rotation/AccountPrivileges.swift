/// What an account's `SHOW GRANTS` lines let it do to other accounts.
///
/// An account that may create users, grant what it holds on `*.*`, or write
/// the grant tables in the `mysql` schema can make itself or anyone else
/// anything. The admin and alternating strategies would hand such an
/// account's password (or a copy of the account) to whoever may write the
/// rotated secret, so they refuse it unless the operator opts in
/// (`ALLOW_PRIVILEGED_ACCOUNTS`). Reading is not managing: `SELECT ON mysql.*`
/// does not count.
public struct AccountPrivileges: Sendable, Equatable {
    /// Privileges as `(name, object)`, names upper case, objects without quotes (`*.*`, `mysql.*`, `mysql.user`).
    public var privileges: [(name: String, object: String, grantOption: Bool)]
    /// Roles granted, as the server printed their names (to ask SHOW GRANTS FOR each).
    public var roles: [String]
    /// Lines of a form not understood: counted as managing, since what they grant is unknown.
    public var unreadable: Int
    /// Global privileges a partial revoke withholds from the `mysql` schema.
    public var withheldFromMySQL: Set<String> = []

    public static func == (lhs: AccountPrivileges, rhs: AccountPrivileges) -> Bool {
        lhs.privileges.map { "\($0.name)|\($0.object)|\($0.grantOption)" }
            == rhs.privileges.map { "\($0.name)|\($0.object)|\($0.grantOption)" } && lhs.roles == rhs.roles
            && lhs.unreadable == rhs.unreadable
    }

    /// Privileges that manage accounts wherever they are granted globally.
    static let managingGlobal: Set<String> = ["CREATE USER", "SUPER", "ROLE_ADMIN", "SYSTEM_USER", "ALL PRIVILEGES"]
    /// Privileges that write; on `*.*` or the `mysql` schema they rewrite the grant tables.
    static let writing: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "ALL PRIVILEGES", "DELETE HISTORY",
    ]

    public init(showGrants lines: [String]) {
        var grants: [Grant] = []
        var revokes: [Grant] = []
        var unreadable = 0
        for line in lines {
            switch try? Grant.parse(showGrantsLine: line) {
            case .grant(let grant)?: grants.append(grant)
            case .partialRevoke(let grant)?: revokes.append(grant)
            // MariaDB's SET DEFAULT ROLE names a role granted on its own line.
            case .defaultRole?: continue
            case nil: unreadable += 1
            }
        }
        self.init(grants: grants, partialRevokes: revokes, unreadable: unreadable)
    }

    /// `partialRevokes`: MySQL's `REVOKE … ON mysql.* FROM` under
    /// `partial_revokes=ON`, which withhold a global privilege from the grant tables.
    public init(grants: [Grant], partialRevokes: [Grant] = [], unreadable: Int = 0) {
        privileges = []
        roles = []
        self.unreadable = unreadable
        for revoke in partialRevokes {
            let statement = PrintedStatement(revoke.what)
            guard let on = statement.tokens.firstIndex(where: { $0.is("ON") }),
                statement.text(of: (on + 1)..<statement.tokens.count).filter({ $0 != "`" }) == "mysql.*"
            else { continue }
            withheldFromMySQL.formUnion(Self.privilegeNames(statement, before: on))
        }
        for grant in grants {
            switch grant.kind {
            case .privileges:
                let statement = PrintedStatement(grant.what)
                guard let on = statement.tokens.firstIndex(where: { $0.is("ON") }) else {
                    self.unreadable += 1
                    continue
                }
                var object = statement.text(of: (on + 1)..<statement.tokens.count)
                for kind in ["TABLE ", "FUNCTION ", "PROCEDURE ", "PACKAGE BODY ", "PACKAGE "]
                where object.uppercased().hasPrefix(kind) {
                    object = String(object.dropFirst(kind.count))
                }
                object = object.filter { $0 != "`" && $0 != "'" && $0 != "\"" }
                for name in Self.privilegeNames(statement, before: on) {
                    privileges.append((name, object, grant.withOption == "WITH GRANT OPTION"))
                }
            case .roles:
                let statement = PrintedStatement(grant.what)
                var start = 0
                for (index, token) in statement.tokens.enumerated() where token.text == "," {
                    roles.append(statement.text(of: start..<index))
                    start = index + 1
                }
                roles.append(statement.text(of: start..<statement.tokens.count))
            case .proxy:
                // A proxy grant lets a login act as the proxied account. On
                // the anonymous `''@'%'` (root's default) that is any
                // account; on a named one it is as strong as that account,
                // whose own grants a rotation of it would check.
                let proxied = grant.what.dropFirst("PROXY ON ".count).filter { $0 != "`" && $0 != "'" }
                if proxied == "@%" { privileges.append(("PROXY", "any account", grant.withOption != nil)) }
            }
        }
    }

    /// Adds what another set (a role's) holds.
    public mutating func merge(_ other: AccountPrivileges) {
        privileges += other.privileges
        withheldFromMySQL.formUnion(other.withheldFromMySQL)
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

    /// Whether a grant's object reaches the `mysql` schema. Its database part
    /// is a LIKE pattern (`%`, `_`, `\` escapes), so `%.*` or `m_sql.*`
    /// grant on `mysql` as surely as `mysql.*` does; case is ignored, which
    /// can only refuse more.
    static func coversMySQLSchema(_ object: String) -> Bool {
        guard let dot = object.firstIndex(of: "."), object[..<dot] != "*" else { return false }
        return likePattern(Array(object[..<dot].lowercased()), matches: Array("mysql"))
    }

    static func likePattern(_ pattern: [Character], matches text: [Character]) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        let rest = Array(pattern.dropFirst())
        switch first {
        case "%":
            return (0...text.count).contains { likePattern(rest, matches: Array(text.dropFirst($0))) }
        case "_":
            return !text.isEmpty && likePattern(rest, matches: Array(text.dropFirst()))
        case "\\" where !rest.isEmpty:
            return text.first == rest[0] && likePattern(Array(rest.dropFirst()), matches: Array(text.dropFirst()))
        default:
            return text.first == first && likePattern(rest, matches: Array(text.dropFirst()))
        }
    }

    public func holdsGlobal(_ privilege: String) -> Bool {
        privileges.contains { $0.object == "*.*" && ($0.name == privilege || $0.name == "ALL PRIVILEGES") }
    }

    /// What lets the account manage others, for the error message: privileges and objects only.
    public var managing: [String] {
        var found: [String] = []
        for privilege in privileges {
            let global = privilege.object == "*.*"
            let onMySQL = Self.coversMySQLSchema(privilege.object)
            // ALL on *.* holds CREATE USER whatever a partial revoke withholds.
            if global && Self.managingGlobal.contains(privilege.name) { found.append("\(privilege.name) ON *.*") }
            if global && privilege.grantOption { found.append("GRANT OPTION ON *.*") }
            if Self.writing.contains(privilege.name) && privilege.name != "ALL PRIVILEGES"
                && (onMySQL || (global && !withheldFromMySQL.contains(privilege.name)))
            {
                found.append("\(privilege.name) ON \(privilege.object)")
            }
            if onMySQL && privilege.name == "ALL PRIVILEGES" { found.append("ALL PRIVILEGES ON \(privilege.object)") }
            if privilege.name == "PROXY" { found.append("PROXY ON ''@'%' (any account)") }
        }
        if unreadable > 0 { found.append("\(unreadable) grant line(s) of a form this function does not know") }
        var seen = Set<String>()
        return found.filter { seen.insert($0).inserted }
    }
}
