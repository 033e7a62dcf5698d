import CMariaDB
import Glibc
import MariaDB
import Platform
import Rotation
import Testing

/// The database layer against real servers started by scripts/test.sh: one
/// with TLS (certificate for IP:127.0.0.1 and DNS:localhost), one without.
/// Passwords are only ever compared as booleans, never shown.
@Suite struct MariaDBConnectionTests {
    let env: MariaDBTestEnvironment

    init() throws {
        env = try MariaDBTestEnvironment()
    }

    // MARK: - Logging in

    @Test func adminLogsInAndSeesTheServerVersion() throws {
        let version = try MariaDBConnection.withConnection(env.admin()) { $0.serverVersion }
        #expect(version.contains("MariaDB"))
    }

    @Test func wrongPasswordIsAccessDenied() throws {
        var options = env.admin()
        options.password = "not-the-admin-password"
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        #expect(error == .accessDenied(user: env.adminUser, host: env.host, port: env.tlsPort))
        #expect(error?.isAccessDenied == true)
        #expect(error.map { !String(describing: $0).contains("not-the-admin-password") } == true)
    }

    @Test func unknownUserIsAccessDenied() throws {
        var options = env.admin(plain: true)
        options.user = "nobody_\(UInt32.random(in: 0...UInt32.max))"
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        #expect(error?.isAccessDenied == true)
    }

    @Test func databaseIsSelectedAtLogin() throws {
        var options = env.admin()
        options.database = "mysql"
        let rows = try MariaDBConnection.withConnection(options) { try $0.query("SELECT DATABASE()") }
        #expect(rows == [["mysql"]])
    }

    @Test func unknownDatabaseIsRefusedNotAccessDenied() throws {
        var options = env.admin()
        options.database = "no_such_database_here"
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        guard case let .loginRefused(_, _, _, code, _)? = error else {
            Issue.record("expected .loginRefused, got \(String(describing: error))")
            return
        }
        #expect(code == UInt32(ER_BAD_DB_ERROR))
    }

    /// A NUL would cut the C string short and try only the password's prefix.
    @Test func passwordWithNULIsRefusedBeforeConnecting() throws {
        var options = env.admin()
        options.password = env.adminPassword + "\u{0}tail"
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        guard case let .loginRefused(_, _, _, code, _)? = error else {
            Issue.record("expected .loginRefused, got \(String(describing: error))")
            return
        }
        #expect(code == UInt32(CR_INVALID_PARAMETER))
        #expect(error.map { !String(describing: $0).contains(env.adminPassword) } == true, "the password leaked")
    }

    @Test func nothingListeningIsUnreachable() throws {
        let closed = try LoopbackSocket(listening: false)
        var options = env.admin(tls: .plaintext)
        options.port = closed.port
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        guard case let .unreachable(host, port, _, _) = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(host == env.host && port == closed.port)
        #expect(error?.isAccessDenied == false)
    }

    @Test func unresolvableHostIsUnreachable() throws {
        var options = env.admin(tls: .plaintext, host: "no-such-host.invalid")
        options.connectTimeout = 2
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        guard case .unreachable = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
    }

    /// A server that completes the TCP handshake and then says nothing must
    /// not hold the caller beyond the configured timeouts; a timeout of 0
    /// (which Connector/C would take as "forever") counts as 1 second.
    /// (The opportunistic case's bundle is never read: the server never greets.)
    @Test(.timeLimit(.minutes(1)), arguments: [SessionProtection.plaintext, .opportunistic], [0, 1])
    func hangingServerFailsWithinTheTimeouts(tls: SessionProtection, timeout: Int) throws {
        let hung = try LoopbackSocket(listening: true)
        var options = env.admin(tls: tls, caBundle: "/dev/null")
        options.port = hung.port
        options.connectTimeout = timeout
        options.readTimeout = timeout
        options.writeTimeout = timeout
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        let elapsed = clock.now - start
        switch error {
        case .unreachable?, .connectionLost?: break
        default: Issue.record("expected .unreachable or .connectionLost, got \(String(describing: error))")
        }
        // The error type proves a timeout ended it (a hung server never
        // answers; the time limit catches a hang). The bound is every
        // configured timeout (a read may be tried three times), with 3×
        // slack, so a loaded machine holds it; typical times are a benchmark's.
        let each = max(timeout, 1)
        #expect(elapsed < .seconds(3 * (each + 3 * each + each)), "took \(elapsed)")
    }

    @Test(arguments: [false, true])
    func statementOutlivingTheReadTimeoutIsConnectionLost(plain: Bool) throws {
        var options = env.admin(plain: plain)
        options.readTimeout = 1
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { try $0.execute("DO SLEEP(30)") }
        }
        let elapsed = clock.now - start
        guard case .connectionLost? = error else {
            Issue.record("expected .connectionLost, got \(String(describing: error))")
            return
        }
        // An ordering: the read timeout (1 s, tried up to three times) ended
        // the call before the statement could have finished (30 s): 10× slack.
        #expect(elapsed < .seconds(30), "took \(elapsed): the statement finished, no timeout fired")
    }

    // MARK: - TLS

    @Test(arguments: ["127.0.0.1", "localhost"])
    func requiredTLSWithTheRightCAVerifiesAndEncrypts(host: String) throws {
        let cipher = try MariaDBConnection.withConnection(env.admin(host: host)) { $0.tlsCipher }
        #expect(cipher?.isEmpty == false)
    }

    @Test func requiredTLSWithAnUnrelatedCAFails() throws {
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin(tls: .verified, caBundle: env.wrongCABundle)) { _ in }
        }
        guard case let .tlsFailed(host, port, reason, _, _) = error else {
            Issue.record("expected .tlsFailed, got \(String(describing: error))")
            return
        }
        #expect(host == env.host && port == env.tlsPort)
        #expect(reason == .unknownCA)
    }

    /// "127.1" reaches 127.0.0.1 (the resolver accepts the short form) but is
    /// neither the IP nor the DNS name in the certificate; the chain is fine,
    /// so only the host-name check can reject it.
    @Test func requiredTLSRejectsAHostNameTheCertificateDoesNotName() throws {
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin(host: "127.1")) { _ in }
        }
        guard case .tlsFailed(_, _, .nameMismatch, _, _) = error else {
            Issue.record("expected .tlsFailed(.nameMismatch), got \(String(describing: error))")
            return
        }
        // No ssl key is no excuse: a server that offers TLS is verified, host name included.
        let opportunistic = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin(tls: .opportunistic, caBundle: env.caBundle, host: "127.1"))
            { _ in }
        }
        guard case .tlsFailed(_, _, .nameMismatch, _, _)? = opportunistic else {
            Issue.record("expected .tlsFailed(.nameMismatch), got \(String(describing: opportunistic))")
            return
        }
    }

    /// Connector/C 3.3 continues in plaintext when a server offers no TLS and
    /// only MYSQL_OPT_SSL_ENFORCE is set; `.required` must refuse.
    @Test func requiredTLSAgainstAServerWithoutTLSIsRefused() throws {
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin(plain: true, tls: .verified, caBundle: env.caBundle)) { _ in
            }
        }
        #expect(error == .tlsRequiredButUnavailable(host: env.host, port: env.plainPort))
    }

    /// The library behaviour `.required` guards against, shown with the raw
    /// C API: MYSQL_OPT_SSL_ENFORCE alone logs in to a server without TLS and
    /// carries on in plaintext. If this ever fails, Connector/C changed.
    @Test func connectorEnforceAloneSilentlyContinuesInPlaintext() throws {
        let handle = try #require(mysql_init(nil))
        defer { mysql_close(handle) }
        var enforce: my_bool = 1
        var tcp = UInt32(MYSQL_PROTOCOL_TCP.rawValue)
        mysql_options(handle, MYSQL_OPT_SSL_ENFORCE, &enforce)
        mysql_options(handle, MYSQL_OPT_PROTOCOL, &tcp)
        let connected = mysql_real_connect(
            handle, env.host, env.adminUser, env.adminPassword, nil, UInt32(env.plainPort), nil, 0)
        #expect(connected != nil, "Connector/C now refuses; error \(mysql_errno(handle))")
        #expect(mysql_get_ssl_cipher(handle) == nil)
    }

    @Test func requiredTLSWithAMissingCABundleFails() throws {
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin(tls: .verified, caBundle: "/nonexistent/ca.pem")) { _ in }
        }
        guard case .tlsFailed(_, _, .caBundleUnreadable, _, _) = error else {
            Issue.record("expected .tlsFailed(.caBundleUnreadable), got \(String(describing: error))")
            return
        }
    }

    @Test func opportunisticTLSVerifiesWhenOffered() throws {
        let options = env.admin(tls: .opportunistic, caBundle: env.caBundle)
        let (cipher, noTLS) = try MariaDBConnection.withConnection(options) { ($0.tlsCipher, $0.serverOffersNoTLS) }
        #expect(cipher != nil)
        #expect(!noTLS)
    }

    @Test func opportunisticTLSIsPlaintextOnlyWhenTheGreetingOffersNone() throws {
        let options = env.admin(plain: true, tls: .opportunistic, caBundle: env.caBundle)
        let (cipher, noTLS, rows) = try MariaDBConnection.withConnection(options) {
            ($0.tlsCipher, $0.serverOffersNoTLS, try $0.query("SELECT 1"))
        }
        #expect(cipher == nil)
        #expect(noTLS)
        #expect(rows == [["1"]])
    }

    /// The old "preferred" fell back to plaintext here; a certificate that
    /// does not verify is now an error, with no second attempt.
    @Test func opportunisticTLSNeverFallsBackWhenVerificationFails() throws {
        let options = env.admin(tls: .opportunistic, caBundle: env.wrongCABundle)
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        guard case .tlsFailed(_, _, .unknownCA, _, _)? = error else {
            Issue.record("expected .tlsFailed(.unknownCA), got \(String(describing: error))")
            return
        }
    }

    @Test func disabledTLSStaysPlaintextEvenWhenOffered() throws {
        let cipher = try MariaDBConnection.withConnection(env.admin(tls: .plaintext)) { connection in
            let status = try connection.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            #expect(status == [["Ssl_cipher", ""]])
            return connection.tlsCipher
        }
        #expect(cipher == nil)
    }

    // MARK: - Statements

    @Test func queryReturnsRowsWithNulls() throws {
        let rows = try MariaDBConnection.withConnection(env.admin()) {
            try $0.query("SELECT 1, NULL, 'a' UNION ALL SELECT 2, 'b', NULL")
        }
        #expect(rows == [["1", nil, "a"], ["2", "b", nil]])
    }

    @Test func queryOfAStatementWithoutResultIsEmpty() throws {
        let rows = try MariaDBConnection.withConnection(env.admin()) { try $0.query("DO 1") }
        #expect(rows.isEmpty)
    }

    @Test func executeDiscardsResultsAndTheConnectionStaysUsable() throws {
        let rows = try MariaDBConnection.withConnection(env.admin()) { connection in
            try connection.execute("SELECT 1 UNION ALL SELECT 2")
            return try connection.query("SELECT 'next'")
        }
        #expect(rows == [["next"]])
    }

    static let awkwardStrings = [
        "it's", #"say "hi""#, #"back\slash"#, #"\'"#, #"trailing\"#, "`back`tick`",
        "tab\tnewline\ncarriage\rbell\u{07}escape\u{1B}ctrl-z\u{1A}",
        "ünïcødé 🔑 密码 ﷽", "'; DROP TABLE users; -- ", "%_ like wildcards",
    ]

    @Test(arguments: [false, true], awkwardStrings)
    func quotedLiteralRoundTrips(noBackslashEscapes: Bool, value: String) throws {
        let rows = try MariaDBConnection.withConnection(env.admin()) { connection in
            if noBackslashEscapes {
                try connection.execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")
            }
            return try connection.query("SELECT \(try connection.quotedLiteral(value))")
        }
        #expect(rows == [[value]])
    }

    /// Passwords are chosen by shape so that test names and arguments never
    /// show one.
    enum PasswordShape: String, CaseIterable, CustomTestStringConvertible {
        case quotes, backslashes, unicode, everything
        var password: String {
            switch self {
            case .quotes: #"it's "quoted" ''"#
            case .backslashes: #"C:\dir\\n\'\"#
            case .unicode: "pässwörd-🔐-密码-\u{0301}"
            case .everything: "a'b\"c\\d`e%f_g\u{1B}h ☃ ;--"
            }
        }
        var testDescription: String { rawValue }
    }

    @Test(arguments: PasswordShape.allCases)
    func userWithAnAwkwardPasswordCanLogIn(shape: PasswordShape) throws {
        let user = "it_pw_\(shape.rawValue)_\(UInt32.random(in: 0...UInt32.max))"
        let password = shape.password
        try withTemporaryUser(user, password: password) {
            var options = env.admin()
            options.user = user
            options.password = password
            let who = try MariaDBConnection.withConnection(options) { try $0.query("SELECT CURRENT_USER()") }
            #expect(who == [["\(user)@127.0.0.1"]])

            options.password = password + "x"
            let error = #expect(throws: MariaDBError.self) {
                try MariaDBConnection.withConnection(options) { _ in }
            }
            #expect(error?.isAccessDenied == true)
        }
    }

    @Test func parseErrorWithholdsTheMessage() throws {
        let secret = "S3cret-Literal-In-A-Broken-Statement"
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin()) { connection in
                try connection.execute(
                    "ALTER USER 'nobody'@'%' IDENTIFIED BY \(try connection.quotedLiteral(secret)) GARBLED TAIL",
                    sensitive: [secret])
            }
        }
        #expect(error == .statementFailed(code: 1064, sqlState: "42000", message: nil))
        let texts = error.map { [String(describing: $0), String(reflecting: $0)] } ?? []
        #expect(!texts.isEmpty && texts.allSatisfy { !$0.contains("S3cret") }, "the literal leaked into the error")
    }

    @Test func messageQuotingASensitiveValueIsWithheld() throws {
        let secret = "Sensitive-Column-Name-42"
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin()) {
                try $0.query("SELECT `\(secret)`", sensitive: [secret])
            }
        }
        #expect(error == .statementFailed(code: 1054, sqlState: "42S22", message: nil))
    }

    @Test func harmlessMessagesAreKept() throws {
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin()) {
                try $0.query("SELECT * FROM mysql.no_such_table_here", sensitive: ["unrelated-secret"])
            }
        }
        guard case let .statementFailed(code, sqlState, message)? = error else {
            Issue.record("expected .statementFailed, got \(String(describing: error))")
            return
        }
        #expect(code == 1146 && sqlState == "42S02")
        #expect(message?.contains("no_such_table_here") == true)
    }

    @Test func missingPrivilegeKeepsTheServersExplanation() throws {
        let user = "it_weak_\(UInt32.random(in: 0...UInt32.max))"
        let password = "weak-\(UInt32.random(in: 0...UInt32.max))"
        try withTemporaryUser(user, password: password) {
            var options = env.admin()
            options.user = user
            options.password = password
            let error = #expect(throws: MariaDBError.self) {
                try MariaDBConnection.withConnection(options) { connection in
                    try connection.execute(
                        "CREATE USER 'x_\(user)'@'%' IDENTIFIED BY 'pw-\(password)'",
                        sensitive: ["pw-\(password)"])
                }
            }
            guard case let .statementFailed(code, _, message)? = error else {
                Issue.record("expected .statementFailed, got \(String(describing: error))")
                return
            }
            #expect(code == 1227)
            #expect(message?.contains("CREATE USER") == true)
        }
    }

    // MARK: - Accounts that cannot log in for other reasons

    @Test func lockedAccountIsRefusedNotAccessDenied() throws {
        let user = "it_locked_\(UInt32.random(in: 0...UInt32.max))"
        let password = "locked-\(UInt32.random(in: 0...UInt32.max))"
        try withTemporaryUser(user, password: password, then: "ALTER USER '\(user)'@'127.0.0.1' ACCOUNT LOCK") {
            var options = env.admin()
            options.user = user
            options.password = password
            let error = #expect(throws: MariaDBError.self) {
                try MariaDBConnection.withConnection(options) { _ in }
            }
            guard case let .loginRefused(refusedUser, _, _, code, _)? = error else {
                Issue.record("expected .loginRefused, got \(String(describing: error))")
                return
            }
            #expect(refusedUser == user && code == 4151)
            #expect(error?.isAccessDenied == false)
        }
    }

    /// MariaDB's default (disconnect_on_expired_password=OFF) lets an expired
    /// password log in to a sandbox where only changing the password works;
    /// MySQL, or that variable ON, refuses the login (1862 → .loginRefused).
    @Test func expiredPasswordLogsInToASandbox() throws {
        let user = "it_expired_\(UInt32.random(in: 0...UInt32.max))"
        let password = "expired-\(UInt32.random(in: 0...UInt32.max))"
        try withTemporaryUser(user, password: password, then: "ALTER USER '\(user)'@'127.0.0.1' PASSWORD EXPIRE") {
            var options = env.admin()
            options.user = user
            options.password = password
            let error = #expect(throws: MariaDBError.self) {
                try MariaDBConnection.withConnection(options) { _ = try $0.query("SELECT 1") }
            }
            #expect(
                error
                    == .statementFailed(
                        code: UInt32(ER_MUST_CHANGE_PASSWORD), sqlState: "HY000",
                        message: "You must SET PASSWORD before executing this statement"))
        }
    }

    /// Client auth plugins load from `pluginDirectory`. ed25519 is used because
    /// a MariaDB server can demand it and Debian ships its client side as a
    /// loadable file. Loaded plugins stay registered for the whole process, so
    /// the failing attempt comes first and no other test uses ed25519.
    @Test func authPluginsLoadFromThePluginDirectory() throws {
        let user = "it_ed25519_\(UInt32.random(in: 0...UInt32.max))"
        let password = "ed25519-\(UInt32.random(in: 0...UInt32.max))"
        try MariaDBConnection.withConnection(env.admin()) { admin in
            // Idempotent: installing an installed plugin is accepted.
            try admin.execute("INSTALL SONAME 'auth_ed25519'")
            try admin.execute(
                "CREATE USER '\(user)'@'127.0.0.1' IDENTIFIED VIA ed25519 USING PASSWORD(\(try admin.quotedLiteral(password)))",
                sensitive: [password])
        }
        defer {
            _ = try? MariaDBConnection.withConnection(env.admin()) {
                try $0.execute("DROP USER IF EXISTS '\(user)'@'127.0.0.1'")
            }
        }
        var options = env.admin()
        options.user = user
        options.password = password

        var template = Array("/tmp/mariadb-no-plugins-XXXXXX".utf8CString)
        let emptyDirectory = String(cString: try #require(mkdtemp(&template)))
        defer { rmdir(emptyDirectory) }
        options.pluginDirectory = emptyDirectory
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(options) { _ in }
        }
        // Connector/C reports this as the server's 1045; it must not read as a
        // wrong password.
        guard case let .loginRefused(_, _, _, code, message)? = error else {
            Issue.record("expected .loginRefused, got \(String(describing: error))")
            return
        }
        #expect(code == UInt32(CR_AUTH_PLUGIN_CANNOT_LOAD))
        #expect(message.contains("client_ed25519"))

        options.pluginDirectory = "/usr/lib/x86_64-linux-gnu/libmariadb3/plugin"
        let who = try MariaDBConnection.withConnection(options) { try $0.query("SELECT CURRENT_USER()") }
        #expect(who == [["\(user)@127.0.0.1"]])
    }

    @Test func sessionKilledByTheServerIsConnectionLost() throws {
        let error = #expect(throws: MariaDBError.self) {
            try MariaDBConnection.withConnection(env.admin()) { connection in
                let id = try #require(try connection.query("SELECT CONNECTION_ID()").first?.first ?? nil)
                try MariaDBConnection.withConnection(env.admin()) { try $0.execute("KILL \(id)") }
                _ = try connection.query("SELECT 1")
            }
        }
        guard case .connectionLost? = error else {
            Issue.record("expected .connectionLost, got \(String(describing: error))")
            return
        }
    }

    // MARK: - Options

    @Test func optionsNeverShowThePassword() {
        let options = MariaDBOptions(
            host: "db.example", port: 3306, user: "app", password: "Pa55-never-shown",
            tls: .verified, caBundle: "/ca.pem")
        var dumped = ""
        dump(options, to: &dumped)
        let texts = [String(describing: options), String(reflecting: options), "\(options)", dumped]
        #expect(texts.allSatisfy { !$0.contains("Pa55") }, "the password appears in a description")
        #expect(String(describing: options).contains("app@db.example:3306"))
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let options = MariaDBOptions(host: "h", port: 1, user: "u", password: "p", tls: .plaintext)
        #expect(options.database == nil && options.pluginDirectory == nil)
        #expect(options.connectTimeout == 5 && options.readTimeout == 10 && options.writeTimeout == 10)
    }

    // MARK: - Helpers

    /// Creates `user`@127.0.0.1 with `password` on the TLS server, runs
    /// `extra` (if any) as admin, then `body`, and drops the user afterwards.
    func withTemporaryUser(
        _ user: String, password: String, then extra: String? = nil, _ body: () throws -> Void
    ) throws {
        try MariaDBConnection.withConnection(env.admin()) { admin in
            try admin.execute(
                "CREATE USER '\(user)'@'127.0.0.1' IDENTIFIED BY \(try admin.quotedLiteral(password))",
                sensitive: [password])
            if let extra { try admin.execute(extra) }
        }
        defer {
            _ = try? MariaDBConnection.withConnection(env.admin()) {
                try $0.execute("DROP USER IF EXISTS '\(user)'@'127.0.0.1'")
            }
        }
        try body()
    }
}
