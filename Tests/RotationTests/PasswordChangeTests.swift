import Rotation
import Testing

/// The statements that change only the password, as text: MariaDB's method
/// chain, MySQL's plugin-preserving ALTER USER, RETAIN CURRENT PASSWORD and
/// DISCARD OLD PASSWORD. MariaDB's forms also run against the live server in
/// Tests/EndToEnd/test_keep_previous_password.py; MySQL's only here and
/// against the fake server of test_mysql_dual_password.py.
@Suite struct PasswordChangeTests {
    let account = Account(user: "app", host: "%")
    let mariaDB = ServerVersion("10.11.6-MariaDB")!
    let mySQL = ServerVersion("8.0.36")!

    func methods(_ line: String) throws -> AuthenticationMethods {
        try AuthenticationMethods(showCreateUser: line)
    }

    @Test func readsTheChainWithoutKeepingHashes() throws {
        let chain = try methods(
            "CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'hashhashhash' OR unix_socket OR pam USING 'mariadb'")
        #expect(
            chain.methods == [
                .init(plugin: "ed25519"), .init(plugin: "unix_socket"), .init(plugin: "pam", argument: "mariadb"),
            ])
        #expect(chain.passwordCount == 1 && chain.holdsPassword)
    }

    @Test(arguments: [
        "CREATE USER `iam`@`%` IDENTIFIED VIA AWSAuthenticationPlugin USING 'RDS'",
        "CREATE USER `iam`@`%` IDENTIFIED WITH 'AWSAuthenticationPlugin' AS 'RDS'",
        "CREATE USER `s`@`localhost` IDENTIFIED VIA unix_socket",
        "CREATE USER `p`@`%` IDENTIFIED VIA pam USING 'login'",
    ])
    func accountsWithoutAPasswordAreRefused(_ line: String) throws {
        let chain = try methods(line)
        #expect(!chain.holdsPassword)
        for server in [mariaDB, mySQL] {
            #expect(throws: PasswordChangeProblem.holdsNoPassword(plugins: chain.methods.map(\.plugin))) {
                try PasswordChange.byAdmin(of: account, methods: chain, on: server, to: "n", retaining: nil)
            }
        }
    }

    @Test func mariaDBAdminKeepsPluginAndOtherMethods() throws {
        let chain = try methods("CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'h' OR unix_socket")
        let plain = try PasswordChange.byAdmin(of: account, methods: chain, on: mariaDB, to: "n", retaining: nil)
        #expect(
            plain.map(\.description) == [
                "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) OR unix_socket"
            ])
        let kept = try PasswordChange.byAdmin(of: account, methods: chain, on: mariaDB, to: "n", retaining: "c")
        #expect(
            kept.map(\.description) == [
                "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) OR ed25519 USING PASSWORD(<literal>) OR unix_socket"
            ])
        #expect(kept[0].literals == ["app", "%", "n", "c"], "the new password first, AWSCURRENT's second")
    }

    /// A second password left by an earlier retain is replaced (keep) or dropped (not), never left behind.
    @Test func anOldSecondPasswordNeverSurvives() throws {
        let chain = try methods(
            "CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'h1' OR ed25519 USING 'h0' OR unix_socket")
        #expect(chain.passwordCount == 2)
        let plain = try PasswordChange.byAdmin(of: account, methods: chain, on: mariaDB, to: "n", retaining: nil)
        #expect(plain[0].literals == ["app", "%", "n"])
        let kept = try PasswordChange.byAdmin(of: account, methods: chain, on: mariaDB, to: "n", retaining: "c")
        #expect(kept[0].literals == ["app", "%", "n", "c"])
        // Idempotent: the same statement however often setSecret runs.
        #expect(kept == (try PasswordChange.byAdmin(of: account, methods: chain, on: mariaDB, to: "n", retaining: "c")))
    }

    @Test func nativePasswordAccountsOnMariaDB() throws {
        let chain = try methods("CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*ABC'")
        let kept = try PasswordChange.byAdmin(of: account, methods: chain, on: mariaDB, to: "n", retaining: "c")
        #expect(
            kept.map(\.description) == [
                "ALTER USER <literal>@<literal> IDENTIFIED VIA mysql_native_password USING PASSWORD(<literal>) OR mysql_native_password USING PASSWORD(<literal>)"
            ])
        let old = ServerVersion("10.3.39-MariaDB")!
        #expect(throws: PasswordChangeProblem.keepPreviousUnsupported(.serverTooOld(old))) {
            try PasswordChange.byAdmin(of: account, methods: chain, on: old, to: "n", retaining: "c")
        }
    }

    @Test func mySQLAdminNamesThePluginAndRetainsOrDiscards() throws {
        let chain = try methods("CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 0x2441 REQUIRE NONE")
        let kept = try PasswordChange.byAdmin(of: account, methods: chain, on: mySQL, to: "n", retaining: "c")
        #expect(
            kept.map(\.description) == [
                "ALTER USER <literal>@<literal> IDENTIFIED WITH caching_sha2_password BY <literal> RETAIN CURRENT PASSWORD"
            ])
        #expect(
            kept[0].literals == ["app", "%", "n"], "RETAIN keeps the server's primary; the current password is not sent"
        )
        let plain = try PasswordChange.byAdmin(of: account, methods: chain, on: mySQL, to: "n", retaining: nil)
        #expect(
            plain.map(\.description) == [
                "ALTER USER <literal>@<literal> DISCARD OLD PASSWORD",
                "ALTER USER <literal>@<literal> IDENTIFIED WITH caching_sha2_password BY <literal>",
            ])
        let old = ServerVersion("8.0.13")!
        #expect(throws: PasswordChangeProblem.keepPreviousUnsupported(.serverTooOld(old))) {
            try PasswordChange.byAdmin(of: account, methods: chain, on: old, to: "n", retaining: "c")
        }
    }

    @Test func selfOnMariaDBNeedsCreateUserToKeep() throws {
        let chain = try methods("CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'h' OR unix_socket")
        let plain = ["GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED VIA ed25519 USING 'h' OR unix_socket"]
        #expect(throws: PasswordChangeProblem.keepPreviousUnsupported(.missingPrivilege("CREATE USER"))) {
            try PasswordChange.ofOwn(
                account: account, methods: chain, grants: plain, on: mariaDB, to: "n", current: "c", keepPrevious: true)
        }
        let own = try PasswordChange.ofOwn(
            account: account, methods: chain, grants: plain, on: mariaDB, to: "n", current: "c", keepPrevious: false)
        #expect(own.description == "SET PASSWORD = PASSWORD(<literal>)")
        let mayAlter = ["GRANT CREATE USER ON *.* TO `app`@`%`"]
        let kept = try PasswordChange.ofOwn(
            account: account, methods: chain, grants: mayAlter, on: mariaDB, to: "n", current: "c", keepPrevious: true)
        #expect(
            kept.description
                == "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) OR ed25519 USING PASSWORD(<literal>) OR unix_socket"
        )
        let two = try methods("CREATE USER `app`@`%` IDENTIFIED VIA ed25519 USING 'h1' OR ed25519 USING 'h0'")
        #expect(throws: PasswordChangeProblem.oldPasswordWouldRemain) {
            try PasswordChange.ofOwn(
                account: account, methods: two, grants: plain, on: mariaDB, to: "n", current: "c", keepPrevious: false)
        }
    }

    @Test func selfOnMySQLRetainsWithReplaceAndNeedsApplicationPasswordAdmin() throws {
        let chain = try methods("CREATE USER `app`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 'x'")
        #expect(throws: PasswordChangeProblem.keepPreviousUnsupported(.missingPrivilege("APPLICATION_PASSWORD_ADMIN")))
        {
            try PasswordChange.ofOwn(
                account: account, methods: chain, grants: ["GRANT USAGE ON *.* TO `app`@`%`"], on: mySQL, to: "n",
                current: "c",
                keepPrevious: true)
        }
        let kept = try PasswordChange.ofOwn(
            account: account, methods: chain, grants: ["GRANT APPLICATION_PASSWORD_ADMIN ON *.* TO `app`@`%`"],
            on: mySQL, to: "n",
            current: "c", keepPrevious: true)
        #expect(
            kept.description
                == "ALTER USER CURRENT_USER() IDENTIFIED BY <literal> REPLACE <literal> RETAIN CURRENT PASSWORD")
        #expect(kept.literals == ["n", "c"])
    }
}

@Suite struct AccountPrivilegesTests {
    @Test(arguments: [
        ("GRANT ALL PRIVILEGES ON *.* TO `a`@`%` WITH GRANT OPTION", ["ALL PRIVILEGES ON *.*", "GRANT OPTION ON *.*"]),
        ("GRANT CREATE USER ON *.* TO `a`@`%`", ["CREATE USER ON *.*"]),
        ("GRANT SUPER ON *.* TO `a`@`%`", ["SUPER ON *.*"]),
        ("GRANT SELECT ON *.* TO `a`@`%` WITH GRANT OPTION", ["GRANT OPTION ON *.*"]),
        ("GRANT INSERT, UPDATE ON `mysql`.* TO `a`@`%`", ["INSERT ON mysql.*", "UPDATE ON mysql.*"]),
        ("GRANT UPDATE ON `mysql`.`global_priv` TO `a`@`%`", ["UPDATE ON mysql.global_priv"]),
        ("GRANT INSERT ON *.* TO `a`@`%`", ["INSERT ON *.*"]),
        // MySQL's partial revoke withholds the global write from the grant tables, not from the rest.
        ("GRANT INSERT ON *.* TO `a`@`%`\nREVOKE INSERT ON `mysql`.* FROM `a`@`%`", ["INSERT ON *.*"]),
        ("GRANT SELECT ON `mysql`.* TO `a`@`%`", []),
        // A database name in a grant is a LIKE pattern: these reach `mysql` too.
        ("GRANT INSERT ON `%`.* TO `a`@`%`", ["INSERT ON %.*"]),
        ("GRANT ALL PRIVILEGES ON `my%`.* TO `a`@`%`", ["ALL PRIVILEGES ON my%.*"]),
        ("GRANT UPDATE ON `m_sql`.* TO `a`@`%`", ["UPDATE ON m_sql.*"]),
        ("GRANT INSERT ON `mysql\\_x`.* TO `a`@`%`", []),
        ("GRANT INSERT ON `app%`.* TO `a`@`%`", []),
        ("GRANT SELECT, INSERT, UPDATE, DELETE ON `appdb`.* TO `a`@`%` WITH GRANT OPTION", []),
        ("GRANT USAGE ON *.* TO `a`@`%` IDENTIFIED BY PASSWORD '*ABC'", []),
        ("GRANT PROXY ON ``@`%` TO `a`@`%` WITH GRANT OPTION", ["PROXY ON ``@`%` (it may log in as any account)"]),
        (
            "GRANT PROXY ON `locked`@`127.0.0.1` TO `a`@`%`",
            ["PROXY ON `locked`@`127.0.0.1` (it may log in as that account)"]
        ),
    ])
    func managingPrivileges(_ lines: String, _ expected: [String]) {
        let lines = lines.split(separator: "\n").map(String.init)
        #expect(AccountPrivileges(showGrants: lines).refused == expected)
    }

    @Test func rolesAreNamedForTheirOwnGrants() {
        let privileges = AccountPrivileges(showGrants: [
            "GRANT `r_mgr` TO `a`@`%`", "GRANT `r1`@`%`,`r2`@`%` TO `b`@`%`",
        ])
        #expect(privileges.roles == ["`r_mgr`", "`r1`@`%`", "`r2`@`%`"])
        #expect(privileges.refused.isEmpty)
    }

    @Test func anUnreadableLineCountsAsManaging() {
        #expect(!AccountPrivileges(showGrants: ["GRANT SOMETHING NEW"]).refused.isEmpty)
    }
}
