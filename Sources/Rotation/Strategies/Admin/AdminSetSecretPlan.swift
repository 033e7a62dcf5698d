/// setSecret for the admin strategy, as a plan of actions (as `SelfSetSecretPlan`
/// is for self): given what the step has learnt so far, it names the next
/// thing to do. It sends nothing itself; `AdminStrategy`
/// (AdminStrategy.swift) carries each action out.
///
/// The order, and why:
/// 1. With KEEP_PREVIOUS_PASSWORD, whether the pending password already logs
///    in where the change is made (the admin's database, the primary: a
///    replica that has not caught up would refuse it and have the retain
///    sent again). If it does, an earlier run set it; on MySQL a second
///    `RETAIN CURRENT PASSWORD` would retain the new password and drop
///    AWSCURRENT's, so nothing more is sent.
/// 2. AWSCURRENT's own session, over verified TLS only: the ownership proof
///    (`SELECT CURRENT_USER()` must be the secret's user), then the
///    account's methods and privileges. In a rotation that has not set the
///    password yet it logs in, and the admin then does the work.
/// 3. The admin's session: the guards (no master key, no kept password
///    outside verified TLS), then the change.
/// 4. AWSCURRENT refused: an account that holds no password says so (asked
///    as the admin); otherwise a retry after the password was set, or a
///    process killed just after setting it, finds the pending one working.
/// 5. AWSCURRENT's session failed otherwise (but not its proof, which stands
///    as it is): an account that holds no password says so; otherwise that
///    failure is the answer.
struct AdminSetSecretPlan: StrategyPlan, Sendable {
    enum Action: PlanAction, Sendable, Equatable {
        /// Whether `login` logs in; the session closes at once.
        case probe(DatabaseLogin)
        /// AWSCURRENT's own session with `login`: the proof and the account's
        /// facts (`Rotator.accountFacts`), then report `read`, `refused` or `readFailed`.
        case readAccount(DatabaseLogin)
        /// As the admin: whether the user's accounts all hold no password
        /// (`Admin.accountWithoutPassword`); report `passwordless`.
        case lookForPasswordlessAccount
        /// As the admin: the guards, then the password change
        /// (`AdminStrategy.change`); report `changed`.
        case change
        /// `done`, `fail` or `rethrow` (StrategyPlan.swift).
        case end(PlanEnd)

        var ending: PlanEnd? {
            guard case .end(let end) = self else { return nil }
            return end
        }
    }

    enum Event: Sendable {
        case probed(logsIn: Bool)
        case read
        /// The server refused AWSCURRENT's login.
        case refused
        /// AWSCURRENT's session failed; `proof`: its ownership proof refused the account.
        case readFailed(proof: Bool)
        /// The refusal naming an account that holds no password, if any.
        case passwordless(RotationError?)
        case changed(keepSkipped: Bool, pluginMoved: Bool = false)
    }

    private enum State: Sendable, Equatable {
        case start
        case probingKeptPending
        case readingAccount
        case lookingAfterRefusal
        case lookingAfterFailure
        case changing
        case probingPending
        case finished
    }

    let secretId: String
    let keepPrevious: Bool
    let current: DatabaseSecret
    let pending: DatabaseSecret
    /// Where the admin's database is: the pending password is asked there first.
    let admin: DatabaseSecret
    private var state = State.start

    init(
        secretId: String, current: DatabaseSecret, pending: DatabaseSecret, admin: DatabaseSecret, keepPrevious: Bool
    ) {
        self.secretId = secretId
        self.current = current
        self.pending = pending
        self.admin = admin
        self.keepPrevious = keepPrevious
    }

    /// The first action.
    mutating func start() -> Action {
        precondition(state == .start, "a plan starts once")
        guard keepPrevious else { return readAccount() }
        var atAdmin = pending.login
        atAdmin.host = admin.host
        atAdmin.port = admin.port
        state = .probingKeptPending
        return .probe(atAdmin)
    }

    /// The action that follows `event`, the outcome of the last action.
    mutating func next(_ event: Event) -> Action {
        switch (state, event) {
        case (.probingKeptPending, .probed(let logsIn)):
            return logsIn ? finish(.done(.passwordAlreadySet)) : readAccount()
        case (.readingAccount, .read):
            state = .changing
            return .change
        case (.readingAccount, .refused):
            state = .lookingAfterRefusal
            return .lookForPasswordlessAccount
        case (.readingAccount, .readFailed(let proof)):
            if proof { return finish(.rethrow) }
            state = .lookingAfterFailure
            return .lookForPasswordlessAccount
        case (.lookingAfterRefusal, .passwordless(let refusal)):
            if let refusal { return finish(.fail(refusal)) }
            state = .probingPending
            return .probe(pending.login)
        case (.lookingAfterFailure, .passwordless(let refusal)):
            return finish(refusal.map { .fail($0) } ?? .rethrow)
        case (.probingPending, .probed(let logsIn)):
            return finish(
                logsIn
                    ? .done(.passwordAlreadySet)
                    : .fail(.noWorkingLogin(secretId: secretId, tried: [Stage.current])))
        case (.changing, .changed(let keepSkipped, let pluginMoved)):
            return finish(.done(.passwordSet(keepSkipped: keepSkipped, pluginMoved: pluginMoved)))
        default:
            preconditionFailure("admin setSecret plan: an event that does not follow the last action")
        }
    }

    /// AWSCURRENT's login for the proof: verified TLS only, whatever the keys say.
    private mutating func readAccount() -> Action {
        state = .readingAccount
        return .readAccount(current.changingAccounts.login)
    }

    private mutating func finish(_ action: Action) -> Action {
        state = .finished
        return action
    }
}
