import Rotation
import TestSupport
import Testing

/// KEEP_PREVIOUS_PASSWORD on MariaDB writes AWSCURRENT's password into the
/// statement that keeps it, so, like MySQL's REPLACE, it goes only over
/// verified TLS: in the admin's session and in the user's own.
@Suite struct KeptPasswordTLSTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin"
    let app = Account(user: "app", host: "%")
    let root = Account(user: "root", host: "%")

    func secret(password: String, username: String = "app", extra: String = "") -> String {
        #"{"engine":"mariadb","host":"db.internal","port":3306,"username":"\#(username)","password":"\#(password)"\#(extra)}"#
    }

    func setUp(_ strategy: RotationSettings.Strategy, verifiedTLS: Bool) -> (Rotator, FakeDatabase) {
        let extra = strategy == .admin ? #","masterarn":"\#(adminARN)""# : ""
        let store = InMemorySecretStore(current: secret(password: "old", extra: extra))
        store.others[adminARN] = secret(password: "admin-pw", username: "root")
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.verifiedTLS = verifiedTLS
        database.accounts[app] = "old"
        database.accounts[root] = "admin-pw"
        database.grants[app] = ["GRANT CREATE USER ON *.* TO `app`@`%`"]
        var settings = RotationSettings()
        settings.strategy = strategy
        settings.keepPreviousPassword = true
        settings.allowPrivilegedAccounts = true
        return (Rotator(store: store, database: database, settings: settings) { "new-password" }, database)
    }

    func event(_ step: String) -> RotationEvent {
        RotationEvent(secretId: arn, clientRequestToken: "t1", step: step)
    }

    @Test(arguments: [RotationSettings.Strategy.single, .admin])
    func theKeptPasswordIsNeverInAStatementOutsideVerifiedTLS(_ strategy: RotationSettings.Strategy) throws {
        let (rotator, database) = setUp(strategy, verifiedTLS: false)
        _ = try rotator.handle(event("createSecret"))
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("setSecret")) }
        #expect(error.errorType == "CurrentPasswordNeedsTLS")
        #expect(error.description.contains("verified TLS") && !error.description.contains("old"))
        #expect(!database.executed.contains { $0.literals.contains("old") })
        #expect(!database.executed.contains { $0.description.hasPrefix("ALTER USER") })
        #expect(database.accounts[app] == "old")
    }

    @Test(arguments: [RotationSettings.Strategy.single, .admin])
    func overVerifiedTLSTheRuleDoesNotStandInTheWay(_ strategy: RotationSettings.Strategy) throws {
        let (rotator, database) = setUp(strategy, verifiedTLS: true)
        _ = try rotator.handle(event("createSecret"))
        do {
            _ = try rotator.handle(event("setSecret"))
        } catch let error as RotationError {
            #expect(error.errorType != "CurrentPasswordNeedsTLS")
        }
        #expect(database.executed.contains { $0.description.hasPrefix("ALTER USER") })
    }
}
