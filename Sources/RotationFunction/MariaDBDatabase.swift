import LambdaRuntime
import MariaDB
import Platform
import Rotation

/// The database through Connector/C, with the TLS policy and time budget
/// of the current invocation.
final class MariaDBDatabase: Database {
    let requireTLS: Bool
    let caBundle: String?
    let pluginDirectory: String?
    let serverPublicKey: String?
    let logger: LambdaLogger
    /// Set for each invocation; every connect, read and write is bounded by what is left of it.
    var deadline: Deadline?
    /// Connections opened during the current invocation, for the log line.
    var connectionsOpened = 0

    static let connectTimeout = 5.0
    static let statementTimeout = 10.0
    /// Kept back from the deadline so a failed step can still be reported.
    static let safetyMargin = 1.0

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

    func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
        let options = try options(for: login)
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
                return try body(
                    DeadlineBoundSession(connection: connection, deadline: deadline, host: login.host, port: login.port)
                )
            }
        } catch let error as MariaDBError where error.isAccessDenied {
            throw LoginRejected(username: login.username, host: login.host, port: login.port)
        }
    }

    /// The rotation's decision for a session, as Connector/C's TLS options.
    func tlsMode(for protection: SessionProtection) throws -> TLSMode {
        switch protection {
        case .plaintext: return .disabled
        case .verified:
            guard let caBundle else { throw DeploymentError.noCABundle }
            return .required(caBundle: caBundle)
        case .opportunistic:
            // Verified TLS whenever the server offers TLS, so a bundle is needed.
            guard let caBundle else { throw DeploymentError.noCABundle }
            return .opportunistic(caBundle: caBundle)
        }
    }

    func options(for login: DatabaseLogin) throws -> MariaDBOptions {
        let tls = try tlsMode(for: login.protection(requireTLS: requireTLS))
        let remaining = deadline.map { $0.remainingSeconds(margin: Self.safetyMargin) } ?? .infinity
        guard remaining >= 1 else { throw DeploymentError.deadline(host: login.host, port: login.port) }
        // Connector/C counts whole seconds, and 0 would mean no limit at all.
        func bound(_ limit: Double) -> Int { max(1, Int(min(limit, remaining))) }
        return MariaDBOptions(
            host: login.host, port: login.port, user: login.username, password: login.password,
            database: login.database, tls: tls, connectTimeout: bound(Self.connectTimeout),
            readTimeout: bound(Self.statementTimeout), writeTimeout: bound(Self.statementTimeout),
            pluginDirectory: pluginDirectory, serverPublicKey: serverPublicKey)
    }
}

/// A session whose statements start only while the invocation has time
/// left. Connector/C fixes a connection's read and write limits when it
/// opens, so a session of several statements (the alternating strategy's
/// grant copy) could otherwise wait past the deadline in total; this bounds
/// the overrun to the last statement's own limit, itself set from the time
/// left when the connection opened.
struct DeadlineBoundSession: DatabaseSession {
    let connection: MariaDBConnection
    let deadline: Deadline?
    let host: String
    let port: Int

    var serverVersion: String { connection.serverVersion }
    var isVerifiedTLS: Bool { connection.isVerifiedTLS }

    func query(_ statement: SQL) throws -> [[String?]] {
        if let deadline, deadline.remainingSeconds(margin: MariaDBDatabase.safetyMargin) <= 0 {
            throw DeploymentError.deadline(host: host, port: port)
        }
        let text = statement.rendered(escapingLiteralsWith: connection.escapeLiteral)
        return try connection.query(text, sensitive: statement.literals)
    }
}

/// Problems of the function's surroundings rather than of a secret.
enum DeploymentError: Error, CustomStringConvertible {
    case noCABundle
    case deadline(host: String, port: Int)

    var description: String {
        switch self {
        case .noCABundle:
            "TLS to the database needs a CA bundle to verify the server and none was found; set DB_CA_BUNDLE, or put the CA's PEM at ca/db-ca-bundle.pem and sam build"
        case .deadline(let host, let port):
            "not enough time left in the invocation for the database at \(host):\(port)"
        }
    }
}
