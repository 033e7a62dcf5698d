import Platform
import Rotation

@testable import RotationFunction

// Trimmed copies of RotationTests' fakes (test targets cannot share files),
// plus what the handler asks of a layer: the deadline it was given and a
// count of the work done.

/// Secrets Manager's versioning rules for one secret, in memory.
final class InMemorySecretStore: SecretReading, SecretWriting, InvocationBound {
    struct Version {
        var stages: [String]
        var value: String?
    }

    var rotationEnabled: Bool? = true
    var versions: [String: Version] = [:]
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    var deadline: Deadline?
    var workCount = 0
    /// The deadline in force at each call.
    var deadlinesSeen: [Deadline?] = []

    init(current: String) {
        versions["v0"] = Version(stages: [Stage.current], value: current)
    }

    /// What RotateSecret does before invoking the function: a value-less AWSPENDING version.
    func startRotation(token: String) {
        for id in versions.keys { versions[id]!.stages.removeAll { $0 == Stage.pending } }
        versions[token] = Version(stages: [Stage.pending], value: nil)
    }

    private func called() {
        workCount += 1
        deadlinesSeen.append(deadline)
    }

    func describe(_ secretId: String) throws -> SecretMetadata {
        called()
        guard secretId == arn else { throw FakeError.notFound }
        return SecretMetadata(
            arn: arn, rotationEnabled: rotationEnabled, versionIdsToStages: versions.mapValues(\.stages))
    }

    func value(of secretId: String, stage: String, versionId: String?) throws -> StoredSecret? {
        called()
        let match = versions.first { id, version in
            version.stages.contains(stage) && (versionId == nil || versionId == id)
        }
        guard let (id, version) = match, let value = version.value else { return nil }
        return StoredSecret(versionId: id, secretString: value)
    }

    func putPending(_ secretId: String, token: String, secretString: String, rotationToken: String?) throws {
        called()
        var version = versions[token] ?? Version(stages: [Stage.pending], value: nil)
        version.value = secretString
        versions[token] = version
    }

    func moveCurrent(_ secretId: String, to token: String, from currentVersionId: String?) throws {
        called()
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
    case notFound, unknownStatement
}

/// A server of users and passwords that understands the self strategy's statements.
final class FakeDatabase: Database, InvocationBound {
    var passwords: [String: String] = [:]  // user → password
    var deadline: Deadline?
    var workCount = 0
    var deadlinesSeen: [Deadline?] = []

    func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
        workCount += 1
        deadlinesSeen.append(deadline)
        guard passwords[login.username] == login.password else {
            throw LoginRejected(username: login.username, host: login.host, port: login.port)
        }
        return try body(Session(database: self, user: login.username))
    }

    struct Session: DatabaseSession {
        let database: FakeDatabase
        let user: String
        var serverVersion: String { "10.11.6-MariaDB" }

        func query(_ statement: SQL) throws -> [[String?]] {
            let text = statement.description
            if text == "SELECT NOW()" { return [["2026-11-23 10:00:00"]] }
            if text == "SELECT CURRENT_USER()" { return [["\(user)@%"]] }
            if text.hasPrefix("SHOW CREATE USER ") {
                return [["CREATE USER `\(user)`@`%` IDENTIFIED BY PASSWORD '*AB'"]]
            }
            if text.hasPrefix("SET PASSWORD = ") || text.hasPrefix("ALTER USER CURRENT_USER()") {
                database.passwords[user] = statement.literals.last!
                return []
            }
            throw FakeError.unknownStatement
        }
    }
}
