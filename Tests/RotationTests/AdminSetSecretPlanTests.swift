import TestSupport
import Testing

@testable import Rotation

/// The admin strategy's setSecret decision table, row by row: what the step
/// has learnt so far → the next action. Pure values, no database.
@Suite struct AdminSetSecretPlanTests {
    static func secret(_ user: String, _ password: String, host: String = "db") -> DatabaseSecret {
        try! DatabaseSecret(
            parsing:
                #"{"engine":"mysql","host":"\#(host)","port":3306,"username":"\#(user)","password":"\#(password)"}"#)
    }

    /// The rotated secret on a replica, the admin on its primary.
    static let current = secret("app", "cur-pw", host: "replica")
    static let pending = secret("app", "new-pw", host: "replica")
    static let admin = secret("admin", "admin-pw", host: "primary").changingAccounts
    static var pendingAtAdmin: DatabaseLogin {
        var login = pending.login
        login.host = "primary"
        return login
    }
    static let passwordless = RotationError.accountHoldsNoPassword(
        secretId: "s", account: "'app'@'%'", plugins: ["unix_socket"])
    static let noWorkingLogin = RotationError.noWorkingLogin(secretId: "s", tried: [Stage.current])

    typealias Action = AdminSetSecretPlan.Action

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        var keepPrevious = false
        /// What each action found, in order.
        let events: [AdminSetSecretPlan.Event]
        /// The first action, then the one after each event.
        let actions: [Action]
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "the current password logs in: its account read over verified TLS, then the admin changes it",
            events: [.read, .changed(keepSkipped: false)],
            actions: [.readAccount(current.changingAccounts.login), .change, .done(.passwordSet)]),
        Row(
            name: "KEEP_PREVIOUS_PASSWORD: the pending password asked first, on the admin's database",
            keepPrevious: true,
            events: [.probed(logsIn: false), .read, .changed(keepSkipped: false)],
            actions: [
                .probe(pendingAtAdmin), .readAccount(current.changingAccounts.login), .change, .done(.passwordSet),
            ]),
        Row(
            name: "KEEP_PREVIOUS_PASSWORD: the pending password already logs in: nothing more is sent",
            keepPrevious: true,
            events: [.probed(logsIn: true)],
            actions: [.probe(pendingAtAdmin), .done(.passwordAlreadySet)]),
        Row(
            name: "KEEP_PREVIOUS_PASSWORD: AWSCURRENT's password not proven the primary: set alone, and said",
            keepPrevious: true,
            events: [.probed(logsIn: false), .read, .changed(keepSkipped: true)],
            actions: [
                .probe(pendingAtAdmin), .readAccount(current.changingAccounts.login), .change,
                .done(.passwordSetPreviousNotKept),
            ]),
        Row(
            name: "AWSCURRENT refused, the pending password logs in: set by an earlier run",
            events: [.refused, .passwordless(nil), .probed(logsIn: true)],
            actions: [
                .readAccount(current.changingAccounts.login), .lookForPasswordlessAccount, .probe(pending.login),
                .done(.passwordAlreadySet),
            ]),
        Row(
            name: "AWSCURRENT and the pending password refused",
            events: [.refused, .passwordless(nil), .probed(logsIn: false)],
            actions: [
                .readAccount(current.changingAccounts.login), .lookForPasswordlessAccount, .probe(pending.login),
                .fail(noWorkingLogin),
            ]),
        Row(
            name: "AWSCURRENT refused and the account holds no password: said so",
            events: [.refused, .passwordless(passwordless)],
            actions: [.readAccount(current.changingAccounts.login), .lookForPasswordlessAccount, .fail(passwordless)]
        ),
        Row(
            name: "AWSCURRENT's session failed and the account holds no password: said so",
            events: [.readFailed(proof: false), .passwordless(passwordless)],
            actions: [.readAccount(current.changingAccounts.login), .lookForPasswordlessAccount, .fail(passwordless)]
        ),
        Row(
            name: "AWSCURRENT's session failed otherwise: that failure is the answer",
            events: [.readFailed(proof: false), .passwordless(nil)],
            actions: [.readAccount(current.changingAccounts.login), .lookForPasswordlessAccount, .rethrow]),
        Row(
            name: "the ownership proof refused the account: the answer as it is, nothing asked as the admin",
            events: [.readFailed(proof: true)],
            actions: [.readAccount(current.changingAccounts.login), .rethrow]),
    ]

    @Test(arguments: rows)
    func theTable(row: Row) {
        var plan = AdminSetSecretPlan(
            secretId: "s", current: Self.current, pending: Self.pending, admin: Self.admin,
            keepPrevious: row.keepPrevious)
        var actions = [plan.start()]
        for event in row.events { actions.append(plan.next(event)) }
        #expect(actions == row.actions)
    }

    /// Every login the plan names runs over verified TLS: each can decide which account the admin changes.
    @Test(arguments: rows)
    func theAccountIsReadOverVerifiedTLSOnly(row: Row) {
        for case .readAccount(let login) in row.actions {
            #expect(login.protection(requireTLS: false) == .verified)
        }
    }

    /// Actions print no password: a failed expectation prints them.
    @Test(arguments: rows)
    func noActionPrintsAPassword(row: Row) {
        #expect(secretsPrinted(by: row.actions, among: ["cur-pw", "new-pw", "admin-pw"]).isEmpty)
    }
}
