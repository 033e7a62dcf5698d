/// What a privilege grant of `SHOW GRANTS` is on (`*.*`, `db.*`, `db.t`,
/// `PROCEDURE db.p`), read once from the printed tokens for both the
/// privilege guard and the preflight check, names unquoted.
public struct GrantObject: Sendable, Hashable, CustomStringConvertible {
    /// `TABLE` (or nothing), `FUNCTION`, `PROCEDURE`, `PACKAGE`, `PACKAGE BODY`.
    public var routineKind: String?
    /// Nil for `*`: every database. Of a `db.*` grant, a LIKE pattern.
    public var database: String?
    /// Nil for `*`: everything in the database.
    public var name: String?

    public init(routineKind: String? = nil, database: String?, name: String?) {
        self.routineKind = routineKind
        self.database = database
        self.name = name
    }

    /// Reads the part after `ON` of a privilege grant's `what`; nil when it
    /// is not `[kind] db.name` with both parts quoted or `*`, which
    /// `Grant.parse` would have refused anyway.
    init?(_ statement: PrintedStatement, after on: Int) {
        var tokens = Array(statement.tokens[(on + 1)...])
        var kind: [String] = []
        while let first = tokens.first, first.kind == .word,
            ["TABLE", "FUNCTION", "PROCEDURE", "PACKAGE", "BODY"].contains(first.text.uppercased())
        {
            kind.append(first.text.uppercased())
            tokens.removeFirst()
        }
        guard tokens.count == 3, tokens[1].text == ".",
            let database = Self.name(tokens[0]), let name = Self.name(tokens[2])
        else { return nil }
        routineKind = kind.isEmpty || kind == ["TABLE"] ? nil : kind.joined(separator: " ")
        self.database = database
        self.name = name
    }

    /// `*` → nil (written `.some(nil)`); a quoted name without its quotes.
    private static func name(_ token: PrintedStatement.Token) -> String?? {
        if token.kind == .punctuation && token.text == "*" { return .some(nil) }
        guard token.kind == .quoted, let quote = token.text.first, token.text.count >= 2 else { return nil }
        var unquoted = ""
        var previousWasQuote = false
        for character in token.text.dropFirst().dropLast() {
            // A doubled quote stands for one.
            if character == quote && previousWasQuote {
                previousWasQuote = false
                continue
            }
            previousWasQuote = character == quote
            unquoted.append(character)
        }
        return .some(unquoted)
    }

    /// `*.*`.
    public static let everything = GrantObject(database: nil, name: nil)
    /// `mysql.*`.
    public static let mysqlSchema = GrantObject(database: "mysql", name: nil)

    /// `*.*`: every database.
    public var isGlobal: Bool { database == nil }

    /// Whether the grant reaches the `mysql` schema (the grant tables): a
    /// global grant, or one whose database part, a LIKE pattern, matches
    /// `mysql` (`%`, `m_sql`, `mysq%`, `my\_sql` does not). Case is folded,
    /// which can only count more grants as reaching it.
    public var reachesMySQLSchema: Bool {
        guard let database else { return true }
        return LikePattern(database.lowercased()).matches("mysql")
    }

    /// Whether holding a privilege on this object holds it on `other`, the
    /// way the server resolves it: a global grant covers everything, a
    /// `db.*` grant (its database a LIKE pattern) every object in each
    /// database it matches, any other grant only the same object.
    public func covers(_ other: GrantObject) -> Bool {
        guard let database else { return true }
        guard name == nil, routineKind == nil else { return self == other }
        guard let wanted = other.database else { return false }
        return database == wanted || LikePattern(database).matches(wanted)
    }

    /// `*.*`, `db.*`, `PROCEDURE db.p`: for messages, never for SQL.
    public var description: String {
        (routineKind.map { $0 + " " } ?? "") + (database ?? "*") + "." + (name ?? "*")
    }
}
