import LambdaRuntime
import MariaDB
import Platform
import Rotation

/// The database through Connector/C, with the TLS policy; each session is
/// bounded by the `CallContext` of the call that opens it (see `Bound`).
final class MariaDBDatabase {
    let requireTLS: Bool
    let caBundle: String?
    let pluginDirectory: String?
    let serverPublicKey: String?
    let logger: LambdaLogger
    /// Connections opened during the current invocation, for the log line.
    var connectionsOpened = 0

    static let connectTimeout = 5.0
    static let statementTimeout = 10.0

    init(
        requireTLS: Bool, caBundle: String?, pluginDirectory: String?, serverPublicKey: String? = nil,
        logger: LambdaLogger
    ) {
        self.requireTLS = requireTLS
        self.caBundle = caBundle
        self.pluginDirectory = pluginDirectory
        self.serverPublicKey = serverPublicKey
        self.logger = logger
    }

    func withSession<T>(
        _ login: DatabaseLogin, context: CallContext, _ body: (any DatabaseSession) throws -> T
    ) throws -> T {
        let options = try options(for: login, context: context)
        connectionsOpened += 1
        do {
            return try MariaDBConnection.withConnection(options) { connection in
                if connection.serverOffersNoTLS {
                    logger.log(
                        .warn, "database session is not encrypted: the server's greeting offers no TLS",
                        [
                            ("host", login.host), ("port", String(login.port)),
                            ("hint", "set the secret's ssl key to true, or REQUIRE_TLS=true, to refuse plaintext"),
                        ])
                }
                let session = DeadlineBoundSession(
                    connection: connection, deadline: context.deadline, host: login.host, port: login.port)
                // Its own name comes back in answers (CURRENT_USER()), which must be utf8mb4 to match the secret's.
                if !login.username.utf8.allSatisfy({ $0 < 0x80 }) { _ = try session.sessionSyntax() }
                return try body(session)
            }
        } catch let error as MariaDBError where error.isAccessDenied {
            throw LoginRejected(username: login.username, host: login.host, port: login.port)
        } catch MariaDBError.tlsRequiredButUnavailable(let host, let port) where login.changesAccounts {
            // Why TLS was required, which the database layer cannot say.
            throw DeploymentError.accountChangeNeedsTLS(host: host, port: port)
        }
    }

    /// The client plugin the login needed and the package lacks (MariaDB's `parsec`).
    static func missingClientPlugin(_ error: any Error) -> String? { (error as? MariaDBError)?.missingClientPlugin }

    /// The server refused the login for a reason of the account's (locked,
    /// expired, a plugin it cannot load), not for the password.
    static func isLoginRefusal(_ error: any Error) -> Bool {
        if case MariaDBError.loginRefused = error { return true }
        return false
    }

    /// The CA bundle a session with `protection` needs: verified TLS
    /// whenever the server offers TLS, unless plaintext was chosen.
    func caBundle(for protection: SessionProtection) throws -> String? {
        guard protection != .plaintext else { return nil }
        guard let caBundle else { throw DeploymentError.noCABundle }
        return caBundle
    }

    /// What a login with this `ssl` key gets, for the check to report the rotation's own decision.
    func protection(ssl: Bool?) throws -> SessionProtection {
        let protection = SessionProtection(ssl: ssl, requireTLS: requireTLS)
        _ = try caBundle(for: protection)
        return protection
    }

    func options(for login: DatabaseLogin) throws -> MariaDBOptions {
        let protection = login.protection(requireTLS: requireTLS)
        return MariaDBOptions(
            host: login.host, port: login.port, user: login.username, password: login.password,
            database: login.database, tls: protection, caBundle: try caBundle(for: protection),
            connectTimeout: Int(Self.connectTimeout),
            readTimeout: Int(Self.statementTimeout), writeTimeout: Int(Self.statementTimeout),
            pluginDirectory: pluginDirectory, serverPublicKey: serverPublicKey)
    }

    /// `options(for:)` with its limits cut to what `context` leaves.
    func options(for login: DatabaseLogin, context: CallContext) throws -> MariaDBOptions {
        var options = try options(for: login)
        let remaining = context.secondsLeft(keeping: .database)
        guard remaining >= 1 else { throw DeploymentError.deadline(host: login.host, port: login.port) }
        // Connector/C counts whole seconds, and 0 would mean no limit at all.
        func bound(_ limit: Int) -> Int { max(1, Int(min(Double(limit), remaining))) }
        options.connectTimeout = bound(options.connectTimeout)
        options.readTimeout = bound(options.readTimeout)
        options.writeTimeout = bound(options.writeTimeout)
        // The whole conversation ends there, however the server paces it.
        options.deadline = context.deadline?.bringingForward(.database)
        return options
    }

    /// The database for one invocation: every session it opens is bounded by `context`.
    struct Bound: Database {
        let database: MariaDBDatabase
        let context: CallContext

        var caBundle: String? { database.caBundle }

        func protection(ssl: Bool?) throws -> SessionProtection { try database.protection(ssl: ssl) }

        func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
            try database.withSession(login, context: context, body)
        }

        func options(for login: DatabaseLogin) throws -> MariaDBOptions {
            try database.options(for: login, context: context)
        }
    }
}

/// A session whose statements start only while the invocation has time
/// left. Connector/C fixes a connection's read and write limits when it
/// opens, so a session of several statements (the alternating strategy's
/// grant copy) could otherwise wait past the deadline in total; this bounds
/// the overrun to the last statement's own limit, itself set from the time
/// left when the connection opened.
///
/// Statements are rendered here (`SQL.rendered(readingSession:)`): the
/// session's character set and sql_mode are read from the server the first
/// time a statement carries a value that is not plain, and kept for the
/// session's remaining statements (nothing the function sends changes them
/// afterwards).
struct DeadlineBoundSession: DatabaseSession {
    let connection: MariaDBConnection
    let deadline: Deadline?
    let host: String
    let port: Int
    private let syntax = SyntaxCache()

    init(connection: MariaDBConnection, deadline: Deadline?, host: String, port: Int) {
        self.connection = connection
        self.deadline = deadline
        self.host = host
        self.port = port
    }

    var serverVersion: String { connection.serverVersion }
    var isVerifiedTLS: Bool { connection.isVerifiedTLS }

    func query(_ statement: SQL) throws -> [[String?]] {
        let text = try statement.rendered(readingSession: sessionSyntax)
        // The forms only repeat what rendering learnt; this never asks the server again.
        let sensitive = try statement.sensitiveForms(readingSession: sessionSyntax)
        return try run(text, sensitive: sensitive)
    }

    private func run(_ text: String, sensitive: [String]) throws -> [[String?]] {
        if let deadline, deadline.remainingSeconds(margin: CallContext.Margin.database.rawValue) <= 0 {
            throw DeploymentError.deadline(host: host, port: port)
        }
        return try connection.query(text, sensitive: sensitive)
    }

    func sessionSyntax() throws -> SessionSyntax {
        if let known = syntax.value { return known }
        let read = try SessionSyntax.read(host: host, port: port) { statement in
            // Plain statements: rendering them needs no state, so this cannot recurse.
            try run(statement.rendered(readingSession: { throw SyntaxCache.Recursion() }), sensitive: [])
        }
        syntax.value = read
        return read
    }

    /// The one mutable part of a session, shared by its copies.
    private final class SyntaxCache {
        var value: SessionSyntax?
        struct Recursion: Error {}
    }
}

/// Problems of the function's surroundings rather than of a secret.
enum DeploymentError: Error, CustomStringConvertible {
    case noCABundle
    case deadline(host: String, port: Int)
    /// A session that can change an account met a greeting without TLS; nothing was sent.
    case accountChangeNeedsTLS(host: String, port: Int)

    var description: String {
        switch self {
        case .noCABundle:
            "TLS to the database needs a CA bundle to verify the server and none was found; set DB_CA_BUNDLE, or put the CA's PEM at ca/db-ca-bundle.pem and sam build"
        case .deadline(let host, let port):
            "not enough time left in the invocation for the database at \(host):\(port)"
        case .accountChangeNeedsTLS(let host, let port):
            "MariaDB at \(host):\(port) offers no TLS, and this session can change an account (a session as the admin, the admin and alternating strategies' proof of the rotated account, or the self strategy with KEEP_PREVIOUS_PASSWORD), which runs only over verified TLS whatever REQUIRE_TLS and the secrets' ssl say; nothing was sent. To rotate: \(SessionProtection.accountChangeAdvice)"
        }
    }
}
