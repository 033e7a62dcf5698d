import Rotation
import RotationTestSupport
import Testing

/// The admin rule: the admin session is never less protected than the
/// rotated secret's, and `ssl: true` on either secret means verified TLS for
/// every login of a step that uses the admin.
@Suite struct AdminTLSTests {
    static let keys: [Bool?] = [nil, false, true]
    static let pairs = keys.flatMap { rotated in keys.map { admin in (rotated, admin) } }

    /// The whole table: rotated `ssl` × admin `ssl` → (admin login, rotated logins).
    static let expected: [String: (admin: Bool?, rotated: Bool?)] = [
        "nil,nil": (nil, nil), "nil,false": (nil, nil), "nil,true": (true, true),
        "false,nil": (nil, nil), "false,false": (false, false), "false,true": (true, true),
        "true,nil": (true, true), "true,false": (true, true), "true,true": (true, true),
    ]

    static func name(_ ssl: Bool?) -> String { ssl.map { String($0) } ?? "nil" }

    @Test(arguments: pairs)
    func theTable(rotated: Bool?, admin: Bool?) throws {
        let want = try #require(Self.expected["\(Self.name(rotated)),\(Self.name(admin))"])
        #expect(SessionProtection.admin(adminSSL: admin, rotatedSSL: rotated) == want.admin)
        // The rotated logins see the admin secret after adminSecret applied the rule.
        let protectedAdmin = SessionProtection.admin(adminSSL: admin, rotatedSSL: rotated)
        #expect(SessionProtection.rotated(rotatedSSL: rotated, adminSSL: protectedAdmin) == want.rotated)
    }

    // MARK: - Through the rotator

    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf"

    func secret(username: String, password: String, ssl: Bool?) -> String {
        let key = ssl.map { #","ssl":\#($0)"# } ?? ""
        return
            #"{"engine":"mariadb","host":"db.internal","port":3306,"username":"\#(username)","password":"\#(password)","masterarn":"\#(adminARN)"\#(key)}"#
    }

    func setSecretLogins(
        strategy: RotationSettings.Strategy, rotated: Bool?, admin: Bool?
    ) throws
        -> [(username: String, ssl: Bool?)]
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
        settings.usernameCharacterLimit = 32
        let rotator = Rotator(store: store, database: server, settings: settings) { "new-password" }
        _ = try rotator.handle(RotationEvent(secretId: arn, clientRequestToken: "t1", step: "createSecret"))
        server.loginSSL = []
        _ = try rotator.handle(RotationEvent(secretId: arn, clientRequestToken: "t1", step: "setSecret"))
        return server.loginSSL
    }

    @Test(arguments: [RotationSettings.Strategy.admin, .alternating], pairs)
    func everyLoginOfSetSecretFollowsTheRule(strategy: RotationSettings.Strategy, pair: (Bool?, Bool?)) throws {
        let (rotated, admin) = pair
        let want = try #require(Self.expected["\(Self.name(rotated)),\(Self.name(admin))"])
        let logins = try setSecretLogins(strategy: strategy, rotated: rotated, admin: admin)
        let adminLogins = logins.filter { $0.username == "rotation_admin" }
        let rotatedLogins = logins.filter { $0.username != "rotation_admin" }
        #expect(!adminLogins.isEmpty && !rotatedLogins.isEmpty)
        #expect(adminLogins.allSatisfy { $0.ssl == want.admin }, "admin logins: \(adminLogins.map(\.ssl))")
        #expect(rotatedLogins.allSatisfy { $0.ssl == want.rotated }, "rotated logins: \(rotatedLogins.map(\.ssl))")
    }
}
