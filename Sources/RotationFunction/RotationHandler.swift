import AWSCore
import Cryptography
import JSON
import LambdaRuntime
import Platform
import Preflight
import Rotation
import SecretsManager

/// One invocation: parse the event, run the step, log one line.
public final class RotationHandler {
    let logger: LambdaLogger
    let secretsManager: any InvocationScoped
    let database: any InvocationScoped
    /// Only for the strategies with an admin, whose secret RDS may manage.
    let directory: (any InvocationScoped)?
    /// The rotator for one invocation, over the layers' views bound to its context.
    let rotator: (CallContext) -> Rotator
    /// Answers a preflight check; set only over the real clients, whose
    /// probes it needs (see RotationHandler+Check.swift).
    var check: ((CheckRequest, LambdaContext) -> [UInt8])?
    /// Answers a fleet check (`CheckAll`; RotationHandler+CheckAll.swift), nil for other events.
    var checkAll: (([UInt8], LambdaContext) throws -> [UInt8]?)?
    /// Answers `{"Revoke": …}` (RotationHandler+Revoke.swift), nil for other events.
    var revoke: (([UInt8], LambdaContext) throws -> [UInt8]?)?
    let metricsNamespace: String?
    let strategy: String

    public convenience init(configuration: Configuration, logger: LambdaLogger) throws {
        let secretsManager = Self.makeSecretsManager(configuration)
        let database = MariaDBDatabase(
            requireTLS: configuration.rotation.requireTLS, caBundle: configuration.databaseCABundle,
            pluginDirectory: configuration.pluginDirectory, serverPublicKey: configuration.serverPublicKey,
            logger: logger)
        let settings = configuration.rotation
        let newPassword: (CallContext) -> () throws -> String
        switch settings.passwordSource {
        case .local:
            let generator = PasswordGenerator(policy: settings.passwordPolicy, randomBytes: SecureRandom.fill)
            newPassword = { _ in { generator.generate() } }
        case .service:
            let policy = settings.passwordPolicy
            newPassword = { context in
                { try secretsManager.getRandomPassword(RandomPasswordRequest(policy), context: context) }
            }
        }
        // A check may name another strategy than the function's, so it always gets the directory.
        let rds = RDSDirectory(
            credentials: configuration.credentials, environment: configuration.environment,
            maxAttempts: configuration.maxAttempts)
        let directory = settings.strategy == .single ? nil : rds
        self.init(
            store: secretsManager, database: database, directory: directory,
            settings: settings, passwords: newPassword, metricsNamespace: configuration.metricsNamespace,
            logger: logger)
        check = Self.check(
            secretsManager: secretsManager, database: database, settings: settings, directory: rds,
            logger: logger)
        checkAll = Self.checkAll(configuration: configuration, lister: secretsManager, logger: logger)
        revoke = Self.revoke(
            secretsManager: secretsManager, strategy: settings.strategy.rawValue,
            metricsNamespace: configuration.metricsNamespace, logger: logger,
            rotator: { context in
                Rotator(
                    store: secretsManager.bound(to: context), database: database.bound(to: context), settings: settings,
                    directory: directory?.bound(to: context), newPassword: newPassword(context))
            })
    }

    /// The handler over any store and database, which is how the unit tests
    /// run it against in-memory ones.
    convenience init<Store: InvocationScoped, DB: InvocationScoped>(
        store: Store, database: DB, settings: RotationSettings, newPassword: @escaping () throws -> String,
        metricsNamespace: String? = nil, logger: LambdaLogger
    ) where Store.View: SecretReading & SecretWriting, DB.View: Database {
        self.init(
            store: store, database: database, directory: nil, settings: settings, passwords: { _ in newPassword },
            metricsNamespace: metricsNamespace, logger: logger)
    }

    /// `passwords`: the new-password source for one invocation (Secrets
    /// Manager's GetRandomPassword is a call bounded by its context).
    init<Store: InvocationScoped, DB: InvocationScoped>(
        store: Store, database: DB, directory: RDSDirectory?, settings: RotationSettings,
        passwords: @escaping (CallContext) -> () throws -> String, metricsNamespace: String?,
        logger: LambdaLogger
    ) where Store.View: SecretReading & SecretWriting, DB.View: Database {
        self.logger = logger
        self.metricsNamespace = metricsNamespace
        self.strategy = settings.strategy.rawValue
        self.secretsManager = store
        self.database = database
        self.directory = directory
        // What the cache remembers outlives invocations (a rotation's steps
        // come one per invocation); what it reads through is each one's store.
        let memory = VersionMemory()
        self.rotator = { context in
            var rotator = Rotator(
                store: VersionCache(store.bound(to: context), memory: memory), database: database.bound(to: context),
                settings: settings,
                directory: directory?.bound(to: context), newPassword: passwords(context))
            rotator.replicaLagWait.timeLeft = { context.deadline?.remainingSeconds() ?? 0 }
            rotator.replicaLagWait.sleep = { WallClock.sleep(seconds: $0) }
            rotator.warn = { logger.log(.warn, $0, $1) }
            return rotator
        }
    }

    public func handle(event bytes: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let started = WallClock.monotonicSeconds()
        let rotator = self.rotator(context.callContext)
        let rdsCallsBefore = directory?.workCount ?? 0
        let callsBefore = secretsManager.workCount
        let connectionsBefore = database.workCount
        let retriesBefore = secretsManager.retryCount
        var fields: [(String, String)] = []
        var subject: (secret: String, step: String)?
        func finish(_ level: LambdaLogger.Level, _ message: String, _ extra: [(String, String)]) {
            let duration = Int(((WallClock.monotonicSeconds() - started) * 1000).rounded())
            let calls = secretsManager.workCount - callsBefore
            logger.log(
                level, message,
                fields + extra + [
                    ("durationMs", String(duration)), ("secretsManagerCalls", String(calls)),
                    ("databaseConnections", String(database.workCount - connectionsBefore)),
                ] + (directory.map { [("rdsCalls", String($0.workCount - rdsCallsBefore))] } ?? []))
            if let metricsNamespace {
                let record = Self.stepRecord(
                    namespace: metricsNamespace, secret: subject?.secret, step: subject?.step, strategy: strategy,
                    errorType: level < .error ? nil : extra.first { $0.0 == "errorType" }?.1 ?? "Unknown",
                    requestId: context.requestId, durationMs: duration, secretsManagerCalls: calls,
                    databaseConnections: database.workCount - connectionsBefore,
                    retries: secretsManager.retryCount - retriesBefore)
                logger.emit(record)
            }
        }
        if let checkAll, let answer = try checkAll(bytes, context) { return answer }
        if let revoke, let answer = try revoke(bytes, context) { return answer }
        let event: RotationEvent
        do {
            // A preflight check, sent by a person or a pipeline, never by Secrets Manager.
            if let request = try CheckRequest.parse(bytes), let check { return check(request, context) }
            event = try RotationEvent(json: bytes)
        } catch {
            let (type, message) = Lambda.describe(error)
            finish(.error, "rejected event", [("errorType", type), ("error", message)])
            throw error
        }
        fields = [("secret", event.secretId), ("token", event.clientRequestToken), ("step", event.step)]
        subject = (event.secretId, event.step)
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

extension RotationHandler {
    static let steps: Set<String> = ["createSecret", "setSecret", "testSecret", "finishSecret"]

    /// The step's EMF record. Dimensions take only values from small fixed
    /// sets (an unknown step name from a malformed event becomes `unknown`),
    /// so a bad caller cannot create metrics at will; the secret's ARN, the
    /// request and the error type are properties.
    static func stepRecord(
        namespace: String, secret: String?, step: String?, strategy: String, errorType: String?, requestId: String,
        durationMs: Int, secretsManagerCalls: Int, databaseConnections: Int, retries: Int
    ) -> MetricsRecord {
        var properties = [(name: "RequestId", value: requestId)]
        if let secret { properties.append((name: "SecretArn", value: secret)) }
        if let errorType { properties.append((name: "ErrorType", value: errorType)) }
        return MetricsRecord(
            namespace: namespace,
            dimensions: [
                (name: "Step", value: step.flatMap { steps.contains($0) ? $0 : nil } ?? "unknown"),
                (name: "Strategy", value: strategy), (name: "Outcome", value: errorType == nil ? "success" : "failure"),
            ],
            metrics: [
                (name: "Duration", unit: .milliseconds, value: durationMs),
                (name: "SecretsManagerCalls", unit: .count, value: secretsManagerCalls),
                (name: "DatabaseConnections", unit: .count, value: databaseConnections),
                (name: "Retries", unit: .count, value: retries),
                (name: "Failures", unit: .count, value: errorType == nil ? 0 : 1),
            ],
            properties: properties, timestampMilliseconds: WallClock.nowMilliseconds())
    }
}
