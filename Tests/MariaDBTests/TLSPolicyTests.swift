import MariaDB
import Platform
import Testing

/// What a session does with what the greeting offers, and the logins each
/// session allows. The whole table from the secret's `ssl` and REQUIRE_TLS
/// is in Tests/RotationFunctionTests/TLSTableTests.swift (the decision is the
/// rotation's `SessionProtection`).
@Suite struct TLSPolicyTests {
    /// No policy ever turns a server that offers TLS into a plaintext session
    /// the user did not ask for.
    @Test(arguments: SessionProtection.allCases)
    func anOfferedTLSIsNeverDowngraded(mode: SessionProtection) {
        let session = mode.session(greetingOffersTLS: true)
        #expect(session == (mode == .plaintext ? .plaintext(warn: false) : .verifiedTLS))
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
