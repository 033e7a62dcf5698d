import CMariaDB

// What Connector/C 3.3 does with the TLS options (read in plugins/auth/my_auth.c
// and secure/openssl.c, confirmed against real servers by the tests):
// - Any of MYSQL_OPT_SSL_CA/_CAPATH/_CERT/_KEY/_CIPHER, MYSQL_OPT_SSL_ENFORCE or
//   MYSQL_OPT_SSL_VERIFY_SERVER_CERT makes the client ask for TLS.
// - Asking is all MYSQL_OPT_SSL_ENFORCE does: against a server that offers no
//   TLS the session quietly continues in plaintext. Only
//   MYSQL_OPT_SSL_VERIFY_SERVER_CERT turns that into an error (2026).
// - A CA makes OpenSSL verify the chain; the host name is checked only with
//   MYSQL_OPT_SSL_VERIFY_SERVER_CERT.
// - With none of them set, 3.3 sends no TLS request at all (3.4 changes that
//   default, so .disabled switches it off explicitly anyway).
extension MariaDBConnection {
    func configureTLS(_ mode: TLSMode) -> Int32 {
        switch mode {
        case .required(let caBundle):
            return rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_ENFORCE, 1)
                | rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 1)
                | rotator_mysql_set_string(handle, MYSQL_OPT_SSL_CA, caBundle)
        case .preferred(let caBundle):
            // Not verifying the server certificate is what keeps a server
            // without TLS usable; a CA still gets the chain checked.
            var result = rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_ENFORCE, 1)
                | rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 0)
            if let caBundle {
                result |= rotator_mysql_set_string(handle, MYSQL_OPT_SSL_CA, caBundle)
            }
            return result
        case .disabled:
            return rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_ENFORCE, 0)
                | rotator_mysql_set_bool(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, 0)
        }
    }

    /// The library's own "TLS required" check is not trusted to be the only
    /// one: whatever it did, a required session without a cipher is refused.
    func verifyTLS(_ mode: TLSMode) throws {
        guard case .required = mode, tlsCipher == nil else { return }
        throw MariaDBError.tlsRequiredButUnavailable(host: host, port: port)
    }
}
