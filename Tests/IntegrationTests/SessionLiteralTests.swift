import MariaDB
import Rotation
import Testing

@testable import RotationFunction

/// The function's session (`DeadlineBoundSession`) against the real server,
/// its state changed first the way an `init_connect` or a server's forced
/// character set would: every value reads back exactly, and a statement of
/// plain values leaves the session as it found it (nothing was asked).
@Suite struct SessionLiteralTests {
    let env: MariaDBTestEnvironment

    init() throws {
        env = try MariaDBTestEnvironment()
    }

    /// What an init_connect could have done before the function's first statement.
    static let states = [
        "SET NAMES gbk", "SET NAMES big5", "SET NAMES sjis", "SET character_set_connection = latin1",
        "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'",
        "SET NAMES gbk, SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')",
    ]

    static let values = [
        "x丁'), `dba`@`%` IDENTIFIED VIA mysql_native_password#", "丁\\", "¿'", "ソ'", "x\\' OR 1#", "''",
        "nul\0inside", "tab\tnewline\nctrl-z\u{1A}", "ünïcødé 🔑 密码",
        "x' UNION SELECT CONCAT(User,0x3a,LEFT(authentication_string,12)) FROM mysql.user#",
    ]

    func withSession<T>(after state: String, _ body: (MariaDBConnection, DeadlineBoundSession) throws -> T) throws -> T
    {
        try MariaDBConnection.withConnection(env.admin()) { connection in
            try connection.execute(state)
            let session = DeadlineBoundSession(connection: connection, deadline: nil, host: env.host, port: env.tlsPort)
            return try body(connection, session)
        }
    }

    @Test(arguments: states, values)
    func aValueReadsBackExactlyWhateverTheSessionWasSetTo(state: String, value: String) throws {
        let rows = try withSession(after: state) { _, session in
            try session.query("SELECT \(literal: value), CONVERT(\(hex: value) USING utf8mb4) = \(literal: value)")
        }
        #expect(rows.first?.first == value)
        #expect(rows.first?.last == "1", "the hex literal and the quoted one differ")
    }

    @Test(arguments: states)
    func aPlainStatementAsksNothingAndAHostileOneMakesTheSessionUTF8MB4(state: String) throws {
        let after = try withSession(after: state) { connection, session in
            let read = "SELECT @@session.character_set_client, @@session.character_set_connection"
            let initial = try connection.query(read)
            #expect(try session.query("SELECT \(literal: "plain-Ab3$!"), \(hex: "丁'")") == [["plain-Ab3$!", "丁'"]])
            let before = try connection.query(read)
            #expect(before == initial, "a plain statement changed the session")
            _ = try session.query("SELECT \(literal: "丁'")")
            return try connection.query(read)
        }
        #expect(after == [["utf8mb4", "utf8mb4"]])
    }

    /// The plain rule's premise: no multibyte character set without ASCII-transparent lead bytes is a client's.
    @Test(arguments: ["ucs2", "utf16", "utf16le", "utf32"])
    func aServerRefusesWideCharacterSetsForTheClient(charset: String) throws {
        #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin()) {
                try $0.execute("SET character_set_client = \(charset)")
            }
        }
    }
}
