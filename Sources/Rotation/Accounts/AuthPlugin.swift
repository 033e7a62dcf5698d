/// `AUTH_PLUGIN`: the password plugin an account should have after its next
/// rotation, so a fleet moves off `mysql_native_password` (deprecated in
/// MySQL 8.0.34, off by default in 8.4, gone in 9.0) one rotation at a time.
///
/// Only the password methods move: every other method of a MariaDB chain
/// (`OR unix_socket`) is written back as it was, and grants are not touched.
/// An account is never moved to a weaker plugin: one already stronger than
/// the target keeps its plugin (`PluginMove.keptStronger`, logged).
public enum AuthPlugin: String, Sendable, Equatable, CaseIterable {
    /// Today's behaviour: every account keeps the plugin it has.
    case keep
    /// MySQL 8.0 and later (the default plugin from 8.0, the only built-in one in 9.x).
    case cachingSHA2 = "caching_sha2_password"
    /// MariaDB 10.4 and later (a loadable plugin: `INSTALL SONAME 'auth_ed25519'`).
    case ed25519
    /// Only where the account already uses it: being the weakest, it never moves an account.
    case nativePassword = "mysql_native_password"

    public init(setting value: String) throws(ConfigurationError) {
        guard let plugin = AuthPlugin(rawValue: value.lowercased()) else {
            throw .invalid(
                name: "AUTH_PLUGIN", expected: "keep, caching_sha2_password, ed25519 or mysql_native_password")
        }
        self = plugin
    }

    /// How strong a password plugin's stored hash and exchange are, weakest
    /// first. `sha256_password` is below `caching_sha2_password` (the same
    /// SHA-256 crypt, no cache, deprecated since MySQL 8.0.16); `parsec`
    /// (MariaDB 11.6: PBKDF2 and ed25519, salted) is above `ed25519`.
    static let strength: [String: Int] = [
        "mysql_native_password": 0, "sha256_password": 1, "caching_sha2_password": 2, "ed25519": 2, "parsec": 3,
    ]

    /// Whether `server` has this plugin at all. MariaDB's ed25519 is also
    /// asked of the server before a move (`availabilityQuery`): it may not be loaded.
    public func isOffered(by server: ServerVersion) -> Bool {
        switch (self, server.flavor) {
        case (.keep, _), (.nativePassword, _): true
        case (.cachingSHA2, .mysql): server.isAtLeast(8, 0)
        case (.ed25519, .mariadb): server.supports(.pluginPasswordByName)
        case (.cachingSHA2, .mariadb), (.ed25519, .mysql): false
        }
    }

    /// What this setting does to an account with `methods` on `server`;
    /// refuses a plugin the server does not have, before anything is sent.
    public func move(
        of methods: AuthenticationMethods, on server: ServerVersion
    ) throws(PasswordChangeProblem)
        -> PluginMove
    {
        guard self != .keep, let primary = methods.passwordPlugins.first?.lowercased() else { return .none }
        guard isOffered(by: server) else { throw .pluginUnavailable(plugin: rawValue, server: server) }
        if primary == rawValue { return .onTarget(rawValue) }
        let stronger = Self.strength[rawValue, default: 0] > Self.strength[primary, default: 0]
        return stronger ? .moving(from: primary, to: rawValue) : .keptStronger(plugin: primary, target: rawValue)
    }

    /// Whether a password method of `plugin` is written as `target` (weaker ones only).
    public static func isWeaker(_ plugin: String, than target: String) -> Bool {
        strength[plugin.lowercased(), default: 0] < strength[target, default: 0]
    }

    /// The statement whose answer says whether the server has the plugin
    /// loaded (`ACTIVE`), where that can differ between servers of one
    /// version; nil where it cannot (MySQL's caching_sha2_password is built in).
    public func availabilityQuery(on server: ServerVersion) -> SQL? {
        guard self == .ed25519, server.flavor == .mariadb else { return nil }
        return "SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'ed25519'"
    }

    /// Reads `availabilityQuery`'s answer.
    public static func isActive(_ rows: [[String?]]) -> Bool {
        (rows.first?.first ?? nil)?.uppercased() == "ACTIVE"
    }
}

/// What `AUTH_PLUGIN` does to one account in one rotation.
public enum PluginMove: Sendable, Equatable, CustomStringConvertible {
    /// `keep`, or an account that holds no password (refused elsewhere).
    case none
    /// The account's first password method is already the target; its
    /// weaker password methods (a kept password's older plugin) are folded into it.
    case onTarget(String)
    /// The password methods weaker than `to` become `to`.
    case moving(from: String, to: String)
    /// The account's plugin is stronger than the target: kept.
    case keptStronger(plugin: String, target: String)

    /// The plugin the weaker password methods are written with; nil keeps each method's own.
    public var target: String? {
        switch self {
        case .none, .keptStronger: nil
        case .onTarget(let plugin), .moving(_, let plugin): plugin
        }
    }

    public var isMoving: Bool {
        if case .moving = self { return true }
        return false
    }

    /// KEEP_PREVIOUS_PASSWORD: MySQL refuses `RETAIN CURRENT PASSWORD` in a
    /// statement that changes the plugin, so the rotation that moves an
    /// account keeps no previous password there; nil where it can.
    public func keepSkipped(on server: ServerVersion) -> KeepSkipped? {
        guard case .moving(let from, let to) = self, server.flavor == .mysql else { return nil }
        return .pluginChange(from: from, to: to)
    }

    public var description: String {
        switch self {
        case .none: "no AUTH_PLUGIN"
        case .onTarget(let plugin): "already on \(plugin)"
        case .moving(let from, let to): "moved from \(from) to \(to)"
        case .keptStronger(let plugin, let target):
            "kept \(plugin), which is stronger than AUTH_PLUGIN's \(target); an account never moves to a weaker plugin"
        }
    }
}
