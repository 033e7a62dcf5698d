import Rotation
import Testing

@Suite struct ServerVersionTests {
    @Test(arguments: [
        ("8.0.36", ServerVersion(flavor: .mysql, major: 8, minor: 0, patch: 36)),
        ("9.1.0-commercial", ServerVersion(flavor: .mysql, major: 9, minor: 1, patch: 0)),
        ("5.7.44-log", ServerVersion(flavor: .mysql, major: 5, minor: 7, patch: 44)),
        ("10.11.6-MariaDB-0+deb12u1", ServerVersion(flavor: .mariadb, major: 10, minor: 11, patch: 6)),
        ("5.5.5-10.6.16-MariaDB", ServerVersion(flavor: .mariadb, major: 10, minor: 6, patch: 16)),
        ("11.4.2-MariaDB-log", ServerVersion(flavor: .mariadb, major: 11, minor: 4, patch: 2)),
    ])
    func parses(text: String, expected: ServerVersion) {
        #expect(ServerVersion(text) == expected)
    }

    @Test func rejectsNonsense() {
        #expect(ServerVersion("garbage") == nil)
    }

    /// The servers the statement tables below cover: MariaDB 10.x and 11.x,
    /// MySQL 5.6, 5.7, 8.0 (before and after the 8.0.13/8.0.14 changes), 8.4, 9.x.
    static let servers = [
        "10.3.39-MariaDB", "10.11.6-MariaDB", "11.4.2-MariaDB", "5.6.51", "5.7.44", "8.0.12", "8.0.14", "8.0.36",
        "8.4.3", "9.1.0",
    ]

    @Test(
        arguments: zip(
            servers,
            [
                "SET PASSWORD = PASSWORD(<literal>)",
                "SET PASSWORD = PASSWORD(<literal>)",
                "SET PASSWORD = PASSWORD(<literal>)",
                "SET PASSWORD = PASSWORD(<literal>)",
                "ALTER USER CURRENT_USER() IDENTIFIED BY <literal>",
                "ALTER USER CURRENT_USER() IDENTIFIED BY <literal>",
                "ALTER USER CURRENT_USER() IDENTIFIED BY <literal> REPLACE <literal>",
                "ALTER USER CURRENT_USER() IDENTIFIED BY <literal> REPLACE <literal>",
                "ALTER USER CURRENT_USER() IDENTIFIED BY <literal> REPLACE <literal>",
                "ALTER USER CURRENT_USER() IDENTIFIED BY <literal> REPLACE <literal>",
            ]))
    func choosesTheStatementAnUnprivilegedUserMayRun(version: String, statement: String) throws {
        let server = try #require(ServerVersion(version))
        let sql = server.setOwnPassword("new", replacing: "old")
        #expect(sql.description == statement)
        #expect(sql.literals == (statement.hasSuffix("REPLACE <literal>") ? ["new", "old"] : ["new"]))
    }

    @Test(
        arguments: zip(
            servers,
            [
                ("ALTER USER <literal>@<literal> IDENTIFIED BY <literal>", nil as String?),
                ("ALTER USER <literal>@<literal> IDENTIFIED BY <literal>", nil),
                ("ALTER USER <literal>@<literal> IDENTIFIED BY <literal>", nil),
                ("SET PASSWORD FOR <literal>@<literal> = PASSWORD(<literal>)", nil),
                ("ALTER USER <literal>@<literal> IDENTIFIED BY <literal>", nil),
                ("ALTER USER <literal>@<literal> IDENTIFIED BY <literal>", nil),
                (
                    "ALTER USER <literal>@<literal> IDENTIFIED BY <literal>",
                    "ALTER USER <literal>@<literal> DISCARD OLD PASSWORD"
                ),
                (
                    "ALTER USER <literal>@<literal> IDENTIFIED BY <literal>",
                    "ALTER USER <literal>@<literal> DISCARD OLD PASSWORD"
                ),
                (
                    "ALTER USER <literal>@<literal> IDENTIFIED BY <literal>",
                    "ALTER USER <literal>@<literal> DISCARD OLD PASSWORD"
                ),
                (
                    "ALTER USER <literal>@<literal> IDENTIFIED BY <literal>",
                    "ALTER USER <literal>@<literal> DISCARD OLD PASSWORD"
                ),
            ]))
    func anAdminSetsThePasswordAndDiscardsASecondaryOne(version: String, statements: (String, String?)) throws {
        let server = try #require(ServerVersion(version))
        let account = Account(user: "app", host: "%")
        #expect(server.setPassword(of: account, to: "pw").description == statements.0)
        #expect(server.discardOldPassword(of: account)?.description == statements.1)
    }

    /// MySQL-only features are never used on MariaDB, whatever its version number.
    @Test(arguments: ["10.11.6-MariaDB", "11.4.2-MariaDB", "99.0.0-MariaDB"])
    func mariaDBNeverGetsAMySQLOnlyClause(version: String) throws {
        let server = try #require(ServerVersion(version))
        let mysqlOnly: [ServerVersion.Feature] = [
            .passwordReusePolicy, .currentPasswordVerification, .secondaryPasswords, .failedLoginTracking,
            .defaultRolesInAlterUser, .userAttributes,
        ]
        for feature in mysqlOnly { #expect(!server.supports(feature), "\(feature)") }
        #expect(server.supports(.statementTimeLimit) && server.supports(.pluginPasswordByName))
    }
}

@Suite struct SQLTests {
    @Test func rendersLiteralsForTheSessionAndIdentifiersWithBackticks() {
        let sql: SQL =
            "GRANT SELECT ON \(identifier: "we`ird") TO \(account: Account(user: "a'b", host: "%")) IDENTIFIED BY \(literal: "p'w")"
        let text = sql.rendered(readingSession: { SessionSyntax(backslashEscapes: true) })
        #expect(text == #"GRANT SELECT ON `we``ird` TO 'a''b'@'%' IDENTIFIED BY 'p''w'"#)
    }

    @Test func descriptionNeverShowsALiteral() {
        let sql: SQL = "SET PASSWORD = PASSWORD(\(literal: "s3cret"))"
        #expect(!sql.description.contains("s3cret"))
        #expect(sql.literals == ["s3cret"])
    }

    @Test(arguments: [("app@%", "app", "%"), ("a@b@10.0.0.1", "a@b", "10.0.0.1")])
    func parsesCurrentUser(text: String, user: String, host: String) {
        #expect(Account(currentUser: text) == Account(user: user, host: host))
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
