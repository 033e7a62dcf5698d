/// The rotation state machine: one call per Secrets Manager step.
///
/// It holds no state between calls. Everything it knows comes from the
/// secret's versions and from the database, so any step may be repeated,
/// and a rotation interrupted anywhere is finished by running the steps
/// again from a new process.
public struct Rotator {
    public var store: any SecretReading & SecretWriting
    public var database: any Database
    public var settings: RotationSettings
    /// A new password under the configured policy.
    public var newPassword: () throws -> String
    /// RDS, for admin secrets that RDS manages (no `host`, a tag naming the database).
    public var directory: (any DatabaseDirectory)?
    public var replicaLagWait = ReplicaLagWait()
    /// A warning for the step's log: a message and fields that name no secret value.
    public var warn: (_ message: String, _ fields: [(String, String)]) -> Void = { _, _ in }

    public init(
        store: any SecretReading & SecretWriting, database: any Database, settings: RotationSettings,
        directory: (any DatabaseDirectory)? = nil, newPassword: @escaping () throws -> String
    ) {
        self.store = store
        self.database = database
        self.settings = settings
        self.directory = directory
        self.newPassword = newPassword
    }

    public func handle(_ event: RotationEvent) throws -> StepOutcome {
        let describe = store.startDescribe(event.secretId, forToken: event.clientRequestToken)
        if let outcome = try loggedInWhileDescribing(event, describe) { return outcome }
        let metadata = try describe.metadata()
        switch try StepPlan.decide(event, metadata: metadata) {
        case .alreadyCurrent:
            return .alreadyCurrent
        case .run(.createSecret):
            return try createSecret(event)
        case .run(.setSecret):
            return try setSecret(event)
        case .run(.testSecret):
            return try testSecret(event)
        case .run(.finishSecret):
            return try finishSecret(event, metadata: metadata)
        }
    }

    /// Reads and checks one version of the rotated secret.
    func secret(_ secretId: String, stage: String, versionId: String? = nil) throws -> DatabaseSecret? {
        guard let stored = try store.value(of: secretId, stage: stage, versionId: versionId) else { return nil }
        do {
            return try DatabaseSecret(parsing: stored.secretString, keys: settings.keys)
        } catch {
            throw RotationError.invalidSecret(secretId: secretId, stage: stage, problem: error)
        }
    }

    func requiredSecret(_ secretId: String, stage: String, versionId: String? = nil) throws -> DatabaseSecret {
        guard let secret = try secret(secretId, stage: stage, versionId: versionId) else {
            throw RotationError.stageHasNoValue(secretId: secretId, stage: stage)
        }
        return secret
    }
}

/// What a step did, for the log line and the invocation's response.
public enum StepOutcome: String, Sendable, Equatable {
    case alreadyCurrent = "version already AWSCURRENT; nothing to do"
    case pendingCreated = "created the AWSPENDING version"
    case pendingAlreadyExists = "AWSPENDING version already holds a value; kept it"
    case passwordSet = "set the pending password in the database"
    case passwordAlreadySet = "pending password already logs in; nothing to do"
    /// KEEP_PREVIOUS_PASSWORD, when AWSCURRENT's password was not proven to be the account's primary (KeptPasswordProof.swift).
    case passwordSetPreviousNotKept =
        "set the pending password in the database; the previous password was not kept: it is not proven to be the account's primary password"
    /// AUTH_PLUGIN moved the account's password methods to a stronger plugin.
    case passwordSetPluginMoved =
        "set the pending password in the database and moved the account to AUTH_PLUGIN's plugin"
    /// KEEP_PREVIOUS_PASSWORD and a plugin move where the previous password could not be kept (the warning says why).
    case passwordSetPluginMovedPreviousNotKept =
        "set the pending password in the database and moved the account to AUTH_PLUGIN's plugin; the previous password was not kept (MySQL cannot keep it across a plugin change; the step's warning says why)"
    case pendingLogsIn = "pending password logs in"
    case pendingLogsInPreviousNotKept = "pending password logs in; the previous password was not kept"
    case currentMoved = "moved AWSCURRENT to the pending version"
}

extension StepOutcome {
    /// setSecret's outcome once the password is set.
    static func passwordSet(keepSkipped: Bool, pluginMoved: Bool) -> StepOutcome {
        switch (keepSkipped, pluginMoved) {
        case (false, false): .passwordSet
        case (true, false): .passwordSetPreviousNotKept
        case (false, true): .passwordSetPluginMoved
        case (true, true): .passwordSetPluginMovedPreviousNotKept
        }
    }
}
