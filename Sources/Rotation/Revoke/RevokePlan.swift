/// What `Revoke` does, decided from plain values before anything is sent:
/// whether it may run at all, what it changes under each strategy, and the
/// statements, as `SelfSetSecretPlan` decides setSecret's. Rotator+Revoke.swift
/// carries the plan out.
public enum RevokePlan {
    /// What makes AWSCURRENT's password the only one that logs in.
    public enum Target: Sendable, Equatable {
        /// admin or self with KEEP_PREVIOUS_PASSWORD: the kept (second) password is dropped.
        case keptPassword
        /// alternating: the user AWSCURRENT does not name gets a password stored nowhere.
        case otherUser
        /// self or admin without KEEP_PREVIOUS_PASSWORD: a rotation already left one password.
        case nothingToDrop
    }

    public static func target(strategy: RotationSettings.Strategy, keepPrevious: Bool) -> Target {
        switch strategy {
        case .alternating: .otherUser
        case .single, .admin: keepPrevious ? .keptPassword : .nothingToDrop
        }
    }

    /// What a Revoke that finds nothing to drop says it did.
    public static let nothingToDropMessage =
        "nothing to drop: without KEEP_PREVIOUS_PASSWORD a rotation leaves the account one password"

    /// Refuses, before anything is read from the database, a secret this
    /// function does not rotate or one with a rotation in progress (its
    /// pending password may already be set: dropping "the other" password
    /// then could drop the one AWSCURRENT is about to become).
    public static func admit(
        secretId: String, rotatesHere: Bool, rotatedBy: String?, functionARN: String,
        versionIdsToStages: [String: [String]]
    ) throws(RevokeError) {
        guard rotatesHere else {
            throw .notThisFunction(secretId: secretId, rotatedBy: rotatedBy, this: functionARN)
        }
        let pending =
            versionIdsToStages
            .filter { $0.value.contains(Stage.pending) && !$0.value.contains(Stage.current) }.map(\.key).sorted()
        guard pending.isEmpty else { throw .rotationInProgress(secretId: secretId, pendingVersions: pending) }
    }

    /// The statements that drop the kept password of `account`, whose
    /// methods were read before; empty when it holds none. `own`: sent in the
    /// account's own session (self), else the admin's.
    ///
    /// - MariaDB: the chain written back with AWSCURRENT's password alone,
    ///   every other method as it was (`AuthenticationMethods.mariaDBClause`).
    /// - MySQL 8.0.14 and later: `DISCARD OLD PASSWORD`, which names no password.
    ///
    /// AWSCURRENT's password must be proven the primary first
    /// (KeptPasswordProof.swift): with AWSCURRENT moved back to an older
    /// version, the rewrite would keep that old password alone.
    public static func droppingKept(
        of account: Account, methods: AuthenticationMethods, on server: ServerVersion, current: String, own: Bool,
        secretId: String
    ) throws -> [SQL] {
        switch server.flavor {
        case .mariadb:
            guard methods.passwordCount > 1 else { return [] }
            if let skipped = methods.keepSkipped(keeping: current, on: .mariadb) {
                throw RevokeError.currentNotPrimary(secretId: secretId, account: account.description, reason: skipped)
            }
            do {
                return [
                    "ALTER USER \(account: account) " + (try methods.mariaDBClause(password: current, retaining: nil))
                ]
            } catch {
                throw RotationError.passwordNotChangeable(
                    secretId: secretId, account: account.description, problem: .unsupported(error))
            }
        case .mysql:
            guard server.supports(.secondaryPasswords) else { return [] }
            if let skipped = methods.keepSkipped(keeping: current, on: .mysql) {
                throw RevokeError.currentNotPrimary(secretId: secretId, account: account.description, reason: skipped)
            }
            return own
                ? ["ALTER USER CURRENT_USER() DISCARD OLD PASSWORD"]
                : server.discardOldPassword(of: account).map { [$0] } ?? []
        }
    }

    /// alternating: the other user's password replaced by `password`, which
    /// is stored nowhere; its methods and grants stay as they are (MySQL: its
    /// secondary password discarded too).
    public static func scrambling(
        _ other: Account, methods: AuthenticationMethods, on server: ServerVersion, password: String
    ) throws(PasswordChangeProblem) -> [SQL] {
        try PasswordChange.byAdmin(of: other, methods: methods, on: server, to: password, retaining: nil)
    }
}
