import Rotation

/// What the readiness check says of one account's password plugin.
public struct PluginReadiness: Sendable, Equatable {
    /// `warn`: the account rotates today but a planned upgrade breaks it
    /// (reported ok, its advice listed); `fail`: a rotation cannot work.
    public enum Level: String, Sendable, Equatable {
        case pass, warn, fail
    }

    public var level: Level
    public var detail: String
    public var advice: String?
}

/// What a planned upgrade does to an account's password plugin, and what
/// `AUTH_PLUGIN` does about it. Pure: the plugin comes from SHOW CREATE USER
/// of the account's own session, the version from its handshake.
///
/// MySQL: `mysql_native_password` is deprecated from 8.0.34, disabled by
/// default in 8.4 (`mysql_native_password=ON` enables it) and removed in
/// 9.0; `sha256_password` is deprecated. MariaDB keeps
/// `mysql_native_password` and recommends `ed25519`.
public enum UpgradeReadiness {
    /// The password plugins the function's client library can answer: the
    /// package (scripts/package.sh) ships `caching_sha2_password`,
    /// `sha256_password` and `client_ed25519`; `mysql_native_password` is
    /// built in. No `parsec`.
    public static let clientSupported: Set<String> = [
        "mysql_native_password", "caching_sha2_password", "sha256_password", "ed25519",
    ]

    /// The plugin AUTH_PLUGIN should name on `server`.
    public static func recommended(on server: ServerVersion) -> AuthPlugin {
        server.flavor == .mariadb ? .ed25519 : .cachingSHA2
    }

    /// - Parameters:
    ///   - plugin: the account's first password method's plugin.
    ///   - activePlugins: the server's active authentication plugins
    ///     (information_schema.PLUGINS), when read; nil when unknown.
    public static func verdict(
        plugin: String, server: ServerVersion, target: AuthPlugin, activePlugins: Set<String>? = nil,
        keepPrevious: Bool = false
    ) -> PluginReadiness {
        let plugin = plugin.lowercased()
        let advised = recommended(on: server)
        guard clientSupported.contains(plugin) else {
            return PluginReadiness(
                level: .fail,
                detail:
                    "\(plugin) on \(server): the function's client library has no \(plugin) plugin (the package ships caching_sha2_password, sha256_password and client_ed25519; mysql_native_password is built in), so no rotation can log in as this account",
                advice:
                    "Give the account a plugin the function can log in with (\(advised.rawValue)) before rotating it; AUTH_PLUGIN never moves an account to a weaker plugin"
            )
        }
        var outlook = self.outlook(plugin, on: server)
        switch target {
        case .keep:
            guard outlook.level != .pass || plugin == "mysql_native_password" else { break }
            let move = "AUTH_PLUGIN=\(advised.rawValue) moves it at its next rotation"
            outlook.detail += "; AUTH_PLUGIN=keep writes it back unchanged, \(move)"
            if outlook.level == .warn {
                outlook.advice =
                    "Set AUTH_PLUGIN=\(advised.rawValue): each account moves to it at its next rotation (the function's client library supports it); docs/mysql-upgrade.md"
            }
        case _ where target.rawValue == plugin:
            outlook.detail += "; AUTH_PLUGIN=\(target.rawValue): it is on that plugin already"
        case _ where !target.isOffered(by: server):
            return PluginReadiness(
                level: .fail,
                detail:
                    "\(plugin) on \(server): AUTH_PLUGIN=\(target.rawValue) is not a plugin \(server) has; the rotation refuses it before any change",
                advice: "Set AUTH_PLUGIN to keep or \(advised.rawValue)")
        case _ where AuthPlugin.isWeaker(target.rawValue, than: plugin) || target == .nativePassword:
            return PluginReadiness(
                level: .warn,
                detail:
                    "\(plugin) on \(server): AUTH_PLUGIN=\(target.rawValue) is weaker, so the rotation keeps \(plugin) (never a weaker plugin) and logs that it did",
                advice: "Set AUTH_PLUGIN to keep or \(advised.rawValue)")
        case _ where activePlugins.map({ !$0.contains(target.rawValue) }) ?? false:
            return PluginReadiness(
                level: .fail,
                detail:
                    "\(plugin) on \(server): AUTH_PLUGIN=\(target.rawValue) names a plugin the server has not loaded (information_schema.PLUGINS); the rotation refuses it before any change",
                advice: server.flavor == .mariadb
                    ? "Load the plugin on the server (INSTALL SONAME 'auth_ed25519'), or set AUTH_PLUGIN=keep"
                    : "Load the plugin on the server, or set AUTH_PLUGIN=keep")
        default:
            var detail =
                "\(plugin) on \(server): AUTH_PLUGIN=\(target.rawValue), so the next rotation moves it to \(target.rawValue), its other methods kept"
            if keepPrevious {
                detail +=
                    server.flavor == .mysql
                    ? "; KEEP_PREVIOUS_PASSWORD: MySQL cannot RETAIN CURRENT PASSWORD with a plugin change, so that rotation does not keep the previous password (the ones after it do)"
                    : "; KEEP_PREVIOUS_PASSWORD: that rotation keeps the previous password as a \(plugin) second method, for one rotation"
            }
            return PluginReadiness(level: .pass, detail: detail, advice: nil)
        }
        return outlook
    }

    /// What this server, and an upgrade of it, does to `plugin`.
    static func outlook(_ plugin: String, on server: ServerVersion) -> PluginReadiness {
        let head = "\(plugin) on \(server)"
        switch (plugin, server.flavor) {
        case ("mysql_native_password", .mysql) where server.isAtLeast(9, 0):
            return PluginReadiness(
                level: .fail, detail: "\(head): MySQL 9.0 removed it, so the account cannot log in",
                advice:
                    "Move the account to caching_sha2_password (ALTER USER … IDENTIFIED WITH caching_sha2_password BY …) on a server that still has mysql_native_password, then rotate it"
            )
        case ("mysql_native_password", .mysql) where server.isAtLeast(8, 4):
            return PluginReadiness(
                level: .warn,
                detail:
                    "\(head): disabled by default from MySQL 8.4, it logs in only while the server runs with mysql_native_password=ON; on 9.x, which removed it, the account cannot log in"
            )
        case ("mysql_native_password", .mysql):
            let now = server.isAtLeast(8, 0, 34) ? "deprecated since MySQL 8.0.34" : "deprecated from MySQL 8.0.34"
            return PluginReadiness(
                level: .warn,
                detail:
                    "\(head): \(now); after an upgrade to 8.4 it logs in only with the server's mysql_native_password=ON, and on 9.x not at all"
            )
        case ("sha256_password", .mysql):
            return PluginReadiness(
                level: .warn,
                detail: "\(head): deprecated in MySQL 8.0 and later; caching_sha2_password is its successor")
        case ("caching_sha2_password", .mysql):
            return PluginReadiness(
                level: .pass, detail: "\(head): the default since MySQL 8.0; 8.4 and 9.x keep it")
        case ("mysql_native_password", .mariadb):
            return PluginReadiness(
                level: .pass, detail: "\(head): every MariaDB release keeps it; MariaDB recommends ed25519")
        case ("ed25519", .mariadb):
            return PluginReadiness(level: .pass, detail: "\(head): MariaDB's recommended plugin")
        default:
            return PluginReadiness(level: .pass, detail: "\(head): no announced change")
        }
    }
}
