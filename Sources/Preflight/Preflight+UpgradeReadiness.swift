import Rotation

/// The `password-plugin` check: the account's password plugin, the
/// server's version, and what a planned upgrade (MySQL 8.4, 9.x) does to it,
/// with AUTH_PLUGIN as the remedy (UpgradeReadiness.swift).
extension PreflightRun {
    func checkPasswordPlugin(_ user: SessionFacts, _ methods: AuthenticationMethods) {
        guard let server = user.server, let plugin = methods.passwordPlugins.first?.lowercased() else { return }
        report.plugin = plugin
        let verdict = UpgradeReadiness.verdict(
            plugin: plugin, server: server, target: context.settings.authPlugin, activePlugins: user.activePlugins,
            keepPrevious: context.settings.keepPreviousPassword)
        add("password-plugin", verdict.level != .fail, "\(user.account) uses \(verdict.detail)", advice: verdict.advice)
        // A warning passes (the account rotates today) but its advice is listed.
        if verdict.level == .warn, let advice = verdict.advice { report.advice.append(advice) }
    }

    /// AWSCURRENT's login stopped because the client library has no plugin
    /// for what the server asked (MariaDB's `parsec`): said by name, not as a
    /// refused password. The server names the plugin in its auth switch
    /// before it checks any password, to whoever connects as that user, so
    /// naming it tells the caller nothing the server does not.
    func addMissingClientPlugin(_ plugin: String, _ login: DatabaseLogin, _ ms: Double) {
        // Counted under the server's name for it (client_ed25519 is ed25519's client side).
        report.plugin = plugin.hasPrefix("client_") ? String(plugin.dropFirst("client_".count)) : plugin
        add(
            "login-current", false,
            "the server asks \(login.username) at \(login.host):\(login.port) to log in with the \(plugin) plugin, which the function's client library does not have (the package ships caching_sha2_password, sha256_password and client_ed25519; mysql_native_password is built in): no rotation can log in as this account",
            ms,
            advice:
                "Move the account to a plugin the function can log in with (ed25519 on MariaDB, caching_sha2_password on MySQL); docs/mysql-upgrade.md"
        )
    }
}
