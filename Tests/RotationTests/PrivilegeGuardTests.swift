import Testing

@testable import Rotation

/// The role walk behind PrivilegedAccount, over a session that answers as
/// MariaDB does: a role's grants only after SET ROLE, and then the roles
/// inside it too (which need no SET ROLE of their own, and would refuse one).
@Suite struct PrivilegeGuardTests {
    final class RoleSession: DatabaseSession {
        var serverVersion: String { "10.11.6-MariaDB" }
        /// What SHOW GRANTS prints with each role active.
        var asRole: [String: [String]] = [:]
        var active: String?
        var sent: [String] = []

        func query(_ statement: SQL) throws -> [[String?]] {
            let text = statement.description
            sent.append(text)
            if text.hasPrefix("SET ROLE ") {
                let role = String(text.dropFirst("SET ROLE ".count))
                guard asRole[role] != nil else { throw RotationError.unexpectedServerAnswer("not granted") }
                active = role
                return []
            }
            if text == "SHOW GRANTS" { return (asRole[active ?? ""] ?? []).map { [$0] } }
            throw RotationError.unexpectedServerAnswer(text)
        }
    }

    let own = ["GRANT `plain` TO `app`@`%`", "GRANT `outer` TO `app`@`%`", "GRANT USAGE ON *.* TO `app`@`%`"]

    @Test func everyRoleGrantedToTheAccountIsReadAndNestedOnesThroughIt() throws {
        let session = RoleSession()
        session.asRole["`plain`"] = own + ["GRANT SELECT ON `appdb`.* TO `plain`"]
        session.asRole["`outer`"] = own + ["GRANT `inner` TO `outer`", "GRANT INSERT ON `mysql`.* TO `inner`"]
        let version = try #require(ServerVersion(session.serverVersion))
        let found = try Rotator.privileges(granted: own, in: session, version: version, asOwner: true)
        #expect(found.managing == ["INSERT ON mysql.*"])
        #expect(session.sent.filter { $0.hasPrefix("SET ROLE") } == ["SET ROLE `plain`", "SET ROLE `outer`"])
    }

    @Test func aRoleWhoseGrantsCannotBeReadRefuses() throws {
        let session = RoleSession()
        let version = try #require(ServerVersion(session.serverVersion))
        let found = try Rotator.privileges(granted: own, in: session, version: version, asOwner: true)
        #expect(!found.managing.isEmpty, "an unreadable role counted as harmless")
    }
}
