import Rotation

/// One `SHOW GRANTS` line, read only as far as the check needs: which
/// privileges on which object, or which role, and with which option. The
/// line itself never reaches the report (MariaDB prints the password hash
/// in it).
public enum GrantLine: Sendable, Equatable {
    /// `GRANT SELECT, INSERT ON appdb.* TO … [WITH GRANT OPTION]`.
    case privileges(Set<String>, on: GrantObject, grantOption: Bool)
    /// `GRANT PROXY ON account TO … [WITH GRANT OPTION]`, the account as printed.
    case proxy(String, grantOption: Bool)
    /// `GRANT app_role TO … [WITH ADMIN OPTION]`.
    case role(String, adminOption: Bool)

    /// Reads `line` with the rotation's parser (`Grant.parse(showGrantsLine:)`),
    /// so a line the rotation refuses grants nothing here either and the
    /// check cannot pass on it; `nil` for such lines and for lines that are
    /// not grants (partial revokes, default roles).
    public init?(_ line: String) {
        guard case .grant(let grant)? = try? Grant.parse(showGrantsLine: line) else { return nil }
        switch grant.kind {
        case .privileges:
            guard let object = grant.object else { return nil }
            self = .privileges(grant.privilegeNames, on: object, grantOption: grant.withOption == "WITH GRANT OPTION")
        case .proxy:
            self = .proxy(String(grant.what.dropFirst("PROXY ON ".count)), grantOption: grant.withOption != nil)
        case .roles:
            let name = grant.what.filter { $0 != "`" && $0 != "'" }
            self = .role(name, adminOption: grant.withOption == "WITH ADMIN OPTION")
        }
    }
}

/// Whether a set of grants holds `privilege` on `object`, the way the
/// server resolves it (`GrantObject.covers`): a global grant covers every
/// database, a database grant (a LIKE pattern) every table in each database
/// it matches.
public struct GrantSet: Sendable, Equatable {
    public var lines: [GrantLine]

    public init(_ lines: [GrantLine]) { self.lines = lines }

    public init(showGrants: [String]) { self.init(showGrants.compactMap(GrantLine.init)) }

    public func holds(_ privilege: String, on object: GrantObject, withGrantOption: Bool = false) -> Bool {
        lines.contains { line in
            guard case .privileges(let names, let on, let grantOption) = line else { return false }
            guard !withGrantOption || grantOption else { return false }
            guard names.contains(privilege) || names.contains("ALL PRIVILEGES") else { return false }
            return on.covers(object)
        }
    }

    public func holdsProxy(_ account: String, withGrantOption: Bool) -> Bool {
        lines.contains { line in
            guard case .proxy(let proxied, let grantOption) = line else { return false }
            return proxied == account && (!withGrantOption || grantOption)
        }
    }

    public func holdsRole(_ role: String, withAdminOption: Bool) -> Bool {
        lines.contains { line in
            guard case .role(let name, let adminOption) = line else { return false }
            return name == role && (!withAdminOption || adminOption)
        }
    }

    /// What a copy of these grants would need the copier to hold: each
    /// privilege (USAGE is nobody's to grant) on its object, each proxy and each role.
    public var toCopy: (privileges: [(name: String, object: GrantObject)], proxies: [String], roles: [String]) {
        var privileges: [(String, GrantObject)] = []
        var proxies: [String] = []
        var roles: [String] = []
        for line in lines {
            switch line {
            case .privileges(let names, let object, _):
                for name in names.sorted() where name != "USAGE" { privileges.append((name, object)) }
            case .proxy(let account, _):
                proxies.append(account)
            case .role(let name, _):
                roles.append(name)
            }
        }
        return (privileges, proxies, roles)
    }
}
