/// Carries out a `RevokePlan` (RevokePlan.swift): logs in, reads, refuses
/// or changes one account, then proves the result by logging in with each
/// stored password. The secret's versions and stages are never written.
extension Rotator {
    /// What a Revoke did and which passwords it tested, by stage name.
    public struct RevokeReport: Sendable, Equatable {
        public var action: String
        /// Stage name → "logs in" or "refused", in the order tested.
        public var tested: [(stage: String, result: String)]

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.action == rhs.action && lhs.tested.map(\.stage) == rhs.tested.map(\.stage)
                && lhs.tested.map(\.result) == rhs.tested.map(\.result)
        }
    }

    /// `secretId` was admitted by `RevokePlan.admit`.
    public func revoke(_ secretId: String) throws -> RevokeReport {
        // Every session here can change an account, or proves which one: verified TLS only.
        let current = try requiredSecret(secretId, stage: Stage.current).changingAccounts
        let action: String
        switch RevokePlan.target(strategy: settings.strategy, keepPrevious: settings.keepPreviousPassword) {
        case .nothingToDrop:
            guard try database.logsIn(current.login) else {
                throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
            }
            action = RevokePlan.nothingToDropMessage
        case .keptPassword:
            action = try dropKeptPassword(secretId, current: current)
        case .otherUser:
            action = try scrambleOtherUser(secretId, current: current)
        }
        return RevokeReport(action: action, tested: try proveOnlyCurrent(secretId, current: current))
    }

    /// admin or self with KEEP_PREVIOUS_PASSWORD. The account is read in its
    /// own session (the ownership proof, its methods and, unless allowed,
    /// its privileges), as setSecret reads it.
    private func dropKeptPassword(_ secretId: String, current: DatabaseSecret) throws -> String {
        let admin = settings.strategy == .admin ? try admin(for: current, secretId: secretId) : nil
        guard let facts = try accountFacts(loggedInWith: current.login, secretId: secretId) else {
            throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
        }
        let dropped: Bool
        if let admin {
            dropped = try admin.session(in: database) { session in
                let version = try ServerVersion(reportedBy: session)
                let adminAccount = try AccountReader(session, secretId: secretId).adminAccount()
                try refusePrivileged(
                    facts.account, privileges: facts.privileges, admin: adminAccount, secretId: secretId)
                return try send(
                    RevokePlan.droppingKept(
                        of: facts.account, methods: facts.methods, on: version, current: current.password, own: false,
                        secretId: secretId), in: session, version: version, login: current.login)
            }
        } else {
            dropped = try database.withSession(current.login) { session in
                let version = try ServerVersion(reportedBy: session)
                return try send(
                    RevokePlan.droppingKept(
                        of: facts.account, methods: facts.methods, on: version, current: current.password, own: true,
                        secretId: secretId), in: session, version: version, login: current.login)
            }
        }
        return dropped
            ? "dropped the kept previous password of \(facts.account); its other authentication methods kept"
            : "nothing to drop: \(facts.account) holds one password"
    }

    /// MariaDB writes AWSCURRENT's password into the statement: verified TLS only, as in rotation.
    private func send(
        _ statements: [SQL], in session: any DatabaseSession, version: ServerVersion, login: DatabaseLogin
    ) throws -> Bool {
        if !statements.isEmpty,
            let refusal = Self.keptPasswordRefusal(
                keepPrevious: true, on: version, verifiedTLS: session.isVerifiedTLS, for: login)
        {
            throw refusal
        }
        for statement in statements { try session.execute(statement) }
        return !statements.isEmpty
    }

    /// alternating: the user AWSCURRENT does not name (at the host the server
    /// matched for AWSCURRENT) gets a new password stored nowhere; the next
    /// rotation sets one anyway. Refused, as in rotation, when it is the
    /// admin or privileged.
    private func scrambleOtherUser(_ secretId: String, current: DatabaseSecret) throws -> String {
        let admin = try admin(for: current, secretId: secretId)
        guard let source = try provenAccount(of: current, secretId: secretId) else {
            throw RotationError.noWorkingLogin(secretId: secretId, tried: [Stage.current])
        }
        let other = Account(user: Self.alternate(source.user), host: source.host)
        let password = try newPassword()
        return try admin.session(in: database) { session in
            let reader = AccountReader(session, secretId: secretId)
            guard try reader.exists(other) else { return "nothing to drop: \(other) does not exist yet" }
            let version = try ServerVersion(reportedBy: session)
            let adminAccount = try reader.adminAccount()
            var privileges: AccountPrivileges?
            if !settings.allowPrivilegedAccounts {
                let lines = try session.query("SHOW GRANTS FOR \(account: other)").compactMap { $0.first ?? nil }
                privileges = try reader.privileges(granted: lines, version: version, asOwner: false)
            }
            try refusePrivileged(other, privileges: privileges, admin: adminAccount, secretId: secretId)
            let methods = try reader.methods(of: other)
            let statements = try refusing(other, secretId: secretId) { () throws(PasswordChangeProblem) in
                try RevokePlan.scrambling(other, methods: methods, on: version, password: password)
            }
            for statement in statements { try session.execute(statement) }
            return "gave \(other) a new password stored nowhere; its grants and authentication methods kept"
        }
    }

    /// AWSCURRENT must log in and AWSPREVIOUS (when it holds another
    /// password) must not, each tried at AWSCURRENT's server over verified TLS.
    private func proveOnlyCurrent(
        _ secretId: String, current: DatabaseSecret
    ) throws -> [(stage: String, result: String)] {
        guard try database.logsIn(current.login) else {
            throw RevokeError.currentRefusedAfterRevoke(secretId: secretId)
        }
        var tested = [(stage: Stage.current, result: "logs in")]
        guard var previous = try secret(secretId, stage: Stage.previous) else { return tested }
        // Only ever sent to AWSCURRENT's server.
        previous.host = current.host
        previous.port = current.port
        previous = previous.changingAccounts
        if previous.username == current.username && previous.password == current.password {
            tested.append((Stage.previous, "holds AWSCURRENT's password"))
            return tested
        }
        guard try !database.logsIn(previous.login) else {
            throw RevokeError.stillLogsIn(secretId: secretId, stage: Stage.previous)
        }
        tested.append((Stage.previous, "refused"))
        return tested
    }
}
