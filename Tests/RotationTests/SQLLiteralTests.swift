import Rotation
import TestSupport
import Testing

/// How MariaDB's lexer reads a single-quoted string (sql_lex.cc, get_text):
/// a multibyte character is taken whole, so its trailing bytes are never a
/// quote or an escape; a backslash escapes the next character unless
/// NO_BACKSLASH_ESCAPES; two quotes are one. The character sets differ
/// only in which bytes start a multibyte character and how long it is.
enum Lexer: String, CaseIterable, CustomTestStringConvertible {
    case utf8mb4, gbk, big5, sjis

    var testDescription: String { rawValue }

    func length(of lead: UInt8) -> Int {
        switch self {
        case .utf8mb4:
            switch lead {
            case 0xC2...0xDF: 2
            case 0xE0...0xEF: 3
            case 0xF0...0xF4: 4
            default: 1
            }
        case .gbk, .big5: (0x81...0xFE).contains(lead) ? 2 : 1
        case .sjis: (0x81...0x9F).contains(lead) || (0xE0...0xFC).contains(lead) ? 2 : 1
        }
    }

    /// The string's bytes and the offset just past its closing quote, or nil if it never closes.
    func read(_ text: [UInt8], backslashEscapes: Bool) -> (value: [UInt8], end: Int)? {
        guard text.first == UInt8(ascii: "'") else { return nil }
        var value: [UInt8] = []
        var index = 1
        while index < text.count {
            let byte = text[index]
            let width = length(of: byte)
            if width > 1 && index + width <= text.count {
                value += text[index..<index + width]
                index += width
            } else if byte == UInt8(ascii: "\\") && backslashEscapes && index + 1 < text.count {
                let next = text[index + 1]
                switch next {
                case UInt8(ascii: "0"): value.append(0)
                case UInt8(ascii: "%"), UInt8(ascii: "_"): value += [byte, next]
                default: value.append(next)
                }
                index += 2
            } else if byte == UInt8(ascii: "'") {
                if index + 1 < text.count && text[index + 1] == UInt8(ascii: "'") {
                    value.append(byte)
                    index += 2
                } else {
                    return (value, index + 1)
                }
            } else {
                value.append(byte)
                index += 1
            }
        }
        return nil
    }
}

@Suite struct SQLLiteralTests {
    /// Plain: printable ASCII without a quote or a backslash (generated passwords by default).
    static let plain = [
        "", "app1", "%", "10.0.0.%", "Ab3$x!Z9@#*()[]{}<>,.;:?/|~^&=+-_", "a\"b", "`tick`", "-- x", "/* x */", "# x",
        "x' OR '1'='1".replacing("'", with: "\""), "space in the middle",
    ]

    /// Values that are not plain, each a way to end a literal early under some session.
    static let hostile = [
        "it's", "''", "\\", "\\'", "trailing\\", "x' OR 1=1#", "'); DROP USER 'dba'@'%'; -- ",
        // UTF-8 bytes the server would read as GBK/Big5/SJIS lead bytes, just before a quote or backslash.
        "x丁'), `dba`@`%` IDENTIFIED VIA mysql_native_password#", "丁\\", "¿'", "ソ'", "뀀\\'", "縷'--",
        "nul\0inside", "tab\tnewline\ncr\rbell\u{07}ctrl-z\u{1A}esc\u{1B}del\u{7F}", "ünïcødé 🔑 密码 ﷽",
        "x' UNION SELECT CONCAT(User,0x3a,LEFT(authentication_string,12)) FROM mysql.user#",
    ]

    static func noStateNeeded() -> SessionSyntax {
        Issue.record("a plain value asked for the session's state")
        return SessionSyntax(backslashEscapes: true)
    }

    @Test(arguments: plain, Lexer.allCases)
    func aPlainValueIsQuotedAsItIsAndReadsAsItselfUnderEverySession(value: String, lexer: Lexer) throws {
        let text = SQL.quoteLiteral(value, readingSession: Self.noStateNeeded)
        #expect(text == "'" + value + "'")
        for backslashEscapes in [true, false] {
            let read = try #require(lexer.read(Array(text.utf8), backslashEscapes: backslashEscapes))
            #expect(read.end == text.utf8.count && read.value == Array(value.utf8))
        }
    }

    /// So a rotation with the default EXCLUDE_CHARACTERS never asks the session anything.
    @Test func everyCharacterTheDefaultPolicyDrawsFromIsPlain() {
        let characters = PasswordPolicy().includedClasses.flatMap { $0 }
        #expect(!characters.isEmpty)
        #expect(SQL.isPlain(String(characters), quote: UInt8(ascii: "'")))
    }

    @Test func plainIsExactlyPrintableASCIIWithoutQuoteOrBackslash() {
        for byte in UInt8(0)...UInt8(0x7F) {
            let expected = (0x20...0x7E).contains(byte) && byte != UInt8(ascii: "'") && byte != UInt8(ascii: "\\")
            #expect(SQL.isPlain(String(decoding: [byte], as: UTF8.self), quote: UInt8(ascii: "'")) == expected)
        }
        #expect(!SQL.isPlain("é", quote: UInt8(ascii: "'")), "a non-ASCII character is never plain")
        #expect(!SQL.isPlain("a`b", quote: UInt8(ascii: "`")))
    }

    @Test(arguments: hostile, [true, false])
    func aHostileValueAsksForTheSessionAndReadsBackExactly(value: String, backslashEscapes: Bool) throws {
        var asked = 0
        let text = SQL.quoteLiteral(value) {
            asked += 1
            return SessionSyntax(backslashEscapes: backslashEscapes)
        }
        #expect(asked == 1)
        // The session was made utf8mb4 (SessionSyntax), so that is the lexer that reads it.
        let read = try #require(Lexer.utf8mb4.read(Array(text.utf8), backslashEscapes: backslashEscapes))
        #expect(read.end == text.utf8.count, "the literal ended before its closing quote")
        #expect(read.value == Array(value.utf8))
    }

    /// The lexer above is no tautology: it reproduces finding 1, the client's
    /// utf8mb4 escaping read by a GBK session.
    @Test func theLexerCatchesTheOldEscapingReadAsGBK() throws {
        let value = "x丁'), `dba`@`%` IDENTIFIED VIA mysql_native_password#"
        let escapedForUTF8 = "'" + value.replacing("'", with: "\\'") + "'"
        let read = Lexer.gbk.read(Array(escapedForUTF8.utf8), backslashEscapes: true)
        #expect(read.map { $0.end < escapedForUTF8.utf8.count } ?? true, "GBK read past the injected quote")
        let ours = SQL.quoteLiteral(value) { SessionSyntax(backslashEscapes: true) }
        #expect(Lexer.utf8mb4.read(Array(ours.utf8), backslashEscapes: true)?.end == ours.utf8.count)
    }

    struct Refused: Error {}

    @Test(arguments: hostile)
    func aSessionThatCannotBeMadeSafeRendersNothing(value: String) {
        let statement: SQL = "ALTER USER \(account: Account(user: "app", host: "%")) IDENTIFIED BY \(literal: value)"
        #expect(throws: Refused.self) { try statement.rendered(readingSession: { throw Refused() }) }
    }

    @Test(arguments: [("app", "`app`"), ("my db", "`my db`"), ("we`ird", "`we``ird`"), ("``", "``````")])
    func identifiersAreQuotedWithBackticksDoubled(name: String, quoted: String) {
        var asked = false
        let text = SQL.quoteIdentifier(name) {
            asked = true
            return SessionSyntax(backslashEscapes: false)
        }
        #expect(text == quoted)
        #expect(asked == name.contains("`"), "only a name that is not plain needs the session")
    }

    @Test(arguments: ["café", "丁`", "db\\name"])
    func aNonPlainIdentifierAsksForTheSession(name: String) {
        #expect(throws: Refused.self) { try SQL.quoteIdentifier(name, readingSession: { throw Refused() }) }
    }

    @Test(arguments: plain + hostile)
    func aHexLiteralNeedsNoSessionAndHoldsTheExactBytes(value: String) throws {
        let statement: SQL = "SELECT Host FROM mysql.user WHERE User = \(hex: value)"
        let text = statement.rendered(readingSession: Self.noStateNeeded)
        let hex = String(text.dropFirst("SELECT Host FROM mysql.user WHERE User = X'".count).dropLast())
        #expect(text.hasSuffix("'") && hex.allSatisfy { $0.isHexDigit && !$0.isLowercase })
        let bytes = stride(from: 0, to: hex.count, by: 2).map { offset in
            UInt8(hex.dropFirst(offset).prefix(2), radix: 16)!
        }
        #expect(bytes == Array(value.utf8))
    }

    @Test(arguments: hostile)
    func theDescriptionShowsNoValue(value: String) {
        let statement: SQL =
            "ALTER USER \(account: Account(user: value, host: "%")) IDENTIFIED BY \(literal: value) -- \(hex: value)"
        #expect(statement.description == "ALTER USER <literal>@<literal> IDENTIFIED BY <literal> -- <literal>")
        #expect(statement.literals == [value, "%", value, value])
    }

    @Test func theSensitiveFormsHoldEveryWayAValueWasWritten() {
        let statement: SQL = "SELECT \(literal: "it's\\") , \(hex: "ab")"
        let forms = statement.sensitiveForms { SessionSyntax(backslashEscapes: true) }
        #expect(forms == ["it's\\", "it''s\\\\", "ab", "6162"])
    }

    @Test func textFromTheServerThatIsNotASCIIAsksForTheSession() {
        let grant: SQL = "GRANT SELECT ON \(raw: "`café`.*") TO \(account: Account(user: "app", host: "%"))"
        #expect(throws: Refused.self) { try grant.rendered(readingSession: { throw Refused() }) }
        let ascii: SQL = "GRANT SELECT ON \(raw: "`cafe`.*") TO \(account: Account(user: "app", host: "%"))"
        #expect(ascii.rendered(readingSession: Self.noStateNeeded) == "GRANT SELECT ON `cafe`.* TO 'app'@'%'")
    }
}

@Suite struct SessionSyntaxTests {
    /// A session answering the state query from `states` in turn, recording what it was sent.
    final class Session {
        /// Each answer: character_set_client, _connection, _results, sql_mode.
        var states: [[String?]]
        var sent: [String] = []
        init(_ states: [[String?]]) { self.states = states }

        func query(_ statement: SQL) throws -> [[String?]] {
            sent.append(statement.description)
            if statement == SessionSyntax.stateQuery { return [states.removeFirst()] }
            return []
        }
    }

    static let mode = "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION"

    @Test(arguments: [
        (mode, true), (mode + ",NO_BACKSLASH_ESCAPES", false), ("NO_BACKSLASH_ESCAPES", false), ("", true),
    ])
    func aUTF8MB4SessionIsReadOnceAndItsSQLModeDecidesBackslashes(sqlMode: String, backslashEscapes: Bool) throws {
        let session = Session([["utf8mb4", "utf8mb4", "utf8mb4", sqlMode]])
        let syntax = try SessionSyntax.read(host: "db", port: 3306, query: session.query)
        #expect(syntax == SessionSyntax(backslashEscapes: backslashEscapes))
        #expect(session.sent == [SessionSyntax.stateQuery.description], "one round trip")
    }

    @Test(arguments: [
        ["gbk", "gbk", "gbk"], ["big5", "utf8mb4", "utf8mb4"], ["utf8mb4", "latin1", "utf8mb4"],
        ["utf8mb3", "utf8mb3", "utf8mb3"], ["sjis", "ucs2", nil], ["utf8mb4", "utf8mb4", "gbk"],
    ])
    func anotherCharacterSetIsSwitchedToUTF8MB4AndReadAgain(charsets: [String?]) throws {
        let session = Session([
            charsets + ["NO_BACKSLASH_ESCAPES"], ["utf8mb4", "utf8mb4", nil, "NO_BACKSLASH_ESCAPES"],
        ])
        let syntax = try SessionSyntax.read(host: "db", port: 3306, query: session.query)
        #expect(syntax == SessionSyntax(backslashEscapes: false))
        #expect(
            session.sent
                == [SessionSyntax.stateQuery, SessionSyntax.setNames, SessionSyntax.stateQuery].map(\.description))
    }

    @Test(arguments: [
        (["gbk", "gbk", "gbk"], "character_set_client", "gbk"),
        (["utf8mb4", "latin1", "utf8mb4"], "character_set_connection", "latin1"),
        (["utf8mb4", "utf8mb4", "latin1"], "character_set_results", "latin1"),
    ])
    func aSessionThatStaysInAnotherCharacterSetIsRefusedNamingTheSetting(
        after: [String?], setting: String, value: String
    ) throws {
        let session = Session([["gbk", "gbk", "gbk", ""], [after[0], after[1], after[2], ""]])
        let error = #expect(throws: UnsafeSessionCharacterSet.self) {
            try SessionSyntax.read(host: "db", port: 3306, query: session.query)
        }
        #expect(error?.setting == setting && error?.value == value, "the setting still unsafe after SET NAMES")
        #expect(error?.errorType == "UnsafeCharacterSet")
        #expect(error?.description.contains("db:3306") == true)
        #expect(error?.description.contains("\(setting)=\(value)") == true)
        #expect(session.sent.last == SessionSyntax.stateQuery.description, "nothing after the second read")
    }

    @Test func anUnreadableAnswerIsAnUnexpectedServerAnswer() {
        let session = Session([["utf8mb4", nil, "utf8mb4", ""]])
        #expect(throws: RotationError.self) { try SessionSyntax.read(host: "db", port: 3306, query: session.query) }
    }
}

/// The rotation through the fake server, which renders every statement with the real builder.
@Suite struct LiteralSessionTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin"
    let app = Account(user: "app", host: "10.0.0.%")

    func rotate(
        password: String, strategy: RotationSettings.Strategy, syntax: SessionSyntax?,
        database: FakeDatabase = FakeDatabase()
    ) throws -> FakeDatabase {
        let secret =
            #"{"engine":"mysql","host":"db.internal","username":"app","password":"old","masterarn":"\#(adminARN)"}"#
        let store = InMemorySecretStore(current: secret)
        store.others[adminARN] = #"{"engine":"mysql","host":"db.internal","username":"root","password":"admin-pw"}"#
        store.startRotation(token: "t1")
        database.accounts[app] = "old"
        database.accounts[Account(user: "root", host: "%")] = "admin-pw"
        database.sessionSyntax = syntax
        var settings = RotationSettings()
        settings.strategy = strategy
        let rotator = Rotator(store: store, database: database, settings: settings) { password }
        for step in RotationEvent.Step.allCases {
            _ = try rotator.handle(RotationEvent(secretId: arn, clientRequestToken: "t1", step: step.rawValue))
        }
        return database
    }

    @Test(arguments: [RotationSettings.Strategy.single, .admin])
    func aGeneratedPasswordNeverAsksForTheSession(strategy: RotationSettings.Strategy) throws {
        let database = try rotate(password: "Ab3$x!Z9@#*()[]{}<>,.;:?/|~^&=+-_", strategy: strategy, syntax: nil)
        #expect(database.syntaxReads == 0)
        #expect(database.accounts[app] == "Ab3$x!Z9@#*()[]{}<>,.;:?/|~^&=+-_")
    }

    @Test(arguments: [RotationSettings.Strategy.single, .admin])
    func aHostilePasswordIsWrittenForTheSession(strategy: RotationSettings.Strategy) throws {
        let password = "x丁'), `dba`@`%` IDENTIFIED VIA mysql_native_password#"
        let database = try rotate(password: password, strategy: strategy, syntax: SessionSyntax(backslashEscapes: true))
        #expect(database.accounts[app] == password)
        #expect(database.syntaxReads == 1, "once, in the session that carries the password")
        #expect(database.rendered.contains { $0.contains("'x丁''), `dba`@`%` IDENTIFIED VIA mysql_native_password#'") })
    }

    @Test(arguments: [RotationSettings.Strategy.single, .admin])
    func aHostilePasswordIsNeverSentToASessionThatCannotBeMadeSafe(strategy: RotationSettings.Strategy) throws {
        let password = "x丁'), `dba`@`%` IDENTIFIED VIA mysql_native_password#"
        let database = FakeDatabase()
        #expect(throws: UnsafeSessionCharacterSet.self) {
            try rotate(password: password, strategy: strategy, syntax: nil, database: database)
        }
        #expect(!database.executed.isEmpty, "control: nothing was sent at all")
        #expect(!database.executed.contains { $0.literals.contains(password) }, "a statement carried the password")
        #expect(database.accounts[app] == "old")
    }
}
