/// setSecret for the alternating strategy, as a plan of actions (as
/// `SelfSetSecretPlan` and `AdminSetSecretPlan` are for the others): given
/// what the step has learnt so far, it names the next thing to do.
/// `AlternatingStrategy` carries each action out.
///
/// The order, and why:
/// 1. Which account AWSCURRENT is, proved in its own session over verified
///    TLS: the admin copies that account, at its host, onto the other user.
/// 2. AWSCURRENT refused or its session failed: an account that holds no
///    password says so (asked as the admin); otherwise that is the answer.
///    Never skipped because the pending password already logs in: a process
///    killed right after CREATE USER leaves a user that logs in but lacks
///    the grants, so the copy is always done in full.
/// 3. As the admin: read both users, refuse a privileged one, then copy
///    (every statement idempotent, so a retry simply does it all again).
/// 4. A default role that differs: MariaDB sets another account's default
///    role only for a user who may write to the `mysql` schema, which is as
///    good as every privilege, but any account may set its own, so the
///    other user does, with the password it was just given, through the
///    admin's database.
struct AlternatingSetSecretPlan: StrategyPlan, Sendable {
    enum Action: PlanAction, Sendable, Equatable {
        /// AWSCURRENT's own session with `login`: `SELECT CURRENT_USER()`,
        /// which must be the secret's user; report `proved`, `refused` or `proofFailed`.
        case proveAccount(DatabaseLogin)
        /// As the admin: whether the user's accounts all hold no password; report `passwordless`.
        case lookForPasswordlessAccount
        /// As the admin: make `target` a copy of `source` with the pending
        /// password; report `copied` with the default role it still needs.
        case copy(source: Account, target: Account)
        /// As the other user, with `login`: `SET DEFAULT ROLE role` (nil: NONE); report `roleSet` or `refused`.
        case setDefaultRole(String?, DatabaseLogin)
        /// `done`, `fail` or `rethrow` (StrategyPlan.swift).
        case end(PlanEnd)

        var ending: PlanEnd? {
            guard case .end(let end) = self else { return nil }
            return end
        }
    }

    enum Event: Sendable {
        case proved(Account)
        /// The server refused the last login.
        case refused
        case proofFailed
        /// The refusal naming an account that holds no password, if any.
        case passwordless(RotationError?)
        /// `defaultRole`: the role the other user must still set for itself,
        /// if it differs; `pluginMoved`: the copy moved to AUTH_PLUGIN's plugin.
        case copied(defaultRole: DefaultRoleChange?, pluginMoved: Bool = false)
        case roleSet
    }

    /// The default role the copy wants where the other user holds another.
    struct DefaultRoleChange: Sendable, Equatable {
        var role: String?
    }

    private enum State: Sendable, Equatable {
        case start
        case proving
        case lookingAfterRefusal
        case lookingAfterFailure
        case copying
        case settingRole(pluginMoved: Bool)
        case finished
    }

    let secretId: String
    let current: DatabaseSecret
    let pending: DatabaseSecret
    /// Where the admin's database is: the other user sets its role there.
    let admin: DatabaseSecret
    private var state = State.start

    init(secretId: String, current: DatabaseSecret, pending: DatabaseSecret, admin: DatabaseSecret) {
        self.secretId = secretId
        self.current = current
        self.pending = pending
        self.admin = admin
    }

    /// The first action: the proof, over verified TLS only, whatever the keys say.
    mutating func start() -> Action {
        precondition(state == .start, "a plan starts once")
        state = .proving
        return .proveAccount(current.changingAccounts.login)
    }

    /// The action that follows `event`, the outcome of the last action.
    mutating func next(_ event: Event) -> Action {
        switch (state, event) {
        case (.proving, .proved(let source)):
            state = .copying
            // The other user lives on the same host part as the current one,
            // so it is reachable from the same clients.
            return .copy(source: source, target: Account(user: Rotator.alternate(source.user), host: source.host))
        case (.proving, .refused):
            state = .lookingAfterRefusal
            return .lookForPasswordlessAccount
        case (.proving, .proofFailed):
            state = .lookingAfterFailure
            return .lookForPasswordlessAccount
        case (.lookingAfterRefusal, .passwordless(let refusal)):
            return finish(.fail(refusal ?? .noWorkingLogin(secretId: secretId, tried: [Stage.current])))
        case (.lookingAfterFailure, .passwordless(let refusal)):
            return finish(refusal.map { .fail($0) } ?? .rethrow)
        case (.copying, .copied(nil, let pluginMoved)):
            return finish(.done(.passwordSet(keepSkipped: false, pluginMoved: pluginMoved)))
        case (.copying, .copied(let change?, let pluginMoved)):
            state = .settingRole(pluginMoved: pluginMoved)
            return .setDefaultRole(change.role, roleLogin)
        case (.settingRole(let pluginMoved), .roleSet):
            return finish(.done(.passwordSet(keepSkipped: false, pluginMoved: pluginMoved)))
        case (.settingRole, .refused):
            return finish(.fail(.pendingDoesNotLogIn(secretId: secretId, login: pending.login.description)))
        default:
            preconditionFailure("alternating setSecret plan: an event that does not follow the last action")
        }
    }

    /// The other user's login for its default role: no database (the grants
    /// that open it may come with that very role), and through the admin's
    /// database (a replica refuses the write, and may not have the user yet).
    private var roleLogin: DatabaseLogin {
        var login = pending.login
        login.database = nil
        login.host = admin.host
        login.port = admin.port
        return login
    }

    private mutating func finish(_ action: Action) -> Action {
        state = .finished
        return action
    }
}
