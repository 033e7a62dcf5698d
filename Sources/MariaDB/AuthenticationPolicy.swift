/// Which of Connector/C's authentication plugins a session may run, handed
/// to it as MARIADB_OPT_RESTRICTED_AUTH. A plugin outside the list is refused
/// (error 5010) before it runs, whether the greeting names it or the server
/// switches to it later, so the password cannot leave in a form the peer can
/// read unless the peer is a verified TLS server.
public enum AuthenticationPolicy {
    /// Challenge-response: the server proves nothing, but learns nothing it
    /// could log in with either (a scramble of the password and its nonce).
    /// MariaDB's `parsec` too (a signature over the server's nonce with a
    /// key derived from the password): the package ships no parsec plugin, so
    /// allowing it only makes its login fail as "Plugin parsec could not be
    /// loaded", which the check names, rather than as a refused plugin.
    static let challengeResponse = ["mysql_native_password", "client_ed25519", "parsec"]
    /// Send the password itself: as text inside TLS, or RSA-encrypted to a
    /// key. Safe only to a verified server, or to a key the user pinned.
    static let passwordSending = ["caching_sha2_password", "sha256_password"]
    // Never allowed: mysql_clear_password and dialog hand over the password
    // as text, and the zip does not ship them.

    /// `serverKeyPinned`: MYSQL_SERVER_PUBLIC_KEY is set, so full
    /// caching_sha2/sha256 authentication encrypts to that key and never to
    /// one the server supplies.
    public static func allowedPlugins(for session: TLSSession, serverKeyPinned: Bool) -> [String] {
        switch session {
        case .verifiedTLS: challengeResponse + passwordSending
        case .plaintext where serverKeyPinned: challengeResponse + passwordSending
        case .plaintext, .refuse: challengeResponse
        }
    }
}
