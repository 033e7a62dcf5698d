import ErrorTypes

/// Why a `Revoke` stopped. Before the first change (`RevokeRefused`) nothing
/// was changed; `RevokeIncomplete` is the after-check failing. Names
/// secrets, stages, versions and accounts only, never a value.
public enum RevokeError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The secret's RotationLambdaARN is not this function (or unset).
    case notThisFunction(secretId: String, rotatedBy: String?, this: String)
    /// AWSPENDING sits on a version other than AWSCURRENT's.
    case rotationInProgress(secretId: String, pendingVersions: [String])
    /// AWSCURRENT's password is not proven to be the account's primary
    /// (KeptPasswordProof.swift): dropping "the other" password could drop the newer one.
    case currentNotPrimary(secretId: String, account: String, reason: KeepSkipped)
    /// After the change, a stage other than AWSCURRENT still logs in.
    case stillLogsIn(secretId: String, stage: String)
    /// After the change, AWSCURRENT's password no longer logs in.
    case currentRefusedAfterRevoke(secretId: String)

    public var errorType: String {
        switch self {
        case .notThisFunction, .rotationInProgress, .currentNotPrimary: ErrorType.revokeRefused.rawValue
        case .stillLogsIn, .currentRefusedAfterRevoke: ErrorType.revokeIncomplete.rawValue
        }
    }

    public var description: String {
        switch self {
        case .notThisFunction(let secretId, let rotatedBy, let this):
            "secret \(secretId) is rotated by \(rotatedBy ?? "no function"), not by this function (\(this)); "
                + "invoke Revoke on the function that rotates it; nothing was changed"
        case .rotationInProgress(let secretId, let versions):
            "secret \(secretId) has a rotation in progress (AWSPENDING on \(versions.joined(separator: ", ")), "
                + "which is not AWSCURRENT); finish it with `aws secretsmanager rotate-secret --secret-id \(secretId)` "
                + "or cancel it with `aws secretsmanager cancel-rotate-secret --secret-id \(secretId)`, then Revoke again; "
                + "nothing was changed"
        case .currentNotPrimary(let secretId, let account, let reason):
            "secret \(secretId): account \(account): \(reason) — so Revoke would keep it alone; rotate the secret "
                + "(`aws secretsmanager rotate-secret --secret-id \(secretId)`), then Revoke again; nothing was changed"
        case .stillLogsIn(let secretId, let stage):
            "secret \(secretId): after Revoke, \(stage)'s password still logs in; check the account's other "
                + "accounts and hosts (SHOW CREATE USER) and rotate the secret"
        case .currentRefusedAfterRevoke(let secretId):
            "secret \(secretId): after Revoke, AWSCURRENT's password no longer logs in; rotate the secret now "
                + "(`aws secretsmanager rotate-secret --secret-id \(secretId)`)"
        }
    }
}
