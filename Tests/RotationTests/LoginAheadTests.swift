import Rotation
import TestSupport
import Testing

/// What happened, in order, across the store and the database.
final class Journal {
    var entries: [String] = []
    func add(_ entry: String) { entries.append(entry) }
}

/// Secrets Manager whose DescribeSecret is sent and answered as two events.
final class OverlappingStore: SecretReading, SecretWriting {
    let inner: InMemorySecretStore
    let journal: Journal
    init(_ inner: InMemorySecretStore, _ journal: Journal) {
        self.inner = inner
        self.journal = journal
    }
    func startDescribe(_ id: String, forToken _: String) -> InFlightDescribe {
        journal.add("describe sent")
        return InFlightDescribe { [self] in
            journal.add("describe answered")
            return try inner.describe(id)
        }
    }
    func describe(_ id: String) throws -> SecretMetadata { try startDescribe(id, forToken: "").metadata() }
    func value(of id: String, stage: String, versionId: String?) throws -> StoredSecret? {
        journal.add("read \(stage)")
        return try inner.value(of: id, stage: stage, versionId: versionId)
    }
    func putPending(_ id: String, token: String, secretString: String, rotationToken: String?) throws {
        journal.add("put")
        try inner.putPending(id, token: token, secretString: secretString, rotationToken: rotationToken)
    }
    func moveCurrent(_ id: String, to token: String, from current: String?) throws {
        journal.add("move")
        try inner.moveCurrent(id, to: token, from: current)
    }
}

final class JournalingDatabase: Database {
    let inner: FakeDatabase
    let journal: Journal
    init(_ inner: FakeDatabase, _ journal: Journal) {
        self.inner = inner
        self.journal = journal
    }
    func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
        journal.add("login \(login.username)")
        return try inner.withSession(login) { session in try body(Session(inner: session, journal: journal)) }
    }
    struct Session: DatabaseSession {
        let inner: any DatabaseSession
        let journal: Journal
        var serverVersion: String { inner.serverVersion }
        func query(_ statement: SQL) throws -> [[String?]] {
            journal.add(String(statement.description.prefix(12)))
            return try inner.query(statement)
        }
    }
}

/// setSecret and testSecret in a warm process log in while DescribeSecret
/// travels, and act only on its answer; createSecret writes before it reads.
@Suite struct LoginAheadTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let app = Account(user: "app", host: "%")

    func secret(password: String, host: String = "db.internal") -> String {
        #"{"engine":"mysql","host":"\#(host)","username":"app","password":"\#(password)"}"#
    }

    struct Fixture {
        let store: InMemorySecretStore
        let fake: FakeDatabase
        let journal: Journal
        let rotator: Rotator

        func run(_ step: RotationEvent.Step, token: String = "t1") throws -> StepOutcome {
            journal.entries = []
            return try rotator.handle(
                RotationEvent(secretId: store.arn, clientRequestToken: token, step: step.rawValue))
        }
    }

    func fixture(newPassword: @escaping () throws -> String = { "new" }) -> Fixture {
        let store = InMemorySecretStore(current: secret(password: "old"))
        let fake = FakeDatabase()
        fake.accounts[app] = "old"
        let journal = Journal()
        let rotator = Rotator(
            store: VersionCache(OverlappingStore(store, journal)), database: JournalingDatabase(fake, journal),
            settings: RotationSettings(), newPassword: newPassword)
        store.startRotation(token: "t1")
        return Fixture(store: store, fake: fake, journal: journal, rotator: rotator)
    }

    @Test func aWarmRotationLogsInBeforeTheAnswerAndChangesNothingBeforeIt() throws {
        let f = fixture()
        #expect(try f.run(.createSecret) == .pendingCreated)
        #expect(f.journal.entries == ["describe sent", "describe answered", "read AWSCURRENT", "put"])
        #expect(try f.run(.setSecret) == .passwordSet)
        // SHOW CREATE USER first: the password changes, nothing else (PasswordChange).
        #expect(
            f.journal.entries == ["describe sent", "login app", "describe answered", "SHOW CREATE ", "SET PASSWORD"])
        #expect(try f.run(.testSecret) == .pendingLogsIn)
        #expect(f.journal.entries == ["describe sent", "login app", "describe answered", "SELECT NOW()"])
        #expect(try f.run(.finishSecret) == .currentMoved)
        #expect(f.fake.accounts[app] == "new")
        #expect(f.store.stages(of: "t1") == [Stage.current, Stage.pending])
    }

    @Test(arguments: [RotationEvent.Step.setSecret, .testSecret])
    func rotationDisabledMeanwhileIsReportedAndNothingRuns(_ step: RotationEvent.Step) throws {
        let f = fixture()
        _ = try f.run(.createSecret)
        if step == .testSecret { _ = try f.run(.setSecret) }
        let password = f.fake.accounts[app]
        f.store.rotationEnabled = false
        let error = try #require(throws: RotationError.self) { try f.run(step) }
        #expect(error == .rotationNotEnabled(secretId: f.store.arn))
        #expect(
            f.journal.entries == ["describe sent", "login app", "describe answered"], "a statement ran before the check"
        )
        #expect(f.fake.accounts[app] == password)
    }

    @Test func anUnreachableServerDoesNotHideAFailedCheck() throws {
        let f = fixture()
        _ = try f.run(.createSecret)
        f.store.rotationEnabled = false
        f.fake.reachable = false
        #expect(throws: RotationError.rotationNotEnabled(secretId: f.store.arn)) { try f.run(.setSecret) }
        f.store.rotationEnabled = true
        #expect(throws: FakeError.unreachable) { try f.run(.setSecret) }
    }

    @Test func aCurrentVersionMovedMeanwhileIsNotUsed() throws {
        let f = fixture()
        _ = try f.run(.createSecret)
        // Someone else made another version current; its password is the one the server has.
        f.store.versions["v0"]!.stages = [Stage.previous]
        f.store.versions["v9"] = .init(stages: [Stage.current], value: secret(password: "operator"))
        f.fake.accounts[app] = "operator"
        #expect(try f.run(.setSecret) == .passwordSet)
        #expect(
            f.journal.entries == [
                "describe sent", "login app", "describe answered", "read AWSCURRENT", "login app", "SHOW CREATE ",
                "SET PASSWORD",
            ])
        #expect(f.fake.accounts[app] == "new")
    }

    @Test func aPendingValueNamingAnotherHostIsNeverSentAnywhere() throws {
        let f = fixture()
        try f.store.putPending(
            f.store.arn, token: "t1", secretString: secret(password: "p", host: "evil"), rotationToken: nil)
        #expect(try f.run(.createSecret) == .pendingAlreadyExists)
        let error = try #require(throws: RotationError.self) { try f.run(.setSecret) }
        #expect(error == .pendingMismatch(secretId: f.store.arn, field: "host"))
        #expect(f.fake.sessions == 0)
    }

    @Test func createSecretKeepsAValueAnotherProcessStored() throws {
        let f = fixture()
        try f.store.putPending(f.store.arn, token: "t1", secretString: secret(password: "stored"), rotationToken: nil)
        #expect(try f.run(.createSecret) == .pendingAlreadyExists)
        #expect(
            f.journal.entries == ["describe sent", "describe answered", "read AWSCURRENT", "put", "read AWSPENDING"])
        #expect(f.store.versions["t1"]?.value == secret(password: "stored"))
        // Known now: the step sent again asks nothing more than DescribeSecret.
        #expect(try f.run(.createSecret) == .pendingAlreadyExists)
        #expect(f.journal.entries == ["describe sent", "describe answered"])
    }

    @Test func createSecretKeepsAStoredValueEvenWhenNoNewOneCanBeMade() throws {
        struct NoPassword: Error {}
        let f = fixture(newPassword: { throw NoPassword() })
        #expect(throws: NoPassword.self) { try f.run(.createSecret) }
        try f.store.putPending(f.store.arn, token: "t1", secretString: secret(password: "stored"), rotationToken: nil)
        #expect(try f.run(.createSecret) == .pendingAlreadyExists)
    }
}
