import Rotation
import Testing

@Suite struct GrantTests {
    let clone = Account(user: "app_clone", host: "10.0.%")

    func render(_ sql: SQL) -> String {
        sql.rendered(escapingLiteralsWith: { $0.replacingOccurrences("'", "\\'") })
    }

    @Test(arguments: [
        // MySQL 8 and MariaDB quote with backticks.
        ("GRANT SELECT, INSERT ON `appdb`.* TO `app`@`10.0.%`", "SELECT, INSERT ON `appdb`.*", nil as String?),
        ("GRANT ALL PRIVILEGES ON `app db`.* TO `app`@`%` WITH GRANT OPTION", "ALL PRIVILEGES ON `app db`.*", "WITH GRANT OPTION"),
        ("GRANT SELECT (`User`), INSERT ON `mysql`.`user` TO `app`@`127.0.0.1` WITH GRANT OPTION",
            "SELECT (`User`), INSERT ON `mysql`.`user`", "WITH GRANT OPTION"),
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
        let line = "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' REQUIRE SSL"
        let grant = try #require(Grant(showGrantsLine: line))
        #expect(grant.isUsageOnly)
        #expect(!render(grant.granting(to: clone)).contains("B69027"))
    }

    @Test func retargetsToAnotherAccount() throws {
        let grant = try #require(Grant(showGrantsLine: "GRANT SELECT ON `appdb`.* TO `app`@`%` WITH GRANT OPTION"))
        #expect(render(grant.granting(to: clone)) == "GRANT SELECT ON `appdb`.* TO 'app_clone'@'10.0.%' WITH GRANT OPTION")
        #expect(grant.revoking(from: clone).map(render) == [
            "REVOKE SELECT ON `appdb`.* FROM 'app_clone'@'10.0.%'",
            "REVOKE GRANT OPTION ON `appdb`.* FROM 'app_clone'@'10.0.%'",
        ])
    }

    @Test func revokesARole() throws {
        let grant = try #require(Grant(showGrantsLine: "GRANT `r1` TO `app`@`%`"))
        #expect(grant.revoking(from: clone).map(render) == ["REVOKE `r1` FROM 'app_clone'@'10.0.%'"])
    }

    @Test(arguments: ["SET DEFAULT ROLE `r1` FOR `app`@`%`", "Grants for app@%", ""])
    func ignoresLinesThatAreNotGrants(line: String) {
        #expect(Grant(showGrantsLine: line) == nil)
    }

    @Test(arguments: [
        (TLSRequirement(type: ""), "ALTER USER 'app_clone'@'10.0.%' REQUIRE NONE"),
        (TLSRequirement(type: "ANY"), "ALTER USER 'app_clone'@'10.0.%' REQUIRE SSL"),
        (TLSRequirement(type: "X509"), "ALTER USER 'app_clone'@'10.0.%' REQUIRE X509"),
        (TLSRequirement(type: "SPECIFIED", cipher: "ECDHE-RSA-AES256-GCM-SHA384", subject: "/CN=app"),
            "ALTER USER 'app_clone'@'10.0.%' REQUIRE CIPHER 'ECDHE-RSA-AES256-GCM-SHA384' AND SUBJECT '/CN=app'"),
    ])
    func copiesTheTLSRequirement(requirement: TLSRequirement, statement: String) {
        #expect(render(requirement.applying(to: clone)) == statement)
    }

    @Test(arguments: [("app", "app_clone"), ("app_clone", "app"), ("a_clone_clone", "a_clone"), ("x", "x_clone")])
    func alternatesUserNames(name: String, next: String) {
        #expect(Rotator.alternate(name) == next)
    }
}
