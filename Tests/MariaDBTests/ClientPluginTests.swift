import Testing

@testable import MariaDB

@Suite struct ClientPluginTests {
    static func refused(_ code: UInt32, _ message: String) -> MariaDBError {
        .loginRefused(user: "app", host: "db", port: 3306, code: code, message: message)
    }

    @Test(
        arguments: [
            (
                refused(
                    2059,
                    "Plugin parsec could not be loaded: lib/mariadb-plugin/parsec.so: cannot open shared object file"),
                "parsec"
            ),
            (refused(2059, "Plugin pa$sec could not be loaded: x"), nil),
            (refused(2059, "Authentication failed"), nil),
            (refused(4151, "Plugin parsec could not be loaded: x"), nil),
            (MariaDBError.accessDenied(user: "app", host: "db", port: 3306), nil),
        ] as [(MariaDBError, String?)])
    func missingClientPluginIsNamedOnlyFromItsOwnError(error: MariaDBError, plugin: String?) {
        #expect(error.missingClientPlugin == plugin)
    }
}

@Suite struct ParsecPolicyTests {
    /// Allowed everywhere (challenge-response) so that, the package shipping
    /// no parsec plugin, the login fails naming it (2059) rather than as a refused plugin.
    @Test(arguments: [TLSSession.verifiedTLS, .plaintext(warn: true), .plaintext(warn: false)], [false, true])
    func parsecIsAllowedSoItsAbsenceIsNamed(session: TLSSession, pinned: Bool) {
        #expect(AuthenticationPolicy.allowedPlugins(for: session, serverKeyPinned: pinned).contains("parsec"))
    }
}
