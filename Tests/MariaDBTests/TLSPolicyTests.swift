import MariaDB
import Testing

/// The TLS decision, the whole table: the secret's `ssl` × REQUIRE_TLS × what
/// the greeting offers → the session, and the logins each session allows.
@Suite struct TLSPolicyTests {
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

    @Test(arguments: table)
    func theTable(row: Row) {
        let policy = TLSPolicy(ssl: row.ssl, requireTLS: row.requireTLS)
        #expect(policy.session(greetingOffersTLS: row.offered) == row.session)
    }

    @Test func theTableCoversEveryCombination() {
        let keys = Set(Self.table.map { "\($0.ssl.map(String.init) ?? "nil")/\($0.requireTLS)/\($0.offered)" })
        #expect(keys.count == 3 * 2 * 2)
    }

    /// No policy ever turns a server that offers TLS into a plaintext session
    /// the user did not ask for.
    @Test(arguments: TLSPolicy.allCases)
    func anOfferedTLSIsNeverDowngraded(policy: TLSPolicy) {
        let session = policy.session(greetingOffersTLS: true)
        #expect(session == (policy == .plaintext ? .plaintext(warn: false) : .verifiedTLS))
    }

    // MARK: - Authentication plugins per session

    static let sessions: [TLSSession] = [.verifiedTLS, .plaintext(warn: true), .plaintext(warn: false)]

    @Test(arguments: sessions, [false, true])
    func textPasswordPluginsAreNeverAllowed(session: TLSSession, pinned: Bool) {
        let allowed = AuthenticationPolicy.allowedPlugins(for: session, serverKeyPinned: pinned)
        #expect(!allowed.contains("mysql_clear_password"))
        #expect(!allowed.contains("dialog"))
        #expect(allowed.contains("mysql_native_password") && allowed.contains("client_ed25519"))
    }

    @Test(arguments: sessions, [false, true])
    func passwordSendingPluginsNeedVerifiedTLSOrAPinnedKey(session: TLSSession, pinned: Bool) {
        let allowed = AuthenticationPolicy.allowedPlugins(for: session, serverKeyPinned: pinned)
        let expected = session == .verifiedTLS || pinned
        #expect(allowed.contains("caching_sha2_password") == expected)
        #expect(allowed.contains("sha256_password") == expected)
    }
}

/// TLS failures are sorted from the library's text into what the user must change.
@Suite struct TLSFailureTests {
    @Test(arguments: [
        ("TLS/SSL error: self-signed certificate in certificate chain", TLSFailure.unknownCA),
        ("TLS/SSL error: self-signed certificate", .unknownCA),
        ("TLS/SSL error: unable to get local issuer certificate", .unknownCA),
        ("TLS/SSL error: certificate has expired", .expired),
        ("TLS/SSL error: certificate is not yet valid", .notYetValid),
        ("TLS/SSL error: Validation of SSL server certificate failed", .nameMismatch),
        ("TLS/SSL error: No such file or directory (2)", .caBundleUnreadable),
        ("TLS/SSL error: unexpected message", .handshake),
        ("TLS/SSL error: wrong version number", .handshake),
    ])
    func classification(message: String, reason: TLSFailure) {
        #expect(TLSFailure(message: message) == reason)
    }

    /// Every verification failure names the host and the setting to change.
    @Test(arguments: TLSFailure.allCases)
    func everyMessageNamesHostAndSetting(reason: TLSFailure) {
        let error = MariaDBError.tlsFailed(
            host: "db.example.eu-west-1.rds.amazonaws.com", port: 3306, reason: reason, message: "TLS/SSL error: x",
            caBundle: "/var/task/ca/db-ca-bundle.pem")
        let text = error.description
        #expect(text.contains("db.example.eu-west-1.rds.amazonaws.com:3306"))
        #expect(text.contains("DB_CA_BUNDLE") && text.contains("--ca-bundle"))
    }

    @Test func anUnknownCAPointsAtTheBundle() {
        let text = MariaDBError.tlsFailed(
            host: "db", port: 3306, reason: .unknownCA, message: "m", caBundle: "/var/task/ca/db-ca-bundle.pem"
        ).description
        #expect(text.contains("does not trust") && text.contains("/var/task/ca/db-ca-bundle.pem"))
    }
}
