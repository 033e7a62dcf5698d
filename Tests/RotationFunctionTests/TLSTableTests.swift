import LambdaRuntime
import MariaDB
import Platform
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

    /// setSecret's strategies: `self` follows the table above; `self` with
    /// KEEP_PREVIOUS_PASSWORD, `admin` and `alternating` can change an account,
    /// so every one of their sessions is verified TLS or none, whatever the row's
    /// `ssl` and REQUIRE_TLS say.
    enum Strategy: String, CaseIterable, Sendable {
        case selfOnly = "self"
        case selfKeepingPrevious = "self+KEEP_PREVIOUS_PASSWORD"
        case admin
        case alternating

        var changesAccounts: Bool {
            let (strategy, keep): (RotationSettings.Strategy, Bool) =
                switch self {
                case .selfOnly: (.single, false)
                case .selfKeepingPrevious: (.single, true)
                case .admin: (.admin, false)
                case .alternating: (.alternating, false)
                }
            return SessionProtection.changesAccounts(step: .setSecret, strategy: strategy, keepPreviousPassword: keep)
        }

        func session(_ row: Row) -> TLSSession {
            guard changesAccounts else { return row.session }
            return row.offered ? .verifiedTLS : .refuse
        }
    }

    static func login(_ row: Row, _ strategy: Strategy) -> DatabaseLogin {
        var login = DatabaseLogin(host: "db", port: 3306, username: "app", password: "pw", ssl: row.ssl)
        login.changesAccounts = strategy.changesAccounts
        return login
    }

    @Test(arguments: Strategy.allCases, table)
    func theTable(strategy: Strategy, row: Row) throws {
        let database = Self.database(requireTLS: row.requireTLS)
        let mode = try database.options(for: Self.login(row, strategy)).tls
        #expect(mode.session(greetingOffersTLS: row.offered) == strategy.session(row))
    }

    /// No strategy but plain `self` ever gets a plaintext session.
    @Test(arguments: Strategy.allCases)
    func onlySelfWithoutKeepingThePreviousPasswordGoesPlaintext(strategy: Strategy) {
        let plaintext = Self.table.contains { row in
            if case .plaintext = strategy.session(row) { return true }
            return false
        }
        #expect(plaintext == (strategy == .selfOnly))
    }

    @Test func theTableCoversEveryCombination() {
        let keys = Set(Self.table.map { "\($0.ssl.map(String.init) ?? "nil")/\($0.requireTLS)/\($0.offered)" })
        #expect(keys.count == 3 * 2 * 2)
    }

    /// The check reports the mode the rotation's sessions get.
    @Test(arguments: Strategy.allCases, table)
    func theCheckNamesTheRotationsMode(strategy: Strategy, row: Row) throws {
        let database = Self.database(requireTLS: row.requireTLS)
        let login = Self.login(row, strategy)
        #expect(try database.protection(ssl: login.effectiveSSL) == database.options(for: login).tls)
        let protection = SessionProtection(ssl: row.ssl, requireTLS: row.requireTLS)
        if !strategy.changesAccounts {
            #expect(try protection == database.options(for: login).tls)
        }
    }

    /// A greeting without TLS for a session that can change an account: the
    /// error says why TLS was needed and what to change, not "set ssl to false".
    @Test func anAccountChangeWithoutTLSNamesTheFix() {
        let error = DeploymentError.accountChangeNeedsTLS(host: "db", port: 3306)
        #expect(error.errorType == "DatabaseTLSFailed")
        for expected in ["db:3306", "can change an account", "whatever REQUIRE_TLS", "DB_CA_BUNDLE", "enable TLS"] {
            #expect(error.description.contains(expected), "\(expected)")
        }
        #expect(!error.description.contains("ssl to false"))
    }
}
