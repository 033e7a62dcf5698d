/// Failures of the database layer, shaped for the one decision callers make
/// (`isAccessDenied`: try another credential or not) and for logs. No case
/// carries a password or the text of a statement.
public enum MariaDBError: Error, CustomStringConvertible, Equatable {
    /// The server rejected this user/password pair (1045, 1698). Another
    /// password for the same user may still work.
    case accessDenied(user: String, host: String, port: Int)
    /// The server was reached but will not let this login through for a reason
    /// a different password would not fix: account locked (4151, MySQL 3118),
    /// password expired (1862), client host blocked or not allowed (1129,
    /// 1130), no access to the requested database (1044), or the client could
    /// not run the account's authentication plugin (2059, 2061).
    case loginRefused(user: String, host: String, port: Int, code: UInt32, message: String)
    /// No usable server answered: refused, DNS failure, connect or greeting
    /// timeout, server gone during the handshake, too many connections.
    case unreachable(host: String, port: Int, code: UInt32, message: String)
    /// TLS was required and the server does not offer it.
    case tlsRequiredButUnavailable(host: String, port: Int)
    /// The TLS handshake or the server certificate check failed; `caBundle`
    /// is the file verification used, named in the hint.
    case tlsFailed(host: String, port: Int, reason: TLSFailure, message: String, caBundle: String?)
    /// The server asked for the password in a form an unverified peer could
    /// read (mysql_clear_password, dialog, or caching_sha2/sha256 full
    /// authentication over plaintext without a pinned key); nothing was sent.
    case insecureAuthentication(host: String, port: Int)
    /// The server refused a statement. `message` is nil whenever it could quote
    /// the statement (parse errors, or text matching a sensitive value).
    case statementFailed(code: UInt32, sqlState: String, message: String?)
    /// The connection died or timed out while a statement was in flight
    /// (2006, 2013, 2055); whether the statement took effect is unknown.
    case connectionLost(code: UInt32)
    /// The host is not a DNS name or an IP literal (see `HostName`); nothing
    /// was dialled. The value is not repeated: it may be an option string.
    case invalidHost(port: Int)

    public var isAccessDenied: Bool {
        if case .accessDenied = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case let .accessDenied(user, host, port):
            "MariaDB at \(host):\(port) denied access to user '\(user)' (wrong password or unknown user)"
        case let .loginRefused(user, host, port, code, message):
            "MariaDB at \(host):\(port) refused the login of user '\(user)' (error \(code)): \(message)"
        case let .unreachable(host, port, code, message):
            "MariaDB at \(host):\(port) is unreachable (error \(code)): \(message)"
        case let .tlsRequiredButUnavailable(host, port):
            "MariaDB at \(host):\(port) does not offer TLS, which is required (the secret's ssl is true, the admin secret's is, or REQUIRE_TLS=true); enable TLS on the server, or set the secret's ssl to false to accept plaintext"
        case let .tlsFailed(host, port, reason, message, caBundle):
            "TLS with MariaDB at \(host):\(port) failed (\(message)): \(reason.explanation(host: host, caBundle: caBundle))"
        case let .insecureAuthentication(host, port):
            "MariaDB at \(host):\(port) asked for the password in a form that a server without verified TLS could read (mysql_clear_password, dialog, or caching_sha2_password/sha256_password full authentication to a key it supplies); nothing was sent. Use verified TLS (the secret's ssl true or absent, with the server's CA in DB_CA_BUNDLE / --ca-bundle), or, for MySQL 8 without TLS, pin the server's RSA public key with DB_SERVER_PUBLIC_KEY"
        case let .statementFailed(code, sqlState, message?):
            "statement failed (error \(code), SQLSTATE \(sqlState)): \(message)"
        case let .statementFailed(code, sqlState, nil):
            "statement failed (error \(code), SQLSTATE \(sqlState)); server message withheld because it may quote the statement"
        case let .invalidHost(port):
            "refused to connect to a database host (port \(port)) that is not a DNS name, an IPv4 address or an IPv6 address; nothing was dialled"
        case let .connectionLost(code):
            "connection to MariaDB lost while a statement was running (error \(code)); its effect is unknown"
        }
    }
}
