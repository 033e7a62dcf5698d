import Platform
import Rotation
import TestSupport
import Testing

/// The rule for sessions that can change an account: every login of a step
/// that logs in as the admin (`admin`, `alternating`), and every login of
/// `self`'s setSecret with KEEP_PREVIOUS_PASSWORD, is verified TLS or none,
/// whatever either secret's `ssl` says; plain `self` follows its own key.
@Suite struct AdminTLSTests {
    static let keys: [Bool?] = [nil, false, true]
    static let pairs = keys.flatMap { rotated in keys.map { admin in (rotated, admin) } }

    static func name(_ ssl: Bool?) -> String { ssl.map { String($0) } ?? "nil" }

    /// Which step changes accounts, per strategy and KEEP_PREVIOUS_PASSWORD: the whole table.
    @Test(arguments: RotationSettings.Strategy.allCases, [false, true])
    func whichStepsChangeAccounts(strategy: RotationSettings.Strategy, keep: Bool) {
        let changing = RotationEvent.Step.allCases.filter {
            SessionProtection.changesAccounts(step: $0, strategy: strategy, keepPreviousPassword: keep)
        }
        let expected: [RotationEvent.Step] =
            switch strategy {
            case .single: keep ? [.setSecret] : []
            case .admin: [.setSecret]
            case .alternating: [.createSecret, .setSecret]
            }
        #expect(changing == expected)
    }

    @Test(arguments: keys)
    func aLoginThatCanChangeAnAccountIsVerifiedWhateverItsKey(ssl: Bool?) {
        var login = DatabaseLogin(host: "db", port: 3306, username: "app", password: "pw", ssl: ssl)
        #expect(login.protection(requireTLS: false) == SessionProtection(ssl: ssl, requireTLS: false))
        login.changesAccounts = true
        #expect(login.protection(requireTLS: false) == .verified)
        #expect(login.effectiveSSL == true)
    }

    // MARK: - Through the rotator

    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf"

    func secret(username: String, password: String, ssl: Bool?) -> String {
        let key = ssl.map { #","ssl":\#($0)"# } ?? ""
        return
            #"{"engine":"mariadb","host":"db.internal","port":3306,"username":"\#(username)","password":"\#(password)","masterarn":"\#(adminARN)"\#(key)}"#
    }

    /// Every login of createSecret and of setSecret, by step.
    func logins(
        strategy: RotationSettings.Strategy, keep: Bool = false, rotated: Bool?, admin: Bool?
    ) throws
        -> (createSecret: [(username: String, ssl: Bool?)], setSecret: [(username: String, ssl: Bool?)], set: Bool)
    {
        let store = InMemorySecretStore(current: secret(username: "app", password: "app-pw", ssl: rotated))
        store.arn = arn
        store.others[adminARN] = secret(username: "rotation_admin", password: "admin-pw", ssl: admin)
        store.startRotation(token: "t1")
        let server = GrantServer()
        server.users[Account(user: "rotation_admin", host: "%")] = .init(password: "admin-pw")
        server.users[Account(user: "app", host: "%")] = .init(password: "app-pw")
        var settings = RotationSettings()
        settings.strategy = strategy
        settings.keepPreviousPassword = keep
        let rotator = Rotator(store: store, database: server, settings: settings) { "new-password" }
        _ = try rotator.handle(RotationEvent(secretId: arn, clientRequestToken: "t1", step: "createSecret"))
        let created = server.loginSSL
        server.loginSSL = []
        let set =
            (try? rotator.handle(RotationEvent(secretId: arn, clientRequestToken: "t1", step: "setSecret"))) != nil
        return (created, server.loginSSL, set)
    }

    @Test(arguments: [RotationSettings.Strategy.admin, .alternating], pairs)
    func everyLoginOfAStepWithTheAdminIsVerifiedTLS(strategy: RotationSettings.Strategy, pair: (Bool?, Bool?)) throws {
        let (rotated, admin) = pair
        let logins = try logins(strategy: strategy, rotated: rotated, admin: admin)
        let adminLogins = logins.setSecret.filter { $0.username == "rotation_admin" }
        let rotatedLogins = logins.setSecret.filter { $0.username != "rotation_admin" }
        #expect(logins.set, "setSecret failed")
        #expect(!adminLogins.isEmpty && !rotatedLogins.isEmpty)
        #expect(logins.setSecret.allSatisfy { $0.ssl == true }, "setSecret: \(logins.setSecret.map(\.ssl))")
        // alternating's createSecret asks the admin for the user name limit.
        #expect(logins.createSecret.isEmpty == (strategy == .admin))
        #expect(logins.createSecret.allSatisfy { $0.ssl == true }, "createSecret: \(logins.createSecret.map(\.ssl))")
    }

    /// setSecret's logins under `self` (FakeDatabase speaks its statements), and whether it set the password.
    func selfLogins(rotated: Bool?, keep: Bool) throws -> (logins: [DatabaseLogin], set: Bool) {
        let store = InMemorySecretStore(current: secret(username: "app", password: "app-pw", ssl: rotated))
        store.arn = arn
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[Account(user: "app", host: "%")] = "app-pw"
        database.verifiedTLS = true
        var settings = RotationSettings()
        settings.keepPreviousPassword = keep
        let rotator = Rotator(store: store, database: database, settings: settings) { "new-password" }
        _ = try rotator.handle(RotationEvent(secretId: arn, clientRequestToken: "t1", step: "createSecret"))
        let set =
            (try? rotator.handle(RotationEvent(secretId: arn, clientRequestToken: "t1", step: "setSecret"))) != nil
        return (database.logins, set)
    }

    @Test(arguments: keys)
    func selfFollowsItsOwnKeyUnlessItKeepsThePreviousPassword(rotated: Bool?) throws {
        let plain = try selfLogins(rotated: rotated, keep: false)
        #expect(plain.set && !plain.logins.isEmpty)
        #expect(plain.logins.allSatisfy { $0.effectiveSSL == rotated }, "self: \(plain.logins.map(\.effectiveSSL))")
        let keeping = try selfLogins(rotated: rotated, keep: true)
        #expect(!keeping.logins.isEmpty)
        #expect(
            keeping.logins.allSatisfy { $0.protection(requireTLS: false) == .verified },
            "self+keep: \(keeping.logins.map(\.effectiveSSL))")
    }
}
