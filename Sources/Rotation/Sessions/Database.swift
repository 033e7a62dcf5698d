/// The database as rotation sees it: sessions opened with a credential.
public protocol Database {
    /// Runs `body` in a session logged in with `login`, closed afterwards
    /// whatever happens. Throws `LoginRejected` when the server refuses the
    /// credential, and other errors when it cannot tell (unreachable, TLS).
    func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T
}

public protocol DatabaseSession {
    /// The server's version string, e.g. `10.11.6-MariaDB` or `8.0.36`.
    var serverVersion: String { get }
    /// TLS whose certificate chained to the CA bundle and named the host
    /// dialled: the one protection under which a statement may carry the
    /// current password.
    var isVerifiedTLS: Bool { get }
    func query(_ statement: SQL) throws -> [[String?]]
}

extension DatabaseSession {
    /// Unknown counts as unprotected.
    public var isVerifiedTLS: Bool { false }

    public func execute(_ statement: SQL) throws {
        _ = try query(statement)
    }
}

/// Where and as whom to log in; built from a secret.
public struct DatabaseLogin: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String
    public var database: String?
    /// The secret's `ssl` key: `true` requires TLS, `false` forbids it, `nil` prefers it.
    public var ssl: Bool?
    /// A session of a step that can change an account: verified TLS,
    /// whatever `ssl` and `REQUIRE_TLS` say (`SessionProtection`).
    public var changesAccounts = false

    public init(host: String, port: Int, username: String, password: String, database: String? = nil, ssl: Bool? = nil)
    {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.ssl = ssl
    }

    public var description: String { "\(username)@\(host):\(port)" }
}

/// The server refused the credential: it does not log in.
public struct LoginRejected: Error, CustomStringConvertible, Sendable {
    public var username: String
    public var host: String
    public var port: Int

    public init(username: String, host: String, port: Int) {
        self.username = username
        self.host = host
        self.port = port
    }

    public var description: String { "the server at \(host):\(port) refused the login of user \(username)" }
}

extension Database {
    /// Whether `login` logs in; errors other than a refusal propagate, so an
    /// unreachable server is never mistaken for a wrong password.
    public func logsIn(_ login: DatabaseLogin) throws -> Bool {
        do {
            return try withSession(login) { _ in true }
        } catch is LoginRejected {
            return false
        }
    }
}
