import Cryptography
import JSON
import LambdaRuntime
import Platform
import Rotation
import SecretsManager

/// One invocation: parse the event, run the step, log one line.
public final class RotationHandler {
    let logger: LambdaLogger
    let secretsManager: any InvocationBound
    let database: any InvocationBound
    let rotator: Rotator

    public convenience init(configuration: Configuration, logger: LambdaLogger) throws {
        let secretsManager = SecretsManagerClient(
            region: configuration.region, endpoint: configuration.endpoint, credentials: configuration.credentials,
            caBundle: configuration.secretsManagerCABundle, maxAttempts: configuration.maxAttempts)
        let database = MariaDBDatabase(
            requireTLS: configuration.rotation.requireTLS, caBundle: configuration.databaseCABundle,
            pluginDirectory: configuration.pluginDirectory, logger: logger)
        let settings = configuration.rotation
        let newPassword: () throws -> String
        switch settings.passwordSource {
        case .local:
            let generator = PasswordGenerator(policy: settings.passwordPolicy, randomBytes: SecureRandom.fill)
            newPassword = { generator.generate() }
        case .service:
            let policy = settings.passwordPolicy
            newPassword = { try secretsManager.getRandomPassword(RandomPasswordRequest(policy)) }
        }
        self.init(store: secretsManager, database: database, settings: settings, newPassword: newPassword, logger: logger)
    }

    /// The handler over any store and database, which is how the unit tests
    /// run it against in-memory ones.
    init(
        store: some SecretReading & SecretWriting & InvocationBound, database: some Database & InvocationBound,
        settings: RotationSettings, newPassword: @escaping () throws -> String, logger: LambdaLogger
    ) {
        self.logger = logger
        self.secretsManager = store
        self.database = database
        self.rotator = Rotator(store: VersionCache(store), database: database, settings: settings, newPassword: newPassword)
    }

    public func handle(event bytes: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let started = WallClock.monotonicSeconds()
        secretsManager.deadline = context.deadline
        database.deadline = context.deadline
        let callsBefore = secretsManager.workCount
        let connectionsBefore = database.workCount
        var fields: [(String, String)] = []
        func finish(_ level: LambdaLogger.Level, _ message: String, _ extra: [(String, String)]) {
            let duration = Int(((WallClock.monotonicSeconds() - started) * 1000).rounded())
            let calls = secretsManager.workCount - callsBefore
            logger.log(level, message, fields + extra + [
                ("durationMs", String(duration)), ("secretsManagerCalls", String(calls)),
                ("databaseConnections", String(database.workCount - connectionsBefore)),
            ])
        }
        let event: RotationEvent
        do {
            event = try RotationEvent(json: bytes)
        } catch {
            let (type, message) = Lambda.describe(error)
            finish(.error, "rejected event", [("errorType", type), ("error", message)])
            throw error
        }
        fields = [("secret", event.secretId), ("token", event.clientRequestToken), ("step", event.step)]
        do {
            let outcome = try rotator.handle(event)
            finish(.info, "step done", [("outcome", outcome.rawValue)])
            let response: JSONObject = [
                "secretId": .string(event.secretId), "step": .string(event.step), "outcome": .string(outcome.rawValue),
            ]
            return Array(response.serialized.utf8)
        } catch {
            let (type, message) = Lambda.describe(error)
            finish(.error, "step failed", [("errorType", type), ("error", message)])
            throw error
        }
    }
}

extension RandomPasswordRequest {
    init(_ policy: PasswordPolicy) {
        self.init(
            passwordLength: policy.length, excludeCharacters: policy.excludeCharacters,
            excludeNumbers: policy.excludeNumbers, excludePunctuation: policy.excludePunctuation,
            excludeUppercase: policy.excludeUppercase, excludeLowercase: policy.excludeLowercase,
            includeSpace: false, requireEachIncludedType: policy.requireEachIncludedType)
    }
}
