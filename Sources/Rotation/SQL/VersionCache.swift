/// A secret store that remembers version values between steps.
///
/// Secrets Manager never changes a version's value once it has one, so a
/// value read or written under a version ID stays true for the life of the
/// process. Stages do move, so they are always taken from the DescribeSecret
/// that opens each step; only the stage → version lookup uses it. A warm
/// process then skips most GetSecretValue calls of a rotation.
///
/// The cache is a view: what it remembers (`VersionMemory`) lives as long as
/// the process, the store it reads through only as long as one invocation,
/// so each invocation makes its own view over the one memory.
public struct VersionCache: SecretReading, SecretWriting {
    private let store: any SecretReading & SecretWriting
    private let memory: VersionMemory

    public init(_ store: any SecretReading & SecretWriting, memory: VersionMemory = VersionMemory()) {
        self.store = store
        self.memory = memory
    }

    public func describe(_ secretId: String) throws -> SecretMetadata {
        let metadata = try store.describe(secretId)
        if memory.rotated == nil || memory.rotated == secretId {
            memory.latestMetadata[secretId] = metadata
            memory.describedForToken[secretId] = nil
        }
        return metadata
    }

    /// The step's DescribeSecret of the secret it rotates, for rotation `token`.
    public func startDescribe(_ secretId: String, forToken token: String) -> InFlightDescribe {
        memory.rotated = secretId
        let inner = store.startDescribe(secretId, forToken: token)
        return InFlightDescribe { [memory] in
            let metadata = try inner.metadata()
            memory.latestMetadata[secretId] = metadata
            memory.describedForToken[secretId] = token
            return metadata
        }
    }

    /// Whether the stages this process holds for `secretId` were read in a
    /// step of rotation `token` (a retry of another rotation's step may find
    /// them moved since).
    public func stagesDescribed(_ secretId: String, forToken token: String) -> Bool {
        memory.describedForToken[secretId] == token
    }

    public func value(of secretId: String, stage: String, versionId: String?) throws -> StoredSecret? {
        if let cached = known(secretId, stage: stage, versionId: versionId) { return cached }
        let value = try store.value(of: secretId, stage: stage, versionId: versionId)
        // Only the rotated secret's versions are kept (it is the one
        // described). The admin secret is read once per step and must not
        // stay in memory for the life of the process.
        if let value, memory.latestMetadata[secretId] != nil { remember(secretId, value) }
        return value
    }

    public func putPending(_ secretId: String, token: String, secretString: String, rotationToken: String?) throws {
        try store.putPending(secretId, token: token, secretString: secretString, rotationToken: rotationToken)
        remember(secretId, StoredSecret(versionId: token, secretString: secretString))
        memory.latestMetadata[secretId]?.versionIdsToStages[token, default: []].append(Stage.pending)
    }

    public func moveCurrent(_ secretId: String, to token: String, from currentVersionId: String?) throws {
        try store.moveCurrent(secretId, to: token, from: currentVersionId)
        memory.latestMetadata[secretId] = nil
        memory.describedForToken[secretId] = nil
    }

    public func knownValue(
        of secretId: String, stage: String, versionId: String?, describedFor token: String?
    )
        -> StoredSecret?
    {
        if let token, !stagesDescribed(secretId, forToken: token) { return nil }
        return known(secretId, stage: stage, versionId: versionId)
    }

    /// The value this process already knows for the stage (as the last
    /// DescribeSecret placed it) or version, without asking the store.
    public func known(_ secretId: String, stage: String, versionId: String?) -> StoredSecret? {
        guard let versionId = versionId ?? versionHolding(stage, of: secretId),
            let cached = memory.values[VersionMemory.Key(secretId: secretId, versionId: versionId)],
            memory.latestMetadata[secretId]?.versionIdsToStages[versionId]?.contains(stage) == true
        else { return nil }
        return cached
    }

    /// Only secrets described in this process are looked up by stage: an
    /// admin secret (never described) is always read afresh, and never kept.
    private func versionHolding(_ stage: String, of secretId: String) -> String? {
        memory.latestMetadata[secretId]?.versionIdsToStages.first(where: { $0.value.contains(stage) })?.key
    }

    /// The secrets whose values are held, for tests.
    var heldSecretIds: Set<String> { Set(memory.values.keys.map(\.secretId)) }

    private func remember(_ secretId: String, _ value: StoredSecret) {
        memory.remember(secretId, value)
    }
}

/// What a `VersionCache` knows, kept for the life of the process.
public final class VersionMemory {
    var values: [Key: StoredSecret] = [:]
    var insertionOrder: [Key] = []
    var latestMetadata: [String: SecretMetadata] = [:]
    /// The rotation token of the step whose DescribeSecret gave `latestMetadata`.
    var describedForToken: [String: String] = [:]
    /// The secret the current step rotates; once set, no other secret's
    /// stages are kept, so an admin secret (which an RDS-managed one is
    /// described for its tags) is read afresh on every invocation.
    var rotated: String?
    /// A few rotations' worth; more would only hold old secrets in memory.
    static let capacity = 8

    struct Key: Hashable {
        var secretId: String
        var versionId: String
    }

    public init() {}

    func remember(_ secretId: String, _ value: StoredSecret) {
        let key = Key(secretId: secretId, versionId: value.versionId)
        if values.updateValue(value, forKey: key) == nil {
            insertionOrder.append(key)
            if insertionOrder.count > Self.capacity {
                values[insertionOrder.removeFirst()] = nil
            }
        }
    }
}
