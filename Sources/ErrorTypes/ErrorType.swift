/// Every `errorType` the function reports to Lambda, each with what it means.
///
/// The one list, and the one place each name is spelled: `RotationError`,
/// `SecretsManagerError`, `Lambda` and the conformances in
/// `RotationFunction/Errors+Reportable.swift` all name their types from it,
/// which is why it sits below every one of them. A test builds every error
/// case and checks that each is reported under an entry and every entry by
/// some error; another checks that the errors table (docs/errors.md) lists
/// exactly these.
public enum ErrorType: String, CaseIterable, Sendable {
    /// Malformed event JSON, missing key, unknown step.
    case invalidEvent = "InvalidEvent"
    /// The secret's rotation is disabled.
    case rotationNotEnabled = "RotationNotEnabled"
    /// The token is not a version of the secret, or a stage has no value.
    case versionNotFound = "VersionNotFound"
    /// The token's version is neither AWSPENDING nor AWSCURRENT.
    case versionNotPending = "VersionNotPending"
    /// Not JSON, missing key, wrong type, unsupported engine, empty password, user name too long.
    case invalidSecret = "InvalidSecret"
    /// The pending secret names another user, host or port.
    case pendingSecretMismatch = "PendingSecretMismatch"
    /// The admin secret names another host or port.
    case adminSecretMismatch = "AdminSecretMismatch"
    /// The RDS database named by an RDS-managed admin secret's tag does not exist.
    case adminDatabaseNotFound = "AdminDatabaseNotFound"
    /// RDS's API answered with an error, could not be reached, or answered unreadably.
    case rdsError = "RDSError"
    /// No credential logs in, the pending one does not, or the admin secret's does not.
    case databaseLoginFailed = "DatabaseLoginFailed"
    /// The alternating strategy cannot make an exact copy of the account (a form or plugin it cannot copy).
    case unsupportedAccount = "UnsupportedAccount"
    /// The account holds no password to rotate (RDS IAM authentication, unix_socket or PAM only).
    case accountHoldsNoPassword = "AccountHoldsNoPassword"
    /// admin/alternating: the account is the admin itself or may manage others (ALLOW_PRIVILEGED_ACCOUNTS off).
    case privilegedAccount = "PrivilegedAccount"
    /// admin/alternating: the server's `init_connect` is set and runs in the admin's sessions.
    case adminRunsInitConnect = "AdminRunsInitConnect"
    /// KEEP_PREVIOUS_PASSWORD where the server, the strategy or the account cannot keep two passwords.
    case keepPreviousPasswordUnsupported = "KeepPreviousPasswordUnsupported"
    /// The server is unreachable, a statement failed.
    case databaseError = "DatabaseError"
    /// TLS is required and the server offers none, or the handshake or the certificate failed.
    case databaseTLSFailed = "DatabaseTLSFailed"
    /// Outside verified TLS, the server asked for the password in a form it could read; refused.
    case insecureAuthentication = "InsecureAuthentication"
    /// Secrets Manager's own error type, passed through after the retries.
    /// The service names these (`ResourceNotFoundException`,
    /// `ThrottlingException`, …), so they are one entry, and its raw value is
    /// how docs/errors.md lists them rather than a name that is ever reported.
    case secretsManagerService = "ResourceNotFoundException, ThrottlingException, …"
    /// Secrets Manager could not be reached (after the retries).
    case secretsManagerTransportError = "SecretsManagerTransportError"
    /// Secrets Manager answered with something this client cannot read.
    case secretsManagerInvalidResponse = "SecretsManagerInvalidResponse"
    /// Secrets Manager was not reached before the invocation's deadline.
    case secretsManagerDeadlineExceeded = "SecretsManagerDeadlineExceeded"
    /// Not enough of the invocation's time was left to reach the database.
    case deadlineExceeded = "DeadlineExceeded"
    /// A bad environment variable (reported at init), or no CA bundle where TLS is required.
    case configuration = "Configuration"
    /// The `masterarn` is in another AWS partition, which the function's credentials cannot read.
    case secretInOtherPartition = "SecretInOtherPartition"
    /// The `masterarn`'s region belongs to no known partition, or not to the partition the ARN names.
    case invalidSecretARN = "InvalidSecretARN"
    /// A host (from a secret or from RDS) is not a DNS name or IP literal; nothing was dialled.
    case invalidHost = "InvalidHost"
    /// MySQL 8.0.13+ would get the current password in `REPLACE` outside verified TLS; nothing was sent.
    case currentPasswordNeedsTLS = "CurrentPasswordNeedsTLS"
    /// The database session reads statements in another character set than utf8mb4, even after SET NAMES.
    case unsafeCharacterSet = "UnsafeCharacterSet"
    /// The current credential logs in as another account than the secret's user.
    case accountMismatch = "AccountMismatch"
    /// Revoke refused before any change: another function's secret, a rotation in progress, AWSCURRENT not the primary.
    case revokeRefused = "RevokeRefused"
    /// Revoke's after-check failed: an older password still logs in, or AWSCURRENT's no longer does.
    case revokeIncomplete = "RevokeIncomplete"
    /// The Runtime API's invocation lacked a usable deadline header (reported by the loop).
    case invalidInvocation = "Runtime.InvalidInvocation"
    /// The Runtime API refused the function's response, e.g. HTTP 413 (reported by the loop).
    case responseNotAccepted = "Runtime.ResponseNotAccepted"
    /// An error the function has no description for (a bug); the message names only its Swift type.
    case unhandled = "Runtime.UnhandledError"
}
