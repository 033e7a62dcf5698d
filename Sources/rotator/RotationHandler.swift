import CCrypto
import CurlHTTP
import JSON
import LambdaRuntime
import Rotation
import SecretsManager

/// One invocation: parse the event, run the step, log one line.
final class RotationHandler {
    let logger: LambdaLogger
    let secretsManager: SecretsManagerClient
    let database: MariaDBDatabase
    /// Only for the strategies with an admin, whose secret RDS may manage.
    let directory: RDSDirectory?
    let rotator: Rotator

    init(configuration: Configuration, logger: LambdaLogger) throws {
        self.logger = logger
        let secretsManager = SecretsManagerClient(
            region: configuration.region, endpoint: configuration.endpoint, credentials: configuration.credentials,
            maxAttempts: configuration.maxAttempts)
        let database = MariaDBDatabase(
            requireTLS: configuration.rotation.requireTLS, caBundle: configuration.databaseCABundle,
            pluginDirectory: configuration.pluginDirectory, logger: logger)
        let settings = configuration.rotation
        let newPassword: () throws -> String
        switch settings.passwordSource {
        case .local:
            let generator = PasswordGenerator(policy: settings.passwordPolicy, randomBytes: OpenSSLRandom.fill)
            newPassword = { generator.generate() }
        case .service:
            let policy = settings.passwordPolicy
            newPassword = { try secretsManager.getRandomPassword(RandomPasswordRequest(policy)) }
        }
        let directory =
            settings.strategy == .single
            ? nil
            : RDSDirectory(
                credentials: configuration.credentials, environment: configuration.environment,
                maxAttempts: configuration.maxAttempts)
        self.secretsManager = secretsManager
        self.database = database
        self.directory = directory
        var rotator = Rotator(
            store: VersionCache(secretsManager), database: database, settings: settings, directory: directory,
            newPassword: newPassword)
        rotator.replicaLagWait.timeLeft = { [database] in database.deadline?.remainingSeconds() ?? 0 }
        rotator.replicaLagWait.sleep = Backoff.nanosleep
        self.rotator = rotator
    }

    func handle(event bytes: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let started = WallClock.monotonicSeconds()
        secretsManager.deadline = context.deadline
        database.deadline = context.deadline
        directory?.deadline = context.deadline
        let rdsCallsBefore = directory?.callCount ?? 0
        database.connectionsOpened = 0
        let callsBefore = secretsManager.callCounts.values.reduce(0, +)
        var fields: [(String, String)] = []
        func finish(_ level: LambdaLogger.Level, _ message: String, _ extra: [(String, String)]) {
            let duration = Int(((WallClock.monotonicSeconds() - started) * 1000).rounded())
            let calls = secretsManager.callCounts.values.reduce(0, +) - callsBefore
            logger.log(level, message, fields + extra + [
                ("durationMs", String(duration)), ("secretsManagerCalls", String(calls)),
                ("databaseConnections", String(database.connectionsOpened)),
            ] + (directory.map { [("rdsCalls", String($0.callCount - rdsCallsBefore))] } ?? []))
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

/// OpenSSL's CSPRNG, which the deployment image's libcrypto seeds from the kernel.
enum OpenSSLRandom {
    @Sendable static func fill(_ buffer: inout [UInt8]) {
        let ok = buffer.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32($0.count)) }
        // A failing CSPRNG leaves nothing safe to do: never fall back to a weaker source.
        precondition(ok == 1, "RAND_bytes failed")
    }
}
