/// AWS's multi-user rotation: an admin keeps two users, `name` and
/// `name_clone`, and each rotation sets a new password on the one that is
/// not current, so the current one keeps working throughout.
extension Rotator {
    static let cloneSuffix = "_clone"

    /// `name` becomes `name_clone` and `name_clone` becomes `name`.
    public static func alternate(_ username: String) -> String {
        username.hasSuffix(cloneSuffix) ? String(username.dropLast(cloneSuffix.count)) : username + cloneSuffix
    }

    func alternateUsername(of current: DatabaseSecret, secretId: String) throws -> String {
        let next = Self.alternate(current.username)
        let limit: Int
        if let configured = settings.usernameCharacterLimit {
            limit = configured
        } else {
            let admin = try adminSecret(for: current, secretId: secretId)
            limit = try withAdminSession(admin, for: secretId) { session in try Self.usernameLimit(session) }
        }
        // The servers count characters as code points, not as Swift's grapheme clusters.
        guard next.unicodeScalars.count <= limit else {
            throw RotationError.usernameTooLong(secretId: secretId, limit: limit)
        }
        return next
    }

    /// The longest user name the server stores (32 on MySQL 8, 128 on MariaDB 10.11).
    static func usernameLimit(_ session: any DatabaseSession) throws -> Int {
        let rows = try session.query(
            "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user' AND COLUMN_NAME = 'User'"
        )
        guard let text = rows.first?.first ?? nil, let limit = Int(text) else {
            throw RotationError.unexpectedServerAnswer("no length for mysql.user's User column")
        }
        return limit
    }

    /// Makes the other user a copy of the current one (grants, roles, TLS
    /// requirement, the attributes of SHOW CREATE USER), creating it if
    /// needed, then sets its password. Everything about the current user is
    /// read and understood before the first change, so an account this
    /// function cannot copy exactly is refused with nothing changed. Every
    /// statement is idempotent, so a retry simply does it all again. The copy
    /// gets AUTH_PLUGIN's plugin (Accounts/AuthPlugin.swift): returned.
    @discardableResult
    func setAlternateUser(_ secretId: String, current: DatabaseSecret, pending: DatabaseSecret) throws -> PluginMove {
        let admin = try adminSecret(for: current, secretId: secretId)
        let source: Account
        do {
            guard let proven = try provenAccount(of: current, admin: admin.secret, secretId: secretId) else {
                throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
            }
            source = proven
        } catch {
            // An account that holds no password says so (Strategies/Admin/AdminSetSecret.swift).
            throw accountWithoutPassword(current.username, admin: admin, secretId: secretId) ?? error
        }
        // The other user lives on the same host part as the current one, so
        // it is reachable from the same clients; one identity, the proved
        // account's (pending.username is its alternate, checked before).
        let target = Account(user: Self.alternate(source.user), host: source.host)
        let (defaultRoles, move) = try withAdminSession(admin, for: secretId) { session in
            let version = try ServerVersion(reportedBy: session)
            func refusing<T>(_ account: Account, _ body: () throws(AccountProblem) -> T) throws -> T {
                do {
                    return try body()
                } catch {
                    throw RotationError.accountNotCopyable(
                        secretId: secretId, account: account.description, problem: error)
                }
            }
            let attributes = try Self.attributes(of: source, in: session, version: version, refusing: refusing)
            let move = try pluginMove(
                of: source, methods: attributes.methods, in: session, version: version, secretId: secretId)
            let alter = try refusing(source) { () throws(AccountProblem) in
                try attributes.applying(to: target, password: pending.password, on: version, move: move)
            }
            let wanted = try Self.grants(of: source, in: session, refusing: refusing)
            let exists = try session.query(
                "SELECT 1 FROM mysql.user WHERE User = \(hex: target.user) AND Host = \(hex: target.host)")
            // An existing other user is read before it is changed too.
            var existing = exists.isEmpty ? nil : try Self.grants(of: target, in: session, refusing: refusing)
            // No master key (Accounts/PrivilegeGuard.swift), decided before the first change.
            try refusePrivilegedCopy(
                source: source, wanted: wanted, target: target, existing: existing, in: session, version: version,
                secretId: secretId)
            if existing == nil {
                try session.execute("CREATE USER \(account: target) IDENTIFIED BY \(literal: pending.password)")
                existing = try Self.grants(of: target, in: session, refusing: refusing)
            }
            try Self.copyGrants(wanted, over: existing!, to: target, in: session, refusing: refusing)
            try session.execute(try Self.tlsRequirement(of: source, in: session).applying(to: target))
            if let discard = version.discardOldPassword(of: target) { try session.execute(discard) }
            try session.execute(alter)
            if let roles = attributes.settingDefaultRoles(of: target, on: version) { try session.execute(roles) }
            reportPluginMove(move, account: target.description, secretId: secretId)
            return ((wanted: wanted.defaultRole, existing: existing!.defaultRole), move)
        }
        if defaultRoles.wanted != defaultRoles.existing {
            // MariaDB sets another account's default role only for a user who
            // may write to the `mysql` schema, which is as good as every
            // privilege; any account may set its own, so the other user does
            // it with the password it was just given.
            // No database: the grants that open it may come with that very role.
            var login = pending.login
            login.database = nil
            // Through the admin's database: a replica refuses the write, and
            // may not have the new user yet.
            login.host = admin.secret.host
            login.port = admin.secret.port
            do {
                try database.withSession(login) { session in
                    try session.execute("SET DEFAULT ROLE \(raw: defaultRoles.wanted ?? "NONE")")
                }
            } catch is LoginRejected {
                throw RotationError.pendingDoesNotLogIn(secretId: secretId, login: pending.login.description)
            }
        }
        return move
    }

    static func attributes(
        of account: Account, in session: any DatabaseSession, version: ServerVersion,
        refusing: (Account, () throws(AccountProblem) -> AccountAttributes) throws -> AccountAttributes
    ) throws -> AccountAttributes {
        guard version.supports(.showCreateUser) else {
            return try refusing(account) { () throws(AccountProblem) in throw .serverTooOld(version) }
        }
        let rows = try session.query("SHOW CREATE USER \(account: account)")
        guard let line = rows.first?.first ?? nil else {
            throw RotationError.unexpectedServerAnswer("SHOW CREATE USER returned nothing for the current account")
        }
        return try refusing(account) { () throws(AccountProblem) in try AccountAttributes(showCreateUser: line) }
    }

    static func grants(
        of account: Account, in session: any DatabaseSession,
        refusing: (Account, () throws(AccountProblem) -> AccountGrants) throws -> AccountGrants
    ) throws -> AccountGrants {
        let lines = try session.query("SHOW GRANTS FOR \(account: account)").compactMap { $0.first ?? nil }
        return try refusing(account) { () throws(AccountProblem) in try AccountGrants(showGrantsLines: lines) }
    }

    /// Leaves `target` with exactly `wanted`: what only the target has is
    /// revoked, what it lacks is granted, so a grant added to or revoked
    /// from the current user reaches the other one on the next rotation.
    /// MySQL's partial revokes go last, once the global privileges they
    /// restrict are in place, checked against a fresh SHOW GRANTS: revoking
    /// a global privilege drops its partial revokes with it.
    static func copyGrants(
        _ wanted: AccountGrants, over existing: AccountGrants, to target: Account, in session: any DatabaseSession,
        refusing: (Account, () throws(AccountProblem) -> AccountGrants) throws -> AccountGrants
    ) throws {
        for restriction in existing.partialRevokes where !wanted.partialRevokes.contains(restriction) {
            try session.execute(restriction.lifting(from: target))
        }
        for grant in existing.grants where !wanted.grants.contains(grant) {
            for statement in grant.revoking(from: target) { try session.execute(statement) }
        }
        for grant in wanted.grants where !existing.grants.contains(grant) {
            try session.execute(grant.granting(to: target))
        }
        guard !wanted.partialRevokes.isEmpty else { return }
        let now = try grants(of: target, in: session, refusing: refusing)
        for restriction in wanted.partialRevokes where !now.partialRevokes.contains(restriction) {
            try session.execute(restriction.restricting(target))
        }
    }

    static func tlsRequirement(of account: Account, in session: any DatabaseSession) throws -> TLSRequirement {
        let rows = try session.query(
            "SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = \(hex: account.user) AND Host = \(hex: account.host)"
        )
        guard let row = rows.first, row.count == 4 else {
            throw RotationError.unexpectedServerAnswer("no mysql.user row for the current account")
        }
        return TLSRequirement(type: row[0] ?? "", cipher: row[1] ?? "", issuer: row[2] ?? "", subject: row[3] ?? "")
    }
}
