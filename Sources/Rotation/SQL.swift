/// A statement as text, identifiers and literals kept apart until the
/// connection renders it, so quoting is done in one place and a literal
/// (a password) never shows in the statement's description.
///
///     let statement: SQL = "SET PASSWORD = PASSWORD(\(literal: password))"
public struct SQL: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public enum Fragment: Sendable, Equatable {
        case text(String)
        /// A string literal; rendered with the connection's own escaping.
        case literal(String)
        /// A schema, table or column name, quoted with backticks.
        case identifier(String)
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

    /// The text to send. `escape` is the connection's string escaping
    /// (mysql_real_escape_string), which knows its character set and SQL mode.
    public func rendered(escapingLiteralsWith escape: (String) -> String) -> String {
        var text = ""
        for fragment in fragments {
            switch fragment {
            case .text(let value): text += value
            case .literal(let value): text += "'" + escape(value) + "'"
            case .identifier(let value): text += Self.quoteIdentifier(value)
            }
        }
        return text
    }

    /// The literal values, so an error message quoting the statement can be withheld.
    public var literals: [String] {
        fragments.compactMap { if case .literal(let value) = $0 { value } else { nil } }
    }

    /// Backticks, with any backtick inside doubled: the one rule for identifiers.
    public static func quoteIdentifier(_ name: String) -> String {
        "`" + name.replacing("`", with: "``") + "`"
    }

    public var description: String {
        rendered(escapingLiteralsWith: { _ in "<redacted>" }).replacing("'<redacted>'", with: "<literal>")
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
