import ErrorTypes

/// How a session's parser reads a quoted string, as the server reports it
/// after any `init_connect`: the character set is known to be utf8mb4 on
/// both `character_set_client` and `character_set_connection` (and answers
/// come as utf8mb4, or unconverted), and `backslashEscapes` is false under
/// `NO_BACKSLASH_ESCAPES`.
///
/// The client's own idea of the session cannot be trusted for this: the
/// character set the client asks for in the handshake is ignored by a server
/// with `skip-character-set-client-handshake` and replaced by `init_connect`'s
/// `SET NAMES`, and Connector/C learns `NO_BACKSLASH_ESCAPES` only from the
/// status flags of the session's first answer.
public struct SessionSyntax: Sendable, Equatable {
    public var backslashEscapes: Bool

    public init(backslashEscapes: Bool) {
        self.backslashEscapes = backslashEscapes
    }

    public static let stateQuery: SQL =
        "SELECT @@session.character_set_client, @@session.character_set_connection, @@session.character_set_results, @@session.sql_mode"
    public static let setNames: SQL = "SET NAMES utf8mb4"
    static let characterSet = "utf8mb4"

    /// Asks the session (`query` runs a statement of plain values), switches
    /// it to utf8mb4 if it is not, and refuses one that still is not.
    /// One round trip when the session is already utf8mb4, three otherwise.
    public static func read(
        host: String, port: Int, query: (SQL) throws -> [[String?]]
    ) throws -> SessionSyntax {
        var state = try State(query(stateQuery))
        if state.otherCharacterSet != nil {
            _ = try query(setNames)
            state = try State(query(stateQuery))
            if let setting = state.otherCharacterSet {
                throw UnsafeSessionCharacterSet(host: host, port: port, setting: setting.name, value: setting.value)
            }
        }
        return SessionSyntax(backslashEscapes: state.backslashEscapes)
    }

    struct State {
        var client: String
        var connection: String
        /// NULL: answers come in their columns' own character sets, utf8mb3 for the grant tables.
        var results: String?
        var sqlMode: String

        init(_ rows: [[String?]]) throws {
            guard let row = rows.first, row.count == 4, let client = row[0], let connection = row[1],
                let sqlMode = row[3]
            else { throw RotationError.unexpectedServerAnswer("no character set or sql_mode for the session") }
            self.client = client
            self.connection = connection
            self.results = row[2]
            self.sqlMode = sqlMode
        }

        var otherCharacterSet: (name: String, value: String)? {
            if client.lowercased() != SessionSyntax.characterSet { return ("character_set_client", client) }
            if connection.lowercased() != SessionSyntax.characterSet { return ("character_set_connection", connection) }
            // Not a matter of quoting, but an answer in another character set (CURRENT_USER()) would not read back.
            if let results, results.lowercased() != SessionSyntax.characterSet {
                return ("character_set_results", results)
            }
            return nil
        }

        var backslashEscapes: Bool {
            !sqlMode.split(separator: ",").contains { $0.uppercased() == "NO_BACKSLASH_ESCAPES" }
        }
    }
}

/// The session reads statements in another character set than utf8mb4 even
/// after `SET NAMES utf8mb4` (e.g. an `init_connect` the server runs, or a
/// character set the server forces); a value that is not plain ASCII would
/// not reach it as written, so nothing carrying one was sent.
public struct UnsafeSessionCharacterSet: Error, Equatable, CustomStringConvertible, Sendable {
    public var host: String
    public var port: Int
    /// `character_set_client`, `character_set_connection` or `character_set_results`.
    public var setting: String
    /// The server's setting (a character set's name, never a value from a secret).
    public var value: String

    public init(host: String, port: Int, setting: String, value: String) {
        self.host = host
        self.port = port
        self.setting = setting
        self.value = value
    }

    public var errorType: String { ErrorType.unsafeCharacterSet.rawValue }

    public var description: String {
        "the database session at \(host):\(port) reads statements as \(setting)=\(value) and stays so after SET NAMES utf8mb4; a value with characters other than printable ASCII (or with a quote or backslash) cannot be sent safely, so nothing carrying one was sent. Make the server's character set for clients utf8mb4 (init_connect, character-set-server with skip-character-set-client-handshake)"
    }
}
