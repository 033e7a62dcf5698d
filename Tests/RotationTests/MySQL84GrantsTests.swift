import Rotation
import Testing

/// MySQL 8.4's accounts as SHOW GRANTS prints them: the dynamic privileges
/// 8.4 added (SET_ANY_DEFINER and ALLOW_NONEXISTENT_DEFINER, which replace
/// SET_USER_ID; FLUSH_PRIVILEGES, OPTIMIZE_LOCAL_TABLE, TRANSACTION_GTID_TAG)
/// on one comma-separated `*.*` line, and partial revokes (`partial_revokes=ON`)
/// as `REVOKE … FROM` lines, in the manual's own example form.
extension AlternatingTests {
    static let dynamic84 =
        "FLUSH_PRIVILEGES,OPTIMIZE_LOCAL_TABLE,SET_ANY_DEFINER,ALLOW_NONEXISTENT_DEFINER,TRANSACTION_GTID_TAG"

    /// The manual's partial-revoke example (MySQL 8.4, "Privilege Restriction
    /// Using Partial Revokes"), then 8.4's dynamic privileges.
    static let lines84 = [
        "GRANT SELECT, INSERT ON *.* TO `u1`@`%`",
        "GRANT \(dynamic84) ON *.* TO `u1`@`%`",
        "REVOKE INSERT ON `world`.* FROM `u1`@`%`",
    ]

    @Test func mySQL84LinesAreReadExactly() throws {
        let grants = try AccountGrants(showGrantsLines: Self.lines84)
        #expect(grants.grants == [Grant(what: "SELECT, INSERT ON *.*"), Grant(what: "\(Self.dynamic84) ON *.*")])
        #expect(grants.partialRevokes == [Grant(what: "INSERT ON `world`.*")])
    }

    /// The privilege guard's one list: each of 8.4's new privileges refuses
    /// by name (none is harmless), and a partial revoke is understood, not unreadable.
    @Test func thePrivilegeGuardNamesEachOf84sPrivileges() {
        let refused = AccountPrivileges(showGrants: Self.lines84).refused
        for privilege in Self.dynamic84.split(separator: ",") {
            #expect(refused.contains("\(privilege) ON *.*"), "\(privilege) not refused by name")
            #expect(!AccountPrivileges.harmless.contains(String(privilege)))
        }
        #expect(!refused.contains { $0.contains("form this function does not know") })
    }

    /// With ALLOW_PRIVILEGED_ACCOUNTS the clone holds exactly what the user
    /// holds: the dynamic privileges line as printed, and the partial revoke
    /// placed after the global grant it narrows.
    @Test func mySQL84AccountsAreClonedExactly() throws {
        var (_, server, rotator) = fixture()
        rotator.settings.allowPrivilegedAccounts = true
        server.version = "8.4.3"
        server.users[app]!.createUser =
            "IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$xyz' REQUIRE NONE PASSWORD EXPIRE DEFAULT ACCOUNT UNLOCK"
        server.users[app]!.grants = [Grant(what: "SELECT, INSERT ON *.*"), Grant(what: "\(Self.dynamic84) ON *.*")]
        server.users[app]!.defaultRole = nil
        server.users[app]!.partialRevokes = ["INSERT ON `world`.*"]
        try rotate(rotator, token: "t1")
        #expect(server.users[clone]!.grants == server.users[app]!.grants)
        #expect(server.users[clone]!.partialRevokes == ["INSERT ON `world`.*"])
        let grantIndex = try #require(server.executed.firstIndex { $0.hasPrefix("GRANT SELECT, INSERT ON *.*") })
        let revokeIndex = try #require(server.executed.firstIndex { $0.hasPrefix("REVOKE INSERT ON `world`.*") })
        #expect(grantIndex < revokeIndex, "the restriction was placed before the privilege it narrows")
        #expect(server.executed.contains { $0 == "GRANT \(Self.dynamic84) ON *.* TO <literal>@<literal>" })
    }
}
