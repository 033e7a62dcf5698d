/// setSecret for the self strategy, as a plan of actions: given what the
/// step has learnt so far (whether a password logs in, what the server and
/// its `SHOW CREATE USER` say, what AWSPREVIOUS holds), it names the next
/// thing to do. It sends nothing itself; `SelfStrategy` does, serially
/// or with the first login overlapping DescribeSecret (Steps/LoginAhead.swift),
/// so both paths follow this one table (as postgres-nio's
/// `AuthenticationStateMachine` returns actions that its handler carries out).
///
/// The order, and why:
/// 1. With KEEP_PREVIOUS_PASSWORD, whether the pending password already logs
///    in: a second change would retain the new password and drop AWSCURRENT's.
/// 2. AWSCURRENT's login: in a rotation that has not set the password yet it
///    logs in, and one session does the work.
/// 3. Refused: a retry after the password was set finds the pending one working.
/// 4. Neither: a rotation that set the password but never finished leaves the
///    database on AWSPREVIOUS's, read only now so a healthy rotation never pays
///    for it, and used only with AWSCURRENT's host, port and user, at the
///    stronger TLS of the two (Secrets/CredentialFields.swift).
struct SelfSetSecretPlan: Sendable {
    enum Action: Sendable, Equatable {
        /// Whether `login` logs in; the session closes at once.
        case probe(DatabaseLogin)
        /// Open a session with `login`, then report `loggedIn`.
        case logIn(DatabaseLogin)
        /// In the open session: send `statement` and report its answer.
        case query(SQL)
        /// In the open session: send the password change, then report `sent`.
        case send(SQL)
        /// Read AWSPREVIOUS's value and report it.
        case readPrevious
        case done(StepOutcome)
        case fail(RotationError)
    }

    enum Event: Sendable {
        case probed(logsIn: Bool)
        case loggedIn(ServerVersion, verifiedTLS: Bool)
        /// The server refused the login of the last `logIn`.
        case refused
        case answered([[String?]])
        case sent
        case previous(DatabaseSecret?)
    }

    private enum State: Sendable, Equatable {
        case start
        case probingKeptPending
        case loggingIn(Password)
        case readingOwnAccount(Password, ServerVersion)
        case checkingPlugin(Password, ServerVersion, Account, AuthenticationMethods, PluginMove)
        case readingGrants(Password, ServerVersion, Account, AuthenticationMethods, PluginMove)
        case sending
        case probingPending
        case readingPrevious
        case finished
    }

    /// Whose password a session logs in with.
    enum Password: Sendable, Equatable {
        case current, previous
    }

    let secretId: String
    let keepPrevious: Bool
    let authPlugin: AuthPlugin
    let current: DatabaseSecret
    /// At the stronger of its own and AWSCURRENT's TLS.
    let pending: DatabaseSecret
    /// AWSPREVIOUS's login, once read and found usable.
    private var previousLogin: DatabaseLogin?
    /// With KEEP_PREVIOUS_PASSWORD: why the password change sent keeps no
    /// second password (AWSCURRENT's is not proven to be the primary), and
    /// whose account it is, for the warning.
    private(set) var keepSkipped: (reason: KeepSkipped, account: Account)?
    /// AUTH_PLUGIN's move in the password change sent, for the outcome and the log.
    private(set) var pluginMove: (move: PluginMove, account: Account)?
    private var state = State.start

    init(
        secretId: String, current: DatabaseSecret, pending: DatabaseSecret, keepPrevious: Bool,
        authPlugin: AuthPlugin = .keep
    ) {
        self.secretId = secretId
        self.current = current
        self.pending = pending
        self.keepPrevious = keepPrevious
        self.authPlugin = authPlugin
    }

    /// The first action.
    mutating func start() -> Action {
        precondition(state == .start, "a plan starts once")
        if keepPrevious {
            state = .probingKeptPending
            return .probe(pending.login)
        }
        return logIn(.current)
    }

    /// The action that follows `event`, the outcome of the last action.
    mutating func next(_ event: Event) -> Action {
        switch (state, event) {
        case (.probingKeptPending, .probed(let logsIn)):
            return logsIn ? finish(.done(.passwordAlreadySet)) : logIn(.current)
        case (.loggingIn(let stage), .loggedIn(let version, let verifiedTLS)):
            return loggedIn(stage, version, verifiedTLS: verifiedTLS)
        case (.readingOwnAccount(let stage, let version), .answered(let rows)):
            return readOwnAccount(stage, version, rows)
        case (.checkingPlugin(let stage, let version, let account, let methods, let move), .answered(let rows)):
            guard AuthPlugin.isActive(rows) else {
                return finish(
                    .fail(
                        Rotator.refusal(
                            .pluginUnavailable(plugin: authPlugin.rawValue, server: version), account: account,
                            secretId: secretId)))
            }
            return readGrants(stage, version, account, methods, move)
        case (.readingGrants(let stage, let version, let account, let methods, let move), .answered(let rows)):
            return change(stage, version, account, methods, move, grants: rows.compactMap { $0.first ?? nil })
        case (.sending, .sent):
            return finish(
                .done(.passwordSet(keepSkipped: keepSkipped != nil, pluginMoved: pluginMove?.move.isMoving == true)))
        case (.loggingIn(.current), .refused):
            state = .probingPending
            return .probe(pending.login)
        case (.probingPending, .probed(let logsIn)):
            if logsIn { return finish(.done(.passwordAlreadySet)) }
            // With KEEP_PREVIOUS_PASSWORD the password kept beside the new one
            // is AWSCURRENT's: keeping AWSPREVIOUS's instead would leave a
            // rotation that testSecret can never pass.
            guard !keepPrevious else { return noWorkingLogin([Stage.current]) }
            state = .readingPrevious
            return .readPrevious
        case (.readingPrevious, .previous(let previous)):
            guard let previous, Rotator.namesTheSameAccount(previous, as: current) else {
                return noWorkingLogin([Stage.current])
            }
            previousLogin = Rotator.atStrongerTLS(previous, than: current).login
            return logIn(.previous)
        case (.loggingIn(.previous), .refused):
            return noWorkingLogin([Stage.current, Stage.previous])
        default:
            // Not interpolated: an answer may hold a password hash.
            preconditionFailure("setSecret plan: an event that does not follow the last action")
        }
    }

    private func login(_ stage: Password) -> DatabaseLogin {
        switch stage {
        case .current: current.login
        case .previous: previousLogin!
        }
    }

    private mutating func logIn(_ stage: Password) -> Action {
        state = .loggingIn(stage)
        return .logIn(login(stage))
    }

    private mutating func finish(_ action: Action) -> Action {
        state = .finished
        return action
    }

    private mutating func noWorkingLogin(_ tried: [String]) -> Action {
        finish(.fail(.noWorkingLogin(secretId: secretId, tried: tried)))
    }

    private mutating func loggedIn(_ stage: Password, _ version: ServerVersion, verifiedTLS: Bool) -> Action {
        let login = login(stage)
        // Before anything is asked: the statement would carry the current password (Sessions/PasswordInStatementRefusal.swift).
        if let refusal =
            Rotator.currentPasswordRefusal(on: version, verifiedTLS: verifiedTLS, loggedInWith: login)
            ?? Rotator.keptPasswordRefusal(
                keepPrevious: keepPrevious, on: version, verifiedTLS: verifiedTLS, for: login)
        {
            return finish(.fail(refusal))
        }
        guard version.supports(.showCreateUser) else {
            // One method per account there, and no second password to leave behind.
            guard !keepPrevious else {
                return finish(
                    .fail(
                        .keepPreviousUnsupported(
                            secretId: secretId, account: "CURRENT_USER()", obstacle: .serverTooOld(version))))
            }
            state = .sending
            return .send(version.setOwnPassword(pending.password, replacing: login.password))
        }
        // One round trip: the account is the one the server matched, named in the answer.
        state = .readingOwnAccount(stage, version)
        return .query("SHOW CREATE USER CURRENT_USER()")
    }

    private mutating func readOwnAccount(_ stage: Password, _ version: ServerVersion, _ rows: [[String?]]) -> Action {
        guard let line = rows.first?.first ?? nil else {
            return finish(
                .fail(.unexpectedServerAnswer("SHOW CREATE USER returned nothing for the current account")))
        }
        // The account is written to by name (PasswordChange.ofOwn), so it must be named.
        guard let account = AuthenticationMethods.account(inShowCreateUser: line) else {
            return finish(.fail(.unexpectedServerAnswer("SHOW CREATE USER CURRENT_USER() named no account")))
        }
        let methods: AuthenticationMethods
        do {
            methods = try AuthenticationMethods(showCreateUser: line)
        } catch {
            return finish(
                .fail(
                    .passwordNotChangeable(
                        secretId: secretId, account: account.description, problem: .unsupported(error))))
        }
        let move: PluginMove
        do {
            move = try authPlugin.move(of: methods, on: version)
        } catch {
            return finish(.fail(Rotator.refusal(error, account: account, secretId: secretId)))
        }
        // Before anything is sent: a plugin the server has not loaded refuses the rotation.
        if move.isMoving, let query = authPlugin.availabilityQuery(on: version) {
            state = .checkingPlugin(stage, version, account, methods, move)
            return .query(query)
        }
        return readGrants(stage, version, account, methods, move)
    }

    private mutating func readGrants(
        _ stage: Password, _ version: ServerVersion, _ account: Account, _ methods: AuthenticationMethods,
        _ move: PluginMove
    ) -> Action {
        // Its own grants say whether it may ALTER USER itself (MariaDB, or
        // MySQL to change its plugin) or keep a secondary password (MySQL).
        guard keepPrevious || methods.passwordCount > 1 || move.isMoving else {
            return change(stage, version, account, methods, move, grants: [])
        }
        state = .readingGrants(stage, version, account, methods, move)
        return .query("SHOW GRANTS")
    }

    private mutating func change(
        _ stage: Password, _ version: ServerVersion, _ account: Account, _ methods: AuthenticationMethods,
        _ move: PluginMove, grants: [String]
    ) -> Action {
        do {
            let current = login(stage).password
            // Asked with the setting first, so a server or account that cannot keep two passwords is refused as before.
            var statement = try PasswordChange.ofOwn(
                account: account, methods: methods, grants: grants, on: version, to: pending.password, current: current,
                keepPrevious: keepPrevious, move: move)
            if keepPrevious,
                let skipped = move.keepSkipped(on: version) ?? methods.keepSkipped(keeping: current, on: version.flavor)
            {
                statement = try PasswordChange.ofOwn(
                    account: account, methods: methods, grants: grants, on: version, to: pending.password,
                    current: current,
                    keepPrevious: false, move: move)
                keepSkipped = (skipped, account)
            }
            pluginMove = (move, account)
            state = .sending
            return .send(statement)
        } catch {
            return finish(.fail(Rotator.refusal(error, account: account, secretId: secretId)))
        }
    }
}
