import Preflight
import Rotation
import Testing

/// The check reads SHOW GRANTS with the rotation's parser: a line the
/// rotation refuses grants nothing to the check either.
@Suite struct GrantLineParserTests {
    @Test(arguments: [
        "GRANT SELECT ON `x`.* TO `app`@`%` NEW CLAUSE",
        "GRANT SELECT ON `x`.* TO `app`@`%` WITH GRANT OPTION TRAILING",
        "GRANT SELECT ON `unclosed.* TO `app`@`%`",
        "REVOKE SELECT ON `mysql`.* FROM `app`@`%`",
    ])
    func linesTheRotationRefusesOrDoesNotCopyGrantNothing(line: String) {
        #expect(GrantLine(line) == nil)
        #expect(!GrantSet(showGrants: [line]).holds("SELECT", on: GrantObject(database: "x", name: "t")))
    }

    @Test func aProxyGrantReadsAsThePrivilegeOnItsAccount() {
        #expect(
            GrantLine("GRANT PROXY ON ''@'%' TO `app`@`%` WITH GRANT OPTION")
                == .proxy("''@'%'", grantOption: true))
    }

    @Test func allIsAllPrivilegesAndColumnListsCountAsThePrivilege() {
        #expect(
            GrantLine("GRANT ALL ON *.* TO `a`@`%`")
                == .privileges(["ALL PRIVILEGES"], on: .everything, grantOption: false))
        #expect(
            GrantLine("GRANT INSERT (`a`, `b`), SELECT ON `db`.`t` TO `a`@`%`")
                == .privileges(["INSERT", "SELECT"], on: GrantObject(database: "db", name: "t"), grantOption: false))
    }
}
