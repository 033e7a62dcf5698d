import Cryptography
import Rotation
import TestSupport
import Testing

/// KEEP_PREVIOUS_PASSWORD keeps AWSCURRENT's password only when its hash is
/// the first password method's (KeptPasswordProof.swift). Hashes are
/// computed here by `MySQLPasswordHash`, whose vectors come from MariaDB
/// 10.11 (MySQLPasswordHashTests); the stale-AWSCURRENT attack runs live in
/// Tests/EndToEnd/test_keep_stale_current.py.
@Suite struct KeptPasswordProofTests {
    /// MariaDB's ed25519 key of "vector-password-1", read from the server.
    static let ed25519Key = "H7LSCAA+BxM0twSpXkDYYpAhNgaMQ7h2iFsIh12VfGI"
    static func native(_ password: String) -> String { MySQLPasswordHash.nativePassword(password) }

    func methods(_ identified: String) throws -> AuthenticationMethods {
        try AuthenticationMethods(showCreateUser: "CREATE USER `app`@`%` " + identified)
    }

    @Test(arguments: [
        (
            "IDENTIFIED VIA ed25519 USING '\(ed25519Key)' OR ed25519 USING 'wVpgPd0JC887TgbSvTplyPbGguLx0eHUfPnZ8f1i4N8'",
            true
        ),
        ("IDENTIFIED VIA unix_socket OR ed25519 USING '\(ed25519Key)'", true),
        (
            "IDENTIFIED VIA ed25519 USING 'wVpgPd0JC887TgbSvTplyPbGguLx0eHUfPnZ8f1i4N8' OR ed25519 USING '\(ed25519Key)'",
            false
        ),
        ("IDENTIFIED BY PASSWORD '\(native("vector-password-1"))'", true),
        ("IDENTIFIED BY PASSWORD '\(native("another"))'", false),
        (
            "IDENTIFIED VIA mysql_native_password USING '\(native("another"))' OR mysql_native_password USING '\(native("vector-password-1"))'",
            false
        ),
    ])
    func mariaDBKeepsOnlyTheFirstPasswordMethodsPassword(_ identified: String, _ primary: Bool) throws {
        let chain = try methods(identified)
        let skipped = chain.keepSkipped(keeping: "vector-password-1", on: .mariadb)
        #expect(skipped == (primary ? nil : .notThePrimary(plugin: chain.passwordPlugins[0].lowercased())))
    }

    /// A plugin whose hash is salted, or no hash printed: not proven, so MariaDB keeps nothing.
    @Test(arguments: ["IDENTIFIED VIA parsec USING 'P0:salt:hash'", "IDENTIFIED VIA ed25519"])
    func mariaDBWithoutAProofKeepsNothing(_ identified: String) throws {
        let chain = try methods(identified)
        #expect(
            chain.keepSkipped(keeping: "vector-password-1", on: .mariadb)
                == .unprovable(plugin: chain.passwordPlugins[0].lowercased()))
    }

    /// MySQL's RETAIN keeps the server's primary whichever password logged in,
    /// so only a proven mismatch (a native hash) skips it.
    @Test(arguments: [
        ("IDENTIFIED WITH 'mysql_native_password' AS '\(native("vector-password-1"))'", nil),
        (
            "IDENTIFIED WITH 'mysql_native_password' AS '\(native("another"))'",
            KeepSkipped.notThePrimary(plugin: "mysql_native_password")
        ),
        ("IDENTIFIED WITH 'caching_sha2_password' AS 0x24412430303524", nil),
        ("IDENTIFIED WITH 'sha256_password' AS '$5$salt$hash'", nil),
    ])
    func mySQLSkipsRetainOnlyOnAProvenMismatch(_ identified: String, _ expected: KeepSkipped?) throws {
        #expect(try methods(identified).keepSkipped(keeping: "vector-password-1", on: .mysql) == expected)
    }

    @Test func mySQLsHexFormOfAHashIsRead() throws {
        let hash = Self.native("vector-password-1")
        let hex = "0x" + hash.utf8.map { String($0, radix: 16) }.joined()
        let chain = try methods("IDENTIFIED WITH 'mysql_native_password' AS \(hex)")
        #expect(chain.primaryHash?.value == hash)
        #expect(chain.keepSkipped(keeping: "vector-password-1", on: ServerVersion.Flavor.mysql) == nil)
    }

    @Test func aHashIsNeverPrinted() throws {
        let chain = try methods("IDENTIFIED VIA ed25519 USING '\(Self.ed25519Key)' OR unix_socket")
        for printed in [
            "\(chain)", String(reflecting: chain), "\(chain.primaryHash!)", String(reflecting: chain.primaryHash!),
        ] {
            #expect(!printed.contains(Self.ed25519Key))
        }
        var dumped = ""
        dump(chain, to: &dumped)
        #expect(!dumped.contains(Self.ed25519Key))
        #expect(chain.primaryHash?.value == Self.ed25519Key)
    }

    @Test func theReasonsNameThePluginAndNoValue() {
        for reason in [KeepSkipped.notThePrimary(plugin: "ed25519"), .unprovable(plugin: "parsec")] {
            #expect(reason.description.contains(reason == .unprovable(plugin: "parsec") ? "parsec" : "ed25519"))
            #expect(reason.description.contains("only the new password was set"))
        }
    }
}

/// The stale-AWSCURRENT attack against the Rotator, over the fake server:
/// AWSCURRENT names the second password; the change keeps nothing, warns and
/// says so in the outcome; testSecret then accepts the account holding only
/// the new password, and still refuses a second password that is not AWSCURRENT's.
@Suite struct StaleCurrentTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin"
    let app = Account(user: "app", host: "%")
    let root = Account(user: "root", host: "%")

    final class Warnings: @unchecked Sendable {
        var lines: [(String, [(String, String)])] = []
    }

    func secret(password: String, username: String = "app", extra: String = "") -> String {
        #"{"engine":"mariadb","host":"db.internal","port":3306,"username":"\#(username)","password":"\#(password)"\#(extra)}"#
    }

    /// The account holds `[primary, stale]`; AWSCURRENT says `stale`.
    func setUp(
        _ strategy: RotationSettings.Strategy, primary: String = "primary-pw", version: String = "10.11.6-MariaDB"
    ) -> (Rotator, FakeDatabase, Warnings) {
        let extra = strategy == .admin ? #","masterarn":"\#(adminARN)""# : ""
        let store = InMemorySecretStore(current: secret(password: "stale-pw", extra: extra))
        store.others[adminARN] = secret(password: "admin-pw", username: "root")
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.version = version
        database.verifiedTLS = true
        database.accounts[app] = "stale-pw"  // the server tries every method: the stale one logs in
        database.accounts[root] = "admin-pw"
        database.identified[app] =
            version.contains("MariaDB")
            ? "IDENTIFIED VIA mysql_native_password USING '\(MySQLPasswordHash.nativePassword(primary))' OR mysql_native_password USING '\(MySQLPasswordHash.nativePassword("stale-pw"))'"
            : "IDENTIFIED WITH 'mysql_native_password' AS '\(MySQLPasswordHash.nativePassword(primary))'"
        database.grants[app] = [
            "GRANT CREATE USER ON *.* TO `app`@`%`", "GRANT APPLICATION_PASSWORD_ADMIN ON *.* TO `app`@`%`",
        ]
        var settings = RotationSettings()
        settings.strategy = strategy
        settings.keepPreviousPassword = true
        settings.allowPrivilegedAccounts = true
        var rotator = Rotator(store: store, database: database, settings: settings) { "new-password" }
        let warnings = Warnings()
        rotator.warn = { warnings.lines.append(($0, $1)) }
        return (rotator, database, warnings)
    }

    func event(_ step: String) -> RotationEvent {
        RotationEvent(secretId: arn, clientRequestToken: "t1", step: step)
    }

    @Test(arguments: [RotationSettings.Strategy.single, .admin])
    func aStaleCurrentIsNotKeptOnMariaDB(_ strategy: RotationSettings.Strategy) throws {
        let (rotator, database, warnings) = setUp(strategy)
        _ = try rotator.handle(event("createSecret"))
        #expect(try rotator.handle(event("setSecret")) == .passwordSetPreviousNotKept)
        let change = try #require(database.executed.last { $0.description.hasPrefix("ALTER USER") })
        #expect(!change.literals.contains("stale-pw"), "the stale password is written back")
        #expect(change.literals.suffix(1) == ["new-password"], "not the new password alone")
        #expect(!change.description.contains(" OR "), "more than one method written")
        let warning = try #require(warnings.lines.first)
        #expect(warning.0 == "previous password not kept")
        let fields = Dictionary(uniqueKeysWithValues: warning.1)
        #expect(fields["account"] == "'app'@'%'" && fields["reason"]?.contains("not the account's primary") == true)
        #expect(!"\(warning)".contains("stale-pw") && !"\(warning)".contains("new-password"))
        // testSecret: AWSCURRENT no longer logs in, and the account holds one password.
        database.identified[app] = "IDENTIFIED BY PASSWORD '\(MySQLPasswordHash.nativePassword("new-password"))'"
        #expect(try rotator.handle(event("testSecret")) == .pendingLogsInPreviousNotKept)
    }

    @Test(arguments: [RotationSettings.Strategy.single, .admin])
    func theAccountsPrimaryIsStillKept(_ strategy: RotationSettings.Strategy) throws {
        let (rotator, database, warnings) = setUp(strategy, primary: "stale-pw")
        _ = try rotator.handle(event("createSecret"))
        #expect(try rotator.handle(event("setSecret")) == .passwordSet)
        let change = try #require(database.executed.last { $0.description.hasPrefix("ALTER USER") })
        #expect(change.literals.suffix(2) == ["new-password", "stale-pw"])
        #expect(warnings.lines.isEmpty)
    }

    /// MySQL: the login matched the secondary, so no RETAIN; admin discards it first.
    @Test func mySQLAdminDiscardsInsteadOfRetaining() throws {
        let (rotator, database, warnings) = setUp(.admin, version: "8.0.36")
        _ = try rotator.handle(event("createSecret"))
        #expect(try rotator.handle(event("setSecret")) == .passwordSetPreviousNotKept)
        let sent = database.executed.map(\.description).filter { $0.hasPrefix("ALTER USER") }
        #expect(
            sent == [
                "ALTER USER <literal>@<literal> DISCARD OLD PASSWORD",
                "ALTER USER <literal>@<literal> IDENTIFIED WITH mysql_native_password BY <literal>",
            ])
        #expect(warnings.lines.count == 1)
    }

    /// MySQL self: no RETAIN, and the server checks REPLACE against the primary.
    @Test func mySQLSelfSendsNoRetain() throws {
        let (rotator, database, _) = setUp(.single, version: "8.0.36")
        _ = try rotator.handle(event("createSecret"))
        _ = try? rotator.handle(event("setSecret"))
        let sent = database.executed.map(\.description).filter { $0.hasPrefix("ALTER USER") }
        #expect(sent == ["ALTER USER CURRENT_USER() IDENTIFIED BY <literal> REPLACE <literal>"])
    }

    @Test func aSecondPasswordThatIsNotCurrentStillFailsTestSecret() throws {
        let (rotator, database, _) = setUp(.admin)
        _ = try rotator.handle(event("createSecret"))
        _ = try rotator.handle(event("setSecret"))
        // As if AWSCURRENT's keep had been written and then lost: two passwords, AWSCURRENT refused.
        database.identified[app] =
            "IDENTIFIED VIA mysql_native_password USING '\(MySQLPasswordHash.nativePassword("new-password"))' OR mysql_native_password USING '\(MySQLPasswordHash.nativePassword("other"))'"
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("testSecret")) }
        #expect(error == .keptPasswordDoesNotLogIn(secretId: arn, login: "app@db.internal:3306"))
    }
}
