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
    /// requirement), creating it if needed, then sets its password. Every
    /// statement is idempotent, so a retry simply does it all again.
    func setAlternateUser(_ secretId: String, current: DatabaseSecret, pending: DatabaseSecret) throws {
        let admin = try adminSecret(for: current, secretId: secretId)
        let source = try currentAccount(of: current, secretId: secretId)
        // The other user lives on the same host part as the current one, so
        // it is reachable from the same clients.
        let target = Account(user: pending.username, host: source.host)
        let defaultRoles = try withAdminSession(admin, for: secretId) { session in
            guard let version = ServerVersion(session.serverVersion) else {
                throw RotationError.unexpectedServerAnswer("a version string that is neither MySQL's nor MariaDB's")
            }
            let exists = try session.query(
                "SELECT 1 FROM mysql.user WHERE User = \(literal: target.user) AND Host = \(literal: target.host)")
            if exists.isEmpty {
                try session.execute("CREATE USER \(account: target) IDENTIFIED BY \(literal: pending.password)")
            }
            let defaultRoles = try Self.copyGrants(from: source, to: target, in: session)
            try session.execute(try Self.tlsRequirement(of: source, in: session).applying(to: target))
            try session.execute(version.setPassword(of: target, to: pending.password))
            return defaultRoles
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
    }

    /// Leaves `target` with exactly `source`'s grants: what only the target
    /// has is revoked, what it lacks is granted, so a grant added to or
    /// revoked from the current user reaches the other one on the next rotation.
    /// Returns both default roles (MariaDB's `SET DEFAULT ROLE` lines; MySQL
    /// keeps them out of SHOW GRANTS, so there both are `nil`), which only
    /// the target itself can align.
    static func copyGrants(
        from source: Account, to target: Account, in session: any DatabaseSession
    ) throws -> (wanted: String?, existing: String?) {
        let wanted = try grants(of: source, in: session)
        let existing = try grants(of: target, in: session)
        for grant in existing.grants where !wanted.grants.contains(grant) {
            for statement in grant.revoking(from: target) { try session.execute(statement) }
        }
        for grant in wanted.grants where !existing.grants.contains(grant) {
            try session.execute(grant.granting(to: target))
        }
        return (wanted.defaultRole, existing.defaultRole)
    }

    static func grants(of account: Account, in session: any DatabaseSession) throws -> (grants: [Grant], defaultRole: String?) {
        let lines = try session.query("SHOW GRANTS FOR \(account: account)").compactMap { $0.first ?? nil }
        let grants = lines.compactMap(Grant.init(showGrantsLine:)).filter { !$0.isUsageOnly }
        // MariaDB prints a default role as its own line; MySQL 8 keeps it out of SHOW GRANTS.
        let defaultRole = lines.lazy.compactMap(Self.defaultRole(showGrantsLine:)).first
        return (grants, defaultRole)
    }

    static func defaultRole(showGrantsLine line: String) -> String? {
        let prefix = "SET DEFAULT ROLE "
        guard line.hasPrefix(prefix) else { return nil }
        let characters = Array(line)
        let topLevel = Grant.unquotedPositions(characters)
        guard let forIndex = Grant.find(" FOR ", in: characters, from: prefix.count, allowed: topLevel) else { return nil }
        return String(characters[prefix.count..<forIndex])
    }

    static func tlsRequirement(of account: Account, in session: any DatabaseSession) throws -> TLSRequirement {
        let rows = try session.query(
            "SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = \(literal: account.user) AND Host = \(literal: account.host)"
        )
        guard let row = rows.first, row.count == 4 else {
            throw RotationError.unexpectedServerAnswer("no mysql.user row for the current account")
        }
        return TLSRequirement(type: row[0] ?? "", cipher: row[1] ?? "", issuer: row[2] ?? "", subject: row[3] ?? "")
    }
}
