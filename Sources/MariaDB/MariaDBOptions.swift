import Platform

/// Where and how to log in. The password is deliberately left out of every
/// textual and reflected form of this value, because options end up in logs
/// through `print`, string interpolation and `dump` far more easily than anyone
/// intends.
public struct MariaDBOptions: Sendable {
    /// Always dialled over TCP, "localhost" included.
    public var host: String
    public var port: Int
    public var user: String
    /// Sent as given; an empty password is an empty password (Connector/C's
    /// MYSQL_PWD fallback never applies). Must not contain NUL.
    public var password: String
    public var database: String?
    /// What the client demands (`SessionProtection`).
    public var tls: SessionProtection
    /// The CA certificates a verified session's server certificate must
    /// chain to; needed unless `tls` is plaintext.
    public var caBundle: String?
    /// Seconds (at least 1; Connector/C would read 0 as "no limit"). Bounds the
    /// TCP connect and the wait for the server's greeting.
    public var connectTimeout: Int
    /// Seconds. Bounds each wait for the server to answer, so a server that
    /// accepts and then hangs cannot stall the caller indefinitely.
    public var readTimeout: Int
    /// Seconds. Bounds each wait for the socket to accept more outgoing data.
    public var writeTimeout: Int
    /// Where Connector/C looks for its authentication plugins
    /// (caching_sha2_password.so, ...); nil keeps the library's built-in path.
    public var pluginDirectory: String?
    /// A PEM file with the server's RSA public key (MYSQL_SERVER_PUBLIC_KEY):
    /// caching_sha2_password and sha256_password may then run without TLS,
    /// encrypting the password to this key only, never to one the server sends.
    public var serverPublicKey: String?
    /// When the whole conversation (connect, greeting, TLS handshake, login,
    /// statements) must be over: the socket is shut then, whatever the
    /// server is sending (see `ConversationLimit`). nil: only the per-wait
    /// timeouts above.
    public var deadline: Deadline?

    public init(
        host: String,
        port: Int,
        user: String,
        password: String,
        database: String? = nil,
        tls: SessionProtection,
        caBundle: String? = nil,
        connectTimeout: Int = 5,
        readTimeout: Int = 10,
        writeTimeout: Int = 10,
        pluginDirectory: String? = nil,
        serverPublicKey: String? = nil,
        deadline: Deadline? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.caBundle = caBundle
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.pluginDirectory = pluginDirectory
        self.serverPublicKey = serverPublicKey
        self.deadline = deadline
    }
}

extension MariaDBOptions: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var text = "\(user)@\(host):\(port)"
        if let database { text += "/\(database)" }
        text += " tls=\(tls)"
        return text
    }

    public var debugDescription: String { "MariaDBOptions(\(description))" }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host,
                "port": port,
                "user": user,
                "database": database as Any,
                "tls": tls,
                "caBundle": caBundle as Any,
                "connectTimeout": connectTimeout,
                "readTimeout": readTimeout,
                "writeTimeout": writeTimeout,
                "pluginDirectory": pluginDirectory as Any,
                "serverPublicKey": serverPublicKey as Any,
                "deadline": deadline as Any,
            ], displayStyle: .struct)
    }
}
