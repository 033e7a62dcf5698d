import Cryptography
import Rotation
import TestSupport
import Testing

/// Revoke's decisions (RevokePlan.swift) as rows; the same statements run
/// live on MariaDB 10.11 in Tests/EndToEnd/test_revoke.py, and MySQL's
/// DISCARD OLD PASSWORD against the fake MySQL 8 server there.
@Suite struct RevokePlanTests {
    static let mariaDB = ServerVersion("10.11.6-MariaDB")!
    static let mySQL = ServerVersion("8.0.36")!
    static let oldMySQL = ServerVersion("8.0.13")!
    static let account = Account(user: "app", host: "%")
    static func native(_ password: String) -> String { MySQLPasswordHash.nativePassword(password) }

    static func render(_ sql: SQL) -> String {
        sql.rendered(readingSession: { SessionSyntax(backslashEscapes: false) })
    }

    func methods(_ identified: String) throws -> AuthenticationMethods {
        try AuthenticationMethods(showCreateUser: "CREATE USER `app`@`%` " + identified)
    }

    @Test(arguments: [
        (RotationSettings.Strategy.admin, true, RevokePlan.Target.keptPassword),
        (.single, true, .keptPassword),
        (.admin, false, .nothingToDrop),
        (.single, false, .nothingToDrop),
        (.alternating, false, .otherUser),
        (.alternating, true, .otherUser),
    ])
    func targetFollowsTheStrategyAndTheSetting(
        _ strategy: RotationSettings.Strategy, _ keep: Bool, _ expected: RevokePlan.Target
    ) {
        #expect(RevokePlan.target(strategy: strategy, keepPrevious: keep) == expected)
    }

    @Test(arguments: [
        // (rotates here, stages, the refusal's errorType or nil)
        (true, ["v1": ["AWSCURRENT"], "v0": ["AWSPREVIOUS"]], nil as String?),
        (true, ["v1": ["AWSCURRENT", "AWSPENDING"], "v0": ["AWSPREVIOUS"]], nil),
        (true, ["v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]], "rotationInProgress"),
        (false, ["v1": ["AWSCURRENT"]], "notThisFunction"),
    ])
    func admitsOnlyThisFunctionsSecretWithNoRotationUnderWay(
        _ here: Bool, _ stages: [String: [String]], _ refusal: String?
    ) {
        do {
            try RevokePlan.admit(
                secretId: "arn:s", rotatesHere: here, rotatedBy: "arn:other", functionARN: "arn:this",
                versionIdsToStages: stages)
            #expect(refusal == nil)
        } catch {
            switch error {
            case .rotationInProgress(_, let versions):
                #expect(refusal == "rotationInProgress")
                #expect(versions == ["v2"])
                #expect(error.description.contains("aws secretsmanager rotate-secret --secret-id arn:s"))
                #expect(error.description.contains("aws secretsmanager cancel-rotate-secret --secret-id arn:s"))
            case .notThisFunction:
                #expect(refusal == "notThisFunction")
                #expect(error.description.contains("arn:other"))
            default:
                Issue.record("unexpected \(error)")
            }
            #expect(error.errorType == "RevokeRefused")
        }
    }

    @Test(arguments: [
        // MariaDB: the chain rewritten with AWSCURRENT's password alone, every other method kept.
        (
            "IDENTIFIED VIA mysql_native_password USING '\(native("cur"))' OR mysql_native_password USING '\(native("old"))'",
            false,
            ["ALTER USER 'app'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('cur')"]
        ),
        (
            "IDENTIFIED VIA mysql_native_password USING '\(native("cur"))' OR mysql_native_password USING '\(native("old"))' OR unix_socket",
            false,
            ["ALTER USER 'app'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('cur') OR unix_socket"]
        ),
        (
            "IDENTIFIED VIA unix_socket OR mysql_native_password USING '\(native("cur"))' OR mysql_native_password USING '\(native("old"))'",
            true,
            ["ALTER USER 'app'@'%' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('cur')"]
        ),
        // One password: nothing kept, nothing sent.
        ("IDENTIFIED BY PASSWORD '\(native("cur"))'", false, []),
        ("IDENTIFIED VIA mysql_native_password USING '\(native("cur"))' OR unix_socket", false, []),
    ])
    func mariaDBRewritesTheChainWithCurrentAlone(_ identified: String, _ own: Bool, _ expected: [String]) throws {
        let statements = try RevokePlan.droppingKept(
            of: Self.account, methods: try methods(identified), on: Self.mariaDB, current: "cur", own: own,
            secretId: "s")
        #expect(statements.map(Self.render) == expected)
    }

    /// AWSCURRENT moved back to the kept (second) password: dropping "the
    /// other" would keep the old one alone; refused with nothing sent.
    @Test(arguments: [
        "IDENTIFIED VIA mysql_native_password USING '\(native("new"))' OR mysql_native_password USING '\(native("cur"))'",
        "IDENTIFIED VIA parsec USING 'x' OR parsec USING 'y'",
    ])
    func mariaDBRefusesACurrentNotProvenPrimary(_ identified: String) throws {
        let chain = try methods(identified)
        #expect(throws: RevokeError.self) {
            _ = try RevokePlan.droppingKept(
                of: Self.account, methods: chain, on: Self.mariaDB, current: "cur", own: false, secretId: "s")
        }
    }

    @Test(arguments: [
        (false, ServerVersion("8.0.36")!, ["ALTER USER 'app'@'%' DISCARD OLD PASSWORD"]),
        (true, ServerVersion("8.0.36")!, ["ALTER USER CURRENT_USER() DISCARD OLD PASSWORD"]),
        // No secondary passwords before 8.0.14: nothing kept.
        (false, ServerVersion("8.0.13")!, []),
    ])
    func mySQLDiscardsTheOldPassword(_ own: Bool, _ version: ServerVersion, _ expected: [String]) throws {
        let chain = try AuthenticationMethods(
            showCreateUser: "CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 'x'")
        let statements = try RevokePlan.droppingKept(
            of: Self.account, methods: chain, on: version, current: "cur", own: own, secretId: "s")
        #expect(statements.map(Self.render) == expected)
    }

    @Test func mySQLRefusesAProvenMismatch() throws {
        let chain = try AuthenticationMethods(
            showCreateUser: "CREATE USER `app`@`%` IDENTIFIED WITH 'mysql_native_password' AS '\(Self.native("new"))'")
        #expect(throws: RevokeError.self) {
            _ = try RevokePlan.droppingKept(
                of: Self.account, methods: chain, on: Self.mySQL, current: "cur", own: false, secretId: "s")
        }
    }

    /// alternating: the other user's password only; its methods as they were.
    @Test func scramblingKeepsTheOtherUsersMethods() throws {
        let other = Account(user: "app_clone", host: "%")
        let chain = try AuthenticationMethods(
            showCreateUser:
                "CREATE USER `app_clone`@`%` IDENTIFIED VIA mysql_native_password USING '\(Self.native("old"))' OR unix_socket"
        )
        let statements = try RevokePlan.scrambling(other, methods: chain, on: Self.mariaDB, password: "fresh")
        #expect(
            statements.map(Self.render) == [
                "ALTER USER 'app_clone'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('fresh') OR unix_socket"
            ])
        let mySQLChain = try AuthenticationMethods(
            showCreateUser: "CREATE USER `app_clone`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 'x'")
        #expect(
            try RevokePlan.scrambling(other, methods: mySQLChain, on: Self.mySQL, password: "fresh").map(Self.render)
                == [
                    "ALTER USER 'app_clone'@'%' DISCARD OLD PASSWORD",
                    "ALTER USER 'app_clone'@'%' IDENTIFIED WITH caching_sha2_password BY 'fresh'",
                ])
    }

    @Test(arguments: [
        ("{\"Revoke\": {\"SecretId\": \"prod/app\"}}", "prod/app" as String?, false),
        ("{\"Check\": {\"SecretId\": \"prod/app\"}}", nil, false),
        ("not json", nil, false),
        ("{\"Revoke\": \"prod/app\"}", nil, true),
        ("{\"Revoke\": {}}", nil, true),
        ("{\"Revoke\": {\"SecretId\": \"\"}}", nil, true),
        ("{\"Revoke\": {\"SecretId\": 7}}", nil, true),
        ("{\"Revoke\": {\"SecretId\": \"a\", \"Force\": true}}", nil, true),
        ("{\"Revoke\": {\"SecretId\": \"a\"}, \"Step\": \"setSecret\"}", nil, true),
    ])
    func parsesOnlyAWellFormedRequest(_ text: String, _ secretId: String?, _ refused: Bool) {
        do {
            let request = try RevokeRequest.parse(Array(text.utf8))
            #expect(!refused)
            #expect(request?.secretId == secretId)
        } catch {
            #expect(refused)
            #expect(error.errorType == "InvalidEvent")
        }
    }
}
