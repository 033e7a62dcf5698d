import CMariaDB

extension MariaDBError {
    /// Sorts a failed mysql_real_connect. `options.password` is only used to
    /// make sure no message ever repeats it: server login errors do not quote
    /// it, but a future server or plugin message is not ours to trust.
    static func connectFailure(
        code: UInt32, message: String, serverOffersTLS: Bool, session: TLSSession, options: MariaDBOptions
    ) -> MariaDBError {
        let host = options.host, port = options.port, user = options.user
        let message = Redaction.scrub(message, removing: [options.password])
        let tlsAttempted = session == .verifiedTLS
        func tlsFailed() -> MariaDBError {
            .tlsFailed(
                host: host, port: port, reason: TLSFailure(message: message), message: message,
                caBundle: options.caBundle)
        }
        switch Int32(bitPattern: code) {
        case CR_PLUGIN_NOT_ALLOWED:
            // Only the restricted-auth list refuses plugins here. Its text is
            // not kept: 3.3 prints the refused plugin's name from the wrong
            // buffer, bytes of the server's packet included.
            return .insecureAuthentication(host: host, port: port)
        case ER_ACCESS_DENIED_ERROR where isPluginLoadFailure(message):
            // Connector/C answers an auth switch to a plugin it cannot load
            // with empty responses, takes the server's 1045 and puts its own
            // "Plugin ... could not be loaded" text on it. That is a packaging
            // problem, not a wrong password, so it must not read as one.
            return .loginRefused(
                user: user, host: host, port: port, code: UInt32(CR_AUTH_PLUGIN_CANNOT_LOAD), message: message)
        case ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
            return .accessDenied(user: user, host: host, port: port)
        case CR_SSL_CONNECTION_ERROR where tlsAttempted:
            // TLS is negotiated after the greeting, so its capability flags
            // say whether TLS was on offer; no need to parse error text.
            return serverOffersTLS ? tlsFailed() : .tlsRequiredButUnavailable(host: host, port: port)
        case CR_FILE_NOT_FOUND where tlsAttempted, CR_FILE_READ where tlsAttempted:
            // The only files a connect reads here are the CA bundle's.
            return .tlsFailed(
                host: host, port: port, reason: .caBundleUnreadable, message: message,
                caBundle: options.caBundle)
        case CR_AUTH_PLUGIN_CANNOT_LOAD, CR_AUTH_PLUGIN_ERR, CR_ERR_LOAD_PLUGIN:
            return .loginRefused(user: user, host: host, port: port, code: code, message: message)
        case ER_CON_COUNT_ERROR, ER_SERVER_SHUTDOWN:
            // Reachable but full or going down: waiting is the remedy, not
            // another credential.
            return .unreachable(host: host, port: port, code: code, message: message)
        case CR_MIN_ERROR...CR_MAX_ERROR, CR_EVENT_CREATE_FAILED...CR_MARIADB_LAST_ERROR:
            // Client-side: refused, DNS, timeouts, handshake cut off.
            return .unreachable(host: host, port: port, code: code, message: message)
        default:
            // Server-side refusals a different password would not fix: locked
            // (MariaDB 4151, MySQL 3118), expired (1862), host blocked or not
            // allowed (1129, 1130), no access to the database (1044), ...
            return .loginRefused(user: user, host: host, port: port, code: code, message: message)
        }
    }

    /// Sorts a failed statement. The server's text is kept only when it cannot
    /// be quoting the statement, because statements here carry passwords.
    static func statementFailure(
        code: UInt32, sqlState: String, message: String, sensitive: [String]
    ) -> MariaDBError {
        switch Int32(bitPattern: code) {
        case CR_SERVER_GONE_ERROR, CR_SERVER_LOST, CR_SERVER_LOST_EXTENDED, CR_ERR_NET_READ, CR_ERR_NET_WRITE,
            // Over TLS a read or write timeout, or a dead peer, surfaces as a
            // TLS error.
            CR_SSL_CONNECTION_ERROR,
            // The server ended the session itself; nothing more can be sent.
            ER_CONNECTION_KILLED, ER_SERVER_SHUTDOWN:
            return .connectionLost(code: code)
        case ER_PARSE_ERROR, ER_SYNTAX_ERROR:
            // "... near '<statement text>' at line 1", truncated anywhere.
            return .statementFailed(code: code, sqlState: sqlState, message: nil)
        default:
            let safe = Redaction.mayQuote(message, anyOf: sensitive) ? nil : message
            return .statementFailed(code: code, sqlState: sqlState, message: safe)
        }
    }

    /// Connector/C's CR_AUTH_PLUGIN_CANNOT_LOAD text: "Plugin %s could not be loaded: %s".
    private static func isPluginLoadFailure(_ message: String) -> Bool {
        message.hasPrefix("Plugin ") && message.contains(" could not be loaded")
    }
}
