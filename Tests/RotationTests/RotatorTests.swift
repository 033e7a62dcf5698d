import JSON
import Rotation
import TestSupport
import Testing

/// Every step against in-memory fakes of Secrets Manager and the server.
@Suite struct RotatorTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let app = Account(user: "app", host: "10.0.0.%")

    func secret(password: String, username: String = "app", host: String = "db.internal", extra: String = "") -> String
    {
        #"{"engine":"mysql","host":"\#(host)","username":"\#(username)","password":"\#(password)"\#(extra)}"#
    }

    final class Counter: @unchecked Sendable {
        var value = 0
    }

    func makeRotator(
        store: InMemorySecretStore, database: FakeDatabase, strategy: RotationSettings.Strategy = .single
    ) -> Rotator {
        var settings = RotationSettings()
        settings.strategy = strategy
        let counter = Counter()
        return Rotator(store: store, database: database, settings: settings) {
            counter.value += 1
            return "new-password-\(counter.value)"
        }
    }

    func event(_ step: String, token: String = "t1") -> RotationEvent {
        RotationEvent(secretId: arn, clientRequestToken: token, step: step)
    }

    func fixture() -> (InMemorySecretStore, FakeDatabase, Rotator) {
        let store = InMemorySecretStore(current: secret(password: "old"))
        let database = FakeDatabase()
        database.accounts[app] = "old"
        store.startRotation(token: "t1")
        return (store, database, makeRotator(store: store, database: database))
    }

    func rotateFully(_ rotator: Rotator, token: String = "t1") throws {
        for step in RotationEvent.Step.allCases {
            _ = try rotator.handle(event(step.rawValue, token: token))
        }
    }

    @Test func aFullRotationChangesThePasswordAndMovesTheStages() throws {
        let (store, database, rotator) = fixture()
        try rotateFully(rotator)
        #expect(database.accounts[app] == "new-password-1")
        #expect(store.stages(of: "t1") == [Stage.current, Stage.pending])
        #expect(store.stages(of: "v0") == [Stage.previous])
        let stored = try #require(store.versions["t1"]?.value)
        let pending = try DatabaseSecret(parsing: stored)
        #expect(pending.username == "app")
        #expect(pending.host == "db.internal")
    }

    @Test func createSecretCopiesEveryOtherKeyUnchanged() throws {
        let extra =
            #","port":"3307","nested":{"a":[1,2.50,{"b":null}],"big":9007199254740993},"flag":true,"name":"Zoë 🚀""#
        let store = InMemorySecretStore(current: secret(password: "old", extra: extra))
        store.startRotation(token: "t1")
        let rotator = makeRotator(store: store, database: FakeDatabase())
        #expect(try rotator.handle(event("createSecret")) == .pendingCreated)
        let before = try JSONValue(parsing: secret(password: "old", extra: extra)).objectValue!
        var after = try JSONValue(parsing: store.versions["t1"]!.value!).objectValue!
        #expect(after["password"] != before["password"])
        after["password"] = before["password"]
        #expect(after == before)
        #expect(store.versions["t1"]!.value!.contains("9007199254740993"))
        #expect(store.versions["t1"]!.value!.contains("2.50"))
    }

    @Test(arguments: RotationEvent.Step.allCases)
    func everyStepTwiceLeavesTheSameStateAsOnce(_ repeated: RotationEvent.Step) throws {
        let (store, database, rotator) = fixture()
        for step in RotationEvent.Step.allCases {
            _ = try rotator.handle(event(step.rawValue))
            if step == repeated {
                let versions = store.versions.mapValues { "\($0.stages.sorted())|\($0.value ?? "")" }
                let accounts = database.accounts
                _ = try rotator.handle(event(step.rawValue))
                #expect(store.versions.mapValues { "\($0.stages.sorted())|\($0.value ?? "")" } == versions)
                #expect(database.accounts == accounts)
            }
        }
        #expect(database.accounts[app] == "new-password-1")
        #expect(store.stages(of: "t1").contains(Stage.current))
    }

    @Test func aFinishedRotationReplayedChangesNothing() throws {
        let (store, database, rotator) = fixture()
        try rotateFully(rotator)
        let writes = store.writes
        for step in RotationEvent.Step.allCases {
            #expect(try rotator.handle(event(step.rawValue)) == .alreadyCurrent)
        }
        #expect(store.writes == writes)
        #expect(database.accounts[app] == "new-password-1")
    }

    @Test func threeRotationsInARowEachWithANewPassword() throws {
        let (store, database, rotator) = fixture()
        try rotateFully(rotator, token: "t1")
        store.startRotation(token: "t2")
        try rotateFully(rotator, token: "t2")
        store.startRotation(token: "t3")
        try rotateFully(rotator, token: "t3")
        #expect(database.accounts[app] == "new-password-3")
        #expect(store.stages(of: "t3").contains(Stage.current))
        #expect(store.stages(of: "t2") == [Stage.previous])
        #expect(store.stages(of: "t1").isEmpty)
    }

    @Test func setSecretFallsBackToThePreviousPassword() throws {
        // A rotation that set the password but whose pending value was then
        // lost: the database holds AWSPREVIOUS's password... simulated by
        // a current version whose password no longer logs in.
        let store = InMemorySecretStore(current: secret(password: "older"), versionId: "v0")
        store.versions["v0"]!.stages = [Stage.previous]
        store.versions["v1"] = .init(stages: [Stage.current], value: secret(password: "lost"))
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[app] = "older"
        let rotator = makeRotator(store: store, database: database)
        try rotateFully(rotator)
        #expect(database.accounts[app] == "new-password-1")
    }

    @Test func setSecretFailsClearlyWhenNoPasswordLogsIn() throws {
        let (_, database, rotator) = fixture()
        database.accounts[app] = "changed-behind-our-back"
        _ = try rotator.handle(event("createSecret"))
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("setSecret")) }
        #expect(error.errorType == "DatabaseLoginFailed")
        #expect(database.accounts[app] == "changed-behind-our-back")
    }

    @Test func anUnreachableServerIsNotMistakenForAWrongPassword() throws {
        let (_, database, rotator) = fixture()
        _ = try rotator.handle(event("createSecret"))
        database.reachable = false
        #expect(throws: FakeError.unreachable) { try rotator.handle(event("setSecret")) }
        #expect(database.accounts[app] == "old")
    }

    @Test(arguments: [("username", "other"), ("host", "elsewhere.internal")])
    func setSecretRefusesAPendingSecretForAnotherAccount(field: String, value: String) throws {
        let (store, database, rotator) = fixture()
        let pending = field == "username" ? secret(password: "p", username: value) : secret(password: "p", host: value)
        try store.putPending(arn, token: "t1", secretString: pending, rotationToken: nil)
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("setSecret")) }
        #expect(error == .pendingMismatch(secretId: arn, field: field))
        #expect(database.accounts == [app: "old"])
        #expect(database.sessions == 0, "the pending password was sent to a server before the check")
    }

    @Test func testSecretFailsWhenThePendingPasswordDoesNotLogIn() throws {
        let (_, _, rotator) = fixture()
        _ = try rotator.handle(event("createSecret"))
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("testSecret")) }
        #expect(error.errorType == "DatabaseLoginFailed")
    }

    @Test func createSecretPassesTheRotationTokenBack() throws {
        final class Recorder: SecretReading, SecretWriting {
            let inner: InMemorySecretStore
            var rotationToken: String?
            init(_ inner: InMemorySecretStore) { self.inner = inner }
            func describe(_ id: String) throws -> SecretMetadata { try inner.describe(id) }
            func value(of id: String, stage: String, versionId: String?) throws -> StoredSecret? {
                try inner.value(of: id, stage: stage, versionId: versionId)
            }
            func putPending(_ id: String, token: String, secretString: String, rotationToken: String?) throws {
                self.rotationToken = rotationToken
                try inner.putPending(id, token: token, secretString: secretString, rotationToken: rotationToken)
            }
            func moveCurrent(_ id: String, to token: String, from current: String?) throws {
                try inner.moveCurrent(id, to: token, from: current)
            }
        }
        let (store, database, _) = fixture()
        let recorder = Recorder(store)
        let rotator = Rotator(store: recorder, database: database, settings: RotationSettings()) { "x" }
        var createEvent = event("createSecret")
        createEvent.rotationToken = "rotation-token-1"
        _ = try rotator.handle(createEvent)
        #expect(recorder.rotationToken == "rotation-token-1")
    }

    @Test func adminChangesTheExactAccountAndLeavesItsOwnPassword() throws {
        let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin"
        let store = InMemorySecretStore(current: secret(password: "old", extra: #","masterarn":"\#(adminARN)""#))
        store.others[adminARN] = secret(password: "admin-pw", username: "root")
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[app] = "old"
        let root = Account(user: "root", host: "%")
        database.accounts[root] = "admin-pw"
        let rotator = makeRotator(store: store, database: database, strategy: .admin)
        try rotateFully(rotator)
        #expect(database.accounts[app] == "new-password-1")
        #expect(database.accounts[root] == "admin-pw")
        #expect(!(store.versions["t1"]!.value!.contains("admin-pw")))
    }

    /// init_connect runs in the admin's sessions: refused, read in the
    /// admin's one CURRENT_USER() query, whatever ALLOW_PRIVILEGED_ACCOUNTS says.
    @Test(arguments: [false, true])
    func adminRefusesToWorkThroughASessionThatRunsInitConnect(allowPrivileged: Bool) throws {
        let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin"
        let store = InMemorySecretStore(current: secret(password: "old", extra: #","masterarn":"\#(adminARN)""#))
        store.others[adminARN] = secret(password: "admin-pw", username: "root")
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[app] = "old"
        database.accounts[Account(user: "root", host: "%")] = "admin-pw"
        database.initConnect = "GRANT ALL ON *.* TO attacker"
        var settings = RotationSettings()
        settings.strategy = .admin
        settings.allowPrivilegedAccounts = allowPrivileged
        let rotator = Rotator(store: store, database: database, settings: settings) { "new-password-1" }
        _ = try rotator.handle(event("createSecret"))
        #expect(throws: RotationError.adminRunsInitConnect(secretId: arn, admin: "'root'@'%'")) {
            try rotator.handle(event("setSecret"))
        }
        #expect(database.accounts[app] == "old")
        let asked = database.executed.map(\.description).filter {
            $0.contains("CURRENT_USER()") && $0.hasPrefix("SELECT")
        }
        #expect(asked.filter { $0.contains("init_connect") }.count == 1)

        database.initConnect = ""
        _ = try rotator.handle(event("setSecret"))
        #expect(database.accounts[app] == "new-password-1")
    }

    /// MySQL 8.0.13+: the own-password change names the password it replaces
    /// (the fake refuses a wrong one, as MySQL does); older servers do not.
    @Test(arguments: [("8.0.36", true), ("9.1.0", true), ("8.0.12", false), ("10.11.6-MariaDB", false)])
    func selfSendsTheCurrentPasswordWhereMySQLCanRequireIt(version: String, replaces: Bool) throws {
        let (_, database, rotator) = fixture()
        database.version = version
        database.verifiedTLS = true
        try rotateFully(rotator)
        #expect(database.accounts[app] == "new-password-1")
        let change = try #require(database.executed.first { $0.literals.contains("new-password-1") })
        #expect(change.literals == (replaces ? ["new-password-1", "old"] : ["new-password-1"]))
    }

    @Test(arguments: [
        ("8.0.36", true), ("8.4.3", true), ("8.0.13", false), ("5.7.44", false), ("11.4.2-MariaDB", false),
    ])
    func adminDiscardsASecondaryPasswordBeforeSettingTheNewOne(version: String, discards: Bool) throws {
        // The plugin is named (MySQL) or the method chain written back (MariaDB): only the password changes.
        let set =
            version.contains("MariaDB")
            ? "ALTER USER <literal>@<literal> IDENTIFIED VIA mysql_native_password USING PASSWORD(<literal>)"
            : "ALTER USER <literal>@<literal> IDENTIFIED WITH mysql_native_password BY <literal>"
        let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin"
        let store = InMemorySecretStore(current: secret(password: "old", extra: #","masterarn":"\#(adminARN)""#))
        store.others[adminARN] = secret(password: "admin-pw", username: "root")
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.version = version
        database.accounts[app] = "old"
        database.accounts[Account(user: "root", host: "%")] = "admin-pw"
        try rotateFully(makeRotator(store: store, database: database, strategy: .admin))
        let statements = database.executed.map(\.description).filter { $0.hasPrefix("ALTER USER <literal>") }
        #expect(
            statements == (discards ? ["ALTER USER <literal>@<literal> DISCARD OLD PASSWORD"] : [])
                + [set])
        #expect(database.accounts[app] == "new-password-1")
    }

    @Test func adminRefusesAnAdminSecretForAnotherHost() throws {
        let adminARN = "arn:admin"
        let store = InMemorySecretStore(current: secret(password: "old", extra: #","masterarn":"\#(adminARN)""#))
        store.others[adminARN] = secret(password: "admin-pw", username: "root", host: "other.internal")
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[app] = "old"
        let rotator = makeRotator(store: store, database: database, strategy: .admin)
        _ = try rotator.handle(event("createSecret"))
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("setSecret")) }
        #expect(error.errorType == "AdminSecretMismatch")
        #expect(database.accounts[app] == "old")
    }

    @Test func adminRequiresMasterARN() throws {
        let (store, database, _) = fixture()
        let rotator = makeRotator(store: store, database: database, strategy: .admin)
        _ = try rotator.handle(event("createSecret"))
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("setSecret")) }
        #expect(error.description.contains("masterarn"))
    }
}
