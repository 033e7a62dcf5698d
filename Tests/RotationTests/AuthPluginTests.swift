import Testing

@testable import Rotation

/// AUTH_PLUGIN as text: the setting, the move it makes per server, and the
/// statements per version and strategy. MariaDB's forms also run against the
/// live server in Tests/EndToEnd/test_auth_plugin.py; MySQL's only here and
/// against the fake MySQL 8.0/8.4/9.0 servers of the same file.
@Suite struct AuthPluginTests {
    let account = Account(user: "app", host: "%")
    static let mariaDB = ServerVersion("10.11.6-MariaDB")!
    static let mariaDB103 = ServerVersion("10.3.39-MariaDB")!
    static let mySQLs = ["8.0.36", "8.4.3", "9.0.1"].map { ServerVersion($0)! }
    static let mySQL57 = ServerVersion("5.7.44")!

    func methods(_ line: String) throws -> AuthenticationMethods {
        try AuthenticationMethods(showCreateUser: line)
    }

    @Test func theSettingDefaultsToKeepAndNamesItselfWhenWrong() throws {
        #expect(try RotationSettings(environment: [:]).authPlugin == .keep)
        for plugin in AuthPlugin.allCases {
            #expect(
                try RotationSettings(environment: ["AUTH_PLUGIN": plugin.rawValue.uppercased()]).authPlugin == plugin)
        }
        #expect(throws: ConfigurationError.self) { try RotationSettings(environment: ["AUTH_PLUGIN": "parsec"]) }
        do {
            _ = try RotationSettings(environment: ["AUTH_PLUGIN": "sha256_password"])
            Issue.record("sha256_password accepted")
        } catch {
            #expect(error.description.contains("AUTH_PLUGIN"))
        }
    }

    struct MoveRow: Sendable, CustomTestStringConvertible {
        let plugin: AuthPlugin
        let line: String
        let server: ServerVersion
        let move: PluginMove?
        var testDescription: String { "\(plugin.rawValue) on \(server): \(move?.description ?? "refused")" }
    }

    static let native = "CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '*AB'"
    static let mySQLNative = "CREATE USER `app`@`%` IDENTIFIED WITH 'mysql_native_password' AS '*AB'"

    static let moves: [MoveRow] = [
        MoveRow(plugin: .keep, line: native, server: mariaDB, move: PluginMove.none),
        MoveRow(
            plugin: .ed25519, line: native, server: mariaDB, move: .moving(from: "mysql_native_password", to: "ed25519")
        ),
        MoveRow(
            plugin: .ed25519, line: "CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'x' OR unix_socket",
            server: mariaDB, move: .onTarget("ed25519")),
        MoveRow(
            plugin: .ed25519, line: "CREATE USER `app`@`%` IDENTIFIED VIA parsec USING 'x'", server: mariaDB,
            move: .keptStronger(plugin: "parsec", target: "ed25519")),
        MoveRow(
            plugin: .nativePassword, line: "CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'x'", server: mariaDB,
            move: .keptStronger(plugin: "ed25519", target: "mysql_native_password")),
        MoveRow(plugin: .nativePassword, line: native, server: mariaDB, move: .onTarget("mysql_native_password")),
        MoveRow(plugin: .cachingSHA2, line: native, server: mariaDB, move: nil),
        MoveRow(plugin: .ed25519, line: native, server: mariaDB103, move: nil),
        MoveRow(plugin: .ed25519, line: mySQLNative, server: mySQLs[1], move: nil),
        MoveRow(plugin: .cachingSHA2, line: mySQLNative, server: mySQL57, move: nil),
        MoveRow(
            plugin: .cachingSHA2, line: mySQLNative, server: mySQLs[0],
            move: .moving(from: "mysql_native_password", to: "caching_sha2_password")),
        MoveRow(
            plugin: .cachingSHA2, line: "CREATE USER `app`@`%` IDENTIFIED WITH 'sha256_password' AS 'x'",
            server: mySQLs[2], move: .moving(from: "sha256_password", to: "caching_sha2_password")),
        MoveRow(
            plugin: .cachingSHA2, line: "CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 'x'",
            server: mySQLs[1], move: .onTarget("caching_sha2_password")),
    ]

    /// Never to a weaker plugin; a plugin the server does not have refuses, naming it.
    @Test(arguments: moves)
    func theMoveEachServerGets(row: MoveRow) throws {
        let chain = try methods(row.line)
        if let move = row.move {
            #expect(try row.plugin.move(of: chain, on: row.server) == move)
        } else {
            #expect(throws: PasswordChangeProblem.pluginUnavailable(plugin: row.plugin.rawValue, server: row.server)) {
                try row.plugin.move(of: chain, on: row.server)
            }
        }
    }

    @Test func onlyMariaDBsLoadablePluginIsAskedOfTheServer() {
        #expect(AuthPlugin.ed25519.availabilityQuery(on: Self.mariaDB) != nil)
        for server in Self.mySQLs { #expect(AuthPlugin.cachingSHA2.availabilityQuery(on: server) == nil) }
        #expect(AuthPlugin.isActive([["ACTIVE"]]))
        #expect(!AuthPlugin.isActive([["DISABLED"]]) && !AuthPlugin.isActive([]))
    }

    /// MariaDB, admin: only the password methods move; unix_socket stays in its place.
    @Test func mariaDBMovesThePasswordMethodsOnly() throws {
        let chain = try methods(
            "CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '*AB' OR unix_socket")
        let move = try AuthPlugin.ed25519.move(of: chain, on: Self.mariaDB)
        let plain = try PasswordChange.byAdmin(
            of: account, methods: chain, on: Self.mariaDB, to: "n", retaining: nil, move: move)
        #expect(
            plain.map(\.description) == [
                "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) OR unix_socket"
            ])
        // KEEP_PREVIOUS_PASSWORD: AWSCURRENT's stays under the old plugin for one rotation.
        let kept = try PasswordChange.byAdmin(
            of: account, methods: chain, on: Self.mariaDB, to: "n", retaining: "c", move: move)
        #expect(
            kept.map(\.description) == [
                "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) OR mysql_native_password USING PASSWORD(<literal>) OR unix_socket"
            ])
        #expect(kept[0].literals == ["app", "%", "n", "c"])
        #expect(move.keepSkipped(on: Self.mariaDB) == nil)
    }

    /// The rotation after the move: the kept native password folds into ed25519, nothing else changes.
    @Test func theNextRotationChangesOnlyThePassword() throws {
        let moved = try methods(
            "CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'x' OR mysql_native_password USING '*AB' OR unix_socket"
        )
        let move = try AuthPlugin.ed25519.move(of: moved, on: Self.mariaDB)
        #expect(move == .onTarget("ed25519"))
        let kept = try PasswordChange.byAdmin(
            of: account, methods: moved, on: Self.mariaDB, to: "n", retaining: "c", move: move)
        #expect(
            kept.map(\.description) == [
                "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) OR ed25519 USING PASSWORD(<literal>) OR unix_socket"
            ])
        let plain = try PasswordChange.byAdmin(
            of: account, methods: moved, on: Self.mariaDB, to: "n", retaining: nil, move: move)
        #expect(
            plain.map(\.description) == [
                "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) OR unix_socket"
            ])
    }

    /// A stronger method is never rewritten with a weaker plugin.
    @Test func aStrongerMethodIsNeverWeakened() throws {
        let chain = try methods(
            "CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '*AB' OR parsec USING 'x'")
        let planned = try chain.replacingPassword(retaining: false, movingTo: "ed25519")
        #expect(planned == [.newPassword("ed25519"), .newPassword("parsec")])
        let nativeTarget = try chain.replacingPassword(retaining: false, movingTo: "mysql_native_password")
        #expect(nativeTarget == [.newPassword("mysql_native_password"), .newPassword("parsec")])
    }

    /// MySQL, admin, every version: the plugin named, DISCARD first, and never RETAIN with a move.
    @Test(arguments: mySQLs)
    func mySQLNeverRetainsAcrossAPluginChange(server: ServerVersion) throws {
        let chain = try methods(Self.mySQLNative)
        let move = try AuthPlugin.cachingSHA2.move(of: chain, on: server)
        for retaining in [nil, "c"] as [String?] {
            let statements = try PasswordChange.byAdmin(
                of: account, methods: chain, on: server, to: "n", retaining: retaining, move: move)
            #expect(
                statements.map(\.description) == [
                    "ALTER USER <literal>@<literal> DISCARD OLD PASSWORD",
                    "ALTER USER <literal>@<literal> IDENTIFIED WITH caching_sha2_password BY <literal>",
                ])
            #expect(!statements.contains { $0.description.contains("RETAIN") || $0.literals.contains("c") })
        }
        #expect(
            move.keepSkipped(on: server) == .pluginChange(from: "mysql_native_password", to: "caching_sha2_password"))
        // On the target already: RETAIN as before.
        let onTarget = try methods("CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 'x'")
        let kept = try PasswordChange.byAdmin(
            of: account, methods: onTarget, on: server, to: "n", retaining: "c",
            move: try AuthPlugin.cachingSHA2.move(of: onTarget, on: server))
        #expect(
            kept.map(\.description) == [
                "ALTER USER <literal>@<literal> IDENTIFIED WITH caching_sha2_password BY <literal> RETAIN CURRENT PASSWORD"
            ])
    }

    /// self: a user names itself and needs CREATE USER to change its own plugin, on either server.
    @Test func selfNeedsCreateUserToChangeItsPlugin() throws {
        let cases: [(ServerVersion, String, AuthPlugin, String)] = [
            (
                Self.mariaDB, Self.native, .ed25519,
                "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>)"
            ),
            (
                Self.mySQLs[1], Self.mySQLNative, .cachingSHA2,
                "ALTER USER <literal>@<literal> IDENTIFIED WITH caching_sha2_password BY <literal> REPLACE <literal>"
            ),
        ]
        for (server, line, plugin, expected) in cases {
            let chain = try methods(line)
            let move = try plugin.move(of: chain, on: server)
            #expect(
                throws: PasswordChangeProblem.pluginChangeNeedsPrivilege(
                    plugin: plugin.rawValue, privilege: "CREATE USER")
            ) {
                try PasswordChange.ofOwn(
                    account: account, methods: chain, grants: ["GRANT USAGE ON *.* TO `app`@`%`"], on: server, to: "n",
                    current: "c", keepPrevious: false, move: move)
            }
            for keepPrevious in [false, true] {
                let statement = try PasswordChange.ofOwn(
                    account: account, methods: chain, grants: ["GRANT CREATE USER ON *.* TO `app`@`%`"], on: server,
                    to: "n", current: "c", keepPrevious: keepPrevious && server.flavor == .mysql, move: move)
                #expect(statement.description == expected)
                #expect(!statement.description.contains("RETAIN"))
            }
        }
    }

    /// alternating: the copy is written with the target plugin.
    @Test func theAlternatingCopyMoves() throws {
        let mySQL = try AccountAttributes(showCreateUser: Self.mySQLNative + " REQUIRE NONE")
        let move = try AuthPlugin.cachingSHA2.move(of: mySQL.methods, on: Self.mySQLs[1])
        let copy = try mySQL.applying(
            to: Account(user: "app_clone", host: "%"), password: "n", on: Self.mySQLs[1], move: move)
        #expect(
            copy.description.hasPrefix(
                "ALTER USER <literal>@<literal> IDENTIFIED WITH caching_sha2_password BY <literal> WITH"))
        // MariaDB prints a lone mysql_native_password as `IDENTIFIED BY PASSWORD '…'`.
        let plain = try AccountAttributes(showCreateUser: "CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*AB'")
        let plainCopy = try plain.applying(
            to: Account(user: "app_clone", host: "%"), password: "n", on: Self.mariaDB,
            move: try AuthPlugin.ed25519.move(of: plain.methods, on: Self.mariaDB))
        #expect(
            plainCopy.description.hasPrefix(
                "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) WITH"))
        let mariaDB = try AccountAttributes(
            showCreateUser: "CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '*AB' OR unix_socket")
        let mariaDBCopy = try mariaDB.applying(
            to: Account(user: "app_clone", host: "%"), password: "n", on: Self.mariaDB,
            move: try AuthPlugin.ed25519.move(of: mariaDB.methods, on: Self.mariaDB))
        #expect(
            mariaDBCopy.description.hasPrefix(
                "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) OR unix_socket WITH"))
    }

    @Test func theOutcomeSaysWhatHappened() {
        #expect(StepOutcome.passwordSet(keepSkipped: false, pluginMoved: false) == .passwordSet)
        #expect(StepOutcome.passwordSet(keepSkipped: true, pluginMoved: false) == .passwordSetPreviousNotKept)
        #expect(StepOutcome.passwordSet(keepSkipped: false, pluginMoved: true) == .passwordSetPluginMoved)
        #expect(
            StepOutcome.passwordSet(keepSkipped: true, pluginMoved: true).rawValue.contains(
                "previous password was not kept"))
    }

    /// The refusal names the plugin, the account and the server, nothing from a secret.
    @Test func theRefusalNamesThePlugin() {
        let error = Rotator.refusal(
            .pluginUnavailable(plugin: "ed25519", server: Self.mariaDB), account: account, secretId: "s")
        #expect(error.errorType == "Configuration")
        #expect(error.description.contains("AUTH_PLUGIN=ed25519 for account 'app'@'%' of secret s"))
        #expect(error.description.contains("INSTALL SONAME 'auth_ed25519'"))
        #expect(error.description.contains("nothing was changed"))
    }

    static func secret(_ password: String) -> DatabaseSecret {
        try! DatabaseSecret(
            parsing: #"{"engine":"mysql","host":"db","port":3306,"username":"app","password":"\#(password)"}"#)
    }

    /// self on MariaDB: the plugin is asked of the server before anything is sent.
    @Test func selfAsksTheServerForThePluginFirst() {
        let current = Self.secret("cur-pw")
        let pending = Self.secret("new-pw")
        let query = AuthPlugin.ed25519.availabilityQuery(on: Self.mariaDB)!
        var refused = SelfSetSecretPlan(
            secretId: "s", current: current, pending: pending, keepPrevious: false, authPlugin: .ed25519)
        #expect(refused.start() == .logIn(current.login))
        #expect(refused.next(.loggedIn(Self.mariaDB, verifiedTLS: true)) == .query("SHOW CREATE USER CURRENT_USER()"))
        #expect(refused.next(.answered([[Self.native]])) == .query(query))
        #expect(
            refused.next(.answered([["DISABLED"]]))
                == .fail(
                    .authPluginUnavailable(
                        secretId: "s", account: "'app'@'%'", plugin: "ed25519", server: Self.mariaDB.description)))

        var moving = SelfSetSecretPlan(
            secretId: "s", current: current, pending: pending, keepPrevious: false, authPlugin: .ed25519)
        _ = moving.start()
        _ = moving.next(.loggedIn(Self.mariaDB, verifiedTLS: true))
        _ = moving.next(.answered([[Self.native]]))
        #expect(moving.next(.answered([["ACTIVE"]])) == .query("SHOW GRANTS"))
        guard case .send(let statement) = moving.next(.answered([["GRANT CREATE USER ON *.* TO `app`@`%`"]])) else {
            Issue.record("no statement sent")
            return
        }
        #expect(
            statement.description == "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>)")
        #expect(moving.next(.sent) == .done(.passwordSetPluginMoved))
    }
}
