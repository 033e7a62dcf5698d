/// The self strategy: the account changes its own password. Its order is
/// `SelfSetSecretPlan`'s table; this type carries each action out, serially
/// or with the first login overlapping the step's DescribeSecret
/// (Steps/LoginAhead.swift), so both paths follow the one table.
struct SelfStrategy {
    let rotator: Rotator
    let secretId: String

    /// setSecret, serially (Steps/SetSecret.swift has checked the pending secret).
    func setSecret(current: DatabaseSecret, pending: DatabaseSecret) throws -> StepOutcome {
        var plan = plan(current: current, pending: pending)
        // Nothing but a confirmation (the login-ahead path's) abandons a plan.
        return try carryOut(&plan)!
    }

    /// setSecret with the first login made while DescribeSecret travels:
    /// `confirm` is asked once that session is open, before its first
    /// statement, or once its login has failed; false abandons the plan with
    /// nothing sent but that login, and returns nil.
    func setSecret(
        current: DatabaseSecret, pending: DatabaseSecret, confirmingFirst confirm: @escaping () throws -> Bool
    ) throws -> StepOutcome? {
        var plan = plan(current: current, pending: pending)
        return try carryOut(&plan, confirmingFirst: confirm)
    }

    private func plan(current: DatabaseSecret, pending: DatabaseSecret) -> SelfSetSecretPlan {
        SelfSetSecretPlan(
            secretId: secretId, current: current, pending: pending, keepPrevious: rotator.settings.keepPreviousPassword,
            authPlugin: rotator.settings.authPlugin)
    }

    /// Runs `plan`'s actions until it is done: the one place they meet the
    /// database and the store.
    private func carryOut(
        _ plan: inout SelfSetSecretPlan, confirmingFirst confirm: (() throws -> Bool)? = nil
    ) throws -> StepOutcome? {
        let database = rotator.database
        var confirm = confirm
        var action = plan.start()
        while true {
            switch action {
            case .done(let outcome):
                if let moved = plan.pluginMove {
                    rotator.reportPluginMove(moved.move, account: moved.account.description, secretId: secretId)
                }
                if let skipped = plan.keepSkipped {
                    rotator.warnKeepSkipped(skipped.reason, account: skipped.account.description, secretId: secretId)
                }
                return outcome
            case .fail(let error):
                throw error
            case .probe(let login):
                action = plan.next(.probed(logsIn: try database.logsIn(login)))
            case .readPrevious:
                action = plan.next(.previous(try rotator.secret(secretId, stage: Stage.previous)))
            case .logIn(let login):
                let first = confirm
                confirm = nil
                do {
                    let after: SelfSetSecretPlan.Action? = try database.withSession(login) { session in
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
        _ plan: inout SelfSetSecretPlan, _ first: SelfSetSecretPlan.Action, in session: any DatabaseSession
    ) throws -> SelfSetSecretPlan.Action {
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
