import Platform
import Rotation

/// Secrets Manager's versioning rules, in memory: a version holds stages
/// and maybe a value; moving AWSCURRENT leaves AWSPREVIOUS on the old one.
/// It also keeps what the function's handler asks of a layer (the deadline
/// it was given, a count of calls), so one fake serves every test target.
public final class InMemorySecretStore: SecretReading, SecretWriting {
    public struct Version {
        public var stages: [String]
        public var value: String?

        public init(stages: [String], value: String?) {
            self.stages = stages
            self.value = value
        }
    }

    public var rotationEnabled: Bool? = true
    public var versions: [String: Version] = [:]
    public var arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf"
    public var others: [String: String] = [:]  // other secrets' AWSCURRENT values, by id
    public var writes = 0
    public var otherTags: [String: [String: String]] = [:]  // other secrets' tags, by id
    public var otherDescribes = 0
    /// The deadline the handler set for the current invocation.
    public var deadline: Deadline?
    /// Calls of any kind, for the handler's per-invocation count.
    public private(set) var workCount = 0
    /// The deadline in force at each call.
    public private(set) var deadlinesSeen: [Deadline?] = []

    public init(current: String, versionId: String = "v0") {
        versions[versionId] = Version(stages: [Stage.current], value: current)
    }

    /// What RotateSecret does before invoking the function: a value-less AWSPENDING version.
    public func startRotation(token: String) {
        for id in versions.keys { versions[id]!.stages.removeAll { $0 == Stage.pending } }
        versions[token] = Version(stages: [Stage.pending], value: nil)
    }

    private func called() {
        workCount += 1
        deadlinesSeen.append(deadline)
    }

    public func describe(_ secretId: String) throws -> SecretMetadata {
        called()
        if secretId != arn, others[secretId] != nil {
            otherDescribes += 1
            return SecretMetadata(
                arn: secretId, rotationEnabled: nil, versionIdsToStages: ["other": [Stage.current]],
                tags: otherTags[secretId] ?? [:])
        }
        guard secretId == arn else { throw FakeError.notFound }
        return SecretMetadata(
            arn: arn, rotationEnabled: rotationEnabled, versionIdsToStages: versions.mapValues(\.stages))
    }

    public func value(of secretId: String, stage: String, versionId: String?) throws -> StoredSecret? {
        called()
        if secretId != arn {
            return others[secretId].map { StoredSecret(versionId: "other", secretString: $0) }
        }
        let match = versions.first { id, version in
            version.stages.contains(stage) && (versionId == nil || versionId == id)
        }
        guard let (id, version) = match, let value = version.value else { return nil }
        return StoredSecret(versionId: id, secretString: value)
    }

    public func putPending(_ secretId: String, token: String, secretString: String, rotationToken: String?) throws {
        called()
        writes += 1
        if let existing = versions[token]?.value, existing != secretString {
            throw VersionAlreadyHasValue(storeError: FakeError.versionExists)
        }
        for id in versions.keys where id != token { versions[id]!.stages.removeAll { $0 == Stage.pending } }
        var version = versions[token] ?? Version(stages: [], value: nil)
        version.value = secretString
        if !version.stages.contains(Stage.pending) { version.stages.append(Stage.pending) }
        versions[token] = version
    }

    public func moveCurrent(_ secretId: String, to token: String, from currentVersionId: String?) throws {
        called()
        writes += 1
        for id in versions.keys { versions[id]!.stages.removeAll { $0 == Stage.previous } }
        if let old = currentVersionId {
            versions[old]!.stages.removeAll { $0 == Stage.current }
            versions[old]!.stages.append(Stage.previous)
        }
        versions[token]!.stages.append(Stage.current)
    }

    public func stages(of id: String) -> Set<String> { Set(versions[id]?.stages ?? []) }
}
