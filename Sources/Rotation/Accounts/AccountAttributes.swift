/// What `SHOW CREATE USER` says about an account besides its grants and TLS
/// requirement: authentication plugin, resource limits, password and lock
/// options. Read from the current user so the other user of the alternating
/// strategy can be made the same, with its own password.
///
/// Only keywords and numbers are kept; the password hash (`USING '…'`,
/// `AS '…'`, `BY PASSWORD '…'`) is skipped and never stored.
public struct AccountAttributes: Sendable, Equatable {
    public enum Authentication: Sendable, Equatable {
        /// No IDENTIFIED clause, or MariaDB's `IDENTIFIED BY PASSWORD '…'`:
        /// the server's password plugin.
        case password
        /// A named plugin (MariaDB's `IDENTIFIED VIA p`, MySQL's `IDENTIFIED WITH 'p'`).
        case plugin(String)
    }

    public var authentication: Authentication = .password
    /// Every method, in order (MariaDB's `OR` chain); the copy gets the same chain.
    public var methods = AuthenticationMethods([AuthenticationMethods.Method(plugin: "mysql_native_password")])
    /// `MAX_…` name → number as printed; absent limits are 0 (none).
    public var limits: [String: String] = [:]
    /// `NEVER`, `DEFAULT` or `INTERVAL n DAY`; `nil` when not printed (the default).
    public var passwordExpiry: String?
    /// Whether the password is expired now. Not copied: the copy gets a new one.
    public var passwordExpired = false
    public var locked = false
    /// MySQL 8: `PASSWORD HISTORY …`, `PASSWORD REUSE INTERVAL …`,
    /// `PASSWORD REQUIRE CURRENT …`, by their first words.
    public var passwordPolicies: [String: String] = [:]
    public var failedLoginAttempts: String?
    public var passwordLockTime: String?
    /// MySQL 8's `DEFAULT ROLE` list as printed.
    public var defaultRoles: String?
    /// MySQL 8's `ATTRIBUTE '…'` (which holds COMMENT too) as printed.
    public var attribute: String?

    public init() {}

    static let limitNames = [
        "MAX_QUERIES_PER_HOUR", "MAX_UPDATES_PER_HOUR", "MAX_CONNECTIONS_PER_HOUR", "MAX_USER_CONNECTIONS",
        "MAX_STATEMENT_TIME",
    ]

    /// The plugins whose password is stored by the server and can be set
    /// with a statement; any other (unix_socket, pam, gssapi, auth_socket,
    /// LDAP…) has no password this function could rotate.
    static let passwordPlugins: [ServerVersion.Flavor: Set<String>] = [
        .mariadb: ["mysql_native_password", "ed25519", "parsec"],
        .mysql: ["mysql_native_password", "caching_sha2_password", "sha256_password"],
    ]

    /// Reads MariaDB's and MySQL's forms:
    ///
    ///     CREATE USER `u`@`h` IDENTIFIED VIA ed25519 USING '…' REQUIRE SSL
    ///         WITH MAX_QUERIES_PER_HOUR 100 ACCOUNT LOCK PASSWORD EXPIRE INTERVAL 30 DAY
    ///     CREATE USER `u`@`h` IDENTIFIED WITH 'caching_sha2_password' AS '…' DEFAULT ROLE `r`@`%`
    ///         REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK PASSWORD HISTORY DEFAULT
    ///         PASSWORD REUSE INTERVAL DEFAULT PASSWORD REQUIRE CURRENT DEFAULT
    ///         FAILED_LOGIN_ATTEMPTS 3 PASSWORD_LOCK_TIME 2 ATTRIBUTE '{…}'
    ///
    /// Any clause not listed refuses the whole account.
    public init(showCreateUser line: String) throws(AccountProblem) {
        let statement = PrintedStatement(line)
        var cursor = TokenCursor(statement)
        func unknown(_ token: PrintedStatement.Token?) -> AccountProblem {
            .unrecognisedLine(statement: "SHOW CREATE USER", kind: "CREATE USER", near: PrintedStatement.keyword(token))
        }
        guard statement.isComplete, cursor.accept("CREATE", "USER"), cursor.acceptAccountName() else {
            throw unknown(cursor.current)
        }
        func number() throws(AccountProblem) -> String {
            guard let token = cursor.current, token.isNumber else { throw unknown(cursor.current) }
            cursor.index += 1
            return token.text
        }
        /// DEFAULT, or a number followed by DAY when `days`.
        func defaultOrNumber(days: Bool) throws(AccountProblem) -> String {
            if cursor.accept("DEFAULT") { return "DEFAULT" }
            let value = try number()
            if days { guard cursor.accept("DAY") else { throw unknown(cursor.current) } }
            return days ? value + " DAY" : value
        }

        while let token = cursor.current {
            if cursor.accept("IDENTIFIED") {
                try readAuthentication(&cursor, unknown: unknown)
            } else if cursor.accept("DEFAULT", "ROLE") {
                let start = cursor.index
                repeat {
                    guard cursor.acceptAccountName() else { throw unknown(cursor.current) }
                } while cursor.current?.text == "," && cursor.next() != nil
                defaultRoles = statement.text(of: start..<cursor.index)
            } else if cursor.accept("REQUIRE") {
                // Copied from mysql.user's columns (TLSRequirement); only checked here.
                while let word = cursor.current,
                    ["NONE", "SSL", "X509", "ISSUER", "SUBJECT", "CIPHER", "AND"]
                        .contains(word.text.uppercased()) || word.kind == .quoted
                {
                    cursor.index += 1
                }
            } else if cursor.accept("WITH") {
                while let name = cursor.current, Self.limitNames.contains(name.text.uppercased()) {
                    cursor.index += 1
                    limits[name.text.uppercased()] = try number()
                }
            } else if cursor.accept("ACCOUNT", "LOCK") {
                locked = true
            } else if cursor.accept("ACCOUNT", "UNLOCK") {
                locked = false
            } else if cursor.accept("PASSWORD", "EXPIRE") {
                if cursor.accept("NEVER") {
                    passwordExpiry = "NEVER"
                } else if cursor.accept("DEFAULT") {
                    passwordExpiry = "DEFAULT"
                } else if cursor.accept("INTERVAL") {
                    passwordExpiry = "INTERVAL " + (try defaultOrNumber(days: true))
                } else {
                    passwordExpired = true
                }
            } else if cursor.accept("PASSWORD", "HISTORY") {
                passwordPolicies["PASSWORD HISTORY"] = try defaultOrNumber(days: false)
            } else if cursor.accept("PASSWORD", "REUSE", "INTERVAL") {
                passwordPolicies["PASSWORD REUSE INTERVAL"] = try defaultOrNumber(days: true)
            } else if cursor.accept("PASSWORD", "REQUIRE", "CURRENT") {
                passwordPolicies["PASSWORD REQUIRE CURRENT"] =
                    cursor.accept("DEFAULT") ? "DEFAULT" : cursor.accept("OPTIONAL") ? "OPTIONAL" : ""
            } else if cursor.accept("FAILED_LOGIN_ATTEMPTS") {
                failedLoginAttempts = try number()
            } else if cursor.accept("PASSWORD_LOCK_TIME") {
                passwordLockTime = cursor.accept("UNBOUNDED") ? "UNBOUNDED" : try number()
            } else if cursor.accept("ATTRIBUTE"), let value = cursor.current, value.kind == .quoted {
                attribute = value.text
                cursor.index += 1
            } else {
                throw unknown(token)
            }
        }
    }

    /// `IDENTIFIED …` up to the next clause. MariaDB may chain methods with
    /// OR and MySQL 8.0.27 may add factors with AND IDENTIFIED: such an
    /// account has more than one way in, and copying it is refused.
    private mutating func readAuthentication(
        _ cursor: inout TokenCursor, unknown: (PrintedStatement.Token?) -> AccountProblem
    ) throws(AccountProblem) {
        // `BY PASSWORD '…'`: the server's password plugin, as before any chain.
        let byPassword = cursor.current?.is("BY") == true
        let chain = try AuthenticationMethods.read(&cursor, statement: "SHOW CREATE USER", kind: "CREATE USER")
        methods = AuthenticationMethods(chain)
        let first = chain.first(where: \.holdsPassword) ?? chain[0]
        authentication = byPassword ? .password : .plugin(first.plugin.lowercased())
    }

    /// The statement that gives `account` these attributes and `password`,
    /// under the same plugin, or `move`'s (AUTH_PLUGIN). Every attribute this
    /// server knows is written out, defaults included, so one the copy had
    /// from before is reset.
    public func applying(
        to account: Account, password: String, on server: ServerVersion, move: PluginMove = .none
    ) throws(AccountProblem) -> SQL {
        var sql: SQL = "ALTER USER \(account: account) "
        sql.append(try authenticationClause(password: password, on: server, move: move))
        var limitNames = Self.limitNames.dropLast()
        if server.supports(.statementTimeLimit) { limitNames.append("MAX_STATEMENT_TIME") }
        sql.append(" WITH " + limitNames.map { "\($0) \(limits[$0] ?? "0")" }.joined(separator: " "))
        if server.supports(.accountLocking) { sql.append(locked ? " ACCOUNT LOCK" : " ACCOUNT UNLOCK") }
        if server.supports(.passwordExpiryOptions) { sql.append(" PASSWORD EXPIRE \(passwordExpiry ?? "DEFAULT")") }
        if server.supports(.passwordReusePolicy) {
            sql.append(" PASSWORD HISTORY \(passwordPolicies["PASSWORD HISTORY"] ?? "DEFAULT")")
            sql.append(" PASSWORD REUSE INTERVAL \(passwordPolicies["PASSWORD REUSE INTERVAL"] ?? "DEFAULT")")
        }
        if server.supports(.currentPasswordVerification) {
            let value = passwordPolicies["PASSWORD REQUIRE CURRENT"] ?? "DEFAULT"
            sql.append(" PASSWORD REQUIRE CURRENT" + (value.isEmpty ? "" : " " + value))
        }
        if server.supports(.failedLoginTracking) {
            sql.append(
                " FAILED_LOGIN_ATTEMPTS \(failedLoginAttempts ?? "0") PASSWORD_LOCK_TIME \(passwordLockTime ?? "0")")
        }
        if let attribute, server.supports(.userAttributes) { sql.append(" ATTRIBUTE " + attribute) }
        return sql
    }

    /// MySQL 8's default roles, set after the role grants they name; `nil`
    /// where default roles are not part of the account (MariaDB: SET DEFAULT ROLE).
    public func settingDefaultRoles(of account: Account, on server: ServerVersion) -> SQL? {
        guard server.supports(.defaultRolesInAlterUser) else { return nil }
        return "ALTER USER \(account: account) DEFAULT ROLE \(raw: defaultRoles ?? "NONE")"
    }

    func authenticationClause(
        password: String, on server: ServerVersion, move: PluginMove = .none
    ) throws(AccountProblem) -> SQL {
        guard methods.holdsPassword else { throw .pluginWithoutPassword(methods.methods.first?.plugin ?? "none") }
        let plugin: String
        switch authentication {
        case .plugin(let named): plugin = named
        // `IDENTIFIED BY PASSWORD '…'` is mysql_native_password, which a move leaves.
        case .password where move.isMoving: plugin = "mysql_native_password"
        case .password: return "IDENTIFIED BY \(literal: password)"
        }
        guard Self.passwordPlugins[server.flavor, default: []].contains(plugin) else {
            throw .pluginWithoutPassword(plugin)
        }
        switch server.flavor {
        case .mariadb where server.supports(.pluginPasswordByName):
            // The whole chain, each password method with the new password (AuthenticationMethods).
            return try methods.mariaDBClause(password: password, retaining: nil, movingTo: move.target)
        case .mariadb:
            guard plugin == "mysql_native_password", methods.methods.count == 1 else {
                throw .pluginWithoutPassword(plugin)
            }
            return "IDENTIFIED BY \(literal: password)"
        case .mysql:
            guard methods.methods.count == 1 else { throw .severalAuthenticationMethods }
            return "IDENTIFIED WITH \(raw: move.isMoving ? move.target ?? plugin : plugin) BY \(literal: password)"
        }
    }
}

/// Why an account cannot be copied; names keywords and plugins, never a
/// value from the printed text (which holds password hashes).
public enum AccountProblem: Error, Equatable, CustomStringConvertible, Sendable {
    /// A line of SHOW GRANTS or SHOW CREATE USER of a form not understood.
    case unrecognisedLine(statement: String, kind: String, near: String?)
    /// An authentication plugin with no password the server stores (unix_socket, pam…).
    case pluginWithoutPassword(String)
    /// MariaDB's `IDENTIFIED VIA a OR b`, MySQL's multi-factor `AND IDENTIFIED`.
    case severalAuthenticationMethods
    case serverTooOld(ServerVersion)

    public var description: String {
        switch self {
        case .unrecognisedLine(let statement, let kind, let near):
            "\(statement) printed a \(kind) line of a form this function does not know"
                + (near.map { " (at \($0))" } ?? "")
        case .pluginWithoutPassword(let plugin):
            "it authenticates with the \(plugin) plugin, which has no password this function can set"
        case .severalAuthenticationMethods:
            "it has more than one authentication method"
        case .serverTooOld(let version):
            "\(version) has no SHOW CREATE USER"
        }
    }
}
