/// Carrying out a `SetSecretPlan`: the one place its actions meet the
/// database and the store.
extension Rotator {
    /// Runs `plan`'s actions until it is done. `confirm`, on the login-ahead
    /// path (Steps/LoginAhead.swift), is asked once the first session is
    /// open, before its first statement, or once its login has failed; false
    /// abandons the plan with nothing sent but that login, and returns nil.
    func carryOut(
        _ plan: inout SetSecretPlan, confirmingFirst confirm: (() throws -> Bool)? = nil
    ) throws
        -> StepOutcome?
    {
        var confirm = confirm
        var action = plan.start()
        while true {
            switch action {
            case .done(let outcome):
                if let moved = plan.pluginMove {
                    reportPluginMove(moved.move, account: moved.account.description, secretId: plan.secretId)
                }
                if let skipped = plan.keepSkipped {
                    warnKeepSkipped(skipped.reason, account: skipped.account.description, secretId: plan.secretId)
                }
                return outcome
            case .fail(let error):
                throw error
            case .probe(let login):
                action = plan.next(.probed(logsIn: try database.logsIn(login)))
            case .readPrevious:
                action = plan.next(.previous(try secret(plan.secretId, stage: Stage.previous)))
            case .logIn(let login):
                let first = confirm
                confirm = nil
                do {
                    let after: SetSecretPlan.Action? = try database.withSession(login) { session in
                        if let first, try !first() { return nil }
                        let version = try ServerVersion(reportedBy: session)
                        return try Self.carryOut(
                            &plan, plan.next(.loggedIn(version, verifiedTLS: session.isVerifiedTLS)), in: session)
                    }
                    guard let after else { return nil }
                    action = after
                } catch is LoginRejected {
                    if let first, try !first() { return nil }
                    action = plan.next(.refused)
                } catch {
                    if let first, try !first() { return nil }
                    throw error
                }
            case .query, .send:
                preconditionFailure("setSecret plan: a statement outside a session")
            }
        }
    }

    /// The plan's statements in one open session; returns the first action
    /// that needs none.
    private static func carryOut(
        _ plan: inout SetSecretPlan, _ first: SetSecretPlan.Action, in session: any DatabaseSession
    ) throws -> SetSecretPlan.Action {
        var action = first
        while true {
            switch action {
            case .query(let statement):
                action = plan.next(.answered(try session.query(statement)))
            case .send(let statement):
                try session.execute(statement)
                action = plan.next(.sent)
            case .fail(let error):
                throw error
            default:
                return action
            }
        }
    }
}
