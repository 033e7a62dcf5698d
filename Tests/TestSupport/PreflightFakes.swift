import Preflight
import Rotation

// The preflight check's world in memory: a secret store, a network, a TLS
// probe and a server, each as healthy as a good deployment's until a test
// changes one thing.

/// A probe or lookup failing with the text the real layer would quote.
public struct FakeFailure: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// The server refusing a login for the account's own reason (locked, a
/// plugin it cannot load), quoting that reason.
public struct FakeRefusal: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

public final class FakeSecrets: SecretInspecting {
    public var facts = SecretFacts(
        arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf", name: "app", rotationEnabled: true,
        rotationFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:rotator",
        versionIdsToStages: ["v1": ["AWSCURRENT", "AWSPENDING"], "v0": ["AWSPREVIOUS"]])
    public var values: [String: String] = [:]
    public var describeError: FakeFailure?

    public init() {}

    public func describe(_ secretId: String) throws -> SecretFacts {
        if let describeError { throw describeError }
        return facts
    }

    public func currentSecretString(_ secretId: String) throws -> String? {
        guard let value = values[secretId] else { throw FakeFailure(description: "ResourceNotFoundException") }
        return value
    }
}

public struct FakeNetwork: NetworkProbing {
    public var reachable = true
    public init() {}
    public func resolve(_ host: String) throws -> [String] { ["10.0.0.5"] }
    public func connect(_ host: String, port: Int, timeoutSeconds: Double) throws {
        if !reachable { throw FakeFailure(description: "Connection refused") }
    }
}

public struct FakeTLS: TLSProbing {
    public var outcome: TLSProbe.Outcome = .verified
    public init() {}
    public func probe(_ login: DatabaseLogin) -> TLSProbe { TLSProbe(outcome: outcome, caBundle: "/ca.pem") }
}

/// A server by user: its password, account and SHOW GRANTS lines. Records
/// every statement, so a test can prove only SELECT and SHOW were sent.
public final class FakeServer: Database {
    public struct User {
        public var password: String
        public var grants: [String]
        public init(password: String, grants: [String]) {
            self.password = password
            self.grants = grants
        }
    }

    public var users: [String: User] = [:]
    public var existingUsers: Set<String> = []
    /// SHOW CREATE USER by user; default: a mysql_native_password account.
    public var createUser: [String: String] = [:]
    public var statements: [String] = []
    /// Every login tried, in order.
    public var logins: [DatabaseLogin] = []
    /// Whether sessions count as verified TLS (a healthy world's do).
    public var verifiedTLS = true
    /// Users whose login the server refuses whatever the password.
    public var refusals: [String: FakeRefusal] = [:]
    /// `@@GLOBAL.init_connect`.
    public var initConnect = ""
    /// What SHOW GRANTS adds with a role active (MariaDB: `SET ROLE`), by the role as printed.
    public var roleGrants: [String: [String]] = [:]
    public var activeRole: String?

    public init() {}

    public func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
        logins.append(login)
        if let refusal = refusals[login.username] { throw refusal }
        guard let user = users[login.username], user.password == login.password else {
            throw LoginRejected(username: login.username, host: login.host, port: login.port)
        }
        return try body(Session(server: self, user: login.username, grants: user.grants))
    }

    public struct Session: DatabaseSession {
        public let server: FakeServer
        public let user: String
        public let grants: [String]
        public var serverVersion: String { "10.11.6-MariaDB" }
        public var isVerifiedTLS: Bool { server.verifiedTLS }

        public func query(_ statement: SQL) throws -> [[String?]] {
            let text = statement.rendered(readingSession: { SessionSyntax(backslashEscapes: true) })
            server.statements.append(text)
            if text == "SELECT CURRENT_USER(), @@GLOBAL.init_connect" { return [["\(user)@%", server.initConnect]] }
            if text == "SHOW GRANTS" {
                return (grants + (server.roleGrants[server.activeRole ?? ""] ?? [])).map { [$0] }
            }
            if text.hasPrefix("SET ROLE ") {
                server.activeRole = String(text.dropFirst("SET ROLE ".count))
                return []
            }
            if text.hasPrefix("SHOW CREATE USER ") {
                return [[server.createUser[user] ?? "CREATE USER `\(user)`@`%` IDENTIFIED BY PASSWORD '*AB'"]]
            }
            if text.hasPrefix("SELECT 1 FROM mysql.user") {
                return server.existingUsers.contains(where: { text.contains(SQL.hexLiteral($0)) }) ? [["1"]] : []
            }
            if text.hasPrefix("SELECT CHARACTER_MAXIMUM_LENGTH") { return [["128"]] }
            throw FakeFailure(description: "unexpected statement")
        }
    }
}
