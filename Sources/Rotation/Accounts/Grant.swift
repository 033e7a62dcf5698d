/// One line of `SHOW GRANTS`, split so it can be given to another account.
///
/// MySQL 5.7 quotes names with `'`, MySQL 8 and MariaDB with backticks; the
/// line is read with both in mind and its privilege part is kept exactly as
/// the server printed it, so it is valid SQL for that same server.
public struct Grant: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Privileges on an object: a table, a column list, a routine, a database, `*.*`.
        case privileges
        /// `PROXY ON account`.
        case proxy
        /// One role, or (MySQL 8) several separated by commas.
        case roles
    }

    /// Everything between `GRANT ` and ` TO ` (or `REVOKE ` and ` FROM `).
    public var what: String
    /// `WITH GRANT OPTION` or `WITH ADMIN OPTION`, when the line has one.
    public var withOption: String?
    public var kind: Kind

    public init(what: String, withOption: String? = nil, kind: Kind? = nil) {
        self.what = what
        self.withOption = withOption
        self.kind = kind ?? (what.hasPrefix("PROXY ON ") ? .proxy : what.contains(" ON ") ? .privileges : .roles)
    }

    /// Lines that are grants; `nil` for any other line.
    public init?(showGrantsLine line: String) {
        guard case .grant(let grant)? = try? Self.parse(showGrantsLine: line) else { return nil }
        self = grant
    }

    /// A bare `USAGE ON *.*` carries no privilege (what MariaDB prints on
    /// it, password hash, REQUIRE and limits, is copied from SHOW CREATE USER);
    /// with GRANT OPTION it is a privilege like any other.
    public var isUsageOnly: Bool {
        what == "USAGE ON *.*" && withOption == nil
    }

    public func granting(to account: Account) -> SQL {
        let option = withOption.map { " " + $0 } ?? ""
        return "GRANT \(raw: what) TO \(account: account)\(raw: option)"
    }

    public func revoking(from account: Account) -> [SQL] {
        var statements: [SQL] = ["REVOKE \(raw: what) FROM \(account: account)"]
        // REVOKE of privileges leaves their GRANT OPTION; of a role or a
        // proxy it takes the option with it.
        if kind == .privileges, withOption == "WITH GRANT OPTION", let on = onClause {
            statements.append("REVOKE GRANT OPTION \(raw: on) FROM \(account: account)")
        }
        return statements
    }

    /// MySQL's partial revoke (`REVOKE … FROM`, printed with `partial_revokes=ON`)
    /// given to another account.
    public func restricting(_ account: Account) -> SQL {
        "REVOKE \(raw: what) FROM \(account: account)"
    }

    /// Lifts a partial revoke: granting the privilege at the level it was
    /// revoked at removes the restriction (MySQL's partial revokes).
    public func lifting(from account: Account) -> SQL {
        "GRANT \(raw: what) TO \(account: account)"
    }

    /// ` ON object` of a privilege grant.
    var onClause: String? {
        let statement = PrintedStatement(what)
        guard let on = statement.tokens.firstIndex(where: { $0.is("ON") }) else { return nil }
        return "ON " + statement.text(of: (on + 1)..<statement.tokens.count)
    }
}

/// What one `SHOW GRANTS` line says.
public enum GrantLine: Sendable, Equatable {
    case grant(Grant)
    /// MySQL 8 with `partial_revokes=ON`: a privilege granted globally but
    /// withheld on a schema. Dropping it would give the copy more access.
    case partialRevoke(Grant)
    /// MariaDB's `SET DEFAULT ROLE role FOR account`.
    case defaultRole(String)
}

/// Everything `SHOW GRANTS FOR account` says, every line understood.
public struct AccountGrants: Sendable, Equatable {
    /// The grants, without the bare `USAGE ON *.*` every account has.
    public var grants: [Grant] = []
    public var partialRevokes: [Grant] = []
    /// MariaDB's default role; MySQL keeps it in SHOW CREATE USER instead.
    public var defaultRole: String?

    public init(grants: [Grant] = [], partialRevokes: [Grant] = [], defaultRole: String? = nil) {
        self.grants = grants
        self.partialRevokes = partialRevokes
        self.defaultRole = defaultRole
    }

    /// Refuses the whole list when one line is of a form not understood:
    /// ignoring it could give a copy more access (a dropped REVOKE) or less.
    public init(showGrantsLines lines: [String]) throws(AccountProblem) {
        for line in lines {
            switch try Grant.parse(showGrantsLine: line) {
            case .grant(let grant) where grant.isUsageOnly: continue
            case .grant(let grant): grants.append(grant)
            case .partialRevoke(let grant): partialRevokes.append(grant)
            case .defaultRole(let role): defaultRole = role
            }
        }
    }
}

extension Grant {
    /// Reads one line of SHOW GRANTS, MariaDB's and MySQL's forms:
    ///
    ///     GRANT privileges ON [TABLE|FUNCTION|PROCEDURE|PACKAGE [BODY]] object TO account [clauses]
    ///     GRANT PROXY ON account TO account [WITH GRANT OPTION]
    ///     GRANT role[, role…] TO account [WITH ADMIN OPTION]
    ///     REVOKE privileges ON object FROM account          (MySQL, partial_revokes=ON)
    ///     SET DEFAULT ROLE role FOR account                 (MariaDB)
    ///
    /// The clauses MariaDB adds to a line on `*.*` (IDENTIFIED …, REQUIRE …,
    /// WITH … limits) are recognised and skipped: SHOW CREATE USER is where
    /// they are copied from.
    public static func parse(showGrantsLine line: String) throws(AccountProblem) -> GrantLine {
        let statement = PrintedStatement(line)
        let tokens = statement.tokens
        let lineKind = PrintedStatement.keyword(tokens.first) ?? "unnamed"
        func unknown(_ token: PrintedStatement.Token? = nil) -> AccountProblem {
            .unrecognisedLine(statement: "SHOW GRANTS", kind: lineKind, near: PrintedStatement.keyword(token))
        }
        guard statement.isComplete, let first = tokens.first else { throw unknown() }
        var cursor = TokenCursor(statement, at: 1)

        if first.is("SET") {
            guard cursor.accept("DEFAULT", "ROLE") else { throw unknown(cursor.current) }
            let roleStart = cursor.index
            guard cursor.acceptAccountName() || cursor.accept("NONE") else { throw unknown(cursor.current) }
            let role = statement.text(of: roleStart..<cursor.index)
            guard cursor.accept("FOR"), cursor.acceptAccountName(), cursor.isAtEnd else {
                throw unknown(cursor.current)
            }
            return .defaultRole(role)
        }
        guard first.is("GRANT") || first.is("REVOKE") else { throw unknown() }
        let isRevoke = first.is("REVOKE")
        let separator = isRevoke ? "FROM" : "TO"
        guard let separatorIndex = tokens.indices.dropFirst().first(where: { tokens[$0].is(separator) }),
            separatorIndex > 1
        else { throw unknown() }
        let whatRange = 1..<separatorIndex
        let kind = try whatKind(statement, whatRange, unknown: unknown)
        let grant = Grant(what: statement.text(of: whatRange), kind: kind)
        cursor.index = separatorIndex + 1
        guard cursor.acceptAccountName() else { throw unknown(cursor.current) }
        if isRevoke {
            guard kind == .privileges, cursor.isAtEnd else { throw unknown(cursor.current) }
            return .partialRevoke(grant)
        }
        var withOption: String?
        while let token = cursor.current {
            if cursor.accept("IDENTIFIED") || cursor.accept("REQUIRE") {
                // Account attributes on MariaDB's `*.*` line: skipped up to the next clause.
                while let next = cursor.current, !next.is("REQUIRE"), !next.is("WITH") { cursor.index += 1 }
                continue
            }
            guard cursor.accept("WITH") else { throw unknown(token) }
            while let option = cursor.current, !option.is("REQUIRE"), !option.is("IDENTIFIED") {
                if cursor.accept("GRANT", "OPTION") {
                    withOption = "WITH GRANT OPTION"
                } else if cursor.accept("ADMIN", "OPTION") {
                    withOption = "WITH ADMIN OPTION"
                } else if AccountAttributes.limitNames.contains(option.text.uppercased()),
                    cursor.peek(1)?.isNumber == true
                {
                    cursor.index += 2
                } else {
                    throw unknown(option)
                }
            }
        }
        return .grant(Grant(what: grant.what, withOption: withOption, kind: kind))
    }

    /// Which of the three forms the part between GRANT and TO has; anything
    /// else is refused.
    private static func whatKind(
        _ statement: PrintedStatement, _ range: Range<Int>, unknown: (PrintedStatement.Token?) -> AccountProblem
    ) throws(AccountProblem) -> Kind {
        let tokens = statement.tokens
        guard let on = range.first(where: { tokens[$0].is("ON") }) else {
            // Roles: names, separated by commas.
            var cursor = TokenCursor(statement, at: range.lowerBound)
            repeat {
                guard cursor.acceptAccountName() else { throw unknown(cursor.current) }
            } while cursor.index < range.upperBound && cursor.next()?.text == ","
            guard cursor.index == range.upperBound else { throw unknown(cursor.current) }
            return .roles
        }
        if tokens[range.lowerBound].is("PROXY") && on == range.lowerBound + 1 {
            var cursor = TokenCursor(statement, at: on + 1)
            guard cursor.acceptAccountName(), cursor.index == range.upperBound else { throw unknown(cursor.current) }
            return .proxy
        }
        // Privileges: keywords, commas and column lists in parentheses.
        var depth = 0
        for index in range.lowerBound..<on {
            let token = tokens[index]
            switch (token.kind, token.text) {
            case (.word, _), (.punctuation, ","): continue
            case (.quoted, _) where depth > 0: continue
            case (.punctuation, "("): depth += 1
            case (.punctuation, ")") where depth > 0: depth -= 1
            default: throw unknown(token)
            }
        }
        guard depth == 0, on > range.lowerBound else { throw unknown(tokens[on]) }
        // The object: an optional kind of routine, then `*`, names and dots.
        var index = on + 1
        if index < range.upperBound,
            ["TABLE", "FUNCTION", "PROCEDURE", "PACKAGE"].contains(tokens[index].text.uppercased()),
            tokens[index].kind == .word
        {
            index += tokens[index].is("PACKAGE") && index + 1 < range.upperBound && tokens[index + 1].is("BODY") ? 2 : 1
        }
        // `name`, `*`, or either of them dotted with another.
        let object = Array(tokens[index..<range.upperBound])
        func isName(_ token: PrintedStatement.Token) -> Bool { token.kind == .quoted || token.text == "*" }
        let valid =
            (object.count == 1 && isName(object[0]))
            || (object.count == 3 && isName(object[0]) && object[1].text == "." && isName(object[2]))
        guard valid else { throw unknown(object.first { !isName($0) && $0.text != "." }) }
        return .privileges
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
