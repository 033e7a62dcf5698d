import CMariaDB
import Platform

#if canImport(Glibc)
import Glibc
#endif

/// Connector/C's global state must be set up once, before the first
/// mysql_init, and never concurrently; a lazily initialised global gives
/// exactly that.
private let libraryReady: Bool = mysql_server_init(0, nil, nil) == 0

/// One logged-in session. The MYSQL handle is owned here and closed in deinit;
/// it never leaves the module, so nothing can outlive or double-close it.
public final class MariaDBConnection {
    let handle: UnsafeMutablePointer<MYSQL>
    // Kept for error texts; the password is deliberately not kept.
    let host: String
    let port: Int
    let user: String
    /// Plaintext because the greeting offered no TLS (not by the user's choice).
    public internal(set) var serverOffersNoTLS = false
    /// TLS, the certificate chained to the CA bundle and naming the host dialled.
    public internal(set) var isVerifiedTLS = false
    /// The conversation's wall-clock end, when the options set one.
    var limit: ConversationLimit?

    /// Connects, runs `body`, and closes the connection when `body` returns or
    /// throws.
    public static func withConnection<T>(
        _ options: MariaDBOptions, _ body: (MariaDBConnection) throws -> T
    ) throws -> T {
        let connection = try connect(options)
        return try withExtendedLifetime(connection) { try body(connection) }
    }

    init(handle: UnsafeMutablePointer<MYSQL>, options: MariaDBOptions) {
        self.handle = handle
        self.host = options.host
        self.port = options.port
        self.user = options.user
    }

    deinit {
        mysql_close(handle)
        limit?.end()
    }

    /// The server's version string, e.g. "10.11.19-MariaDB-0+deb12u1" or "8.0.36".
    public var serverVersion: String {
        String(cString: mysql_get_server_info(handle))
    }

    /// The negotiated cipher, or nil when the session is plaintext.
    public var tlsCipher: String? {
        mysql_get_ssl_cipher(handle).map { String(cString: $0) }
    }
}

extension MariaDBConnection {
    static func connect(_ options: MariaDBOptions) throws -> MariaDBConnection {
        guard libraryReady else {
            throw MariaDBError.unreachable(
                host: options.host, port: options.port, code: UInt32(CR_UNKNOWN_ERROR),
                message: "MariaDB Connector/C could not be initialised")
        }
        // Again here, whoever built the options (a secret, RDS's answer):
        // Connector/C reads some host strings as option lists.
        try rejectOptionStrings(options)
        guard options.tls != .plaintext else { return try connect(options, session: .plaintext(warn: false)) }
        // Checked here rather than read from the library's error: with a
        // missing file, 3.3's text depends on how far the handshake got.
        if let caBundle = options.caBundle, access(caBundle, R_OK) != 0 {
            throw MariaDBError.tlsFailed(
                host: options.host, port: options.port, reason: .caBundleUnreadable,
                message: "cannot read the CA bundle (errno \(errno))", caBundle: caBundle)
        }
        // Verified TLS first. Connector/C refuses a greeting without TLS
        // before it sends anything (not even the user name), so this attempt
        // tells whether TLS is on offer at no risk to the password.
        do {
            return try connect(options, session: .verifiedTLS)
        } catch MariaDBError.tlsRequiredButUnavailable(let host, let port) {
            // Only a greeting without TLS gets here; a handshake or a
            // certificate that failed is `.tlsFailed` and stays an error.
            switch options.tls.session(greetingOffersTLS: false) {
            case .plaintext(let warn):
                let connection = try connect(options, session: .plaintext(warn: warn))
                connection.serverOffersNoTLS = true
                return connection
            case .refuse, .verifiedTLS:
                throw MariaDBError.tlsRequiredButUnavailable(host: host, port: port)
            }
        }
    }

    private static func connect(_ options: MariaDBOptions, session: TLSSession) throws -> MariaDBConnection {
        guard let handle = mysql_init(nil) else {
            throw MariaDBError.unreachable(
                host: options.host, port: options.port, code: UInt32(CR_OUT_OF_MEMORY),
                message: "mysql_init failed")
        }
        // From here on the connection owns the handle, so every exit closes it.
        let connection = MariaDBConnection(handle: handle, options: options)
        try rejectEmbeddedNUL(options)
        try connection.configure(options, session: session)
        if let deadline = options.deadline {
            let limit = ConversationLimit(deadline: deadline)
            connection.limit = limit
            guard limit.install(on: handle) == 0 else {
                throw MariaDBError.unreachable(
                    host: options.host, port: options.port, code: UInt32(CR_UNKNOWN_ERROR),
                    message: "Connector/C rejected the conversation's time limit (MARIADB_OPT_IO_WAIT)")
            }
        }
        let connected = connection.whileConnecting {
            mysql_real_connect(
                handle, HostName.dialable(options.host), options.user, options.password, options.database,
                UInt32(clamping: options.port), nil, 0)
        }
        if connected == nil, connection.limit?.hasExpired ?? false {
            throw MariaDBError.unreachable(
                host: options.host, port: options.port, code: mysql_errno(handle),
                message:
                    "the server had not finished connecting (greeting, TLS handshake, login) when the conversation's time ran out"
            )
        }
        guard connected != nil else {
            throw MariaDBError.connectFailure(
                code: mysql_errno(handle),
                message: String(cString: mysql_error(handle)),
                serverOffersTLS: rotator_mysql_server_capabilities(handle) & UInt(CLIENT_SSL) != 0,
                session: session, options: options)
        }
        try connection.verifyTLS(session)
        connection.isVerifiedTLS = session == .verifiedTLS
        return connection
    }

    /// Only a DNS name or an IP literal reaches `mysql_real_connect` as its
    /// host (see `HostName`). The user name and the database travel in the
    /// handshake as they are, which Connector/C does not parse; no socket
    /// path is ever passed (always TCP).
    private static func rejectOptionStrings(_ options: MariaDBOptions) throws {
        guard HostName.isValid(options.host) else { throw MariaDBError.invalidHost(port: options.port) }
    }

    /// The credentials travel as C strings: a NUL would silently cut the
    /// password short and log in with its prefix, if that happened to be valid.
    private static func rejectEmbeddedNUL(_ options: MariaDBOptions) throws {
        let fields = [
            ("host", options.host), ("user", options.user), ("password", options.password),
            ("database", options.database ?? ""),
        ]
        guard let (name, _) = fields.first(where: { $0.1.utf8.contains(0) }) else { return }
        throw MariaDBError.loginRefused(
            user: options.user, host: options.host, port: options.port, code: UInt32(CR_INVALID_PARAMETER),
            message: "the \(name) contains a NUL character, which the protocol cannot carry")
    }

    private func configure(_ options: MariaDBOptions, session: TLSSession) throws {
        var failed = false
        func set(_ result: Int32) { if result != 0 { failed = true } }

        // utf8mb4 so every Unicode password reaches the server byte for byte.
        set(rotator_mysql_set_string(handle, MYSQL_SET_CHARSET_NAME, "utf8mb4"))
        // Always TCP: Connector/C would otherwise take "localhost" to mean the
        // Unix socket, silently ignoring the port and skipping TLS.
        set(rotator_mysql_set_uint(handle, MYSQL_OPT_PROTOCOL, UInt32(MYSQL_PROTOCOL_TCP.rawValue)))
        // Connector/C reads 0 as "wait forever", which these options exist to
        // prevent; the connect timeout also bounds the wait for the greeting.
        set(rotator_mysql_set_uint(handle, MYSQL_OPT_CONNECT_TIMEOUT, Self.seconds(options.connectTimeout)))
        set(rotator_mysql_set_uint(handle, MYSQL_OPT_READ_TIMEOUT, Self.seconds(options.readTimeout)))
        set(rotator_mysql_set_uint(handle, MYSQL_OPT_WRITE_TIMEOUT, Self.seconds(options.writeTimeout)))
        // A server must never be able to make us upload a local file.
        set(rotator_mysql_set_uint(handle, MYSQL_OPT_LOCAL_INFILE, 0))
        if let directory = options.pluginDirectory {
            set(rotator_mysql_set_string(handle, MYSQL_PLUGIN_DIR, directory))
        }
        set(configure(session, caBundle: options.caBundle, serverPublicKey: options.serverPublicKey))

        if failed {
            throw MariaDBError.unreachable(
                host: options.host, port: options.port, code: mysql_errno(handle),
                message: "Connector/C rejected a connection option")
        }
    }

    private func whileConnecting<T>(_ body: () -> T) -> T {
        guard let limit else { return body() }
        return limit.whileConnecting(body)
    }

    private static func seconds(_ value: Int) -> UInt32 {
        UInt32(clamping: max(1, value))
    }
}
