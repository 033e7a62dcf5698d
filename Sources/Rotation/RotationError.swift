import ErrorTypes

/// Why a step failed. Each description names the secret, the step, the key
/// or the host involved and never a value read from a secret.
public enum RotationError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalidEvent(String)
    case rotationNotEnabled(secretId: String)
    case versionNotFound(secretId: String, token: String)
    case versionNotPending(secretId: String, token: String)
    case stageHasNoValue(secretId: String, stage: String)
    case invalidSecret(secretId: String, stage: String, problem: SecretProblem)
    case pendingMismatch(secretId: String, field: String)
    case noWorkingLogin(secretId: String, tried: [String])
    case pendingDoesNotLogIn(secretId: String, login: String)
    case unexpectedServerAnswer(String)
    case adminElsewhere(secretId: String, adminSecretId: String)
    case adminLoginFailed(secretId: String, adminSecretId: String)
    case usernameTooLong(secretId: String, limit: Int)
    /// The alternating strategy cannot make an exact copy of the account.
    case accountNotCopyable(secretId: String, account: String, problem: AccountProblem)
    case adminHasNoDatabase(secretId: String, adminSecretId: String)
    case adminDatabaseNotFound(adminSecretId: String, resource: String)
    case adminDatabaseUnsupported(adminSecretId: String, resource: String, engine: String)
    /// MySQL 8.0.13+ would need the current password in the statement, and
    /// the session is not verified TLS; nothing was sent.
    case currentPasswordNeedsTLS(login: String, server: String)
    /// The account the credential logged in as is not the secret's user.
    case accountMismatch(secretId: String, field: String)
    /// KEEP_PREVIOUS_PASSWORD on MariaDB would write AWSCURRENT's password
    /// into a statement, and the session is not verified TLS; nothing was sent.
    case keptPasswordNeedsTLS(login: String, server: String)
    /// The account logs in only by methods without a password (RDS IAM, unix_socket, PAM).
    case accountHoldsNoPassword(secretId: String, account: String, plugins: [String])
    /// Admin or alternating asked to rotate the admin itself or an account that can manage others.
    case privilegedAccount(secretId: String, account: String, reasons: [String])
    /// The server runs `init_connect` in the admin's sessions: someone else's statements with the admin's privileges.
    case adminRunsInitConnect(secretId: String, admin: String)
    /// KEEP_PREVIOUS_PASSWORD where the server or the account cannot keep two passwords.
    case keepPreviousUnsupported(secretId: String, account: String, obstacle: KeepPreviousObstacle)
    /// The password cannot be changed without changing something else (see PasswordChangeProblem).
    case passwordNotChangeable(secretId: String, account: String, problem: PasswordChangeProblem)
    /// KEEP_PREVIOUS_PASSWORD: after setSecret, AWSCURRENT's password no longer logs in.
    case keptPasswordDoesNotLogIn(secretId: String, login: String)
    /// AUTH_PLUGIN names a plugin the server does not have or has not loaded; nothing was changed.
    case authPluginUnavailable(secretId: String, account: String, plugin: String, server: String)

    /// The `errorType` Lambda reports, one per kind of problem.
    public var errorType: String {
        switch self {
        case .invalidEvent: ErrorType.invalidEvent.rawValue
        case .rotationNotEnabled: ErrorType.rotationNotEnabled.rawValue
        case .versionNotFound, .stageHasNoValue: ErrorType.versionNotFound.rawValue
        case .versionNotPending: ErrorType.versionNotPending.rawValue
        case .invalidSecret: ErrorType.invalidSecret.rawValue
        case .pendingMismatch: ErrorType.pendingSecretMismatch.rawValue
        case .noWorkingLogin, .pendingDoesNotLogIn, .adminLoginFailed: ErrorType.databaseLoginFailed.rawValue
        case .unexpectedServerAnswer: ErrorType.databaseError.rawValue
        case .adminElsewhere: ErrorType.adminSecretMismatch.rawValue
        case .usernameTooLong: ErrorType.invalidSecret.rawValue
        case .accountNotCopyable(_, _, .pluginWithoutPassword): ErrorType.accountHoldsNoPassword.rawValue
        case .accountNotCopyable: ErrorType.unsupportedAccount.rawValue
        case .adminHasNoDatabase: ErrorType.invalidSecret.rawValue
        case .adminDatabaseNotFound: ErrorType.adminDatabaseNotFound.rawValue
        case .adminDatabaseUnsupported: ErrorType.adminSecretMismatch.rawValue
        case .currentPasswordNeedsTLS: ErrorType.currentPasswordNeedsTLS.rawValue
        case .accountMismatch: ErrorType.accountMismatch.rawValue
        case .keptPasswordNeedsTLS: ErrorType.currentPasswordNeedsTLS.rawValue
        case .accountHoldsNoPassword: ErrorType.accountHoldsNoPassword.rawValue
        case .privilegedAccount: ErrorType.privilegedAccount.rawValue
        case .adminRunsInitConnect: ErrorType.adminRunsInitConnect.rawValue
        case .keepPreviousUnsupported: ErrorType.keepPreviousPasswordUnsupported.rawValue
        case .passwordNotChangeable: ErrorType.unsupportedAccount.rawValue
        case .keptPasswordDoesNotLogIn: ErrorType.databaseLoginFailed.rawValue
        case .authPluginUnavailable: ErrorType.configuration.rawValue
        }
    }

    public var description: String {
        switch self {
        case .invalidEvent(let problem):
            "invalid rotation event: \(problem)"
        case .rotationNotEnabled(let secretId):
            "secret \(secretId) is not enabled for rotation"
        case .versionNotFound(let secretId, let token):
            "secret version \(token) has no stage for rotation of secret \(secretId)"
        case .versionNotPending(let secretId, let token):
            "secret version \(token) is not set as AWSPENDING for rotation of secret \(secretId)"
        case .stageHasNoValue(let secretId, let stage):
            "secret \(secretId) has no value at \(stage)"
        case .invalidSecret(let secretId, let stage, let problem):
            "secret \(secretId) at \(stage): \(problem)"
        case .pendingMismatch(let secretId, let field):
            "the AWSPENDING \(field) of secret \(secretId) differs from the AWSCURRENT \(field); refusing to change another account"
        case .noWorkingLogin(let secretId, let tried):
            "unable to log into the database with the \(tried.joined(separator: ", ")) secret of \(secretId)"
        case .pendingDoesNotLogIn(let secretId, let login):
            "the AWSPENDING secret of \(secretId) does not log in as \(login)"
        case .unexpectedServerAnswer(let what):
            "unexpected answer from the database: \(what)"
        case .adminElsewhere(let secretId, let adminSecretId):
            "the admin secret \(adminSecretId) names another host or port than secret \(secretId) (for an RDS-managed admin secret: neither its database's endpoint nor one of its replicas' or readers')"
        case .adminLoginFailed(let secretId, let adminSecretId):
            "unable to log into the database with the admin secret \(adminSecretId) (masterarn of \(secretId))"
        case .usernameTooLong(let secretId, let limit):
            "the alternate user name for secret \(secretId) would exceed the server's limit of \(limit) characters"
        case .accountNotCopyable(let secretId, let account, let problem):
            "cannot copy account \(account) of secret \(secretId) to its other user: \(problem); nothing was changed"
        case .adminHasNoDatabase(let secretId, let adminSecretId):
            "the admin secret \(adminSecretId) (masterarn of \(secretId)) has no host key and no \(RDSResource.instanceTag) or \(RDSResource.clusterTag) tag"
        case .adminDatabaseNotFound(let adminSecretId, let resource):
            "RDS has no database \(resource), named by the tag of the admin secret \(adminSecretId)"
        case .adminDatabaseUnsupported(let adminSecretId, let resource, let engine):
            "the database \(resource) of the admin secret \(adminSecretId) runs \(engine), not MySQL, MariaDB or Aurora MySQL"
        case .currentPasswordNeedsTLS(let login, let server):
            "the server at \(login) reports \(server), where changing one's own password sends the current password in the statement (REPLACE), and the session is not verified TLS; nothing was sent. Use verified TLS (the secret's ssl true, or absent with TLS on the server and its CA in DB_CA_BUNDLE), or the admin strategy (ROTATION_STRATEGY=admin with a masterarn)"
        case .keptPasswordNeedsTLS(let login, let server):
            "KEEP_PREVIOUS_PASSWORD on the server at \(login) (\(server)) writes the current password into the statement that keeps it, and the session is not verified TLS; nothing was sent. Use verified TLS (the secret's ssl true, or absent with TLS on the server and its CA in DB_CA_BUNDLE)"
        case .accountMismatch(let secretId, let field):
            "the current credential of secret \(secretId) logs in as another account than its \(field) names (CURRENT_USER() differs); refusing to change that account"
        case .accountHoldsNoPassword(let secretId, let account, let plugins):
            "account \(account) of secret \(secretId) authenticates only with \(plugins.joined(separator: " OR ")), which hold no password to rotate (RDS IAM authentication, unix_socket and PAM accounts have none); nothing was changed"
        case .privilegedAccount(let secretId, let account, let reasons):
            "refusing to rotate account \(account) of secret \(secretId): \(reasons.joined(separator: "; ")); whoever may write that secret would get its password. Nothing was changed (ALLOW_PRIVILEGED_ACCOUNTS=true permits it)"
        case .adminRunsInitConnect(let secretId, let admin):
            "refusing to rotate secret \(secretId) through the admin \(admin): the server's init_connect is set, and it runs someone else's statements in every session of the admin, with the admin's privileges; nothing was changed. Check what it did, then empty it (SET GLOBAL init_connect = ''), or grant the admin CONNECTION ADMIN on *.*, whose sessions the server spares from it"
        case .keepPreviousUnsupported(let secretId, let account, let obstacle):
            "KEEP_PREVIOUS_PASSWORD for account \(account) of secret \(secretId): \(obstacle); nothing was changed"
        case .passwordNotChangeable(let secretId, let account, let problem):
            "cannot change only the password of account \(account) of secret \(secretId): \(problem); nothing was changed"
        case .keptPasswordDoesNotLogIn(let secretId, let login):
            "KEEP_PREVIOUS_PASSWORD: the AWSCURRENT secret of \(secretId) no longer logs in as \(login) after setSecret"
        case .authPluginUnavailable(let secretId, let account, let plugin, let server):
            "AUTH_PLUGIN=\(plugin) for account \(account) of secret \(secretId): the server (\(server)) does not offer \(plugin)"
                + (plugin == AuthPlugin.ed25519.rawValue
                    ? " (MariaDB loads it with INSTALL SONAME 'auth_ed25519')" : "")
                + "; nothing was changed. Choose a plugin the server has, or AUTH_PLUGIN=keep"
        }
    }
}

/// What is wrong with a secret's JSON, by key; never the value.
public enum SecretProblem: Error, Equatable, CustomStringConvertible, Sendable {
    case notJSON(String)
    case notAnObject
    case missingKey(String)
    case wrongType(key: String, expected: String)
    case emptyValue(key: String)
    case unsupportedEngine
    case portOutOfRange
    case usernameTooLong(key: String, limit: Int)
    /// Not a DNS name or an IP literal (see `HostName`); the value is not repeated.
    case invalidHost(key: String)

    public var description: String {
        switch self {
        case .notJSON(let detail): "the secret string is \(detail)"
        case .notAnObject: "the secret string is not a JSON object"
        case .missingKey(let key): "missing key '\(key)'"
        case .wrongType(let key, let expected): "key '\(key)' must be \(expected)"
        case .emptyValue(let key): "key '\(key)' is empty"
        case .unsupportedEngine: "key 'engine' must be one of mysql, aurora-mysql, mariadb"
        case .portOutOfRange: "key 'port' must be between 1 and 65535"
        case .usernameTooLong(let key, let limit): "key '\(key)' would be longer than \(limit) characters"
        case .invalidHost(let key):
            "key '\(key)' must be a DNS name (letters, digits, '-' and '.'), an IPv4 address or an IPv6 address; nothing else (';', ',', '/', '@', spaces, ...) is accepted"
        }
    }
}
