import AWSCore
import Cryptography
import Foundation
import JSON
import LambdaRuntime
import MariaDB
import Platform
import Rotation
import SecretsManager
import Testing

@testable import RotationFunction

/// The rotation state machine over the C-backed implementations (Secrets
/// Manager through libcurl against moto, the database through Connector/C
/// against MariaDB), without the Lambda runtime in between: the same steps
/// the unit tests run against fakes, here for real.
@Suite(.serialized) struct RotatorIntegrationTests {
    let mariadb: MariaDBTestEnvironment
    let client: SecretsManagerClient

    init() throws {
        mariadb = try MariaDBTestEnvironment()
        let environment = ProcessInfo.processInfo.environment
        let endpoint = try #require(environment["SECRETS_MANAGER_ENDPOINT"], "run through scripts/test.sh")
        let region = try #require(environment["AWS_REGION"], "run through scripts/test.sh")
        let credentials = try #require(AWSCredentials.fromEnvironment(environment), "run through scripts/test.sh")
        client = SecretsManagerClient(region: region, endpoint: endpoint, credentials: credentials)
    }

    func admin(_ sql: String) throws {
        try MariaDBConnection.withConnection(mariadb.admin()) { try $0.execute(sql) }
    }

    func logsIn(_ user: String, _ password: String) throws -> Bool {
        var options = mariadb.admin()
        options.user = user
        options.password = password
        do {
            try MariaDBConnection.withConnection(options) { _ in }
            return true
        } catch let error as MariaDBError where error.isAccessDenied {
            return false
        }
    }

    func rotator(_ strategy: RotationSettings.Strategy, connections: MariaDBDatabase) -> Rotator {
        var settings = RotationSettings()
        settings.strategy = strategy
        let generator = PasswordGenerator(policy: settings.passwordPolicy, randomBytes: SecureRandom.fill)
        let context = CallContext(deadline: .after(seconds: 60))
        return Rotator(
            store: VersionCache(client.bound(to: context)), database: connections.bound(to: context), settings: settings
        ) { generator.generate() }
    }

    func database() -> MariaDBDatabase {
        MariaDBDatabase(
            requireTLS: true, caBundle: mariadb.caBundle, pluginDirectory: nil,
            logger: LambdaLogger(json: false, minimumLevel: .fatal) { _ in })
    }

    /// A user at 127.0.0.1 (never '%': the host part must be found, not assumed) and its secret.
    func makeAccount(extra: String = "") throws -> (user: String, password: String, arn: String) {
        let user = "it_" + UUID().uuidString.prefix(8).lowercased()
        let password = UUID().uuidString + "'\"\\é"
        let connection = mariadb.admin()
        try MariaDBConnection.withConnection(connection) { session in
            try session.execute(
                "CREATE USER '\(user)'@'127.0.0.1' IDENTIFIED BY \(try session.quotedLiteral(password))",
                sensitive: [password])
        }
        let secret: JSONObjectLiteral = [
            "engine": "mariadb", "host": mariadb.host, "port": "\(mariadb.tlsPort)", "username": user,
            "password": password,
        ]
        let text = secret.json.dropLast() + extra + "}"
        let created = try client.call(
            "CreateSecret", ["Name": .string("it/rotator/\(user)"), "SecretString": .string(String(text))])
        return (user, password, try #require(created["ARN"]?.stringValue))
    }

    func rotate(_ rotator: Rotator, _ arn: String) throws -> String {
        let token = UUID().uuidString.lowercased()
        _ = try client.call(
            "RotateSecret",
            [
                "SecretId": .string(arn), "ClientRequestToken": .string(token),
                "RotationLambdaARN": .string("arn:aws:lambda:us-east-1:123456789012:function:rotator"),
                "RotationRules": .object(["AutomaticallyAfterDays": .number("30")]),
            ])
        for step in RotationEvent.Step.allCases {
            _ = try rotator.handle(RotationEvent(secretId: arn, clientRequestToken: token, step: step.rawValue))
        }
        return token
    }

    func currentPassword(_ arn: String) throws -> String {
        let value = try client.getSecretValue(arn, versionStage: Stage.current)
        return try DatabaseSecret(parsing: try #require(value.secretString)).password
    }

    @Test func selfRotatesThreeTimes() throws {
        let account = try makeAccount()
        let rotator = rotator(.single, connections: database())
        var old = account.password
        for _ in 0..<3 {
            let token = try rotate(rotator, account.arn)
            let new = try currentPassword(account.arn)
            #expect(try logsIn(account.user, new), "the new password does not log in")
            #expect(try !logsIn(account.user, old), "the old password still logs in")
            let stages = try client.describeSecret(account.arn).versionIdsToStages[token] ?? []
            #expect(stages.contains(Stage.current))
            old = new
        }
    }

    @Test func adminChangesTheExactAccountWithoutPrivilegesOnIt() throws {
        let adminUser = "it_admin_" + UUID().uuidString.prefix(6).lowercased()
        let adminPassword = UUID().uuidString
        try MariaDBConnection.withConnection(mariadb.admin()) { session in
            try session.execute(
                "CREATE USER '\(adminUser)'@'127.0.0.1' IDENTIFIED BY '\(adminPassword)'", sensitive: [adminPassword])
            try session.execute("GRANT CREATE USER ON *.* TO '\(adminUser)'@'127.0.0.1'")
        }
        let adminSecret: JSONObjectLiteral = [
            "engine": "mariadb", "host": mariadb.host, "port": "\(mariadb.tlsPort)", "username": adminUser,
            "password": adminPassword,
        ]
        let adminARN = try #require(
            try client.call(
                "CreateSecret", ["Name": .string("it/admin/\(adminUser)"), "SecretString": .string(adminSecret.json)])[
                    "ARN"]?.stringValue)
        let account = try makeAccount(extra: #","masterarn":"\#(adminARN)""#)
        let rotator = rotator(.admin, connections: database())
        _ = try rotate(rotator, account.arn)
        let new = try currentPassword(account.arn)
        #expect(try logsIn(account.user, new), "the new password does not log in")
        #expect(try !logsIn(account.user, account.password), "the old password still logs in")
        #expect(try logsIn(adminUser, adminPassword), "the admin's own password changed")
        let stored = try #require(try client.getSecretValue(account.arn, versionStage: Stage.current).secretString)
        #expect(!stored.contains(adminPassword), "the admin password was written into the rotated secret")
    }

    @Test func aSessionCountIsKeptPerInvocation() throws {
        let account = try makeAccount()
        let connections = database()
        let rotator = rotator(.single, connections: connections)
        let token = UUID().uuidString.lowercased()
        _ = try client.call(
            "RotateSecret",
            [
                "SecretId": .string(account.arn), "ClientRequestToken": .string(token),
                "RotationLambdaARN": .string("arn:aws:lambda:us-east-1:123456789012:function:rotator"),
                "RotationRules": .object(["AutomaticallyAfterDays": .number("30")]),
            ])
        // Counted around each invocation: setSecret's login with the current
        // password (which sets the new one), testSecret's with the pending one.
        var opened: [String: Int] = [:]
        for step in RotationEvent.Step.allCases {
            let before = connections.connectionsOpened
            _ = try rotator.handle(RotationEvent(secretId: account.arn, clientRequestToken: token, step: step.rawValue))
            opened[step.rawValue] = connections.connectionsOpened - before
        }
        #expect(opened == ["createSecret": 0, "setSecret": 1, "testSecret": 1, "finishSecret": 0])
    }
}

@Suite struct DeadlineBoundSessionTests {
    @Test func aStatementStartsOnlyWhileTimeIsLeft() throws {
        let mariadb = try MariaDBTestEnvironment()
        try MariaDBConnection.withConnection(mariadb.admin()) { connection in
            let spent = DeadlineBoundSession(
                connection: connection, deadline: Deadline(epochMilliseconds: 0), host: mariadb.host,
                port: mariadb.tlsPort)
            #expect(throws: DeploymentError.self) { try spent.query("SELECT 1") }
            let ample = DeadlineBoundSession(
                connection: connection, deadline: .after(seconds: 60), host: mariadb.host, port: mariadb.tlsPort)
            let rows = try ample.query("SELECT 1")
            #expect(rows == [["1"]])
        }
    }
}

/// A flat JSON object of strings, for building test secrets readably.
struct JSONObjectLiteral: ExpressibleByDictionaryLiteral {
    var entries: [(String, String)]
    init(dictionaryLiteral elements: (String, String)...) { entries = elements }
    var json: String {
        var object = JSON.JSONObject()
        for (key, value) in entries { object[key] = .string(value) }
        return object.serialized
    }
}
