/// One reading of `PasswordChange`'s refusals, for self's plan and the admin alike.
extension Rotator {
    /// What a password change `PasswordChange` refused is reported as.
    static func refusal(_ problem: PasswordChangeProblem, account: Account, secretId: String) -> RotationError {
        switch problem {
        case .holdsNoPassword(let plugins):
            .accountHoldsNoPassword(secretId: secretId, account: account.description, plugins: plugins)
        case .keepPreviousUnsupported(let obstacle):
            .keepPreviousUnsupported(secretId: secretId, account: account.description, obstacle: obstacle)
        case .pluginUnavailable(let plugin, let server):
            .authPluginUnavailable(
                secretId: secretId, account: account.description, plugin: plugin, server: server.description)
        default:
            .passwordNotChangeable(secretId: secretId, account: account.description, problem: problem)
        }
    }
}
