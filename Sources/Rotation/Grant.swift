/// One line of `SHOW GRANTS`, split so it can be given to another account.
///
/// MySQL 5.7 quotes names with `'`, MySQL 8 and MariaDB with backticks; the
/// line is read with both in mind and its privilege part is kept exactly as
/// the server printed it, so it is valid SQL for that same server.
public struct Grant: Sendable, Equatable {
    /// Everything between `GRANT ` and ` TO `: privileges and object, a role, or PROXY.
    public var what: String
    /// `WITH GRANT OPTION` or `WITH ADMIN OPTION`, when the line has one.
    public var withOption: String?

    public init(what: String, withOption: String? = nil) {
        self.what = what
        self.withOption = withOption
    }

    /// `nil` for lines that are not grants.
    public init?(showGrantsLine line: String) {
        let characters = Array(line)
        guard line.hasPrefix("GRANT ") else { return nil }
        let topLevel = Self.unquotedPositions(characters)
        guard let toIndex = Self.find(" TO ", in: characters, from: 6, allowed: topLevel) else { return nil }
        self.what = String(characters[6..<toIndex])
        let rest = characters[(toIndex + 4)...]
        let restStart = rest.startIndex
        for option in ["WITH GRANT OPTION", "WITH ADMIN OPTION"] {
            if Self.find(" " + option, in: characters, from: restStart, allowed: topLevel) != nil {
                self.withOption = option
                return
            }
        }
        self.withOption = nil
    }

    /// Grants on `*.*` of nothing but USAGE carry no privilege: what MariaDB
    /// prints there (password hash, REQUIRE, limits) is copied otherwise.
    public var isUsageOnly: Bool {
        what.hasPrefix("USAGE ON ")
    }

    public func granting(to account: Account) -> SQL {
        let option = withOption.map { " " + $0 } ?? ""
        return "GRANT \(raw: what) TO \(account: account)\(raw: option)"
    }

    public func revoking(from account: Account) -> [SQL] {
        var statements: [SQL] = ["REVOKE \(raw: what) FROM \(account: account)"]
        if withOption == "WITH GRANT OPTION", let on = onClause {
            statements.append("REVOKE GRANT OPTION \(raw: on) FROM \(account: account)")
        }
        return statements
    }

    /// ` ON object` of a privilege grant; `nil` for a role grant.
    var onClause: String? {
        let characters = Array(what)
        let topLevel = Self.unquotedPositions(characters)
        guard let index = Self.find(" ON ", in: characters, from: 0, allowed: topLevel) else { return nil }
        return String(characters[(index + 1)...])
    }

    /// Which positions are outside any quoted name or string.
    static func unquotedPositions(_ characters: [Character]) -> [Bool] {
        var result = [Bool](repeating: true, count: characters.count)
        var quote: Character? = nil
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if let open = quote {
                result[index] = false
                if character == "\\" && open != "`" {
                    if index + 1 < characters.count { result[index + 1] = false }
                    index += 2
                    continue
                }
                if character == open {
                    // A doubled quote stays inside the name or string.
                    if index + 1 < characters.count && characters[index + 1] == open {
                        result[index + 1] = false
                        index += 2
                        continue
                    }
                    quote = nil
                }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
                result[index] = false
            }
            index += 1
        }
        return result
    }

    static func find(_ needle: String, in characters: [Character], from start: Int, allowed: [Bool]) -> Int? {
        let target = Array(needle)
        guard characters.count >= target.count else { return nil }
        var index = start
        while index + target.count <= characters.count {
            if allowed[index] && allowed[index + target.count - 1] && Array(characters[index..<(index + target.count)]) == target {
                return index
            }
            index += 1
        }
        return nil
    }
}

/// The TLS an account must use, from `mysql.user`'s `ssl_type`, `ssl_cipher`,
/// `x509_issuer` and `x509_subject`.
public struct TLSRequirement: Sendable, Equatable {
    public var type: String
    public var cipher: String
    public var issuer: String
    public var subject: String

    public init(type: String, cipher: String = "", issuer: String = "", subject: String = "") {
        self.type = type
        self.cipher = cipher
        self.issuer = issuer
        self.subject = subject
    }

    public func applying(to account: Account) -> SQL {
        switch type.uppercased() {
        case "ANY": return "ALTER USER \(account: account) REQUIRE SSL"
        case "X509": return "ALTER USER \(account: account) REQUIRE X509"
        case "SPECIFIED":
            var sql: SQL = "ALTER USER \(account: account) REQUIRE"
            var clauses: [SQL] = []
            if !cipher.isEmpty { clauses.append("CIPHER \(literal: cipher)") }
            if !issuer.isEmpty { clauses.append("ISSUER \(literal: issuer)") }
            if !subject.isEmpty { clauses.append("SUBJECT \(literal: subject)") }
            for (index, clause) in clauses.enumerated() {
                sql.append(index == 0 ? " " : " AND ")
                sql.append(clause)
            }
            return clauses.isEmpty ? "ALTER USER \(account: account) REQUIRE SSL" : sql
        default: return "ALTER USER \(account: account) REQUIRE NONE"
        }
    }
}
