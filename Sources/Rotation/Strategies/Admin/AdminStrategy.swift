/// The admin strategy, top to bottom: the admin named by `masterarn` changes
/// the password of the account AWSCURRENT's credential proves to be, after
/// that account's own session has said what it is. The order is
/// `AdminSetSecretPlan`'s table; each action is carried out here. Reading an
/// account is `AccountReader`'s; refusing a privileged one
/// Accounts/PrivilegeGuard.swift's; the statements `PasswordChange`'s.
struct AdminStrategy {
    let rotator: Rotator
    /// Placed once per step (Admin.swift).
    let admin: Admin

    private var secretId: String { admin.rotatedSecretId }
    private var settings: RotationSettings { rotator.settings }

    /// setSecret (Steps/SetSecret.swift has checked the pending secret):
    /// `AdminSetSecretPlan`'s actions carried out in its order.
    func setSecret(current: DatabaseSecret, pending: DatabaseSecret) throws -> StepOutcome {
        var plan = AdminSetSecretPlan(
            secretId: secretId, current: current, pending: pending, admin: admin.secret,
            keepPrevious: settings.keepPreviousPassword)
        var facts: AccountFacts?
        return try plan.carryOut { action, failure in
            switch action {
            case .probe(let login):
                return .probed(logsIn: try rotator.database.logsIn(login))
            case .readAccount(let login):
                do {
                    facts = try rotator.accountFacts(loggedInWith: login, secretId: secretId)
                    return facts == nil ? .refused : .read
                } catch {
                    failure = error
                    if case RotationError.accountMismatch = error { return .readFailed(proof: true) }
                    return .readFailed(proof: false)
                }
            case .lookForPasswordlessAccount:
                return .passwordless(admin.accountWithoutPassword(current.username, in: rotator.database))
            case .change:
                let changed = try admin.session(in: rotator.database) { session in
                    try change(facts!, in: session, current: current, pending: pending)
                }
                return .changed(keepSkipped: changed.skipped != nil, pluginMoved: changed.move.isMoving)
            case .end:
                preconditionFailure("admin setSecret plan: an ending action carried out")
            }
        }
    }

    /// The admin's half of setSecret: checks the account is not privileged,
    /// then sends the statements that change only its password. With
    /// KEEP_PREVIOUS_PASSWORD, AWSCURRENT's is kept only when proven to be
    /// the account's primary (KeptPasswordProof.swift); otherwise the new
    /// password is set alone, and the reason returned. AUTH_PLUGIN's move
    /// (Accounts/PluginMove+Rotator.swift) is returned too.
    private func change(
        _ facts: AccountFacts, in session: any DatabaseSession, current: DatabaseSecret, pending: DatabaseSecret
    ) throws -> (skipped: KeepSkipped?, move: PluginMove) {
        let version = try ServerVersion(reportedBy: session)
        // The statement would carry a kept MariaDB password (Sessions/PasswordInStatementRefusal.swift).
        if let refusal = Rotator.keptPasswordRefusal(
            keepPrevious: settings.keepPreviousPassword, on: version, verifiedTLS: session.isVerifiedTLS,
            for: current.login)
        {
            throw refusal
        }
        let adminAccount = try AccountReader(session, secretId: secretId).adminAccount()
        try rotator.refusePrivileged(
            facts.account, privileges: facts.privileges, admin: adminAccount, secretId: secretId)
        let move = try rotator.pluginMove(
            of: facts.account, methods: facts.methods, in: session, version: version, secretId: secretId)
        let skipped =
            settings.keepPreviousPassword
            ? move.keepSkipped(on: version) ?? facts.methods.keepSkipped(keeping: current.password, on: version.flavor)
            : nil
        let statements = try rotator.refusing(facts.account, secretId: secretId) { () throws(PasswordChangeProblem) in
            // Asked with the setting first, so a server that cannot keep two passwords is refused as before.
            let kept = try PasswordChange.byAdmin(
                of: facts.account, methods: facts.methods, on: version, to: pending.password,
                retaining: settings.keepPreviousPassword ? current.password : nil, move: move)
            guard skipped != nil else { return kept }
            return try PasswordChange.byAdmin(
                of: facts.account, methods: facts.methods, on: version, to: pending.password, retaining: nil,
                move: move)
        }
        for statement in statements { try session.execute(statement) }
        rotator.reportPluginMove(move, account: facts.account.description, secretId: secretId)
        if let skipped { rotator.warnKeepSkipped(skipped, account: facts.account.description, secretId: secretId) }
        return (skipped, move)
    }
}

extension Rotator {
    func refusing<T>(_ account: Account, secretId: String, _ body: () throws(PasswordChangeProblem) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw Self.refusal(error, account: account, secretId: secretId)
        }
    }
}

extension Admin {
    /// Admin or alternating, when AWSCURRENT does not log in: an account that
    /// holds no password (RDS IAM authentication, unix_socket, PAM) never
    /// will, and says so, if the admin may read the grant tables (SELECT on
    /// mysql.*). Any doubt leaves the caller's own error standing.
    func accountWithoutPassword(_ username: String, in database: any Database) -> RotationError? {
        let found = try? session(in: database) { session in
            try AccountReader(session, secretId: rotatedSecretId).accountWithoutPassword(username)
        }
        return (found ?? nil).map {
            .accountHoldsNoPassword(secretId: rotatedSecretId, account: $0.account.description, plugins: $0.plugins)
        }
    }
}
