import Rotation

/// One `SHOW GRANTS` line, read only as far as the check needs: which
/// privileges on which object, or which role, and with which option. The
/// line itself never reaches the report (MariaDB prints the password hash
/// in it).
public enum GrantLine: Sendable, Equatable {
    /// `GRANT SELECT, INSERT ON appdb.* TO … [WITH GRANT OPTION]`; object without quotes.
    case privileges(Set<String>, on: String, grantOption: Bool)
    /// `GRANT app_role TO … [WITH ADMIN OPTION]`.
    case role(String, adminOption: Bool)

    /// Reads `line` with the rotation's parser (`Grant.parse(showGrantsLine:)`),
    /// so a line the rotation refuses grants nothing here either and the
    /// check cannot pass on it; `nil` for such lines and for lines that are
    /// not grants (partial revokes, default roles).
    public init?(_ line: String) {
        guard case .grant(let grant)? = try? Grant.parse(showGrantsLine: line) else { return nil }
        if let object = grant.object {
            self = .privileges(grant.privilegeNames, on: object, grantOption: grant.withOption == "WITH GRANT OPTION")
        } else {
            let name = grant.what.filter { $0 != "`" && $0 != "'" }
            self = .role(name, adminOption: grant.withOption == "WITH ADMIN OPTION")
        }
    }
}

/// Whether a set of grants holds `privilege` on `object`, the way the
/// server resolves it: a global grant covers every database, a database
/// grant every table in it.
public struct GrantSet: Sendable, Equatable {
    public var lines: [GrantLine]

    public init(_ lines: [GrantLine]) { self.lines = lines }

    public init(showGrants: [String]) { self.init(showGrants.compactMap(GrantLine.init)) }

    public func holds(_ privilege: String, on object: String, withGrantOption: Bool = false) -> Bool {
        lines.contains { line in
            guard case .privileges(let names, let on, let grantOption) = line else { return false }
            guard !withGrantOption || grantOption else { return false }
            guard names.contains(privilege) || names.contains("ALL PRIVILEGES") else { return false }
            return Self.covers(on, object)
        }
    }

    public func holdsRole(_ role: String, withAdminOption: Bool) -> Bool {
        lines.contains { line in
            guard case .role(let name, let adminOption) = line else { return false }
            return name == role && (!withAdminOption || adminOption)
        }
    }

    /// `*.*` covers all; `db.*` covers `db.*` and `db.table`; else exact.
    static func covers(_ granted: String, _ wanted: String) -> Bool {
        if granted == "*.*" || granted == wanted { return true }
        guard granted.hasSuffix(".*") else { return false }
        return wanted.hasPrefix(String(granted.dropLast(1)))
    }

    /// What a copy of these grants would need the copier to hold: each
    /// privilege (USAGE is nobody's to grant) on its object, and each role.
    public var toCopy: (privileges: [(name: String, object: String)], roles: [String]) {
        var privileges: [(String, String)] = []
        var roles: [String] = []
        for line in lines {
            switch line {
            case .privileges(let names, let object, _):
                for name in names.sorted() where name != "USAGE" { privileges.append((name, object)) }
            case .role(let name, _):
                roles.append(name)
            }
        }
        return (privileges, roles)
    }
}
