/// AWS's multi-user rotation: an admin keeps two users, `name` and
/// `name_clone`, and each rotation sets a new password on the one that is
/// not current, so the current one keeps working throughout.
extension Rotator {
    static let cloneSuffix = "_clone"

    /// `name` becomes `name_clone` and `name_clone` becomes `name`.
    public static func alternate(_ username: String) -> String {
        username.hasSuffix(cloneSuffix) ? String(username.dropLast(cloneSuffix.count)) : username + cloneSuffix
    }

    /// The user name createSecret gives the pending version: the other user,
    /// refused when longer than the server stores (USERNAME_CHARACTER_LIMIT,
    /// or asked as the admin).
    func alternateUsername(of current: DatabaseSecret, secretId: String) throws -> String {
        let next = Self.alternate(current.username)
        let limit: Int
        if let configured = settings.usernameCharacterLimit {
            limit = configured
        } else {
            limit = try admin(for: current, secretId: secretId).session(in: database) { session in
                try AccountReader(session, secretId: secretId).usernameLimit()
            }
        }
        // The servers count characters as code points, not as Swift's grapheme clusters.
        guard next.unicodeScalars.count <= limit else {
            throw RotationError.usernameTooLong(secretId: secretId, limit: limit)
        }
        return next
    }
}

/// setSecret under alternating, top to bottom: the other user is made a copy
/// of the current one (grants, roles, TLS requirement, the attributes of
/// SHOW CREATE USER), created if needed, and given the pending password.
/// Everything about the current user is read and understood before the
/// first change, so an account this function cannot copy exactly is refused
/// with nothing changed. Every statement is idempotent, so a retry simply
/// does it all again. Always done in full, never skipped because the pending
/// password already logs in: a process killed right after CREATE USER leaves
/// a user that logs in but lacks the grants.
struct AlternatingStrategy {
    let rotator: Rotator
    /// Placed once per step (Strategies/Admin/Admin.swift).
    let admin: Admin

    private var secretId: String { admin.rotatedSecretId }

    func setSecret(current: DatabaseSecret, pending: DatabaseSecret) throws -> StepOutcome {
        // 1. Which account AWSCURRENT is, proved in its own session over verified TLS.
        let source: Account
        do {
            guard let proven = try rotator.provenAccount(of: current, secretId: secretId) else {
                throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
            }
            source = proven
        } catch {
            // An account that holds no password says so (Strategies/Admin/AdminStrategy.swift).
            throw admin.accountWithoutPassword(current.username, in: rotator.database) ?? error
        }
        // The other user lives on the same host part as the current one, so
        // it is reachable from the same clients; one identity, the proved
        // account's (pending.username is its alternate, checked before).
        let target = Account(user: Rotator.alternate(source.user), host: source.host)
        // 2. As the admin: read both users, refuse, then copy.
        let defaultRoles = try admin.session(in: rotator.database) { session in
            try copy(source, to: target, in: session, password: pending.password)
        }
        // 3. The default role, which only the other user may set on MariaDB.
        if defaultRoles.wanted != defaultRoles.existing {
            try setDefaultRole(defaultRoles.wanted, pending: pending)
        }
        return .passwordSet
    }

    /// Reads everything first, refuses a privileged source or target, then
    /// sends the copy; returns the default roles wanted and found.
    private func copy(
        _ source: Account, to target: Account, in session: any DatabaseSession, password: String
    ) throws -> (wanted: String?, existing: String?) {
        let version = try ServerVersion(reportedBy: session)
        let reader = AccountReader(session, secretId: secretId)
        let attributes = try reader.attributes(of: source, version: version)
        let alter = try reader.copying(source) { () throws(AccountProblem) in
            try attributes.applying(to: target, password: password, on: version)
        }
        let wanted = try reader.grants(of: source)
        // An existing other user is read before it is changed too.
        var existing = try reader.exists(target) ? try reader.grants(of: target) : nil
        // No master key (Accounts/PrivilegeGuard.swift), decided before the first change.
        try rotator.refusePrivilegedCopy(
            source: source, wanted: wanted, target: target, existing: existing, reader: reader, version: version,
            secretId: secretId)
        if existing == nil {
            try session.execute("CREATE USER \(account: target) IDENTIFIED BY \(literal: password)")
            existing = try reader.grants(of: target)
        }
        try Self.copyGrants(wanted, over: existing!, to: target, reader: reader)
        try session.execute(try reader.tlsRequirement(of: source).applying(to: target))
        if let discard = version.discardOldPassword(of: target) { try session.execute(discard) }
        try session.execute(alter)
        if let roles = attributes.settingDefaultRoles(of: target, on: version) { try session.execute(roles) }
        return (wanted: wanted.defaultRole, existing: existing!.defaultRole)
    }

    /// MariaDB sets another account's default role only for a user who may
    /// write to the `mysql` schema, which is as good as every privilege; any
    /// account may set its own, so the other user does it with the password
    /// it was just given.
    private func setDefaultRole(_ role: String?, pending: DatabaseSecret) throws {
        // No database: the grants that open it may come with that very role.
        var login = pending.login
        login.database = nil
        // Through the admin's database: a replica refuses the write, and
        // may not have the new user yet.
        login.host = admin.secret.host
        login.port = admin.secret.port
        do {
            try rotator.database.withSession(login) { session in
                try session.execute("SET DEFAULT ROLE \(raw: role ?? "NONE")")
            }
        } catch is LoginRejected {
            throw RotationError.pendingDoesNotLogIn(secretId: secretId, login: pending.login.description)
        }
    }

    /// Leaves `target` with exactly `wanted`: what only the target has is
    /// revoked, what it lacks is granted, so a grant added to or revoked
    /// from the current user reaches the other one on the next rotation.
    /// MySQL's partial revokes go last, once the global privileges they
    /// restrict are in place, checked against a fresh SHOW GRANTS: revoking
    /// a global privilege drops its partial revokes with it.
    static func copyGrants(
        _ wanted: AccountGrants, over existing: AccountGrants, to target: Account, reader: AccountReader
    ) throws {
        let session = reader.session
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
        let now = try reader.grants(of: target)
        for restriction in wanted.partialRevokes where !now.partialRevokes.contains(restriction) {
            try session.execute(restriction.restricting(target))
        }
    }
}
