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

    @Test(arguments: [
        ("8.0.36", "ALTER USER CURRENT_USER() IDENTIFIED BY <literal>"),
        ("9.1.0", "ALTER USER CURRENT_USER() IDENTIFIED BY <literal>"),
        ("5.7.44", "ALTER USER CURRENT_USER() IDENTIFIED BY <literal>"),
        ("5.6.51", "SET PASSWORD = PASSWORD(<literal>)"),
        ("10.11.6-MariaDB", "SET PASSWORD = PASSWORD(<literal>)"),
        ("11.4.2-MariaDB", "SET PASSWORD = PASSWORD(<literal>)"),
    ])
    func choosesTheStatementAnUnprivilegedUserMayRun(version: String, statement: String) throws {
        let server = try #require(ServerVersion(version))
        let sql = server.setOwnPassword("pw")
        #expect(sql.description == statement)
        #expect(sql.literals == ["pw"])
    }
}

@Suite struct SQLTests {
    @Test func rendersLiteralsWithTheConnectionsEscapingAndIdentifiersWithBackticks() {
        let sql: SQL = "GRANT SELECT ON \(identifier: "we`ird") TO \(account: Account(user: "a'b", host: "%")) IDENTIFIED BY \(literal: "p'w")"
        let text = sql.rendered(escapingLiteralsWith: { $0.replacingOccurrences("'", "\\'") })
        #expect(text == #"GRANT SELECT ON `we``ird` TO 'a\'b'@'%' IDENTIFIED BY 'p\'w'"#)
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
