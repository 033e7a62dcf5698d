import Rotation

/// Secrets Manager's versioning rules, in memory: a version holds stages
/// and maybe a value; moving AWSCURRENT leaves AWSPREVIOUS on the old one.
final class InMemorySecretStore: SecretReading, SecretWriting {
    struct Version {
        var stages: [String]
        var value: String?
    }

    var rotationEnabled: Bool? = true
    var versions: [String: Version] = [:]
    var arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    var others: [String: String] = [:]  // other secrets' AWSCURRENT values, by id
    var writes = 0

    init(current: String, versionId: String = "v0") {
        versions[versionId] = Version(stages: [Stage.current], value: current)
    }

    /// What RotateSecret does before invoking the function: a value-less AWSPENDING version.
    func startRotation(token: String) {
        for id in versions.keys { versions[id]!.stages.removeAll { $0 == Stage.pending } }
        versions[token] = Version(stages: [Stage.pending], value: nil)
    }

    var otherTags: [String: [String: String]] = [:]  // other secrets' tags, by id
    var otherDescribes = 0

    func describe(_ secretId: String) throws -> SecretMetadata {
        if secretId != arn, others[secretId] != nil {
            otherDescribes += 1
            return SecretMetadata(
                arn: secretId, rotationEnabled: nil, versionIdsToStages: ["other": [Stage.current]],
                tags: otherTags[secretId] ?? [:])
        }
        guard secretId == arn else { throw FakeError.notFound }
        return SecretMetadata(
            arn: arn, rotationEnabled: rotationEnabled, versionIdsToStages: versions.mapValues(\.stages))
    }

    func value(of secretId: String, stage: String, versionId: String?) throws -> StoredSecret? {
        if secretId != arn {
            return others[secretId].map { StoredSecret(versionId: "other", secretString: $0) }
        }
        let match = versions.first { id, version in
            version.stages.contains(stage) && (versionId == nil || versionId == id)
        }
        guard let (id, version) = match, let value = version.value else { return nil }
        return StoredSecret(versionId: id, secretString: value)
    }

    func putPending(_ secretId: String, token: String, secretString: String, rotationToken: String?) throws {
        writes += 1
        if let existing = versions[token]?.value, existing != secretString {
            throw VersionAlreadyHasValue(storeError: FakeError.versionExists)
        }
        for id in versions.keys where id != token { versions[id]!.stages.removeAll { $0 == Stage.pending } }
        var version = versions[token] ?? Version(stages: [], value: nil)
        version.value = secretString
        if !version.stages.contains(Stage.pending) { version.stages.append(Stage.pending) }
        versions[token] = version
    }

    func moveCurrent(_ secretId: String, to token: String, from currentVersionId: String?) throws {
        writes += 1
        for id in versions.keys { versions[id]!.stages.removeAll { $0 == Stage.previous } }
        if let old = currentVersionId {
            versions[old]!.stages.removeAll { $0 == Stage.current }
            versions[old]!.stages.append(Stage.previous)
        }
        versions[token]!.stages.append(Stage.current)
    }

    func stages(of id: String) -> Set<String> { Set(versions[id]?.stages ?? []) }
}

enum FakeError: Error {
    case notFound, versionExists, unreachable, wrongCurrentPassword
}

/// A server with accounts and passwords that understands exactly the
/// statements rotation sends.
final class FakeDatabase: Database {
    var accounts: [Account: String] = [:]  // account → password
    /// SHOW CREATE USER's IDENTIFIED clause per account; default: a password of the server's usual plugin.
    var identified: [Account: String] = [:]
    /// SHOW GRANTS lines per account, beside USAGE.
    var grants: [Account: [String]] = [:]
    var version = "10.11.6-MariaDB"
    /// Whether sessions are verified TLS.
    var verifiedTLS = false
    /// Every login tried, in order.
    var logins: [DatabaseLogin] = []
    /// What `SELECT CURRENT_USER()` answers instead of the matched account.
    var currentUserAnswer: String?
    var reachable = true
    var sessions = 0
    var executed: [SQL] = []

    func account(for login: DatabaseLogin) -> Account? {
        accounts.first { $0.key.user == login.username && $0.value == login.password }?.key
    }

    func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
        guard reachable else { throw FakeError.unreachable }
        sessions += 1
        logins.append(login)
        guard let account = account(for: login) else {
            throw LoginRejected(username: login.username, host: login.host, port: login.port)
        }
        return try body(Session(database: self, account: account))
    }

    struct Session: DatabaseSession {
        let database: FakeDatabase
        let account: Account
        var serverVersion: String { database.version }
        var isVerifiedTLS: Bool { database.verifiedTLS }

        func query(_ statement: SQL) throws -> [[String?]] {
            database.executed.append(statement)
            let text = statement.description
            if text == "SELECT CURRENT_USER()" {
                return [[database.currentUserAnswer ?? "\(account.user)@\(account.host)"]]
            }
            if text == "SELECT NOW()" { return [["2026-11-23 10:00:00"]] }
            if text.hasPrefix("SET PASSWORD = ") || text.hasPrefix("ALTER USER CURRENT_USER()") {
                // MySQL 8.0.13: REPLACE must name the current password.
                if text.hasSuffix(" REPLACE <literal>") && statement.literals[1] != database.accounts[account] {
                    throw FakeError.wrongCurrentPassword
                }
                database.accounts[account] = statement.literals[0]
                return []
            }
            if text.hasSuffix(" DISCARD OLD PASSWORD") { return [] }
            if text == "SHOW CREATE USER <literal>@<literal>" || text == "SHOW CREATE USER CURRENT_USER()" {
                let target =
                    statement.literals.isEmpty
                    ? account : Account(user: statement.literals[0], host: statement.literals[1])
                let mySQL = !database.version.lowercased().contains("mariadb")
                let clause =
                    database.identified[target]
                    ?? (mySQL ? "IDENTIFIED WITH 'mysql_native_password' AS '*AB'" : "IDENTIFIED BY PASSWORD '*AB'")
                return [["CREATE USER `\(target.user)`@`\(target.host)` \(clause)"]]
            }
            if text == "SHOW GRANTS" {
                let name = "`\(account.user)`@`\(account.host)`"
                return [["GRANT USAGE ON *.* TO \(name)"]] + (database.grants[account] ?? []).map { [$0] }
            }
            if text.hasPrefix("ALTER USER <literal>@<literal> IDENTIFIED") {
                let literals = statement.literals
                database.accounts[Account(user: literals[0], host: literals[1])] = literals[2]
                return []
            }
            throw FakeError.notFound
        }
    }
}
