import MariaDB
import Rotation

extension MariaDBConnection {
    /// `value` quoted by the function's one literal builder for this
    /// session's real state, for tests that write SQL text by hand.
    func quotedLiteral(_ value: String) throws -> String {
        try SQL.quoteLiteral(value) {
            try SessionSyntax.read(host: "test", port: 0) { statement in
                try query(statement.rendered(readingSession: { throw NotPlain() }))
            }
        }
    }

    private struct NotPlain: Error {}
}
