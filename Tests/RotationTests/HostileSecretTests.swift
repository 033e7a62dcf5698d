import Platform
import Rotation
import TestSupport
import Testing

/// What a writer of the rotated secret (or of its AWSPENDING version) can
/// make the rotation do, against in-memory fakes; the same is proven
/// end-to-end through the built zip in Tests/EndToEnd/test_hostile_inputs.py.
@Suite struct HostileSecretTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin"
    let app = Account(user: "app", host: "10.0.0.%")

    func secret(
        password: String, username: String = "app", host: String = "db.internal", port: Int = 3306,
        extra: String = ""
    ) -> String {
        #"{"engine":"mysql","host":"\#(host)","port":\#(port),"username":"\#(username)","password":"\#(password)"\#(extra)}"#
    }

    func rotator(
        _ store: InMemorySecretStore, _ database: FakeDatabase, _ strategy: RotationSettings.Strategy = .single
    )
        -> Rotator
    {
        var settings = RotationSettings()
        settings.strategy = strategy
        return Rotator(store: store, database: database, settings: settings) { "new-password" }
    }

    func event(_ step: String) -> RotationEvent {
        RotationEvent(secretId: arn, clientRequestToken: "t1", step: step)
    }

    @Test(arguments: [
        "evil;ssl-verify-server-cert=0", "a,b:3306", "mysql://x", "db internal", "user@db", "", "db/x",
    ])
    func aHostThatIsNoNameIsRefusedBeforeAnyLogin(_ host: String) throws {
        let store = InMemorySecretStore(current: secret(password: "old", host: host))
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        let error = try #require(throws: RotationError.self) {
            try rotator(store, database).handle(event("createSecret"))
        }
        #expect(error.errorType == "InvalidSecret")
        #expect(database.sessions == 0)
        if !host.isEmpty { #expect(!error.description.contains(host), "the value is not repeated") }
    }

    /// AWSCURRENT rewritten to name another host (or user, or port): the
    /// previous password is not tried there, nor anywhere.
    @Test(arguments: [
        ("host", #"evil.example"#), ("username", "other"), ("port", "3307"),
    ])
    func thePreviousPasswordGoesOnlyWithItsOwnFields(field: String, value: String) throws {
        let store = InMemorySecretStore(current: secret(password: "real"), versionId: "v0")
        store.versions["v0"]!.stages = [Stage.previous]
        let rewritten =
            switch field {
            case "host": secret(password: "junk", host: value)
            case "username": secret(password: "junk", username: value)
            default: secret(password: "junk", port: Int(value)!)
            }
        store.versions["v1"] = .init(stages: [Stage.current], value: rewritten)
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[app] = "real"
        database.accounts[Account(user: "other", host: "%")] = "something-else"
        let rotator = rotator(store, database)
        _ = try rotator.handle(event("createSecret"))
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("setSecret")) }
        #expect(error == .noWorkingLogin(secretId: arn, tried: [Stage.current]))
        #expect(!database.logins.contains { $0.password == "real" }, "AWSPREVIOUS's password was sent")
        #expect(database.accounts[app] == "real")
    }

    @Test(arguments: [(Bool?.none, Bool?.some(true)), (false, true), (false, nil), (true, false)])
    func thePreviousPasswordGoesAtTheStrongerTLS(current: Bool?, previous: Bool?) throws {
        func ssl(_ value: Bool?) -> String { value.map { #","ssl":\#($0)"# } ?? "" }
        let store = InMemorySecretStore(current: secret(password: "real", extra: ssl(previous)), versionId: "v0")
        store.versions["v0"]!.stages = [Stage.previous]
        store.versions["v1"] = .init(stages: [Stage.current], value: secret(password: "lost", extra: ssl(current)))
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[app] = "real"
        let rotator = rotator(store, database)
        _ = try rotator.handle(event("createSecret"))
        _ = try rotator.handle(event("setSecret"))
        let previousLogins = database.logins.filter { $0.password == "real" }
        let stronger = SessionProtection.stronger(current, previous)
        #expect(!previousLogins.isEmpty && previousLogins.allSatisfy { $0.ssl == stronger })
        let pendingLogins = database.logins.filter { $0.password == "new-password" }
        #expect(pendingLogins.allSatisfy { $0.ssl == current })
    }

    /// A pending version written with `"ssl": false` under an AWSCURRENT with
    /// `"ssl": true` is still tried over verified TLS only.
    @Test func thePendingPasswordGoesAtTheStrongerTLS() throws {
        let store = InMemorySecretStore(current: secret(password: "old", extra: #","ssl":true"#))
        store.startRotation(token: "t1")
        try store.putPending(
            arn, token: "t1", secretString: secret(password: "pending", extra: #","ssl":false"#), rotationToken: nil)
        let database = FakeDatabase()
        database.accounts[app] = "pending"  // the current one is refused, the pending one logs in
        _ = try rotator(store, database).handle(event("setSecret"))
        let pendingLogins = database.logins.filter { $0.password == "pending" }
        #expect(!pendingLogins.isEmpty && pendingLogins.allSatisfy { $0.ssl == true })
    }

    @Test(arguments: ["8.0.13", "8.0.36", "9.1.0"])
    func theCurrentPasswordIsNeverInAStatementOutsideVerifiedTLS(version: String) throws {
        let store = InMemorySecretStore(current: secret(password: "old"))
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.version = version
        database.accounts[app] = "old"
        let rotator = rotator(store, database)
        _ = try rotator.handle(event("createSecret"))
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("setSecret")) }
        #expect(error.errorType == "CurrentPasswordNeedsTLS")
        #expect(error.description.contains("TLS") && error.description.contains("admin strategy"))
        #expect(!database.executed.contains { $0.literals.contains("old") })
        #expect(database.accounts[app] == "old")
    }

    @Test func theOwnershipProofMustNameTheSecretsUser() throws {
        let store = InMemorySecretStore(current: secret(password: "old", extra: #","masterarn":"\#(adminARN)""#))
        store.others[adminARN] = secret(password: "admin-pw", username: "root")
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[app] = "old"
        database.accounts[Account(user: "root", host: "%")] = "admin-pw"
        database.currentUserAnswer = "root@%"  // an on-path answer naming another account
        let rotator = rotator(store, database, .admin)
        _ = try rotator.handle(event("createSecret"))
        let error = try #require(throws: RotationError.self) { try rotator.handle(event("setSecret")) }
        #expect(error == .accountMismatch(secretId: arn, field: "username"))
        #expect(database.accounts[Account(user: "root", host: "%")] == "admin-pw")
        #expect(!database.executed.contains { $0.description.hasPrefix("ALTER USER <literal>@<literal>") })
    }

    /// `"ssl": false` on the rotated secret, none on the admin's: the proof
    /// and the admin's session run over verified TLS only, whatever the keys say.
    @Test func theOwnershipProofAndTheAdminRunOverVerifiedTLSOnly() throws {
        let store = InMemorySecretStore(
            current: secret(password: "old", extra: #","ssl":false,"masterarn":"\#(adminARN)""#))
        store.others[adminARN] = secret(password: "admin-pw", username: "root")
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[app] = "old"
        database.accounts[Account(user: "root", host: "%")] = "admin-pw"
        let rotator = rotator(store, database, .admin)
        _ = try rotator.handle(event("createSecret"))
        _ = try rotator.handle(event("setSecret"))
        let proof = try #require(database.logins.first { $0.username == "app" })
        let admin = try #require(database.logins.first { $0.username == "root" })
        #expect(proof.protection(requireTLS: false) == .verified && admin.protection(requireTLS: false) == .verified)
        #expect(database.logins.allSatisfy { $0.protection(requireTLS: false) == .verified })
    }
}

/// What the process keeps between invocations, and when it may act on it.
@Suite struct KeptStateTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let admin = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1"

    /// An RDS-managed admin secret is described (for its tag) during a
    /// step; its value must still be read afresh on the next invocation,
    /// since RDS rotates it on its own schedule.
    @Test func anRDSManagedAdminSecretIsReadAfreshEveryInvocation() throws {
        let store = InMemorySecretStore(current: #"{"engine":"mysql","host":"h","username":"app","password":"p"}"#)
        store.others[admin] = #"{"username":"root","password":"before"}"#
        let counting = CountingStore(store)
        let cache = VersionCache(counting)
        for (invocation, password) in ["first", "second", "third"].enumerated() {
            store.others[admin] = #"{"username":"root","password":"\#(password)"}"#
            _ = try cache.startDescribe(arn, forToken: "t\(invocation)").metadata()
            let value = try cache.value(of: admin, stage: Stage.current, versionId: nil)
            _ = try cache.describe(admin)  // as placeAdmin does, for the tag
            #expect(value?.secretString.contains(password) == true)
        }
        #expect(counting.reads == 3)
    }

    @Test func stagesCountForTheRotationThatDescribedThem() throws {
        let store = InMemorySecretStore(current: #"{"engine":"mysql","host":"h","username":"app","password":"p"}"#)
        let cache = VersionCache(store)
        _ = try cache.startDescribe(arn, forToken: "t1").metadata()
        #expect(cache.stagesDescribed(arn, forToken: "t1"))
        #expect(!cache.stagesDescribed(arn, forToken: "t2"))
        _ = try cache.describe(arn)
        #expect(!cache.stagesDescribed(arn, forToken: "t1"), "a describe outside a step belongs to no rotation")
    }

    /// Stages last described for another rotation's step (here a stray
    /// event with another token) are not logged in ahead with: the step
    /// goes the serial way, where the answer decides before any login. The
    /// next step, whose stages this rotation described, logs in ahead again.
    @Test func loginAheadOnlyWithThisRotationsStages() throws {
        let store = InMemorySecretStore(current: #"{"engine":"mysql","host":"h","username":"app","password":"old"}"#)
        let fake = FakeDatabase()
        fake.accounts[Account(user: "app", host: "%")] = "old"
        let journal = Journal()
        let rotator = Rotator(
            store: VersionCache(OverlappingStore(store, journal)), database: JournalingDatabase(fake, journal),
            settings: RotationSettings(), newPassword: { "new" })
        store.startRotation(token: "t1")
        _ = try rotator.handle(RotationEvent(secretId: store.arn, clientRequestToken: "t1", step: "createSecret"))
        // Another rotation's token: its step is refused by the answer, with no login made first.
        journal.entries = []
        #expect(throws: RotationError.self) {
            try rotator.handle(RotationEvent(secretId: store.arn, clientRequestToken: "t0", step: "setSecret"))
        }
        #expect(!journal.entries.contains("login app"))
        journal.entries = []
        _ = try rotator.handle(RotationEvent(secretId: store.arn, clientRequestToken: "t1", step: "setSecret"))
        #expect(journal.entries.prefix(3) == ["describe sent", "describe answered", "login app"])
        journal.entries = []
        _ = try rotator.handle(RotationEvent(secretId: store.arn, clientRequestToken: "t1", step: "testSecret"))
        #expect(journal.entries.prefix(3) == ["describe sent", "login app", "describe answered"])
    }
}
