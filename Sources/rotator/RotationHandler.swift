import CCrypto
import CurlHTTP
import JSON
import LambdaRuntime
import Preflight
import Rotation
import SecretsManager

/// One invocation: parse the event, run the step, log one line.
final class RotationHandler {
    let logger: LambdaLogger
    let secretsManager: SecretsManagerClient
    let database: MariaDBDatabase
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
        self.secretsManager = secretsManager
        self.database = database
        self.rotator = Rotator(
            store: VersionCache(secretsManager), database: database, settings: settings, newPassword: newPassword)
    }

    func handle(event bytes: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let started = WallClock.monotonicSeconds()
        secretsManager.deadline = context.deadline
        database.deadline = context.deadline
        database.connectionsOpened = 0
        let callsBefore = secretsManager.callCounts.values.reduce(0, +)
        var fields: [(String, String)] = []
        func finish(_ level: LambdaLogger.Level, _ message: String, _ extra: [(String, String)]) {
            let duration = Int(((WallClock.monotonicSeconds() - started) * 1000).rounded())
            let calls = secretsManager.callCounts.values.reduce(0, +) - callsBefore
            logger.log(level, message, fields + extra + [
                ("durationMs", String(duration)), ("secretsManagerCalls", String(calls)),
                ("databaseConnections", String(database.connectionsOpened)),
            ])
        }
        let event: RotationEvent
        do {
            // A preflight check, sent by a person or a pipeline, never by Secrets Manager.
            if let request = try CheckRequest.parse(bytes) { return check(request, context: context) }
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
