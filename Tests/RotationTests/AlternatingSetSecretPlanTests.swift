import TestSupport
import Testing

@testable import Rotation

/// The alternating strategy's setSecret decision table, row by row: what the
/// step has learnt so far → the next action. Pure values, no database.
@Suite struct AlternatingSetSecretPlanTests {
    static func secret(_ user: String, _ password: String, host: String) -> DatabaseSecret {
        try! DatabaseSecret(
            parsing:
                #"{"engine":"mysql","host":"\#(host)","port":3306,"username":"\#(user)","password":"\#(password)","dbname":"shop"}"#
        )
    }

    /// The rotated secret on a replica, the admin on its primary.
    static let current = secret("app", "cur-pw", host: "replica")
    static let pending = secret("app_clone", "new-pw", host: "replica")
    static let admin = secret("admin", "admin-pw", host: "primary").changingAccounts
    static let source = Account(user: "app", host: "10.%")
    static let target = Account(user: "app_clone", host: "10.%")
    /// The other user's own login for its default role: at the admin's database, with no database named.
    static var roleLogin: DatabaseLogin {
        var login = pending.login
        login.host = "primary"
        login.database = nil
        return login
    }
    static let passwordless = RotationError.accountHoldsNoPassword(
        secretId: "s", account: "'app'@'%'", plugins: ["unix_socket"])

    typealias Action = AlternatingSetSecretPlan.Action

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        /// What each action found, in order.
        let events: [AlternatingSetSecretPlan.Event]
        /// The first action, then the one after each event.
        let actions: [Action]
        var testDescription: String { name }
    }

    static let prove = Action.proveAccount(current.changingAccounts.login)

    static let rows: [Row] = [
        Row(
            name: "AUTH_PLUGIN moved the copy: said in the outcome",
            events: [.proved(source), .copied(defaultRole: nil, pluginMoved: true)],
            actions: [prove, .copy(source: source, target: target), .done(.passwordSetPluginMoved)]),
        Row(
            name: "AWSCURRENT proved: its account copied, at its host, onto the other user",
            events: [.proved(source), .copied(defaultRole: nil)],
            actions: [prove, .copy(source: source, target: target), .done(.passwordSet)]),
        Row(
            name: "a default role that differs: the other user sets its own, at the admin's database",
            events: [.proved(source), .copied(defaultRole: .init(role: "`reader`")), .roleSet],
            actions: [
                prove, .copy(source: source, target: target), .setDefaultRole("`reader`", roleLogin),
                .done(.passwordSet),
            ]),
        Row(
            name: "a default role removed: NONE, set by the other user",
            events: [.proved(source), .copied(defaultRole: .init(role: nil)), .roleSet],
            actions: [
                prove, .copy(source: source, target: target), .setDefaultRole(nil, roleLogin), .done(.passwordSet),
            ]
        ),
        Row(
            name: "the other user refused after the copy: its password did not take",
            events: [.proved(source), .copied(defaultRole: .init(role: "`reader`")), .refused],
            actions: [
                prove, .copy(source: source, target: target), .setDefaultRole("`reader`", roleLogin),
                .fail(.pendingDoesNotLogIn(secretId: "s", login: pending.login.description)),
            ]),
        Row(
            name: "AWSCURRENT refused: no probe of the pending password, the copy is always done in full",
            events: [.refused, .passwordless(nil)],
            actions: [
                prove, .lookForPasswordlessAccount, .fail(.noWorkingLogin(secretId: "s", tried: [Stage.current])),
            ]),
        Row(
            name: "AWSCURRENT refused and the account holds no password: said so",
            events: [.refused, .passwordless(passwordless)],
            actions: [prove, .lookForPasswordlessAccount, .fail(passwordless)]),
        Row(
            name: "the proof failed and the account holds no password: said so",
            events: [.proofFailed, .passwordless(passwordless)],
            actions: [prove, .lookForPasswordlessAccount, .fail(passwordless)]),
        Row(
            name: "the proof failed otherwise: that failure is the answer",
            events: [.proofFailed, .passwordless(nil)],
            actions: [prove, .lookForPasswordlessAccount, .rethrow]),
    ]

    @Test(arguments: rows)
    func theTable(row: Row) {
        var plan = AlternatingSetSecretPlan(
            secretId: "s", current: Self.current, pending: Self.pending, admin: Self.admin)
        var actions = [plan.start()]
        for event in row.events { actions.append(plan.next(event)) }
        #expect(actions == row.actions)
    }

    /// The proof decides which account the admin copies: verified TLS only, whatever the keys say.
    @Test func theProofRunsOverVerifiedTLSOnly() {
        var plan = AlternatingSetSecretPlan(
            secretId: "s", current: Self.current, pending: Self.pending, admin: Self.admin)
        guard case .proveAccount(let login) = plan.start() else {
            Issue.record("the plan does not start with the proof")
            return
        }
        #expect(login.protection(requireTLS: false) == .verified)
    }

    /// Actions print no password: a failed expectation prints them.
    @Test(arguments: rows)
    func noActionPrintsAPassword(row: Row) {
        #expect(secretsPrinted(by: row.actions, among: ["cur-pw", "new-pw", "admin-pw"]).isEmpty)
    }
}
