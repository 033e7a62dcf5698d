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
        let found = try AccountReader(session, secretId: "s").privileges(granted: own, version: version, asOwner: true)
        #expect(found.refused == ["INSERT ON mysql.* (through role `outer`)"])
        #expect(session.sent.filter { $0.hasPrefix("SET ROLE") } == ["SET ROLE `plain`", "SET ROLE `outer`"])
    }

    @Test func aRoleWhoseGrantsCannotBeReadRefuses() throws {
        let session = RoleSession()
        let version = try #require(ServerVersion(session.serverVersion))
        let found = try AccountReader(session, secretId: "s").privileges(granted: own, version: version, asOwner: true)
        #expect(!found.refused.isEmpty, "an unreadable role counted as harmless")
    }

    @Test func aProxyGrantedThroughARoleRefusesNamingThePath() throws {
        let session = RoleSession()
        session.asRole["`plain`"] = own
        session.asRole["`outer`"] = own + ["GRANT PROXY ON 'boss'@'%' TO 'outer'@''"]
        let version = try #require(ServerVersion(session.serverVersion))
        let found = try AccountReader(session, secretId: "s").privileges(granted: own, version: version, asOwner: true)
        #expect(found.refused == ["PROXY ON 'boss'@'%' (it may log in as that account) (through role `outer`)"])
    }

    /// The admin's session (alternating): SHOW GRANTS FOR each role, nested
    /// ones each in turn, with the path that reached them.
    final class GrantTablesSession: DatabaseSession {
        var serverVersion: String { "8.4.3" }
        var forRole: [String: [String]] = [:]
        var sent: [String] = []

        func query(_ statement: SQL) throws -> [[String?]] {
            let text = statement.description
            sent.append(text)
            guard text.hasPrefix("SHOW GRANTS FOR "), let lines = forRole[String(text.dropFirst(16))] else {
                throw RotationError.unexpectedServerAnswer(text)
            }
            return lines.map { [$0] }
        }
    }

    @Test func nestedRolesAreReadTransitivelyWithTheirPath() throws {
        let session = GrantTablesSession()
        session.forRole["`a`@`%`"] = ["GRANT USAGE ON *.* TO `a`@`%`", "GRANT `b`@`%` TO `a`@`%`"]
        session.forRole["`b`@`%`"] = ["GRANT SELECT ON *.* TO `b`@`%`", "GRANT `c`@`%` TO `b`@`%`"]
        session.forRole["`c`@`%`"] = ["GRANT USAGE ON *.* TO `c`@`%`", "GRANT SET_ANY_DEFINER ON *.* TO `c`@`%`"]
        let version = try #require(ServerVersion(session.serverVersion))
        let found = try AccountReader(session, secretId: "s").privileges(
            granted: ["GRANT `a`@`%` TO `app`@`%`"], version: version, asOwner: false)
        #expect(found.refused == ["SET_ANY_DEFINER ON *.* (through role `a`@`%` → `b`@`%` → `c`@`%`)"])
        #expect(session.sent == ["SHOW GRANTS FOR `a`@`%`", "SHOW GRANTS FOR `b`@`%`", "SHOW GRANTS FOR `c`@`%`"])
    }

    @Test func aCycleOfRolesEndsAndAChainPastTheBoundRefuses() throws {
        let session = GrantTablesSession()
        session.forRole["`a`"] = ["GRANT `b` TO `a`"]
        session.forRole["`b`"] = ["GRANT `a` TO `b`"]
        for index in 0..<40 { session.forRole["`r\(index)`"] = ["GRANT `r\(index + 1)` TO `r\(index)`"] }
        let version = try #require(ServerVersion(session.serverVersion))
        let cycle = try AccountReader(session, secretId: "s").privileges(
            granted: ["GRANT `a` TO `app`@`%`"], version: version, asOwner: false)
        #expect(cycle.refused.isEmpty && session.sent.count == 2)
        let chain = try AccountReader(session, secretId: "s").privileges(
            granted: ["GRANT `r0` TO `app`@`%`"], version: version, asOwner: false)
        #expect(!chain.refused.isEmpty, "roles past the bound counted as harmless")
        #expect(session.sent.count == 2 + 32)
    }

    /// The admin's first query reads init_connect too: no round trip of its own.
    final class AdminSession: DatabaseSession {
        var serverVersion = "10.11.6-MariaDB"
        var initConnect: String?
        var grants = ["GRANT CREATE USER ON *.* TO `rotation_admin`@`%`"]
        var sent: [String] = []

        func query(_ statement: SQL) throws -> [[String?]] {
            sent.append(statement.description)
            if statement.description == "SHOW GRANTS" { return grants.map { [$0] } }
            return [["rotation_admin@%", initConnect]]
        }
    }

    @Test(arguments: [
        (String?.none, false), ("", false), ("  ", false), ("SET @a = 1", true), ("GRANT ALL ON *.* TO x", true),
    ])
    func anAdminSessionThatRunsInitConnectIsRefused(initConnect: String?, refused: Bool) throws {
        let session = AdminSession()
        session.initConnect = initConnect
        do {
            let admin = try AccountReader(session, secretId: "s").adminAccount()
            #expect(!refused && admin == Account(user: "rotation_admin", host: "%"))
        } catch let error as RotationError {
            #expect(refused && error == .adminRunsInitConnect(secretId: "s", admin: "'rotation_admin'@'%'"))
            #expect(error.description.contains("init_connect") && !error.description.contains("GRANT ALL"))
        }
        #expect(
            session.sent
                == ["SELECT CURRENT_USER(), @@GLOBAL.init_connect"] + (refused ? ["SHOW GRANTS"] : []))
    }

    /// The server skips init_connect for an admin that holds CONNECTION ADMIN
    /// (or SUPER where it still implies it): nothing of someone else's ran.
    @Test(arguments: [
        ("10.11.6-MariaDB", "CONNECTION ADMIN", true), ("10.11.6-MariaDB", "SUPER", true),
        ("11.4.2-MariaDB", "SUPER", false), ("11.4.2-MariaDB", "CONNECTION ADMIN", true),
        ("10.11.6-MariaDB", "ALL PRIVILEGES", true), ("10.11.6-MariaDB", "CREATE USER", false),
        ("8.4.3", "CONNECTION_ADMIN", true), ("8.0.36", "SUPER", true), ("8.0.36", "SYSTEM_VARIABLES_ADMIN", false),
    ])
    func anAdminTheServerSparesFromInitConnectGoesOn(version: String, privilege: String, spared: Bool) throws {
        let session = AdminSession()
        session.serverVersion = version
        session.initConnect = "SET NAMES utf8mb4"
        session.grants.append("GRANT \(privilege) ON *.* TO `rotation_admin`@`%`")
        do {
            _ = try AccountReader(session, secretId: "s").adminAccount()
            #expect(spared, "an admin the server does not spare went on")
        } catch let error as RotationError {
            #expect(!spared && error == .adminRunsInitConnect(secretId: "s", admin: "'rotation_admin'@'%'"))
        }
    }
}
