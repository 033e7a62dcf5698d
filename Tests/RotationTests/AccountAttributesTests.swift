import Rotation
import Testing

@Suite struct AccountAttributesTests {
    let clone = Account(user: "app_clone", host: "%")

    func statement(_ showCreateUser: String, on version: String) throws -> String {
        let server = try #require(ServerVersion(version))
        return try AccountAttributes(showCreateUser: showCreateUser).applying(to: clone, password: "pw", on: server)
            .description
    }

    /// MariaDB 10.11's own output (SHOW CREATE USER on this project's test server).
    static let mariaDB =
        "CREATE USER `src`@`127.0.0.1` IDENTIFIED VIA ed25519 USING '+NJgPIblk8g7hbe1nTm/dmaJL0qIo6+lMrn5JZRjOZ8' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 100 MAX_UPDATES_PER_HOUR 20 MAX_CONNECTIONS_PER_HOUR 30 MAX_USER_CONNECTIONS 3 MAX_STATEMENT_TIME 2.500000 ACCOUNT LOCK PASSWORD EXPIRE INTERVAL 30 DAY"

    /// MySQL 8.0's form, from the reference manual ("SHOW CREATE USER",
    /// "Password Management", "Account Locking", "CREATE USER" user attributes).
    static let mySQL =
        "CREATE USER `u1`@`localhost` IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$n>mk(5~5MPlS!V2{;V0z>\\v\\Jo.8sn5F2sP4H.K8' DEFAULT ROLE `r1`@`%`,`r2`@`%` REQUIRE NONE WITH MAX_QUERIES_PER_HOUR 100 PASSWORD EXPIRE INTERVAL 180 DAY ACCOUNT UNLOCK PASSWORD HISTORY 5 PASSWORD REUSE INTERVAL 365 DAY PASSWORD REQUIRE CURRENT OPTIONAL FAILED_LOGIN_ATTEMPTS 3 PASSWORD_LOCK_TIME UNBOUNDED ATTRIBUTE '{\"comment\": \"app\"}'"

    @Test func readsMariaDBsForm() throws {
        let attributes = try AccountAttributes(showCreateUser: Self.mariaDB)
        #expect(attributes.authentication == .plugin("ed25519"))
        #expect(
            attributes.limits == [
                "MAX_QUERIES_PER_HOUR": "100", "MAX_UPDATES_PER_HOUR": "20", "MAX_CONNECTIONS_PER_HOUR": "30",
                "MAX_USER_CONNECTIONS": "3", "MAX_STATEMENT_TIME": "2.500000",
            ])
        #expect(attributes.locked)
        #expect(attributes.passwordExpiry == "INTERVAL 30 DAY")
    }

    @Test func readsMySQLsForm() throws {
        let attributes = try AccountAttributes(showCreateUser: Self.mySQL)
        #expect(attributes.authentication == .plugin("caching_sha2_password"))
        #expect(attributes.defaultRoles == "`r1`@`%`,`r2`@`%`")
        #expect(
            attributes.passwordPolicies == [
                "PASSWORD HISTORY": "5", "PASSWORD REUSE INTERVAL": "365 DAY", "PASSWORD REQUIRE CURRENT": "OPTIONAL",
            ])
        #expect(attributes.failedLoginAttempts == "3" && attributes.passwordLockTime == "UNBOUNDED")
        #expect(attributes.attribute == #"'{"comment": "app"}'"#)
        #expect(!attributes.locked)
    }

    @Test(arguments: [
        (
            "10.11.6-MariaDB", mariaDB,
            "ALTER USER <literal>@<literal> IDENTIFIED VIA ed25519 USING PASSWORD(<literal>) WITH MAX_QUERIES_PER_HOUR 100 MAX_UPDATES_PER_HOUR 20 MAX_CONNECTIONS_PER_HOUR 30 MAX_USER_CONNECTIONS 3 MAX_STATEMENT_TIME 2.500000 ACCOUNT LOCK PASSWORD EXPIRE INTERVAL 30 DAY"
        ),
        (
            "11.4.2-MariaDB", "CREATE USER `a`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'",
            "ALTER USER <literal>@<literal> IDENTIFIED BY <literal> WITH MAX_QUERIES_PER_HOUR 0 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 0 MAX_STATEMENT_TIME 0 ACCOUNT UNLOCK PASSWORD EXPIRE DEFAULT"
        ),
        (
            "10.3.39-MariaDB",
            "CREATE USER `a`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' WITH MAX_USER_CONNECTIONS 2",
            "ALTER USER <literal>@<literal> IDENTIFIED BY <literal> WITH MAX_QUERIES_PER_HOUR 0 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 2 MAX_STATEMENT_TIME 0"
        ),
        (
            "5.7.44",
            "CREATE USER 'a'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' REQUIRE NONE PASSWORD EXPIRE NEVER ACCOUNT LOCK",
            "ALTER USER <literal>@<literal> IDENTIFIED WITH mysql_native_password BY <literal> WITH MAX_QUERIES_PER_HOUR 0 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 0 ACCOUNT LOCK PASSWORD EXPIRE NEVER"
        ),
        (
            "8.0.36", mySQL,
            "ALTER USER <literal>@<literal> IDENTIFIED WITH caching_sha2_password BY <literal> WITH MAX_QUERIES_PER_HOUR 100 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 0 ACCOUNT UNLOCK PASSWORD EXPIRE INTERVAL 180 DAY PASSWORD HISTORY 5 PASSWORD REUSE INTERVAL 365 DAY PASSWORD REQUIRE CURRENT OPTIONAL FAILED_LOGIN_ATTEMPTS 3 PASSWORD_LOCK_TIME UNBOUNDED ATTRIBUTE '{\"comment\": \"app\"}'"
        ),
        (
            "8.4.3",
            "CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 0x24412430303524 REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK PASSWORD HISTORY DEFAULT PASSWORD REUSE INTERVAL DEFAULT PASSWORD REQUIRE CURRENT",
            "ALTER USER <literal>@<literal> IDENTIFIED WITH caching_sha2_password BY <literal> WITH MAX_QUERIES_PER_HOUR 0 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 0 ACCOUNT UNLOCK PASSWORD EXPIRE DEFAULT PASSWORD HISTORY DEFAULT PASSWORD REUSE INTERVAL DEFAULT PASSWORD REQUIRE CURRENT FAILED_LOGIN_ATTEMPTS 0 PASSWORD_LOCK_TIME 0"
        ),
        (
            "9.1.0",
            "CREATE USER `a`@`%` IDENTIFIED WITH 'caching_sha2_password' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK",
            "ALTER USER <literal>@<literal> IDENTIFIED WITH caching_sha2_password BY <literal> WITH MAX_QUERIES_PER_HOUR 0 MAX_UPDATES_PER_HOUR 0 MAX_CONNECTIONS_PER_HOUR 0 MAX_USER_CONNECTIONS 0 ACCOUNT UNLOCK PASSWORD EXPIRE DEFAULT PASSWORD HISTORY DEFAULT PASSWORD REUSE INTERVAL DEFAULT PASSWORD REQUIRE CURRENT DEFAULT FAILED_LOGIN_ATTEMPTS 0 PASSWORD_LOCK_TIME 0"
        ),
    ])
    func writesEveryAttributeTheServerKnows(version: String, showCreateUser: String, expected: String) throws {
        #expect(try statement(showCreateUser, on: version) == expected)
        let server = try #require(ServerVersion(version))
        let sql = try AccountAttributes(showCreateUser: showCreateUser).applying(to: clone, password: "pw", on: server)
        #expect(sql.literals == ["app_clone", "%", "pw"], "the hash or anything else became a literal")
    }

    @Test(arguments: [
        ("10.11.6-MariaDB", nil as String?), ("11.4.2-MariaDB", nil), ("5.7.44", nil),
        ("8.0.36", "ALTER USER <literal>@<literal> DEFAULT ROLE `r1`@`%`,`r2`@`%`"),
        ("9.1.0", "ALTER USER <literal>@<literal> DEFAULT ROLE `r1`@`%`,`r2`@`%`"),
    ])
    func copiesMySQLsDefaultRoles(version: String, expected: String?) throws {
        let server = try #require(ServerVersion(version))
        let attributes = try AccountAttributes(showCreateUser: Self.mySQL)
        #expect(attributes.settingDefaultRoles(of: clone, on: server)?.description == expected)
        #expect(
            AccountAttributes().settingDefaultRoles(of: clone, on: server)?.description
                == expected.map { _ in "ALTER USER <literal>@<literal> DEFAULT ROLE NONE" })
    }

    @Test func anExpiredPasswordIsNotCopiedTheCopyGetsANewOne() throws {
        let attributes = try AccountAttributes(
            showCreateUser:
                "CREATE USER `u2`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' PASSWORD EXPIRE"
        )
        #expect(attributes.passwordExpired)
        #expect(
            try statement("CREATE USER `u2`@`%` PASSWORD EXPIRE", on: "10.11.6-MariaDB").hasSuffix(
                " PASSWORD EXPIRE DEFAULT"))
    }

    @Test(arguments: [
        (
            "CREATE USER `u3`@`%` IDENTIFIED VIA unix_socket", "10.11.6-MariaDB",
            AccountProblem.pluginWithoutPassword("unix_socket")
        ),
        ("CREATE USER `u`@`%` IDENTIFIED VIA pam USING 'mariadb'", "10.11.6-MariaDB", .pluginWithoutPassword("pam")),
        (
            "CREATE USER `u`@`%` IDENTIFIED WITH 'auth_socket' REQUIRE NONE", "8.0.36",
            .pluginWithoutPassword("auth_socket")
        ),
        (
            "CREATE USER `u`@`%` IDENTIFIED WITH 'authentication_ldap_simple' AS 'uid=u'", "8.0.36",
            .pluginWithoutPassword("authentication_ldap_simple")
        ),
        ("CREATE USER `u`@`%` IDENTIFIED VIA ed25519 USING 'x'", "10.3.39-MariaDB", .pluginWithoutPassword("ed25519")),
        (
            "CREATE USER `u`@`%` IDENTIFIED WITH 'caching_sha2_password' AS 'x' AND IDENTIFIED WITH 'authentication_fido'",
            "8.0.36", .severalAuthenticationMethods
        ),
        (
            "CREATE USER `u`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' PASSWORD EXPIRE SOMETIMES",
            "10.11.6-MariaDB", .unrecognisedLine(statement: "SHOW CREATE USER", kind: "CREATE USER", near: "SOMETIMES")
        ),
        (
            "CREATE USER `u`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' WITH MAX_QUERIES_PER_HOUR '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'",
            "10.11.6-MariaDB", .unrecognisedLine(statement: "SHOW CREATE USER", kind: "CREATE USER", near: nil)
        ),
    ])
    func refusesWhatItCannotCopy(showCreateUser: String, version: String, problem: AccountProblem) throws {
        let error = try #require(throws: AccountProblem.self) { try statement(showCreateUser, on: version) }
        #expect(error == problem)
        #expect(!error.description.contains("*"), "a hash reached the message")
    }

    /// The copy gets the whole chain: each password method the new password, unix_socket as it was.
    @Test func copiesMariaDBsMethodChain() throws {
        let text = try statement(
            "CREATE USER `u4`@`%` IDENTIFIED VIA mysql_native_password USING '*667F407DE7C6AD07358FA38DAED7828A72014B4E' OR unix_socket",
            on: "10.11.6-MariaDB")
        #expect(
            text.hasPrefix(
                "ALTER USER <literal>@<literal> IDENTIFIED VIA mysql_native_password USING PASSWORD(<literal>) OR unix_socket WITH"
            ))
    }
}
