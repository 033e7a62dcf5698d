/// The statements that change an account's password and nothing else,
/// decided from what the server printed (`SHOW CREATE USER`, `SHOW GRANTS`)
/// before anything is sent: plain values in, statements or a refusal out.
///
/// With `KEEP_PREVIOUS_PASSWORD` the statements also keep AWSCURRENT's
/// password logging in beside the new one:
/// - MariaDB 10.4 and later: the account's method chain written back with
///   the new password first and AWSCURRENT's, from the secret, as a second
///   method of the same plugin. Writing it is the same statement however
///   often it is sent, so a repeated setSecret can never retain the new
///   password over the current one.
/// - MySQL 8.0.14 and later: `RETAIN CURRENT PASSWORD` makes the primary the
///   secondary (the one before is discarded). Sent twice it would retain the
///   new password, so the caller sends it only after the pending password
///   was refused (`AdminSetSecretPlan`, `SelfSetSecretPlan`).
///
/// `move` (AUTH_PLUGIN, `AuthPlugin.move`) names the plugin the password
/// methods are written with. MySQL refuses `RETAIN CURRENT PASSWORD` in a
/// statement that changes the plugin, so it is never sent with a move
/// (`PluginMove.keepSkipped` tells the caller so).
public enum PasswordChange {
    /// What the admin strategy sends for `account`.
    public static func byAdmin(
        of account: Account, methods: AuthenticationMethods, on server: ServerVersion, to new: String,
        retaining current: String?, move: PluginMove = .none
    ) throws(PasswordChangeProblem) -> [SQL] {
        guard methods.holdsPassword else { throw .holdsNoPassword(plugins: methods.methods.map(\.plugin)) }
        switch server.flavor {
        case .mariadb where server.supports(.pluginPasswordByName):
            return ["ALTER USER \(account: account) " + (try clause(methods, new, current, move))]
        case .mariadb:
            if current != nil { throw .keepPreviousUnsupported(.serverTooOld(server)) }
            guard methods.methods.map({ $0.plugin.lowercased() }) == ["mysql_native_password"] else {
                throw .unsupported(.pluginWithoutPassword(methods.description))
            }
            return [server.setPassword(of: account, to: new)]
        case .mysql:
            let plugin = try mySQLPlugin(methods, on: server, move: move)
            guard server.supports(.alterUser) else {
                if current != nil { throw .keepPreviousUnsupported(.serverTooOld(server)) }
                return [server.setPassword(of: account, to: new)]
            }
            // Named explicitly: the plugin stays what it is, whatever the server's default.
            let set: SQL = "ALTER USER \(account: account) IDENTIFIED WITH \(raw: plugin) BY \(literal: new)"
            if current != nil, !move.isMoving {
                guard server.supports(.secondaryPasswords) else {
                    throw .keepPreviousUnsupported(.serverTooOld(server))
                }
                return [set + " RETAIN CURRENT PASSWORD"]
            }
            // A secondary password left by an earlier retain would outlive this change.
            return (server.discardOldPassword(of: account).map { [$0] } ?? []) + [set]
        }
    }

    /// What the self strategy sends for its own account, given its own
    /// grants (`SHOW GRANTS`). `account` is the one the server matched, as
    /// `SHOW CREATE USER CURRENT_USER()` named it: MariaDB 10.11 accepts
    /// `ALTER USER CURRENT_USER() IDENTIFIED VIA …` and changes nothing
    /// (measured), so its chain is written to the account by name.
    public static func ofOwn(
        account: Account, methods: AuthenticationMethods, grants: [String], on server: ServerVersion, to new: String,
        current: String, keepPrevious: Bool, move: PluginMove = .none
    ) throws(PasswordChangeProblem) -> SQL {
        guard methods.holdsPassword else { throw .holdsNoPassword(plugins: methods.methods.map(\.plugin)) }
        let privileges = AccountPrivileges(showGrants: grants)
        switch server.flavor {
        case .mariadb:
            // Only ALTER USER writes a whole chain, and on MariaDB it needs CREATE USER even for one's own account.
            let mayAlter = server.supports(.pluginPasswordByName) && privileges.holdsGlobal("CREATE USER")
            if let target = move.target, move.isMoving {
                guard mayAlter else { throw .pluginChangeNeedsPrivilege(plugin: target, privilege: "CREATE USER") }
                return "ALTER USER \(account: account) "
                    + (try clause(methods, new, keepPrevious ? current : nil, move))
            }
            if keepPrevious {
                guard server.supports(.pluginPasswordByName) else {
                    throw .keepPreviousUnsupported(.serverTooOld(server))
                }
                guard mayAlter else { throw .keepPreviousUnsupported(.missingPrivilege("CREATE USER")) }
                return "ALTER USER \(account: account) " + (try clause(methods, new, current, move))
            }
            // SET PASSWORD changes only the first method: a second password would stay.
            if methods.passwordCount > 1 {
                guard mayAlter else { throw .oldPasswordWouldRemain }
                return "ALTER USER \(account: account) " + (try clause(methods, new, nil, move))
            }
            return server.setOwnPassword(new, replacing: current)
        case .mysql:
            let plugin = try mySQLPlugin(methods, on: server, move: move)
            if move.isMoving {
                // `ALTER USER CURRENT_USER()` takes only IDENTIFIED BY: a new plugin needs the account named, and CREATE USER.
                guard privileges.holdsGlobal("CREATE USER") else {
                    throw .pluginChangeNeedsPrivilege(plugin: plugin, privilege: "CREATE USER")
                }
                let set: SQL = "ALTER USER \(account: account) IDENTIFIED WITH \(raw: plugin) BY \(literal: new)"
                return server.supports(.currentPasswordVerification) ? set + " REPLACE \(literal: current)" : set
            }
            guard keepPrevious else { return server.setOwnPassword(new, replacing: current) }
            guard server.supports(.secondaryPasswords) else { throw .keepPreviousUnsupported(.serverTooOld(server)) }
            guard privileges.holdsGlobal("APPLICATION_PASSWORD_ADMIN") else {
                throw .keepPreviousUnsupported(.missingPrivilege("APPLICATION_PASSWORD_ADMIN"))
            }
            return
                "ALTER USER CURRENT_USER() IDENTIFIED BY \(literal: new) REPLACE \(literal: current) RETAIN CURRENT PASSWORD"
        }
    }

    private static func clause(
        _ methods: AuthenticationMethods, _ new: String, _ current: String?, _ move: PluginMove
    )
        throws(PasswordChangeProblem) -> SQL
    {
        do {
            return try methods.mariaDBClause(password: new, retaining: current, movingTo: move.target)
        } catch {
            throw .unsupported(error)
        }
    }

    /// MySQL's one method, which must be a password plugin this server
    /// knows; the plugin it is written with (the move's target, if moving).
    private static func mySQLPlugin(
        _ methods: AuthenticationMethods, on server: ServerVersion, move: PluginMove
    )
        throws(PasswordChangeProblem) -> String
    {
        guard methods.methods.count == 1, let plugin = methods.methods.first?.plugin.lowercased() else {
            throw .unsupported(.severalAuthenticationMethods)
        }
        guard AccountAttributes.passwordPlugins[server.flavor, default: []].contains(plugin) else {
            throw .unsupported(.pluginWithoutPassword(plugin))
        }
        return move.isMoving ? move.target ?? plugin : plugin
    }
}

extension SQL {
    static func + (lhs: SQL, rhs: SQL) -> SQL {
        var joined = lhs
        joined.append(rhs)
        return joined
    }
}

/// Why a password cannot be changed as asked; names plugins, privileges and versions only.
public enum PasswordChangeProblem: Error, Equatable, CustomStringConvertible, Sendable {
    /// No method of the account holds a password (RDS IAM, unix_socket, PAM).
    case holdsNoPassword(plugins: [String])
    /// A form this function cannot write back exactly.
    case unsupported(AccountProblem)
    case keepPreviousUnsupported(KeepPreviousObstacle)
    /// MariaDB, self, an account with two passwords and no CREATE USER:
    /// SET PASSWORD would leave the second one logging in.
    case oldPasswordWouldRemain
    /// AUTH_PLUGIN names a plugin this server does not have (or has not loaded).
    case pluginUnavailable(plugin: String, server: ServerVersion)
    /// self: moving its own account to another plugin needs a privilege it lacks.
    case pluginChangeNeedsPrivilege(plugin: String, privilege: String)

    public var description: String {
        switch self {
        case .holdsNoPassword(let plugins):
            "it authenticates only with \(plugins.joined(separator: " OR ")), which hold no password this function can set"
        case .unsupported(let problem): problem.description
        case .keepPreviousUnsupported(let obstacle): obstacle.description
        case .oldPasswordWouldRemain:
            "it has a second password (left by KEEP_PREVIOUS_PASSWORD), which SET PASSWORD would leave logging in, and no CREATE USER to rewrite both; rotate it with the admin strategy"
        case .pluginUnavailable(let plugin, let server):
            "AUTH_PLUGIN=\(plugin), which \(server) does not offer"
                + (plugin == AuthPlugin.ed25519.rawValue && server.flavor == .mariadb
                    ? " (not loaded: INSTALL SONAME 'auth_ed25519' loads it)" : "")
        case .pluginChangeNeedsPrivilege(let plugin, let privilege):
            "moving its own account to \(plugin) (AUTH_PLUGIN) needs \(privilege), which the account does not hold; grant it, or rotate it with the admin strategy"
        }
    }
}

/// Why KEEP_PREVIOUS_PASSWORD cannot work here.
public enum KeepPreviousObstacle: Error, Equatable, CustomStringConvertible, Sendable {
    /// MariaDB before 10.4 (one method per account), MySQL before 8.0.14 (no secondary password).
    case serverTooOld(ServerVersion)
    case missingPrivilege(String)

    public var description: String {
        switch self {
        case .serverTooOld(let version):
            "\(version) cannot keep two passwords (MariaDB 10.4 and MySQL 8.0.14 can)"
        case .missingPrivilege(let privilege):
            "keeping the previous password on its own account needs \(privilege), which the account does not hold"
        }
    }
}
