import Cryptography
import Platform
import Rotation

/// A server with accounts and passwords that understands exactly the
/// statements rotation sends.
public final class FakeDatabase: Database {
    public var accounts: [Account: String] = [:]  // account → password
    /// SHOW CREATE USER's IDENTIFIED clause per account; default: the
    /// account's password, hashed as the server's usual plugin stores it.
    public var identified: [Account: String] = [:]
    /// SHOW GRANTS lines per account, beside USAGE.
    public var grants: [Account: [String]] = [:]
    public var version = "10.11.6-MariaDB"
    /// Whether sessions are verified TLS.
    public var verifiedTLS = false
    /// Every login tried, in order.
    public var logins: [DatabaseLogin] = []
    /// What `SELECT CURRENT_USER()` answers instead of the matched account.
    public var currentUserAnswer: String?
    /// `@@GLOBAL.init_connect`, asked with CURRENT_USER() in the admin's session.
    public var initConnect = ""
    public var reachable = true
    public var sessions = 0
    public var executed: [SQL] = []
    /// How the sessions read quoted strings; nil: the session stays in another
    /// character set, as a server forcing one would (`UnsafeSessionCharacterSet`).
    public var sessionSyntax: SessionSyntax? = SessionSyntax(backslashEscapes: true)
    /// Every statement as the function's builder renders it for `sessionSyntax`, as a real session sends it.
    public var rendered: [String] = []
    /// Sessions that had to ask for the session's state (once each at most, as a real session).
    public var syntaxReads = 0
    /// The deadline the handler set for the current invocation.
    public var deadline: Deadline?
    /// Sessions tried, reachable or not, for the handler's per-invocation count.
    public private(set) var workCount = 0
    /// The deadline in force at each session tried.
    public private(set) var deadlinesSeen: [Deadline?] = []

    public init() {}

    public func account(for login: DatabaseLogin) -> Account? {
        accounts.first { $0.key.user == login.username && $0.value == login.password }?.key
    }

    public func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
        workCount += 1
        deadlinesSeen.append(deadline)
        guard reachable else { throw FakeError.unreachable }
        sessions += 1
        logins.append(login)
        guard let account = account(for: login) else {
            throw LoginRejected(username: login.username, host: login.host, port: login.port)
        }
        return try body(Session(database: self, account: account, syntaxRead: SyntaxRead()))
    }

    final class SyntaxRead {
        var done = false
    }

    public struct Session: DatabaseSession {
        let database: FakeDatabase
        let account: Account
        let syntaxRead: SyntaxRead
        public var serverVersion: String { database.version }
        public var isVerifiedTLS: Bool { database.verifiedTLS }

        func syntax() throws -> SessionSyntax {
            if !syntaxRead.done {
                syntaxRead.done = true
                database.syntaxReads += 1
            }
            guard let syntax = database.sessionSyntax else {
                throw UnsafeSessionCharacterSet(host: "fake", port: 3306, setting: "character_set_client", value: "gbk")
            }
            return syntax
        }

        public func query(_ statement: SQL) throws -> [[String?]] {
            database.rendered.append(try statement.rendered(readingSession: syntax))
            database.executed.append(statement)
            let text = statement.description
            if text == "SELECT CURRENT_USER()" {
                return [[database.currentUserAnswer ?? "\(account.user)@\(account.host)"]]
            }
            if text == "SELECT CURRENT_USER(), @@GLOBAL.init_connect" {
                return [[database.currentUserAnswer ?? "\(account.user)@\(account.host)", database.initConnect]]
            }
            if text == "SELECT NOW()" { return [["2026-11-23 10:00:00"]] }
            if text.hasPrefix("SET PASSWORD = ") || text.hasPrefix("ALTER USER CURRENT_USER()") {
                // MySQL 8.0.13: REPLACE must name the current password.
                if text.hasSuffix(" REPLACE <literal>") && statement.literals[1] != database.accounts[account] {
                    throw FakeError.wrongCurrentPassword
                }
                database.accounts[account] = statement.literals[0]
                return []
            }
            if text.hasSuffix(" DISCARD OLD PASSWORD") { return [] }
            if text == "SHOW CREATE USER <literal>@<literal>" || text == "SHOW CREATE USER CURRENT_USER()" {
                let target =
                    statement.literals.isEmpty
                    ? account : Account(user: statement.literals[0], host: statement.literals[1])
                let mySQL = !database.version.lowercased().contains("mariadb")
                let hash = MySQLPasswordHash.nativePassword(database.accounts[target] ?? "")
                let clause =
                    database.identified[target]
                    ?? (mySQL
                        ? "IDENTIFIED WITH 'mysql_native_password' AS '\(hash)'" : "IDENTIFIED BY PASSWORD '\(hash)'")
                return [["CREATE USER `\(target.user)`@`\(target.host)` \(clause)"]]
            }
            if text == "SHOW GRANTS" {
                let name = "`\(account.user)`@`\(account.host)`"
                return [["GRANT USAGE ON *.* TO \(name)"]] + (database.grants[account] ?? []).map { [$0] }
            }
            if text.hasPrefix("ALTER USER <literal>@<literal> IDENTIFIED") {
                let literals = statement.literals
                database.accounts[Account(user: literals[0], host: literals[1])] = literals[2]
                return []
            }
            throw FakeError.notFound
        }
    }
}
