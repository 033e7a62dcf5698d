/// The ways an account logs in, in the order the server tries them, as
/// `SHOW CREATE USER` prints them, so a rotation can write them back with
/// only the password changed.
///
/// MariaDB (10.4 and later) chains methods with `OR`: `IDENTIFIED VIA
/// ed25519 USING '…' OR unix_socket`. `ALTER USER … IDENTIFIED BY` would
/// replace the whole chain by one `mysql_native_password` method, so the
/// chain is written out again, each password method with the new password,
/// every other method (unix_socket, gssapi, pam) exactly as it was, in its
/// place. MySQL has one method per factor; multi-factor accounts (`AND
/// IDENTIFIED`) are refused.
///
/// A password method's hash (`USING '…'`, `AS '…'`, `BY PASSWORD '…'`) is
/// never written back: a retained password is written from the secret's
/// AWSCURRENT value, never from the server's hash. The first password
/// method's hash is read only to prove AWSCURRENT's password is the
/// account's primary one before it is kept (`KeptPasswordProof`).
public struct AuthenticationMethods: Sendable, Equatable {
    public struct Method: Sendable, Equatable {
        /// As the server printed it (`ed25519`, `AWSAuthenticationPlugin`); compared without case.
        public var plugin: String
        /// A method without a password: its `USING`/`AS` string unquoted (a
        /// PAM service name, a GSSAPI principal), written back as it was.
        public var argument: String?

        public init(plugin: String, argument: String? = nil) {
            self.plugin = plugin
            self.argument = argument
        }

        /// Whether the server stores a password for it that a statement can set.
        public var holdsPassword: Bool { AuthenticationMethods.passwordPlugins.contains(plugin.lowercased()) }
    }

    public var methods: [Method]
    /// The first password method's hash as the server printed it; nil when
    /// it printed none (or the methods were not read from the server).
    public var primaryHash: StoredPasswordHash?

    public init(_ methods: [Method], primaryHash: StoredPasswordHash? = nil) {
        self.methods = methods
        self.primaryHash = primaryHash
    }

    /// The plugins whose password the server stores and a statement can set,
    /// on either server (which of them a server knows is checked when writing).
    public static let passwordPlugins: Set<String> = AccountAttributes.passwordPlugins.values.reduce([]) {
        $0.union($1)
    }

    /// The password methods' plugins, in order.
    public var passwordPlugins: [String] { methods.filter(\.holdsPassword).map(\.plugin) }

    /// Whether the account holds a password at all: RDS IAM authentication
    /// (`AWSAuthenticationPlugin`), unix_socket or PAM alone hold none.
    public var holdsPassword: Bool { methods.contains(where: \.holdsPassword) }

    /// How many passwords log in: more than one after a rotation that kept the previous one.
    public var passwordCount: Int { methods.filter(\.holdsPassword).count }

    /// Reads the methods from a whole `SHOW CREATE USER` line.
    public init(showCreateUser line: String) throws(AccountProblem) {
        let statement = PrintedStatement(line)
        var cursor = TokenCursor(statement)
        guard statement.isComplete, cursor.accept("CREATE", "USER"), cursor.acceptAccountName() else {
            throw .unrecognisedLine(
                statement: "SHOW CREATE USER", kind: "CREATE USER", near: PrintedStatement.keyword(cursor.current))
        }
        // No IDENTIFIED clause: MariaDB's account without a password (mysql_native_password, empty).
        guard cursor.accept("IDENTIFIED") else {
            self.init([Method(plugin: "mysql_native_password")])
            return
        }
        let chain = try Self.readChain(&cursor, statement: "SHOW CREATE USER", kind: "CREATE USER")
        self.init(chain.methods, primaryHash: chain.primaryHash)
    }

    /// The account a `SHOW CREATE USER` line names (`CREATE USER \`u\`@\`h\``), for messages.
    public static func account(inShowCreateUser line: String) -> Account? {
        let tokens = PrintedStatement(line).tokens
        guard tokens.count >= 5, tokens[0].is("CREATE"), tokens[1].is("USER"), tokens[2].kind == .quoted,
            tokens[3].text == "@", tokens[4].kind == .quoted,
            let user = unquoted(tokens[2].text.replacing("`", with: "'")),
            let host = unquoted(tokens[4].text.replacing("`", with: "'"))
        else { return nil }
        return Account(user: user, host: host)
    }

    /// Reads what follows `IDENTIFIED`, up to the next clause.
    static func read(_ cursor: inout TokenCursor, statement: String, kind: String) throws(AccountProblem) -> [Method] {
        try readChain(&cursor, statement: statement, kind: kind).methods
    }

    /// `read`, and the first password method's hash.
    static func readChain(
        _ cursor: inout TokenCursor, statement: String, kind: String
    ) throws(AccountProblem) -> (methods: [Method], primaryHash: StoredPasswordHash?) {
        func unknown(_ token: PrintedStatement.Token?) -> AccountProblem {
            .unrecognisedLine(statement: statement, kind: kind, near: PrintedStatement.keyword(token))
        }
        if cursor.accept("BY", "PASSWORD") || cursor.accept("BY") {
            guard let value = cursor.current, value.kind == .quoted else { throw unknown(cursor.current) }
            cursor.index += 1
            return ([Method(plugin: "mysql_native_password")], StoredPasswordHash(printed: value))
        }
        var methods: [Method] = []
        var primaryHash: StoredPasswordHash?
        // MariaDB: VIA a [USING '…'] [OR b [USING '…']]…; MySQL: WITH 'a' [AS '…' | BY '…'].
        guard cursor.accept("VIA") || cursor.accept("WITH") else { throw unknown(cursor.current) }
        repeat {
            guard let name = cursor.next() else { throw unknown(nil) }
            // MySQL quotes the plugin's name, MariaDB does not.
            let plugin = name.kind == .quoted ? String(name.text.dropFirst().dropLast()) : name.text
            guard !plugin.isEmpty, plugin.count <= 64,
                plugin.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else { throw unknown(nil) }
            var method = Method(plugin: plugin)
            if cursor.accept("USING") || cursor.accept("AS") {
                // A hash (MySQL may print it as 0x…), or a non-password method's argument.
                guard let value = cursor.current, value.kind == .quoted || value.kind == .word else {
                    throw unknown(nil)
                }
                cursor.index += 1
                if method.holdsPassword, !methods.contains(where: \.holdsPassword) {
                    primaryHash = StoredPasswordHash(printed: value)
                }
                if !method.holdsPassword {
                    guard value.kind == .quoted, let text = Self.unquoted(value.text) else { throw unknown(nil) }
                    method.argument = text
                }
            }
            methods.append(method)
        } while cursor.accept("OR")
        if cursor.current?.is("AND") == true && cursor.peek(1)?.is("IDENTIFIED") == true {
            throw .severalAuthenticationMethods
        }
        return (methods, primaryHash)
    }

    /// A string as the server prints it ('…', backslash escapes, doubled quotes), or nil if malformed.
    static func unquoted(_ printed: String) -> String? {
        guard printed.count >= 2, let quote = printed.first, quote == "'" || quote == "\"", printed.last == quote
        else { return nil }
        let inner = Array(printed.dropFirst().dropLast())
        var text = ""
        var index = 0
        while index < inner.count {
            let character = inner[index]
            if character == "\\", index + 1 < inner.count {
                let escaped = inner[index + 1]
                switch escaped {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                case "0": text.append("\0")
                case "Z": text.append("\u{1A}")
                default: text.append(escaped)
                }
                index += 2
            } else if character == quote, index + 1 < inner.count, inner[index + 1] == quote {
                text.append(quote)
                index += 2
            } else {
                text.append(character)
                index += 1
            }
        }
        return text
    }

    /// The methods with `password` for the password, and (MariaDB's dual
    /// password) `retained` kept as a second method of the first password
    /// plugin, right after it.
    ///
    /// Exactly one password of the first password plugin survives besides
    /// the retained one: any further method of that plugin is the password a
    /// previous rotation retained, and is dropped, so an old password is
    /// never left behind (SET PASSWORD would change only the first method).
    /// A password method of another plugin gets the new password too.
    ///
    /// With `target` (AUTH_PLUGIN, `PluginMove.target`) every password
    /// method weaker than it is written as `target` instead, so a kept
    /// password's older plugin folds into the first; the retained password
    /// keeps the first method's old plugin, so whatever logged in with it
    /// before (an older client library too) still does for one rotation.
    public func replacingPassword(
        retaining retained: Bool, movingTo target: String? = nil
    ) throws(AccountProblem)
        -> [Planned]
    {
        guard let oldPrimary = methods.first(where: \.holdsPassword)?.plugin else {
            throw .pluginWithoutPassword(methods.first?.plugin ?? "none")
        }
        func written(_ plugin: String) -> String {
            guard let target, AuthPlugin.isWeaker(plugin, than: target) else { return plugin }
            return target
        }
        let primary = written(oldPrimary)
        var planned: [Planned] = []
        var primaryWritten = false
        for method in methods {
            let plugin = written(method.plugin)
            if !method.holdsPassword {
                planned.append(.other(method))
            } else if plugin.lowercased() != primary.lowercased() {
                planned.append(.newPassword(plugin))
            } else if !primaryWritten {
                planned.append(.newPassword(primary))
                if retained { planned.append(.currentPassword(oldPrimary)) }
                primaryWritten = true
            }
        }
        return planned
    }

    /// One method of the chain to write.
    public enum Planned: Sendable, Equatable {
        case newPassword(String)
        case currentPassword(String)
        case other(Method)
    }

    /// MariaDB's `IDENTIFIED VIA …` clause (10.4 and later) that writes the
    /// chain back with `new` as the password and, when given, `current`
    /// retained as the second; `target` as in `replacingPassword`.
    public func mariaDBClause(
        password new: String, retaining current: String?, movingTo target: String? = nil
    ) throws(AccountProblem) -> SQL {
        var clause: SQL = "IDENTIFIED VIA "
        for (index, method) in try replacingPassword(retaining: current != nil, movingTo: target).enumerated() {
            if index > 0 { clause.append(" OR ") }
            switch method {
            case .newPassword(let plugin):
                clause.append("\(raw: plugin) USING PASSWORD(\(literal: new))")
            case .currentPassword(let plugin):
                clause.append("\(raw: plugin) USING PASSWORD(\(literal: current ?? ""))")
            case .other(let other):
                clause.append(
                    other.argument.map { "\(raw: other.plugin) USING \(literal: $0)" } ?? "\(raw: other.plugin)")
            }
        }
        return clause
    }

    public var description: String { methods.map(\.plugin).joined(separator: " OR ") }
}
