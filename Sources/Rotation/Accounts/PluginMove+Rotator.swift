/// AUTH_PLUGIN in a session that is about to change an account (the admin's,
/// or self's own): what the rotation does to the account's plugin, refused
/// before anything is sent when the server lacks the plugin.
extension Rotator {
    /// `settings.authPlugin`'s move for `account`; for a move to a plugin a
    /// server may not have loaded (MariaDB's ed25519), asks `session` first.
    func pluginMove(
        of account: Account, methods: AuthenticationMethods, in session: any DatabaseSession, version: ServerVersion,
        secretId: String
    ) throws -> PluginMove {
        let plugin = settings.authPlugin
        let move = try refusing(account, secretId: secretId) { () throws(PasswordChangeProblem) in
            try plugin.move(of: methods, on: version)
        }
        guard move.isMoving, let query = plugin.availabilityQuery(on: version) else { return move }
        guard AuthPlugin.isActive(try session.query(query)) else {
            throw Self.refusal(
                .pluginUnavailable(plugin: plugin.rawValue, server: version), account: account, secretId: secretId)
        }
        return move
    }

    /// The log line a move or a kept stronger plugin leaves: plugins and the account, never a value.
    func reportPluginMove(_ move: PluginMove, account: String, secretId: String) {
        switch move {
        case .moving, .keptStronger:
            warn(
                "authentication plugin (AUTH_PLUGIN)",
                [("secret", secretId), ("account", account), ("plugin", move.description)])
        case .none, .onTarget:
            break
        }
    }
}
