import TestSupport
import Testing

@testable import Rotation

/// Counts what reaches the store behind the cache.
final class CountingStore: SecretReading, SecretWriting {
    let inner: InMemorySecretStore
    var reads = 0
    init(_ inner: InMemorySecretStore) { self.inner = inner }
    func describe(_ id: String) throws -> SecretMetadata { try inner.describe(id) }
    func value(of id: String, stage: String, versionId: String?) throws -> StoredSecret? {
        reads += 1
        return try inner.value(of: id, stage: stage, versionId: versionId)
    }
    func putPending(_ id: String, token: String, secretString: String, rotationToken: String?) throws {
        try inner.putPending(id, token: token, secretString: secretString, rotationToken: rotationToken)
    }
    func moveCurrent(_ id: String, to token: String, from current: String?) throws {
        try inner.moveCurrent(id, to: token, from: current)
    }
}

@Suite struct VersionCacheTests {
    let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    let secret = #"{"engine":"mysql","host":"h","username":"app","password":"old"}"#

    func rotate(_ rotator: Rotator, token: String) throws {
        for step in RotationEvent.Step.allCases {
            _ = try rotator.handle(RotationEvent(secretId: arn, clientRequestToken: token, step: step.rawValue))
        }
    }

    @Test func aWarmRotationReadsOnlyWhatItHasNotSeen() throws {
        let store = InMemorySecretStore(current: secret)
        let counting = CountingStore(store)
        let database = FakeDatabase()
        database.accounts[Account(user: "app", host: "%")] = "old"
        var count = 0
        let rotator = Rotator(store: VersionCache(counting), database: database, settings: RotationSettings()) {
            count += 1
            return "pw-\(count)"
        }
        store.startRotation(token: "t1")
        try rotate(rotator, token: "t1")
        // createSecret reads AWSCURRENT and writes the pending value without reading it first; everything after is known.
        #expect(counting.reads == 1)
        #expect(database.accounts[Account(user: "app", host: "%")] == "pw-1")

        store.startRotation(token: "t2")
        try rotate(rotator, token: "t2")
        // The new current version was written by this process: nothing is read.
        #expect(counting.reads == 1)
        #expect(database.accounts[Account(user: "app", host: "%")] == "pw-2")
    }

    @Test func aValueChangedOutsideIsSeenThroughANewVersion() throws {
        let store = InMemorySecretStore(current: secret)
        let cache = VersionCache(CountingStore(store))
        _ = try cache.describe(arn)
        #expect(try cache.value(of: arn, stage: Stage.current, versionId: nil)?.secretString == secret)
        // An operator stores a new current value: a new version, never an edit of the old one.
        store.versions["v0"]!.stages = []
        store.versions["v9"] = .init(
            stages: [Stage.current], value: #"{"engine":"mysql","host":"h2","username":"u","password":"p"}"#)
        _ = try cache.describe(arn)
        #expect(try cache.value(of: arn, stage: Stage.current, versionId: nil)?.versionId == "v9")
    }

    @Test func aStageMovedAwayIsNotServedFromTheCache() throws {
        let store = InMemorySecretStore(current: secret)
        let cache = VersionCache(CountingStore(store))
        _ = try cache.describe(arn)
        _ = try cache.value(of: arn, stage: Stage.current, versionId: "v0")
        store.versions["v0"]!.stages = [Stage.previous]
        _ = try cache.describe(arn)
        #expect(try cache.value(of: arn, stage: Stage.current, versionId: "v0") == nil)
    }

    /// The admin secret is read for a step and then forgotten: a process
    /// lives for many rotations, and nothing reads it back from here.
    @Test func theAdminSecretIsNeverKept() throws {
        let store = InMemorySecretStore(current: secret)
        let admin = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-XyZ"
        store.others[admin] = #"{"engine":"mysql","host":"h","username":"root","password":"admin-pw"}"#
        let cache = VersionCache(CountingStore(store))
        _ = try cache.describe(arn)
        #expect(try cache.value(of: arn, stage: Stage.current, versionId: nil) != nil)
        #expect(
            try cache.value(of: admin, stage: Stage.current, versionId: nil)?.secretString.contains("admin-pw") == true)
        #expect(cache.heldSecretIds == [arn])
    }
}
