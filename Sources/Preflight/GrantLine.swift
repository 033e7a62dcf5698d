/// One `SHOW GRANTS` line, read only as far as the check needs: which
/// privileges on which object, or which role, and with which option. The
/// line itself never reaches the report (MariaDB prints the password hash
/// in it).
public enum GrantLine: Sendable, Equatable {
    /// `GRANT SELECT, INSERT ON appdb.* TO … [WITH GRANT OPTION]`; object without quotes.
    case privileges(Set<String>, on: String, grantOption: Bool)
    /// `GRANT app_role TO … [WITH ADMIN OPTION]`.
    case role(String, adminOption: Bool)

    public init?(_ line: String) {
        guard line.hasPrefix("GRANT ") else { return nil }
        let characters = Array(line)
        guard let to = Self.find(" TO ", in: characters) else { return nil }
        let tail = String(characters[to...])
        if let on = Self.find(" ON ", in: characters), on < to {
            let list = String(characters[6..<on])
            var names = Set<String>()
            for part in Self.dropParentheses(list).split(separator: ",") {
                let name = part.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                    .uppercased()
                if !name.isEmpty { names.insert(name == "ALL" ? "ALL PRIVILEGES" : name) }
            }
            let object = String(characters[(on + 4)..<to]).filter { $0 != "`" }
            self = .privileges(names, on: object, grantOption: tail.contains(" WITH GRANT OPTION"))
        } else {
            let name = String(characters[6..<to]).filter { $0 != "`" && $0 != "'" }
            self = .role(name, adminOption: tail.contains(" WITH ADMIN OPTION"))
        }
    }

    /// The first `keyword` outside backquotes and quotes.
    static func find(_ keyword: String, in characters: [Character]) -> Int? {
        let needle = Array(keyword)
        var quote: Character?
        var index = 0
        while index + needle.count <= characters.count {
            let character = characters[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" {
                quote = character
            } else if Array(characters[index..<index + needle.count]) == needle {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Column privileges (`SELECT (a, b)`) count as the privilege itself.
    static func dropParentheses(_ text: String) -> String {
        var depth = 0
        return String(
            text.filter { character in
                if character == "(" { depth += 1; return false }
                if character == ")" { depth -= 1; return false }
                return depth == 0
            })
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
