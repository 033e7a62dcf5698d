import Rotation
import TestSupport
import Testing

/// RDS-managed admin secrets: only a username and password, and a tag naming
/// the database, whose endpoints come from a directory (RDS in the function).
@Suite struct RDSAdminTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let adminARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234"
    let instanceARN = "arn:aws:rds:us-east-1:123456789012:db:prod"
    let app = Account(user: "app", host: "10.0.0.%")
    let master = Account(user: "master", host: "%")

    static let topology = DatabaseTopology(
        engine: "mysql", primary: DatabaseEndpoint(host: "prod.abc.us-east-1.rds.amazonaws.com", port: 3306),
        readers: [DatabaseEndpoint(host: "prod-replica.abc.us-east-1.rds.amazonaws.com", port: 3306)])

    final class FakeDirectory: DatabaseDirectory {
        var topologies: [String: DatabaseTopology]
        var asked: [RDSResource] = []

        init(_ topologies: [String: DatabaseTopology]) {
            self.topologies = topologies
        }

        func primary(of resource: RDSResource) throws -> DatabaseTopology {
            asked.append(resource)
            guard let topology = topologies[resource.arn] else { throw DatabaseNotFound() }
            return topology
        }
    }

    /// Refuses a login at `host` the first `lag` times: a replica the new password has not reached.
    final class LaggingDatabase: Database {
        let inner: FakeDatabase
        let host: String
        var lag: Int
        var hosts: [String] = []

        init(_ inner: FakeDatabase, host: String, lag: Int) {
            self.inner = inner
            self.host = host
            self.lag = lag
        }

        func withSession<T>(_ login: DatabaseLogin, _ body: (any DatabaseSession) throws -> T) throws -> T {
            hosts.append(login.host)
            if login.host == host, lag > 0, login.username == "app", login.password.hasPrefix("new") {
                lag -= 1
                throw LoginRejected(username: login.username, host: login.host, port: login.port)
            }
            return try inner.withSession(login, body)
        }
    }

    func fixture(
        host: String = "prod.abc.us-east-1.rds.amazonaws.com", tags: [String: String]? = nil,
        adminSecret: String = #"{"username":"master","password":"master-pw"}"#,
        strategy: RotationSettings.Strategy = .admin
    ) -> (InMemorySecretStore, FakeDatabase, FakeDirectory, Rotator) {
        let store = InMemorySecretStore(
            current:
                #"{"engine":"mysql","host":"\#(host)","port":3306,"username":"app","password":"old","masterarn":"\#(adminARN)"}"#
        )
        store.others[adminARN] = adminSecret
        store.otherTags[adminARN] = tags ?? [RDSResource.instanceTag: instanceARN]
        store.startRotation(token: "t1")
        let database = FakeDatabase()
        database.accounts[app] = "old"
        database.accounts[master] = "master-pw"
        let directory = FakeDirectory([instanceARN: Self.topology])
        var settings = RotationSettings()
        settings.strategy = strategy
        let rotator = Rotator(store: store, database: database, settings: settings, directory: directory) { "new-pw" }
        return (store, database, directory, rotator)
    }

    func run(_ rotator: Rotator, _ steps: [RotationEvent.Step]) throws {
        for step in steps {
            _ = try rotator.handle(RotationEvent(secretId: arn, clientRequestToken: "t1", step: step.rawValue))
        }
    }

    @Test(arguments: ["prod.abc.us-east-1.rds.amazonaws.com", "PROD-REPLICA.abc.us-east-1.rds.amazonaws.com"])
    func anRDSManagedAdminChangesThePasswordThroughThePrimary(host: String) throws {
        let (store, database, directory, rotator) = fixture(host: host)
        try run(rotator, RotationEvent.Step.allCases)
        #expect(database.accounts[app] == "new-pw")
        #expect(database.accounts[master] == "master-pw")
        #expect(directory.asked.map(\.identifier).allSatisfy { $0 == "prod" })
        #expect(store.stages(of: "t1").contains(Stage.current))
    }

    @Test func theAdminsSessionGoesToThePrimaryWhenTheUserIsOnAReplica() throws {
        let (_, database, _, rotator) = fixture(host: "prod-replica.abc.us-east-1.rds.amazonaws.com")
        let recording = LaggingDatabase(database, host: "none", lag: 0)
        var rotator2 = rotator
        rotator2.database = recording
        try run(rotator2, [.createSecret, .setSecret])
        // The current password proves the account where the user logs in; the admin changes it on the primary.
        #expect(
            recording.hosts == ["prod-replica.abc.us-east-1.rds.amazonaws.com", "prod.abc.us-east-1.rds.amazonaws.com"])
    }

    @Test func aClusterTagIsAskedAsACluster() throws {
        let clusterARN = "arn:aws-cn:rds:cn-north-1:123456789012:cluster:aurora"
        let (_, _, directory, rotator) = fixture(
            host: "aurora.cluster-ro-x.cn-north-1.rds.amazonaws.com.cn", tags: [RDSResource.clusterTag: clusterARN])
        directory.topologies[clusterARN] = DatabaseTopology(
            engine: "aurora-mysql",
            primary: DatabaseEndpoint(host: "aurora.cluster-x.cn-north-1.rds.amazonaws.com.cn", port: 3306),
            readers: [DatabaseEndpoint(host: "aurora.cluster-ro-x.cn-north-1.rds.amazonaws.com.cn", port: 3306)])
        try run(rotator, [.createSecret, .setSecret])
        let asked = try #require(directory.asked.first)
        #expect(asked.kind == .cluster)
        #expect(asked.region == "cn-north-1")
        #expect(asked.partition == "aws-cn")
        #expect(asked.identifier == "aurora")
    }

    @Test func aHostOutsideTheDatabaseIsRefusedBeforeAnyLogin() throws {
        let (_, database, _, rotator) = fixture(host: "other.abc.us-east-1.rds.amazonaws.com")
        try run(rotator, [.createSecret])
        let before = database.sessions
        #expect(throws: RotationError.adminElsewhere(secretId: arn, adminSecretId: adminARN)) {
            try run(rotator, [.setSecret])
        }
        #expect(database.sessions == before)
        #expect(database.accounts[app] == "old")
    }

    @Test func anotherPortOfTheSameHostIsRefused() throws {
        let (store, database, _, rotator) = fixture()
        store.versions["v0"]!.value = store.versions["v0"]!.value!.replacing("3306", with: "3307")
        try run(rotator, [.createSecret])
        let before = database.sessions
        #expect(throws: RotationError.adminElsewhere(secretId: arn, adminSecretId: adminARN)) {
            try run(rotator, [.setSecret])
        }
        #expect(database.sessions == before)
    }

    @Test func aTagNamingNoDatabaseIsRefused() throws {
        let missing = "arn:aws:rds:us-east-1:123456789012:db:gone"
        let (_, database, _, rotator) = fixture(tags: [RDSResource.instanceTag: missing])
        try run(rotator, [.createSecret])
        let error = #expect(throws: RotationError.self) { try run(rotator, [.setSecret]) }
        #expect(error == .adminDatabaseNotFound(adminSecretId: adminARN, resource: missing))
        #expect(error?.errorType == "AdminDatabaseNotFound")
        #expect(database.accounts[app] == "old")
    }

    @Test func anAdminWithoutHostOrTagIsRefused() throws {
        let (_, database, _, rotator) = fixture(tags: ["team": "db"])
        try run(rotator, [.createSecret])
        let before = database.sessions
        let error = #expect(throws: RotationError.self) { try run(rotator, [.setSecret]) }
        #expect(error == .adminHasNoDatabase(secretId: arn, adminSecretId: adminARN))
        #expect(error?.errorType == "InvalidSecret")
        #expect(database.sessions == before)
    }

    @Test(arguments: [
        "arn:aws:rds:us-east-1:123456789012:cluster:prod", "not-an-arn", "arn:aws:ec2:us-east-1:123456789012:db:prod",
        "arn:aws:rds:us-east-1:123456789012:db:",
    ])
    func aTagThatIsNoInstanceARNIsAnInvalidSecret(value: String) throws {
        let (_, _, directory, rotator) = fixture(tags: [RDSResource.instanceTag: value])
        try run(rotator, [.createSecret])
        let error = #expect(throws: RotationError.self) { try run(rotator, [.setSecret]) }
        #expect(error?.errorType == "InvalidSecret")
        #expect(directory.asked.isEmpty)
    }

    @Test func aNonMySQLDatabaseIsRefused() throws {
        let (_, _, directory, rotator) = fixture()
        directory.topologies[instanceARN]!.engine = "postgres"
        try run(rotator, [.createSecret])
        let error = #expect(throws: RotationError.self) { try run(rotator, [.setSecret]) }
        #expect(error?.errorType == "AdminSecretMismatch")
        #expect(error?.description.contains("postgres") == true)
    }

    @Test func anAdminSecretWithAHostIsUsedAsItIsWithoutAskingRDS() throws {
        let (store, database, directory, rotator) = fixture(
            adminSecret:
                #"{"engine":"mysql","host":"prod.abc.us-east-1.rds.amazonaws.com","port":3306,"username":"master","password":"master-pw"}"#
        )
        try run(rotator, RotationEvent.Step.allCases)
        #expect(database.accounts[app] == "new-pw")
        #expect(directory.asked.isEmpty)
        #expect(store.otherDescribes == 0)
    }

    @Test func theAdminSecretsPasswordNeverReachesTheRotatedSecret() throws {
        let (store, _, _, rotator) = fixture()
        try run(rotator, RotationEvent.Step.allCases)
        #expect(store.versions.values.allSatisfy { !($0.value ?? "").contains("master-pw") })
    }

    // MARK: - Replication lag

    final class Sleeps: @unchecked Sendable {
        var values: [Double] = []
    }

    /// A rotation whose password is set; the replica then refuses the new one `lag` times.
    func lagFixture(lag: Int, timeLeft: Double = 30) throws -> (LaggingDatabase, Rotator) {
        let (_, database, _, rotator) = fixture(host: "prod-replica.abc.us-east-1.rds.amazonaws.com")
        var lagged = rotator
        try run(lagged, [.createSecret, .setSecret])
        let lagging = LaggingDatabase(database, host: "prod-replica.abc.us-east-1.rds.amazonaws.com", lag: lag)
        lagged.database = lagging
        let sleeps = Sleeps()
        lagged.replicaLagWait.timeLeft = { timeLeft - sleeps.values.reduce(0, +) }
        lagged.replicaLagWait.sleep = { sleeps.values.append($0) }
        return (lagging, lagged)
    }

    @Test func testSecretWaitsForAReplicaToCatchUp() throws {
        let (lagging, rotator) = try lagFixture(lag: 3)
        try run(rotator, [.testSecret])
        #expect(lagging.lag == 0)
    }

    @Test func testSecretGivesUpWhenTheInvocationRunsOut() throws {
        let (lagging, rotator) = try lagFixture(lag: 1000, timeLeft: 10)
        #expect(throws: RotationError.self) { try run(rotator, [.testSecret]) }
        // 0.25 + 0.5 + 1 + 2 = 3.75 s slept; a 4 s wait would leave less than the 3 s reserve.
        #expect(1000 - lagging.lag == 5)
    }

    @Test func testSecretDoesNotWaitOnThePrimary() throws {
        let (_, database, _, rotator) = fixture()
        let lagging = LaggingDatabase(database, host: "prod.abc.us-east-1.rds.amazonaws.com", lag: 1000)
        var rotator2 = rotator
        rotator2.replicaLagWait.timeLeft = { 1000 }
        try run(rotator2, [.createSecret, .setSecret])
        rotator2.database = lagging
        #expect(throws: RotationError.self) { try run(rotator2, [.testSecret]) }
        #expect(1000 - lagging.lag == 1)
    }

    @Test func theWaitDoublesUpToItsLongestAndStopsAtItsMaximum() {
        var wait = ReplicaLagWait()
        wait.timeLeft = { 1000 }
        var delays: [Double] = []
        var waited = 0.0
        while let next = wait.nextDelay(after: waited, previous: delays.last) {
            delays.append(next)
            waited += next
        }
        #expect(delays.prefix(6) == [0.25, 0.5, 1, 2, 4, 4])
        #expect(waited <= wait.maxSeconds)
        #expect(waited > wait.maxSeconds - wait.longestDelay)
    }

    // MARK: - Topology decisions

    @Test(arguments: [
        ("prod.abc.us-east-1.rds.amazonaws.com", 3306, DatabaseTopology.Placement?.some(.primary)),
        ("Prod.ABC.us-east-1.rds.amazonaws.com", 3306, .some(.primary)),
        ("prod-replica.abc.us-east-1.rds.amazonaws.com", 3306, .some(.reader)),
        ("prod-replica.abc.us-east-1.rds.amazonaws.com", 3307, nil),
        ("prod.abc.us-east-1.rds.amazonaws.com.evil.example", 3306, nil),
    ])
    func placement(host: String, port: Int, expected: DatabaseTopology.Placement?) {
        #expect(Self.topology.placement(host: host, port: port) == expected)
    }

    @Test func rdsEnginesMapToSecretEngines() {
        func engine(_ name: String) -> DatabaseSecret.Engine? {
            DatabaseTopology(engine: name, primary: DatabaseEndpoint(host: "h", port: 1)).secretEngine
        }
        #expect(engine("mysql") == .mysql)
        #expect(engine("mariadb") == .mariadb)
        #expect(engine("aurora-mysql") == .auroraMySQL)
        #expect(engine("aurora") == .auroraMySQL)
        #expect(engine("aurora-postgresql") == nil)
    }
}
