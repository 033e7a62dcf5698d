import Testing

@testable import Rotation

/// The self strategy's setSecret decision table, row by row: what the step
/// has learnt so far → the next action. Pure values, no database.
@Suite struct SelfSetSecretPlanTests {
    static func secret(_ password: String, host: String = "db") -> DatabaseSecret {
        try! DatabaseSecret(
            parsing: #"{"engine":"mysql","host":"\#(host)","port":3306,"username":"app","password":"\#(password)"}"#)
    }

    static let current = secret("cur-pw")
    static let pending = secret("new-pw")
    static let previous = secret("old-pw")
    static let mariaDB = ServerVersion("10.11.6-MariaDB")!
    static let mySQL8 = ServerVersion("8.0.36")!
    static let mySQL56 = ServerVersion("5.6.51")!
    static let ownMariaDB: [[String?]] = [["CREATE USER `app`@`%` IDENTIFIED BY PASSWORD '*AB'"]]
    static let twoPasswords: [[String?]] = [
        ["CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '*AB' OR ed25519 USING 'cd'"]
    ]
    static let ownMySQL: [[String?]] = [["CREATE USER `app`@`%` IDENTIFIED WITH 'mysql_native_password' AS '*AB'"]]

    typealias Action = SelfSetSecretPlan.Action

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        var keepPrevious = false
        /// What each action found, in order.
        let events: [SelfSetSecretPlan.Event]
        /// The first action, then the one after each event.
        let actions: [Action]
        var testDescription: String { name }
    }

    static let noWorkingLogin = RotationError.noWorkingLogin(secretId: "s", tried: [Stage.current])

    static let rows: [Row] = [
        Row(
            name: "MariaDB: the current password logs in; one SHOW CREATE USER, one SET PASSWORD",
            events: [.loggedIn(mariaDB, verifiedTLS: false), .answered(ownMariaDB), .sent],
            actions: [
                .logIn(current.login), .query("SHOW CREATE USER CURRENT_USER()"),
                .send(mariaDB.setOwnPassword("new-pw", replacing: "cur-pw")), .done(.passwordSet),
            ]),
        Row(
            name: "MariaDB: two passwords: its grants are read, and without CREATE USER the old one would remain",
            events: [.loggedIn(mariaDB, verifiedTLS: true), .answered(twoPasswords), .answered([["GRANT USAGE"]])],
            actions: [
                .logIn(current.login), .query("SHOW CREATE USER CURRENT_USER()"), .query("SHOW GRANTS"),
                .fail(
                    .passwordNotChangeable(secretId: "s", account: "'app'@'%'", problem: .oldPasswordWouldRemain)),
            ]),
        Row(
            name: "MySQL 8 outside verified TLS: refused before anything is asked",
            events: [.loggedIn(mySQL8, verifiedTLS: false)],
            actions: [
                .logIn(current.login),
                .fail(.currentPasswordNeedsTLS(login: current.login.description, server: mySQL8.description)),
            ]),
        Row(
            name: "MySQL 8 over verified TLS: REPLACE the current password",
            events: [.loggedIn(mySQL8, verifiedTLS: true), .answered(ownMySQL), .sent],
            actions: [
                .logIn(current.login), .query("SHOW CREATE USER CURRENT_USER()"),
                .send(mySQL8.setOwnPassword("new-pw", replacing: "cur-pw")), .done(.passwordSet),
            ]),
        Row(
            name: "a server without SHOW CREATE USER: the statement at once",
            events: [.loggedIn(mySQL56, verifiedTLS: false), .sent],
            actions: [
                .logIn(current.login), .send(mySQL56.setOwnPassword("new-pw", replacing: "cur-pw")),
                .done(.passwordSet),
            ]),
        Row(
            name: "SHOW CREATE USER answers nothing",
            events: [.loggedIn(mariaDB, verifiedTLS: false), .answered([])],
            actions: [
                .logIn(current.login), .query("SHOW CREATE USER CURRENT_USER()"),
                .fail(.unexpectedServerAnswer("SHOW CREATE USER returned nothing for the current account")),
            ]),
        Row(
            name: "current refused, pending logs in: a retry after the change",
            events: [.refused, .probed(logsIn: true)],
            actions: [.logIn(current.login), .probe(pending.login), .done(.passwordAlreadySet)]),
        Row(
            name: "neither logs in, no AWSPREVIOUS",
            events: [.refused, .probed(logsIn: false), .previous(nil)],
            actions: [.logIn(current.login), .probe(pending.login), .readPrevious, .fail(noWorkingLogin)]),
        Row(
            name: "AWSPREVIOUS names another host: its password is never sent there",
            events: [.refused, .probed(logsIn: false), .previous(secret("old-pw", host: "elsewhere"))],
            actions: [.logIn(current.login), .probe(pending.login), .readPrevious, .fail(noWorkingLogin)]),
        Row(
            name: "AWSPREVIOUS logs in and changes the password, replacing its own",
            events: [
                .refused, .probed(logsIn: false), .previous(previous), .loggedIn(mySQL56, verifiedTLS: false), .sent,
            ],
            actions: [
                .logIn(current.login), .probe(pending.login), .readPrevious, .logIn(previous.login),
                .send(mySQL56.setOwnPassword("new-pw", replacing: "old-pw")), .done(.passwordSet),
            ]),
        Row(
            name: "AWSPREVIOUS refused too",
            events: [.refused, .probed(logsIn: false), .previous(previous), .refused],
            actions: [
                .logIn(current.login), .probe(pending.login), .readPrevious, .logIn(previous.login),
                .fail(.noWorkingLogin(secretId: "s", tried: [Stage.current, Stage.previous])),
            ]),
        Row(
            name: "KEEP_PREVIOUS_PASSWORD: a pending password that logs in is left alone",
            keepPrevious: true, events: [.probed(logsIn: true)],
            actions: [.probe(pending.login), .done(.passwordAlreadySet)]),
        Row(
            name: "KEEP_PREVIOUS_PASSWORD on MariaDB outside verified TLS: refused",
            keepPrevious: true, events: [.probed(logsIn: false), .loggedIn(mariaDB, verifiedTLS: false)],
            actions: [
                .probe(pending.login), .logIn(current.login),
                .fail(.keptPasswordNeedsTLS(login: current.login.description, server: mariaDB.description)),
            ]),
        Row(
            name: "KEEP_PREVIOUS_PASSWORD on a server without SHOW CREATE USER: unsupported",
            keepPrevious: true, events: [.probed(logsIn: false), .loggedIn(mySQL56, verifiedTLS: true)],
            actions: [
                .probe(pending.login), .logIn(current.login),
                .fail(
                    .keepPreviousUnsupported(
                        secretId: "s", account: "CURRENT_USER()", obstacle: .serverTooOld(mySQL56))),
            ]),
        Row(
            name: "KEEP_PREVIOUS_PASSWORD: neither logs in, and AWSPREVIOUS is never read",
            keepPrevious: true, events: [.probed(logsIn: false), .refused, .probed(logsIn: false)],
            actions: [.probe(pending.login), .logIn(current.login), .probe(pending.login), .fail(noWorkingLogin)]),
    ]

    @Test(arguments: rows)
    func theTable(row: Row) {
        var plan = SelfSetSecretPlan(
            secretId: "s", current: Self.current, pending: Self.pending, keepPrevious: row.keepPrevious)
        var actions = [plan.start()]
        for event in row.events { actions.append(plan.next(event)) }
        #expect(actions == row.actions)
    }

    /// The plan's actions and events carry passwords (a statement's literal,
    /// a login), and a failed expectation prints them: their text must not.
    @Test(arguments: rows)
    func noActionOrEventPrintsAPassword(row: Row) {
        let passwords = ["cur-pw", "new-pw", "old-pw"]
        let printed =
            (row.actions.map { [String(describing: $0), String(reflecting: $0)] }
            + row.events.map { [String(describing: $0), String(reflecting: $0)] }).joined()
        // Booleans only: a failed expectation prints the values it was given.
        let printsAPassword = printed.contains { text in passwords.contains { text.contains($0) } }
        #expect(!printsAPassword)
        // The statements do hold them: only their printing leaves them out.
        let sent = row.actions.compactMap { if case .send(let sql) = $0 { sql } else { nil } }
        let everyStatementHoldsTheNewPassword = sent.allSatisfy {
            $0.rendered(readingSession: { SessionSyntax(backslashEscapes: true) }).contains("new-pw")
        }
        #expect(everyStatementHoldsTheNewPassword)
    }
}
