/// A statement as text, identifiers and literals kept apart until the
/// session renders it, so quoting is done in one place and a literal
/// (a password) never shows in the statement's description.
///
///     let statement: SQL = "SET PASSWORD = PASSWORD(\(literal: password))"
///
/// How a value is written, and why (docs/strategies-security.md, "How values
/// reach the server"): a *plain* value (printable ASCII without a quote, a
/// backslash or a backtick) is read as itself by every character set a
/// server accepts for `character_set_client` and under every `sql_mode`, so
/// it is quoted as it is and the session is never asked anything. Any other
/// value needs the session's real state (`SessionSyntax`), read from the
/// server by the session just before the first statement that carries one.
/// Where the grammar takes an expression, `\(hex:)` writes a hex literal,
/// which no character set or sql_mode reads differently.
public struct SQL: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public enum Fragment: Sendable, Equatable {
        case text(String)
        /// A string literal in single quotes.
        case literal(String)
        /// A schema, table or column name, quoted with backticks.
        case identifier(String)
        /// A string as a hex literal (`X'…'`), for places that take an expression.
        case hex(String)
    }

    public private(set) var fragments: [Fragment]

    public init(_ text: String) {
        fragments = [.text(text)]
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public init(stringInterpolation: Interpolation) {
        fragments = stringInterpolation.fragments
    }

    public struct Interpolation: StringInterpolationProtocol {
        var fragments: [Fragment] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            if !literal.isEmpty { fragments.append(.text(literal)) }
        }

        public mutating func appendInterpolation(literal value: String) {
            fragments.append(.literal(value))
        }

        public mutating func appendInterpolation(identifier value: String) {
            fragments.append(.identifier(value))
        }

        /// `X'…'` of the value's UTF-8: compared with a `mysql.user` column it
        /// matches exactly what the quoted literal would, under any session.
        public mutating func appendInterpolation(hex value: String) {
            fragments.append(.hex(value))
        }

        /// `'user'@'host'`, the way MySQL and MariaDB name an account.
        public mutating func appendInterpolation(account: Account) {
            fragments.append(.literal(account.user))
            fragments.append(.text("@"))
            fragments.append(.literal(account.host))
        }

        /// Already-rendered SQL text from the server (e.g. a privilege list).
        public mutating func appendInterpolation(raw value: String) {
            fragments.append(.text(value))
        }
    }

    public mutating func append(_ text: String) {
        fragments.append(.text(text))
    }

    public mutating func append(_ other: SQL) {
        fragments.append(contentsOf: other.fragments)
    }

    /// The text to send. `session` gives the session's state and is called
    /// only when a fragment needs it (a value that is not plain, or text
    /// from the server that is not ASCII), so a statement of plain values
    /// costs no question to the server.
    public func rendered(readingSession session: () throws -> SessionSyntax) rethrows -> String {
        var text = ""
        for fragment in fragments {
            switch fragment {
            case .text(let value):
                // Not ASCII (a schema name from SHOW GRANTS): only a UTF-8 parser reads it as it was written.
                if !value.utf8.allSatisfy({ $0 < 0x80 }) { _ = try session() }
                text += value
            case .literal(let value): text += try Self.quoteLiteral(value, readingSession: session)
            case .identifier(let value): text += try Self.quoteIdentifier(value, readingSession: session)
            case .hex(let value): text += Self.hexLiteral(value)
            }
        }
        return text
    }

    /// The literal values, so an error message quoting the statement can be withheld.
    public var literals: [String] {
        fragments.compactMap {
            switch $0 {
            case .literal(let value), .hex(let value): value
            case .text, .identifier: nil
            }
        }
    }

    /// Every form in which the literals travel in `rendered`: as they are,
    /// quoted for the session, and in hex, so that an error quoting any of
    /// them can be withheld.
    public func sensitiveForms(readingSession session: () throws -> SessionSyntax) rethrows -> [String] {
        var forms: [String] = []
        for fragment in fragments {
            switch fragment {
            case .literal(let value):
                forms += [value, String(try Self.quoteLiteral(value, readingSession: session).dropFirst().dropLast())]
            case .hex(let value): forms += [value, String(Self.hexLiteral(value).dropFirst(2).dropLast())]
            case .text, .identifier: break
            }
        }
        return forms
    }

    /// `value` in single quotes, read back by the session as exactly `value`.
    public static func quoteLiteral(
        _ value: String, readingSession session: () throws -> SessionSyntax
    ) rethrows -> String {
        if isPlain(value, quote: UInt8(ascii: "'")) { return "'" + value + "'" }
        let syntax = try session()
        var escaped = ""
        escaped.unicodeScalars.reserveCapacity(value.unicodeScalars.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            // Doubling a quote means one quote whatever sql_mode says.
            case "'": escaped += "''"
            case "\\" where syntax.backslashEscapes: escaped += "\\\\"
            // Sent raw a NUL is read as data too; escaped, it survives any C string on the way.
            case "\0" where syntax.backslashEscapes: escaped += "\\0"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return "'" + escaped + "'"
    }

    /// Backticks, with any backtick inside doubled: the one rule for
    /// identifiers. sql_mode never changes it; the character set can (a
    /// multibyte character may end in the byte of a backtick), so a name
    /// that is not plain needs the session's state like a literal.
    public static func quoteIdentifier(
        _ name: String, readingSession session: () throws -> SessionSyntax
    ) rethrows -> String {
        if !isPlain(name, quote: UInt8(ascii: "`")) { _ = try session() }
        return "`" + name.replacing("`", with: "``") + "`"
    }

    /// `X'…'` of the UTF-8 bytes: digits only, so nothing in the session changes how it is read.
    public static func hexLiteral(_ value: String) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var text = [UInt8]("X'".utf8)
        for byte in value.utf8 {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        text.append(UInt8(ascii: "'"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Printable ASCII (space to `~`) other than `quote` and the backslash.
    /// Every multibyte lead byte of the charsets a server accepts for
    /// `character_set_client` is 0x80 or above (ucs2, utf16 and utf32 are
    /// refused there), and sql_mode changes only how backslashes and double
    /// quotes are read; such a value therefore reads as itself everywhere.
    public static func isPlain(_ value: String, quote: UInt8) -> Bool {
        value.utf8.allSatisfy { byte in byte >= 0x20 && byte < 0x7F && byte != quote && byte != UInt8(ascii: "\\") }
    }

    public var description: String {
        var text = ""
        for fragment in fragments {
            switch fragment {
            case .text(let value): text += value
            case .literal, .hex: text += "<literal>"
            case .identifier(let value): text += "`" + value.replacing("`", with: "``") + "`"
            }
        }
        return text
    }
}

/// A MySQL account: the user name and the host part it was created with.
public struct Account: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var host: String

    public init(user: String, host: String) {
        self.user = user
        self.host = host
    }

    /// Parses `CURRENT_USER()`'s `user@host`; the host part never holds an `@`,
    /// so the last one separates them even when the user name holds one.
    public init?(currentUser: String) {
        guard let at = currentUser.lastIndex(of: "@") else { return nil }
        self.user = String(currentUser[..<at])
        self.host = String(currentUser[currentUser.index(after: at)...])
    }

    public var description: String { "'\(user)'@'\(host)'" }
}
