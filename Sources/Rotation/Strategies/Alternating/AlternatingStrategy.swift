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

/// The alternating strategy: the other user is made a copy of the current
/// one (grants, roles, TLS requirement, the attributes of SHOW CREATE USER),
/// created if needed, and given the pending password. The order is
/// `AlternatingSetSecretPlan`'s table; each action is carried out here.
/// Everything about the current user is read and understood before the
/// first change, so an account this function cannot copy exactly is refused
/// with nothing changed.
struct AlternatingStrategy {
    let rotator: Rotator
    /// Placed once per step (Strategies/Admin/Admin.swift).
    let admin: Admin

    private var secretId: String { admin.rotatedSecretId }

    /// setSecret (Steps/SetSecret.swift has checked the pending secret).
    func setSecret(current: DatabaseSecret, pending: DatabaseSecret) throws -> StepOutcome {
        let database = rotator.database
        var plan = AlternatingSetSecretPlan(
            secretId: secretId, current: current, pending: pending, admin: admin.secret)
        return try plan.carryOut { action, failure in
            switch action {
            case .proveAccount(let login):
                do {
                    guard let account = try rotator.account(loggedInWith: login, secretId: secretId) else {
                        return .refused
                    }
                    try rotator.requireSecretsUser(account, username: current.username, secretId: secretId)
                    return .proved(account)
                } catch {
                    failure = error
                    return .proofFailed
                }
            case .lookForPasswordlessAccount:
                return .passwordless(admin.accountWithoutPassword(current.username, in: database))
            case .copy(let source, let target):
                let copied = try admin.session(in: database) { session in
                    try copy(source, to: target, in: session, password: pending.password)
                }
                let roles = copied.roles
                return .copied(
                    defaultRole: roles.wanted == roles.existing ? nil : .init(role: roles.wanted),
                    pluginMoved: copied.move.isMoving)
            case .setDefaultRole(let role, let login):
                do {
                    try database.withSession(login) { session in
                        try session.execute("SET DEFAULT ROLE \(raw: role ?? "NONE")")
                    }
                    return .roleSet
                } catch is LoginRejected {
                    return .refused
                }
            case .end:
                preconditionFailure("alternating setSecret plan: an ending action carried out")
            }
        }
    }

    /// Reads everything first, refuses a privileged source or target, then
    /// sends the copy, with AUTH_PLUGIN's plugin (Accounts/AuthPlugin.swift);
    /// returns the default roles wanted and found, and the move.
    private func copy(
        _ source: Account, to target: Account, in session: any DatabaseSession, password: String
    ) throws -> (roles: (wanted: String?, existing: String?), move: PluginMove) {
        let version = try ServerVersion(reportedBy: session)
        let reader = AccountReader(session, secretId: secretId)
        let attributes = try reader.attributes(of: source, version: version)
        let move = try rotator.pluginMove(
            of: source, methods: attributes.methods, in: session, version: version, secretId: secretId)
        let alter = try reader.copying(source) { () throws(AccountProblem) in
            try attributes.applying(to: target, password: password, on: version, move: move)
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
        rotator.reportPluginMove(move, account: target.description, secretId: secretId)
        return ((wanted: wanted.defaultRole, existing: existing!.defaultRole), move)
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
