import Rotation
import Testing

@Suite struct GrantTests {
    let clone = Account(user: "app_clone", host: "10.0.%")

    func render(_ sql: SQL) -> String {
        sql.rendered(readingSession: { SessionSyntax(backslashEscapes: true) })
    }

    @Test(arguments: [
        // MySQL 8 and MariaDB quote with backticks.
        ("GRANT SELECT, INSERT ON `appdb`.* TO `app`@`10.0.%`", "SELECT, INSERT ON `appdb`.*", nil as String?),
        (
            "GRANT ALL PRIVILEGES ON `app db`.* TO `app`@`%` WITH GRANT OPTION", "ALL PRIVILEGES ON `app db`.*",
            "WITH GRANT OPTION"
        ),
        (
            "GRANT SELECT (`User`), INSERT ON `mysql`.`user` TO `app`@`127.0.0.1` WITH GRANT OPTION",
            "SELECT (`User`), INSERT ON `mysql`.`user`", "WITH GRANT OPTION"
        ),
        ("GRANT `r1` TO `app`@`127.0.0.1`", "`r1`", nil),
        ("GRANT `reader`@`%` TO `app`@`%` WITH ADMIN OPTION", "`reader`@`%`", "WITH ADMIN OPTION"),
        // MySQL 5.7 quotes the account with single quotes.
        ("GRANT SELECT ON `appdb`.* TO 'app'@'%'", "SELECT ON `appdb`.*", nil),
        // Names that hold the keywords or quotes must not confuse the split.
        ("GRANT SELECT ON ` TO `.* TO `a'b``c`@`%`", "SELECT ON ` TO `.*", nil),
        ("GRANT SELECT ON `db`.* TO 'we\\'ird'@'%'", "SELECT ON `db`.*", nil),
    ])
    func splitsShowGrantsLines(line: String, what: String, option: String?) throws {
        let grant = try #require(Grant(showGrantsLine: line))
        #expect(grant.what == what)
        #expect(grant.withOption == option)
    }

    @Test func usageLinesWithPasswordHashesAreRecognisedAndNeverCopied() throws {
        let line =
            "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' REQUIRE SSL"
        let grant = try #require(Grant(showGrantsLine: line))
        #expect(grant.isUsageOnly)
        #expect(!render(grant.granting(to: clone)).contains("B69027"))
    }

    @Test func retargetsToAnotherAccount() throws {
        let grant = try #require(Grant(showGrantsLine: "GRANT SELECT ON `appdb`.* TO `app`@`%` WITH GRANT OPTION"))
        #expect(
            render(grant.granting(to: clone)) == "GRANT SELECT ON `appdb`.* TO 'app_clone'@'10.0.%' WITH GRANT OPTION")
        #expect(
            grant.revoking(from: clone).map(render) == [
                "REVOKE SELECT ON `appdb`.* FROM 'app_clone'@'10.0.%'",
                "REVOKE GRANT OPTION ON `appdb`.* FROM 'app_clone'@'10.0.%'",
            ])
    }

    @Test func revokesARole() throws {
        let grant = try #require(Grant(showGrantsLine: "GRANT `r1` TO `app`@`%`"))
        #expect(grant.revoking(from: clone).map(render) == ["REVOKE `r1` FROM 'app_clone'@'10.0.%'"])
    }

    @Test(arguments: ["SET DEFAULT ROLE `r1` FOR `app`@`%`", "REVOKE INSERT ON `mysql`.* FROM `app`@`%`"])
    func ignoresLinesThatAreNotGrants(line: String) {
        #expect(Grant(showGrantsLine: line) == nil)
    }

    @Test(arguments: [
        // MariaDB 10.11, as printed by the server this project tests against.
        (
            "GRANT SELECT (`id`), INSERT (`id`, `v`), UPDATE (`v`) ON `appdb`.`t` TO `src`@`127.0.0.1` WITH GRANT OPTION",
            Grant(
                what: "SELECT (`id`), INSERT (`id`, `v`), UPDATE (`v`) ON `appdb`.`t`", withOption: "WITH GRANT OPTION",
                kind: .privileges)
        ),
        (
            "GRANT EXECUTE ON PROCEDURE `appdb`.`p` TO `src`@`127.0.0.1`",
            Grant(what: "EXECUTE ON PROCEDURE `appdb`.`p`", kind: .privileges)
        ),
        (
            "GRANT EXECUTE, ALTER ROUTINE ON FUNCTION `appdb`.`f` TO `src`@`127.0.0.1`",
            Grant(what: "EXECUTE, ALTER ROUTINE ON FUNCTION `appdb`.`f`", kind: .privileges)
        ),
        (
            "GRANT EXECUTE ON PACKAGE BODY `appdb`.`pk` TO `src`@`%`",
            Grant(what: "EXECUTE ON PACKAGE BODY `appdb`.`pk`", kind: .privileges)
        ),
        (
            "GRANT PROXY ON `rotator_admin`@`127.0.0.1` TO `src`@`127.0.0.1`",
            Grant(what: "PROXY ON `rotator_admin`@`127.0.0.1`", kind: .proxy)
        ),
        (
            "GRANT USAGE ON `appdb`.* TO `src`@`127.0.0.1` WITH GRANT OPTION",
            Grant(what: "USAGE ON `appdb`.*", withOption: "WITH GRANT OPTION", kind: .privileges)
        ),
        (
            "GRANT SELECT ON *.* TO `src`@`%` IDENTIFIED VIA ed25519 USING 'abc+/=' REQUIRE SSL WITH GRANT OPTION MAX_QUERIES_PER_HOUR 100 MAX_STATEMENT_TIME 2.500000",
            Grant(what: "SELECT ON *.*", withOption: "WITH GRANT OPTION", kind: .privileges)
        ),
        // MySQL 8 (reference manual, "SHOW GRANTS", "Using Roles", "Privilege Restriction Using Partial Revokes").
        ("GRANT `r1`@`%`,`r2`@`%` TO `u1`@`localhost`", Grant(what: "`r1`@`%`,`r2`@`%`", kind: .roles)),
        (
            "GRANT APPLICATION_PASSWORD_ADMIN,AUDIT_ADMIN ON *.* TO `u1`@`localhost` WITH GRANT OPTION",
            Grant(
                what: "APPLICATION_PASSWORD_ADMIN,AUDIT_ADMIN ON *.*", withOption: "WITH GRANT OPTION",
                kind: .privileges)
        ),
        (
            "GRANT PROXY ON ''@'' TO 'root'@'localhost' WITH GRANT OPTION",
            Grant(what: "PROXY ON ''@''", withOption: "WITH GRANT OPTION", kind: .proxy)
        ),
        (
            "GRANT USAGE ON *.* TO `u1`@`localhost` WITH GRANT OPTION",
            Grant(what: "USAGE ON *.*", withOption: "WITH GRANT OPTION", kind: .privileges)
        ),
    ])
    func understandsEveryFormOfGrant(line: String, expected: Grant) throws {
        #expect(try Grant.parse(showGrantsLine: line) == .grant(expected))
    }

    @Test func aGlobalUsageWithGrantOptionIsCopiedAndABareOneIsNot() throws {
        let grants = try AccountGrants(showGrantsLines: [
            "GRANT USAGE ON *.* TO `u1`@`%`", "GRANT USAGE ON *.* TO `u2`@`%` WITH GRANT OPTION",
        ])
        #expect(grants.grants == [Grant(what: "USAGE ON *.*", withOption: "WITH GRANT OPTION")])
    }

    @Test func readsMySQLPartialRevokesAndMariaDBDefaultRoles() throws {
        let grants = try AccountGrants(showGrantsLines: [
            "GRANT SELECT, INSERT ON *.* TO `u1`@`localhost`",
            "REVOKE INSERT ON `mysql`.* FROM `u1`@`localhost`",
            "SET DEFAULT ROLE `r1` FOR `u1`@`localhost`",
        ])
        #expect(grants.grants == [Grant(what: "SELECT, INSERT ON *.*")])
        #expect(grants.partialRevokes == [Grant(what: "INSERT ON `mysql`.*")])
        #expect(grants.defaultRole == "`r1`")
        #expect(
            render(grants.partialRevokes[0].restricting(clone))
                == "REVOKE INSERT ON `mysql`.* FROM 'app_clone'@'10.0.%'")
        #expect(
            render(grants.partialRevokes[0].lifting(from: clone)) == "GRANT INSERT ON `mysql`.* TO 'app_clone'@'10.0.%'"
        )
    }

    @Test func aProxyIsRevokedWholeNotByItsGrantOption() throws {
        let grant = try #require(Grant(showGrantsLine: "GRANT PROXY ON `a`@`%` TO `app`@`%` WITH GRANT OPTION"))
        #expect(grant.revoking(from: clone).map(render) == ["REVOKE PROXY ON `a`@`%` FROM 'app_clone'@'10.0.%'"])
    }

    @Test(arguments: [
        ("Grants for app@%", "GRANTS", nil as String?),
        ("", "unnamed", nil),
        ("DENY SELECT ON `appdb`.* TO `app`@`%`", "DENY", nil),
        ("GRANT SELECT ON `appdb`.* TO `app`@`%` WITH FUTURE OPTION", "GRANT", "FUTURE"),
        ("GRANT SELECT ON `appdb`.* TO `app`@`%` EXCEPT `x`", "GRANT", "EXCEPT"),
        ("GRANT SELECT ON `appdb`.* TO `app`@`%` AS `x`@`%` WITH ROLE NONE", "GRANT", "AS"),
        ("REVOKE SELECT ON `appdb`.* FROM `app`@`%` WITH GRANT OPTION", "REVOKE", "WITH"),
        ("REVOKE `r1` FROM `app`@`%`", "REVOKE", nil),
        ("GRANT SELECT ON `appdb`.* TO `app`@`%` IDENTIFIED BY PASSWORD 'unterminated", "GRANT", nil),
        ("GRANT SELECT ON `db`.`t` 'x' TO `app`@`%`", "GRANT", nil),
    ])
    func refusesALineItDoesNotKnow(line: String, kind: String, near: String?) throws {
        let error = try #require(throws: AccountProblem.self) { try AccountGrants(showGrantsLines: [line]) }
        #expect(error == .unrecognisedLine(statement: "SHOW GRANTS", kind: kind, near: near))
    }

    @Test func aRefusalNeverQuotesTheLine() throws {
        let hash = "*B69027D44F6E5EDC07F1AEAD1477967B16F28227"
        for line in [
            "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '\(hash)' WITH NEW_THING '\(hash)'",
            "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '\(hash)' WITH 0x2A42363930",
            "X\(hash) USAGE",
        ] {
            let error = try #require(throws: AccountProblem.self) { try AccountGrants(showGrantsLines: [line]) }
            #expect(!error.description.contains("B69027"), "\(error)")
            #expect(!error.description.contains("0x2A"), "\(error)")
        }
    }

    @Test(arguments: [
        (TLSRequirement(type: ""), "ALTER USER 'app_clone'@'10.0.%' REQUIRE NONE"),
        (TLSRequirement(type: "ANY"), "ALTER USER 'app_clone'@'10.0.%' REQUIRE SSL"),
        (TLSRequirement(type: "X509"), "ALTER USER 'app_clone'@'10.0.%' REQUIRE X509"),
        (
            TLSRequirement(type: "SPECIFIED", cipher: "ECDHE-RSA-AES256-GCM-SHA384", subject: "/CN=app"),
            "ALTER USER 'app_clone'@'10.0.%' REQUIRE CIPHER 'ECDHE-RSA-AES256-GCM-SHA384' AND SUBJECT '/CN=app'"
        ),
    ])
    func copiesTheTLSRequirement(requirement: TLSRequirement, statement: String) {
        #expect(render(requirement.applying(to: clone)) == statement)
    }

    @Test(arguments: [("app", "app_clone"), ("app_clone", "app"), ("a_clone_clone", "a_clone"), ("x", "x_clone")])
    func alternatesUserNames(name: String, next: String) {
        #expect(Rotator.alternate(name) == next)
    }
}
