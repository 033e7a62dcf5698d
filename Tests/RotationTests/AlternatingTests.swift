import Rotation
import TestSupport
import Testing

/// A MariaDB-like server for the alternating strategy: accounts with grants,
/// a default role and a TLS requirement, answering SHOW GRANTS and SHOW
/// CREATE USER as MariaDB prints them (password hash on the USAGE line,
/// `SET DEFAULT ROLE` line). With a MySQL `version` it prints MySQL 8's
/// partial revokes and keeps default roles out of SHOW GRANTS.
final class GrantServer: Database {
    struct User {
        var password: String
        var grants: [Grant] = []
        var defaultRole: String?
        var ssl = TLSRequirement(type: "")
        /// What SHOW CREATE USER prints after the account name.
        var createUser = "IDENTIFIED BY PASSWORD '\(GrantServer.hash)'"
        /// The last ALTER USER that set the password, as described (literals hidden).
        var altered: String?
        /// MySQL 8 with partial_revokes=ON: `REVOKE … FROM` lines.
        var partialRevokes: [String] = []
        /// Lines SHOW GRANTS prints besides the ones above.
        var extraGrantLines: [String] = []
    }

    var users: [Account: User] = [:]
    var usernameLimit = 128
    var version = "10.11.6-MariaDB"
    /// Who logged in, in order.
    var logins: [String] = []
    /// The `ssl` each login's session follows (`effectiveSSL`: true for one that can change an account), in order.
    var loginSSL: [(username: String, ssl: Bool?)] = []
    var executed: [String] = []

    static let hash = "*B69027D44F6E5EDC07F1AEAD1477967B16F28227"

    func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
        logins.append(login.username)
        loginSSL.append((login.username, login.effectiveSSL))
        guard
            let account = users.first(where: { $0.key.user == login.username && $0.value.password == login.password })?
                .key
        else { throw LoginRejected(username: login.username, host: login.host, port: login.port) }
        return try body(Session(server: self, account: account))
    }

    enum Refusal: Error { case accessDeniedToMysql, unknownStatement(String) }

    struct Session: DatabaseSession {
        let server: GrantServer
        let account: Account
        var serverVersion: String { server.version }
        var isMySQL: Bool { !server.version.contains("MariaDB") }

        func quoted(_ account: Account) -> String {
            "`\(account.user.replacingOccurrences("`", "``"))`@`\(account.host)`"
        }

        func query(_ statement: SQL) throws -> [[String?]] {
            let text = statement.description
            let literals = statement.literals
            server.executed.append(text)
            func target() -> Account { Account(user: literals[0], host: literals[1]) }
            if text == "SELECT CURRENT_USER()" { return [["\(account.user)@\(account.host)"]] }
            if text == "SELECT CURRENT_USER(), @@GLOBAL.init_connect" {
                return [["\(account.user)@\(account.host)", ""]]
            }
            if text.hasPrefix("SELECT CHARACTER_MAXIMUM_LENGTH") { return [[String(server.usernameLimit)]] }
            if text.hasPrefix("SELECT 1 FROM mysql.user") { return server.users[target()] == nil ? [] : [["1"]] }
            if text.hasPrefix("CREATE USER") {
                server.users[target()] = User(password: literals[2])
                return []
            }
            // A role's grants (the privilege guard asks): none of its own here.
            if text.hasPrefix("SHOW GRANTS FOR") && literals.isEmpty { return [] }
            if text == "SHOW GRANTS" || text.hasPrefix("SHOW GRANTS FOR") {
                let account = text == "SHOW GRANTS" ? account : target()
                let user = server.users[account]!
                var lines = [
                    "GRANT USAGE ON *.* TO \(quoted(account))"
                        + (isMySQL ? "" : " IDENTIFIED BY PASSWORD '\(GrantServer.hash)'")
                ]
                lines += user.grants.map {
                    "GRANT \($0.what) TO \(quoted(account))" + ($0.withOption.map { " " + $0 } ?? "")
                }
                lines += user.partialRevokes.map { "REVOKE \($0) FROM \(quoted(account))" }
                if let role = user.defaultRole, !isMySQL {
                    lines.append("SET DEFAULT ROLE \(role) FOR \(quoted(account))")
                }
                lines += user.extraGrantLines
                return lines.map { [$0] }
            }
            if text.hasPrefix("SHOW CREATE USER") {
                let user = server.users[target()]!
                let roles = isMySQL ? (user.defaultRole.map { " DEFAULT ROLE \($0)" } ?? "") : ""
                return [["CREATE USER \(quoted(target())) \(user.createUser)\(roles)"]]
            }
            if text.hasPrefix("SELECT ssl_type") {
                let ssl = server.users[target()]!.ssl
                return [[ssl.type, ssl.cipher, ssl.issuer, ssl.subject]]
            }
            if text.hasPrefix("REVOKE GRANT OPTION ") {
                let on = String(text.dropFirst("REVOKE GRANT OPTION ".count).split(separator: " FROM ")[0])
                for index in server.users[target()]!.grants.indices
                where server.users[target()]!.grants[index].what.hasSuffix(" " + on) {
                    server.users[target()]!.grants[index].withOption = nil
                }
                return []
            }
            if text.hasPrefix("REVOKE ") {
                let what = String(text.dropFirst("REVOKE ".count).split(separator: " FROM ")[0])
                // MySQL: revoking what is not granted, under a global grant, is a partial revoke.
                if isMySQL && !server.users[target()]!.grants.contains(where: { $0.what == what }) {
                    server.users[target()]!.partialRevokes.append(what)
                }
                server.users[target()]!.grants.removeAll { $0.what == what }
                return []
            }
            if text.hasPrefix("GRANT ") {
                let what = String(text.dropFirst("GRANT ".count).split(separator: " TO ")[0])
                // MySQL: granting what is partially revoked lifts the restriction.
                if server.users[target()]!.partialRevokes.contains(what) {
                    server.users[target()]!.partialRevokes.removeAll { $0 == what }
                    return []
                }
                let option = text.hasSuffix(" WITH GRANT OPTION") ? "WITH GRANT OPTION" : nil
                server.users[target()]!.grants.append(Grant(what: what, withOption: option))
                return []
            }
            if text.hasPrefix("ALTER USER <literal>@<literal> REQUIRE ") {
                let clause = String(text.dropFirst("ALTER USER <literal>@<literal> REQUIRE ".count))
                server.users[target()]!.ssl = TLSRequirement(type: ["SSL": "ANY", "NONE": ""][clause] ?? clause)
                return []
            }
            if text.hasPrefix("ALTER USER <literal>@<literal> IDENTIFIED") {
                server.users[target()]!.password = literals[2]
                server.users[target()]!.altered = text
                return []
            }
            if text.hasPrefix("ALTER USER <literal>@<literal> DEFAULT ROLE ") && isMySQL {
                let roles = String(text.dropFirst("ALTER USER <literal>@<literal> DEFAULT ROLE ".count))
                server.users[target()]!.defaultRole = roles == "NONE" ? nil : roles
                return []
            }
            if text.hasSuffix(" DISCARD OLD PASSWORD") && isMySQL { return [] }
            if text.hasPrefix("SET DEFAULT ROLE ") {
                // MariaDB: FOR another account needs write access to the mysql schema.
                guard !text.contains(" FOR ") else { throw Refusal.accessDeniedToMysql }
                let role = String(text.dropFirst("SET DEFAULT ROLE ".count))
                server.users[account]!.defaultRole = role == "NONE" ? nil : role
                return []
            }
            if text == "SELECT NOW()" { return [["2026-11-23 10:00:00"]] }
            throw Refusal.unknownStatement(text)
        }
    }
}

@Suite struct AlternatingTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf"
    let app = Account(user: "app", host: "10.0.0.%")
    let clone = Account(user: "app_clone", host: "10.0.0.%")
    let admin = Account(user: "rotation_admin", host: "%")

    func secret(username: String = "app", password: String, host: String = "db.internal", port: Int = 3306) -> String {
        #"{"engine":"mariadb","host":"\#(host)","port":\#(port),"username":"\#(username)","password":"\#(password)","masterarn":"\#(adminARN)"}"#
    }

    final class Counter: @unchecked Sendable {
        var value = 0
    }

    func fixture(
        strategy: RotationSettings.Strategy = .alternating, limit: Int? = nil
    ) -> (InMemorySecretStore, GrantServer, Rotator) {
        let store = InMemorySecretStore(current: secret(password: "app-pw"))
        store.arn = arn
        store.others[adminARN] = secret(username: "rotation_admin", password: "admin-pw")
        store.startRotation(token: "t1")
        let server = GrantServer()
        server.users[admin] = .init(password: "admin-pw")
        server.users[app] = .init(
            password: "app-pw", grants: [Grant(what: "SELECT ON `appdb`.*"), Grant(what: "`r1`")],
            defaultRole: "`r1`", ssl: TLSRequirement(type: "ANY"))
        var settings = RotationSettings()
        settings.strategy = strategy
        settings.usernameCharacterLimit = limit
        let counter = Counter()
        let rotator = Rotator(store: store, database: server, settings: settings) {
            counter.value += 1
            return "new-password-\(counter.value)"
        }
        return (store, server, rotator)
    }

    func run(_ rotator: Rotator, _ step: String, token: String = "t1") throws -> StepOutcome {
        try rotator.handle(RotationEvent(secretId: arn, clientRequestToken: token, step: step))
    }

    func rotate(_ rotator: Rotator, token: String) throws {
        for step in RotationEvent.Step.allCases { _ = try run(rotator, step.rawValue, token: token) }
    }

    @Test func theOtherUserBecomesACopyAndTheCurrentOneIsUntouched() throws {
        let (_, server, rotator) = fixture()
        try rotate(rotator, token: "t1")
        let copy = try #require(server.users[clone])
        let original = try #require(server.users[app])
        #expect(copy.password == "new-password-1")
        #expect(copy.grants == original.grants)
        #expect(copy.defaultRole == "`r1`")
        #expect(copy.ssl == TLSRequirement(type: "ANY"))
        #expect(original.password == "app-pw")
        #expect(!server.executed.contains { $0.contains(GrantServer.hash) }, "the password hash was copied")
    }

    @Test func theDefaultRoleIsSetByTheOtherUserItselfNeverForIt() throws {
        let (_, server, rotator) = fixture()
        try rotate(rotator, token: "t1")
        #expect(!server.executed.contains { $0.hasPrefix("SET DEFAULT ROLE") && $0.contains(" FOR ") })
        #expect(server.logins.contains("app_clone"))
    }

    @Test func grantsAddedOrRevokedReachTheOtherUserOnTheNextRotation() throws {
        let (store, server, rotator) = fixture()
        try rotate(rotator, token: "t1")  // current: app_clone
        server.users[clone]!.grants.append(Grant(what: "INSERT ON `appdb`.*", withOption: "WITH GRANT OPTION"))
        server.users[clone]!.grants.removeAll { $0.what == "`r1`" }
        server.users[clone]!.defaultRole = nil
        store.startRotation(token: "t2")
        try rotate(rotator, token: "t2")  // current: app, now a copy of app_clone
        #expect(server.users[app]!.grants == server.users[clone]!.grants)
        #expect(server.users[app]!.defaultRole == nil)
        #expect(server.users[app]!.password == "new-password-2")
        #expect(server.users[clone]!.password == "new-password-1")
    }

    @Test func aRetryAfterCreateUserStillCopiesTheGrants() throws {
        let (_, server, rotator) = fixture()
        _ = try run(rotator, "createSecret")
        // A process killed right after CREATE USER: the clone logs in, bare.
        server.users[clone] = .init(password: "new-password-1")
        #expect(try run(rotator, "setSecret") == .passwordSet)
        #expect(server.users[clone]!.grants == server.users[app]!.grants)
        #expect(server.users[clone]!.defaultRole == "`r1`")
    }

    @Test(arguments: [
        ("username", #"{"engine":"mariadb","host":"db.internal","port":3306,"username":"app","password":"p"}"#),
        ("username", #"{"engine":"mariadb","host":"db.internal","port":3306,"username":"victim","password":"p"}"#),
        ("host", #"{"engine":"mariadb","host":"attacker.example","port":3306,"username":"app_clone","password":"p"}"#),
        ("port", #"{"engine":"mariadb","host":"db.internal","port":3307,"username":"app_clone","password":"p"}"#),
    ])
    func aPendingSecretForAnotherAccountIsRefusedBeforeAnyLogin(field: String, pending: String) throws {
        let (store, server, rotator) = fixture()
        try store.putPending(arn, token: "t1", secretString: pending, rotationToken: nil)
        let error = try #require(throws: RotationError.self) { try run(rotator, "setSecret") }
        #expect(error == .pendingMismatch(secretId: arn, field: field))
        #expect(server.logins.isEmpty, "the pending password was sent somewhere")
        #expect(server.users[clone] == nil)
    }

    @Test(arguments: [RotationSettings.Strategy.admin, .alternating])
    func anAdminThatDoesNotLogInIsNamed(strategy: RotationSettings.Strategy) throws {
        let (store, server, rotator) = fixture(strategy: strategy, limit: 128)
        store.others[adminARN] = secret(username: "rotation_admin", password: "wrong")
        _ = try run(rotator, "createSecret")
        let error = try #require(throws: RotationError.self) { try run(rotator, "setSecret") }
        #expect(error == .adminLoginFailed(secretId: arn, adminSecretId: adminARN))
        #expect(error.errorType == "DatabaseLoginFailed")
        #expect(server.users[app]!.password == "app-pw")
        #expect(server.users[clone] == nil)
    }

    @Test func theLimitComesFromTheServerUnlessConfigured() throws {
        let (store, server, rotator) = fixture()
        server.usernameLimit = 8
        let error = try #require(throws: RotationError.self) { try run(rotator, "createSecret") }
        #expect(error == .usernameTooLong(secretId: arn, limit: 8))
        #expect(error.errorType == "InvalidSecret")
        #expect(store.versions["t1"]?.value == nil)

        let (_, _, configured) = fixture(limit: 9)
        #expect(try run(configured, "createSecret") == .pendingCreated)
    }

    @Test func theLimitCountsCodePointsAsTheServerDoes() throws {
        // "é" as e + combining accent: one Character, two code points; the
        // clone "é_clone" is 8 code points long.
        let store = InMemorySecretStore(current: secret(username: "e\u{301}", password: "pw"))
        store.arn = arn
        store.startRotation(token: "t1")
        var settings = RotationSettings()
        settings.strategy = .alternating
        settings.usernameCharacterLimit = 7
        let rotator = Rotator(store: store, database: GrantServer(), settings: settings) { "x" }
        let error = try #require(throws: RotationError.self) { try run(rotator, "createSecret") }
        #expect(error == .usernameTooLong(secretId: arn, limit: 7))
    }
    @Test(arguments: [
        "GRANT SELECT ON `appdb`.* TO `app`@`10.0.0.%` WITH FUTURE OPTION",
        "DENY SELECT ON `appdb`.* TO `app`@`10.0.0.%`",
        "REVOKE `r1` FROM `app`@`10.0.0.%`",
    ])
    func aGrantLineOfUnknownShapeRefusesTheRotationWithNothingChanged(line: String) throws {
        let (store, server, rotator) = fixture()
        server.users[app]!.extraGrantLines = [line]
        _ = try run(rotator, "createSecret")
        let usersBefore = server.users.mapValues { "\($0.password) \($0.grants) \($0.ssl)" }
        let error = try #require(throws: RotationError.self) { try run(rotator, "setSecret") }
        guard
            case .accountNotCopyable(arn, "'app'@'10.0.0.%'", .unrecognisedLine(statement: "SHOW GRANTS", _, _)) = error
        else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(error.errorType == "UnsupportedAccount")
        #expect(server.users[clone] == nil, "the clone was created")
        #expect(server.users.mapValues { "\($0.password) \($0.grants) \($0.ssl)" } == usersBefore)
        let writes = server.executed.filter { !$0.hasPrefix("SELECT") && !$0.hasPrefix("SHOW") }
        #expect(writes.isEmpty, "changed: \(writes)")
        #expect(store.stages(of: "t1") == [Stage.pending])
    }

    @Test func anExistingCloneWithALineOfUnknownShapeIsNotTouchedEither() throws {
        let (_, server, rotator) = fixture()
        server.users[clone] = .init(
            password: "stale", extraGrantLines: ["GRANT SELECT ON `x`.* TO `app_clone`@`10.0.0.%` NEW CLAUSE"])
        _ = try run(rotator, "createSecret")
        #expect(throws: RotationError.self) { try run(rotator, "setSecret") }
        #expect(server.users[clone]!.password == "stale")
        #expect(server.users[clone]!.grants.isEmpty)
        #expect(server.executed.allSatisfy { $0.hasPrefix("SELECT") || $0.hasPrefix("SHOW") })
    }

    @Test func aPasswordlessPluginIsRefusedWithNothingChanged() throws {
        let (_, server, rotator) = fixture()
        server.users[app]!.createUser = "IDENTIFIED VIA unix_socket"
        _ = try run(rotator, "createSecret")
        let error = try #require(throws: RotationError.self) { try run(rotator, "setSecret") }
        #expect(
            error
                == .accountNotCopyable(
                    secretId: arn, account: "'app'@'10.0.0.%'", problem: .pluginWithoutPassword("unix_socket")))
        #expect(error.description.contains("unix_socket"))
        #expect(server.users[clone] == nil)
    }

    @Test func theCloneGetsThePluginLimitsAndPasswordOptionsWithItsOwnPassword() throws {
        let (_, server, rotator) = fixture()
        server.users[app]!.createUser =
            "IDENTIFIED VIA ed25519 USING 'AAAAhashhashhash' REQUIRE SSL WITH MAX_USER_CONNECTIONS 3 PASSWORD EXPIRE INTERVAL 30 DAY"
        try rotate(rotator, token: "t1")
        #expect(server.users[clone]!.password == "new-password-1")
        #expect(
            server.users[clone]!.altered
                == "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) WITH MAX_QUERIES_PER_HOUR 0 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 3 MAX_STATEMENT_TIME 0 ACCOUNT UNLOCK PASSWORD EXPIRE INTERVAL 30 DAY"
        )
        #expect(!server.executed.contains { $0.contains("AAAAhash") }, "the hash was sent back")
    }

    /// MySQL 8 with partial_revokes=ON: the restriction reaches the clone
    /// (without it the clone would hold more than the original), a stale one
    /// on the clone is lifted, and default roles are set by the admin.
    @Test func onMySQL8PartialRevokesAndDefaultRolesAreCopied() throws {
        let (store, server, rotator) = fixture()
        server.version = "8.0.36"
        server.users[app]!.createUser =
            "IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$xyz' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK"
        server.users[app]!.grants = [Grant(what: "SELECT, SHOW VIEW ON *.*"), Grant(what: "`r1`@`%`")]
        server.users[app]!.partialRevokes = ["SHOW VIEW ON `mysql`.*"]
        server.users[app]!.defaultRole = "`r1`@`%`"
        try rotate(rotator, token: "t1")
        #expect(server.users[clone]!.grants == server.users[app]!.grants)
        #expect(server.users[clone]!.partialRevokes == ["SHOW VIEW ON `mysql`.*"])
        #expect(server.users[clone]!.defaultRole == "`r1`@`%`")
        #expect(server.executed.contains("ALTER USER <literal>@<literal> DISCARD OLD PASSWORD"))
        #expect(
            !server.executed.contains { $0.hasPrefix("SET DEFAULT ROLE") }, "MySQL's default role is the admin's to set"
        )

        // The restriction moves: the next copy lifts the old one and imposes the new one.
        // (Only harmless privileges are global: a global write, withheld
        // from the grant tables or not, refuses the copy.)
        server.users[clone]!.partialRevokes = ["SHOW VIEW ON `mysql`.*", "SELECT ON `secret`.*"]
        server.users[clone]!.defaultRole = nil
        store.startRotation(token: "t2")
        try rotate(rotator, token: "t2")
        #expect(server.users[app]!.partialRevokes == ["SHOW VIEW ON `mysql`.*", "SELECT ON `secret`.*"])
        #expect(server.users[app]!.defaultRole == nil)
    }
}
