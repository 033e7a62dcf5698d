import LambdaRuntime
import MariaDB
import Rotation
import Testing

@testable import RotationFunction

/// The TLS decision, the whole table: the secret's `ssl` × REQUIRE_TLS × what
/// the greeting offers → the session. The rotation decides the protection
/// (`SessionProtection`), the function maps it to Connector/C's options, and
/// the database layer adds what the greeting offers; each row goes through all three.
@Suite struct TLSTableTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let ssl: Bool?
        let requireTLS: Bool
        let offered: Bool
        let session: TLSSession
        var testDescription: String {
            "ssl=\(ssl.map(String.init) ?? "absent") REQUIRE_TLS=\(requireTLS) offered=\(offered)"
        }
    }

    static let table: [Row] = [
        // REQUIRE_TLS=true: verified TLS or nothing, whatever the secret says.
        Row(ssl: nil, requireTLS: true, offered: true, session: .verifiedTLS),
        Row(ssl: nil, requireTLS: true, offered: false, session: .refuse),
        Row(ssl: true, requireTLS: true, offered: true, session: .verifiedTLS),
        Row(ssl: true, requireTLS: true, offered: false, session: .refuse),
        Row(ssl: false, requireTLS: true, offered: true, session: .verifiedTLS),
        Row(ssl: false, requireTLS: true, offered: false, session: .refuse),
        // "ssl": true: the same.
        Row(ssl: true, requireTLS: false, offered: true, session: .verifiedTLS),
        Row(ssl: true, requireTLS: false, offered: false, session: .refuse),
        // No ssl key: verified TLS when offered; plaintext with a warning when not.
        Row(ssl: nil, requireTLS: false, offered: true, session: .verifiedTLS),
        Row(ssl: nil, requireTLS: false, offered: false, session: .plaintext(warn: true)),
        // "ssl": false: plaintext, by choice, no warning.
        Row(ssl: false, requireTLS: false, offered: true, session: .plaintext(warn: false)),
        Row(ssl: false, requireTLS: false, offered: false, session: .plaintext(warn: false)),
    ]

    static func database(requireTLS: Bool) -> MariaDBDatabase {
        MariaDBDatabase(
            requireTLS: requireTLS, caBundle: "/ca.pem", pluginDirectory: nil,
            logger: LambdaLogger(json: false, minimumLevel: .fatal) { _ in })
    }

    @Test(arguments: table)
    func theTable(row: Row) throws {
        let database = Self.database(requireTLS: row.requireTLS)
        let login = DatabaseLogin(host: "db", port: 3306, username: "app", password: "pw", ssl: row.ssl)
        let policy = try database.options(for: login).tls.policy
        #expect(policy.session(greetingOffersTLS: row.offered) == row.session)
    }

    @Test func theTableCoversEveryCombination() {
        let keys = Set(Self.table.map { "\($0.ssl.map(String.init) ?? "nil")/\($0.requireTLS)/\($0.offered)" })
        #expect(keys.count == 3 * 2 * 2)
    }

    /// The check reports the mode the rotation's sessions get.
    @Test(arguments: table)
    func theCheckNamesTheRotationsMode(row: Row) throws {
        let database = Self.database(requireTLS: row.requireTLS)
        let login = DatabaseLogin(host: "db", port: 3306, username: "app", password: "pw", ssl: row.ssl)
        let protection = SessionProtection(ssl: row.ssl, requireTLS: row.requireTLS)
        #expect(try database.tlsMode(for: protection) == database.options(for: login).tls)
    }
}
