import Preflight
import Rotation

struct FakeError: Error, CustomStringConvertible {
    var description: String
}

/// The server refusing a login for the account's own reason (locked, a
/// plugin it cannot load), quoting that reason.
struct FakeRefusal: Error, CustomStringConvertible {
    var description: String
}

final class FakeSecrets: SecretInspecting {
    var facts = SecretFacts(
        arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf", name: "app", rotationEnabled: true,
        rotationFunctionARN: "arn:aws:lambda:us-east-1:123456789012:function:rotator",
        versionIdsToStages: ["v1": ["AWSCURRENT", "AWSPENDING"], "v0": ["AWSPREVIOUS"]])
    var values: [String: String] = [:]
    var describeError: FakeError?

    func describe(_ secretId: String) throws -> SecretFacts {
        if let describeError { throw describeError }
        return facts
    }

    func currentSecretString(_ secretId: String) throws -> String? {
        guard let value = values[secretId] else { throw FakeError(description: "ResourceNotFoundException") }
        return value
    }
}

struct FakeNetwork: NetworkProbing {
    var reachable = true
    func resolve(_ host: String) throws -> [String] { ["10.0.0.5"] }
    func connect(_ host: String, port: Int, timeoutSeconds: Double) throws {
        if !reachable { throw FakeError(description: "Connection refused") }
    }
}

struct FakeTLS: TLSProbing {
    var outcome: TLSProbe.Outcome = .verified
    func probe(_ login: DatabaseLogin) -> TLSProbe { TLSProbe(outcome: outcome, caBundle: "/ca.pem") }
}

/// A server by user: its password, account and SHOW GRANTS lines. Records
/// every statement, so a test can prove only SELECT and SHOW were sent.
final class FakeServer: Database {
    struct User {
        var password: String
        var grants: [String]
    }

    var users: [String: User] = [:]
    var existingUsers: Set<String> = []
    /// SHOW CREATE USER by user; default: a mysql_native_password account.
    var createUser: [String: String] = [:]
    var statements: [String] = []
    /// Every login tried, in order.
    var logins: [DatabaseLogin] = []
    /// Whether sessions count as verified TLS (a healthy world's do).
    var verifiedTLS = true
    /// Users whose login the server refuses whatever the password.
    var refusals: [String: FakeRefusal] = [:]
    /// `@@GLOBAL.init_connect`.
    var initConnect = ""
    /// What SHOW GRANTS adds with a role active (MariaDB: `SET ROLE`), by the role as printed.
    var roleGrants: [String: [String]] = [:]
    var activeRole: String?

    func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
        logins.append(login)
        if let refusal = refusals[login.username] { throw refusal }
        guard let user = users[login.username], user.password == login.password else {
            throw LoginRejected(username: login.username, host: login.host, port: login.port)
        }
        return try body(Session(server: self, user: login.username, grants: user.grants))
    }

    struct Session: DatabaseSession {
        let server: FakeServer
        let user: String
        let grants: [String]
        var serverVersion: String { "10.11.6-MariaDB" }
        var isVerifiedTLS: Bool { server.verifiedTLS }

        func query(_ statement: SQL) throws -> [[String?]] {
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
            throw FakeError(description: "unexpected statement")
        }
    }
}
