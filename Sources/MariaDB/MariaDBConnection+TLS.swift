import CMariaDB

// What Connector/C 3.3 does with the TLS options (read in plugins/auth/my_auth.c
// and secure/openssl.c, confirmed against real and hostile servers by the tests):
// - Any of MYSQL_OPT_SSL_CA/_CAPATH/_CERT/_KEY/_CIPHER, MYSQL_OPT_SSL_ENFORCE or
//   MYSQL_OPT_SSL_VERIFY_SERVER_CERT makes the client ask for TLS.
// - Asking is all MYSQL_OPT_SSL_ENFORCE does: against a server that offers no
//   TLS the session quietly continues in plaintext, and with the request flag
//   still set, caching_sha2_password then sends the password as text.
//   MYSQL_OPT_SSL_VERIFY_SERVER_CERT turns a greeting without TLS into error
//   2026 before anything is sent, not even the user name.
// - A CA makes OpenSSL verify the chain; the host name is checked only with
//   MYSQL_OPT_SSL_VERIFY_SERVER_CERT.
// - With none of them set, 3.3 sends no TLS request at all (3.4 changes that
//   default, so plaintext switches it off explicitly anyway).
// So a session is only ever verified TLS (all three set) or plaintext (all
// off); "TLS without verification" is never configured.
extension MariaDBConnection {
    func configure(_ session: TLSSession, caBundle: String?, serverPublicKey: String?) -> Int32 {
        var result: Int32
        switch session {
        case .verifiedTLS:
            result =
                rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_ENFORCE, 1)
                | rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 1)
            if let caBundle { result |= rotator_mysql_set_string(handle, MYSQL_OPT_SSL_CA, caBundle) }
        case .plaintext, .refuse:
            result =
                rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_ENFORCE, 0)
                | rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 0)
        }
        if let serverPublicKey {
            result |= rotator_mysql_set_string(handle, MYSQL_SERVER_PUBLIC_KEY, serverPublicKey)
        }
        let allowed = AuthenticationPolicy.allowedPlugins(for: session, serverKeyPinned: serverPublicKey != nil)
        result |= rotator_mysql_set_string(handle, MARIADB_OPT_RESTRICTED_AUTH, allowed.joined(separator: ","))
        return result
    }

    /// The library's own "TLS required" check is not trusted to be the only
    /// one: whatever it did, a verified session without a cipher is refused.
    func verifyTLS(_ session: TLSSession) throws {
        guard session == .verifiedTLS, tlsCipher == nil else { return }
        throw MariaDBError.tlsRequiredButUnavailable(host: host, port: port)
    }
}

/// Why a TLS session could not be set up, read from OpenSSL's and
/// Connector/C's text (3.3 reports every TLS failure as error 2026).
public enum TLSFailure: Sendable, Equatable, CaseIterable {
    case unknownCA
    case expired
    case notYetValid
    case nameMismatch
    case caBundleUnreadable
    /// Anything else: the handshake itself broke.
    case handshake

    public init(message: String) {
        let text = message.lowercased()
        if text.contains("self-signed") || text.contains("self signed") || text.contains("unable to get local issuer")
            || text.contains("unable to get issuer") || text.contains("unable to verify the first certificate")
            || text.contains("certificate chain too long") || text.contains("invalid ca certificate")
        {
            self = .unknownCA
        } else if text.contains("has expired") {
            self = .expired
        } else if text.contains("not yet valid") {
            self = .notYetValid
        } else if text.contains("validation of ssl server certificate failed") || text.contains("hostname mismatch")
            || text.contains("ip address mismatch")
        {
            // Connector/C's own text when the certificate does not name the host.
            self = .nameMismatch
        } else if text.contains("no such file") || text.contains("permission denied")
            || text.contains("no certificate or crl")
            || text.contains("system lib")
        {
            self = .caBundleUnreadable
        } else {
            self = .handshake
        }
    }

    /// The problem and what to change, for a server at `host`.
    func explanation(host: String, caBundle: String?) -> String {
        let bundle = caBundle.map { " (\($0))" } ?? ""
        switch self {
        case .unknownCA:
            return
                "the server's certificate was issued by a CA the function does not trust\(bundle); give the function that CA: put it at ca/db-ca-bundle.pem in the checkout and sam build (for RDS, RDS's global-bundle.pem; or scripts/package.sh --ca-bundle FILE), or set DB_CA_BUNDLE"
        case .expired:
            return
                "the server's certificate has expired; renew it on the server (RDS: move the instance to a current CA), and check that DB_CA_BUNDLE / --ca-bundle holds a current CA"
        case .notYetValid:
            return
                "the server's certificate is not valid yet; check the clocks, the server's certificate and DB_CA_BUNDLE / --ca-bundle"
        case .nameMismatch:
            return
                "the server's certificate does not name '\(host)'; set the secret's host to a name the certificate carries (RDS: the instance or cluster endpoint, not an IP address or a CNAME), or give the right CA with DB_CA_BUNDLE / --ca-bundle"
        case .caBundleUnreadable:
            return
                "the CA bundle\(bundle) could not be read; fix DB_CA_BUNDLE, or the checkout's ca/db-ca-bundle.pem (or scripts/package.sh --ca-bundle FILE) and build again"
        case .handshake:
            return
                "the TLS handshake failed; the server, or something on the path to it, broke it (no plaintext retry is made); check the server's TLS setup, and DB_CA_BUNDLE / --ca-bundle"
        }
    }
}
