import ErrorTypes
import JSON
import LambdaRuntime
import Platform
import Preflight
import PreflightProbes
import Rotation
import SecretsManager

/// The fleet check, `{"CheckAll": {}}`: every secret whose rotation function
/// is this function, checked as the single check checks one, in one
/// invocation. Nothing is changed.
///
/// Concurrency: `Concurrency` worker threads (default 4), each with its own
/// Secrets Manager client (its own curl handle) and its own database layer
/// (a Connector/C handle per login); no handle is shared between threads.
/// Each worker opens one connection at a time, so the check never holds
/// more than `Concurrency` connections to any server. Every wait, HTTP or
/// database, is bounded by the fleet's deadline (the invocation's, less
/// `CallContext.Margin.answer`); the answer is sent at that deadline whatever is still
/// running, and the secrets not finished are reported as not checked.
enum FleetCheckRun {
    /// A secret is started only with this much of the fleet's time left: its
    /// probes need about that to say anything but "no time".
    static let minimumSecondsPerSecret = 2.0
}

/// The events sent by the Runtime API carry the function's own ARN; without
/// it the check cannot tell this function's secrets from another's.
struct MissingFunctionARN: Error, LambdaReportableError {
    var errorType: String { ErrorType.invalidInvocation.rawValue }
    var errorMessage: String {
        "the invocation carries no function ARN (Lambda-Runtime-Invoked-Function-Arn), which CheckAll compares each secret's RotationLambdaARN with"
    }
}

extension RotationHandler {
    /// Answers `{"CheckAll": …}` events; nil for any other event, which the
    /// caller then handles.
    static func checkAll(
        configuration: Configuration, logger: LambdaLogger
    ) -> ([UInt8], LambdaContext) throws ->
        [UInt8]?
    {
        { bytes, context in
            let request: FleetCheckRequest
            do {
                guard let parsed = try FleetCheckRequest.parse(bytes) else { return nil }
                request = parsed
            } catch {
                let (type, message) = Lambda.describe(error)
                logger.log(.error, "rejected event", [("errorType", type), ("error", message)])
                throw error
            }
            do {
                return try runFleetCheck(request, context: context, configuration: configuration, logger: logger)
            } catch {
                let (type, message) = Lambda.describe(error)
                logger.log(.error, "fleet check failed", [("errorType", type), ("error", message)])
                throw error
            }
        }
    }

    static func runFleetCheck(
        _ request: FleetCheckRequest, context: LambdaContext, configuration: Configuration, logger: LambdaLogger
    ) throws -> [UInt8] {
        let started = WallClock.monotonicSeconds()
        guard let functionARN = context.invokedFunctionArn, !functionARN.isEmpty else { throw MissingFunctionARN() }
        let fleet = context.callContext.reserving(.answer)
        let fleetDeadline = context.deadline.bringingForward(.answer)
        // The function's timeout, near enough: the single check's time-budget
        // check judges each secret against it, not against what is left.
        let budgetSeconds = context.deadline.remainingSeconds()

        let lister = makeSecretsManager(configuration)
        var listed: [FleetSecret] = []
        var token: String?
        repeat {
            let page = try lister.listSecrets(namePrefix: request.namePrefix, nextToken: token, context: fleet)
            listed += page.secrets.map(FleetSecret.init)
            token = page.nextToken
        } while token != nil
        let selected = FleetCheck.selected(listed, functionARN: functionARN, namePrefix: request.namePrefix)

        let slots = BoundedWorkers.run(
            count: selected.count, threads: request.concurrency, until: fleetDeadline,
            mayStart: { fleetDeadline.remainingSeconds() >= FleetCheckRun.minimumSecondsPerSecret },
            makeState: {
                FleetWorker(configuration: configuration, logger: logger, context: fleet)
            },
            work: { worker, index in
                worker.check(selected[index], functionARN: functionARN, budgetSeconds: budgetSeconds)
            })
        let now = Double(WallClock.nowMilliseconds()) / 1000
        let verdicts = zip(selected, slots).map { secret, slot in
            switch slot {
            case .done(let verdict): verdict
            case .running:
                FleetCheck.notChecked(
                    secret, reason: "still being checked when the invocation's time ran out", now: now)
            case .notStarted:
                FleetCheck.notChecked(secret, reason: "not reached before the invocation's time ran out", now: now)
            }
        }
        let duration = Int(((WallClock.monotonicSeconds() - started) * 1000).rounded())
        let report = FleetReport(
            functionARN: functionARN, namePrefix: request.namePrefix, secrets: verdicts, durationMs: duration)

        for verdict in verdicts where !verdict.ok {
            logger.log(
                .warn, verdict.isChecked ? "secret would fail" : "secret not checked",
                [("secret", verdict.arn), ("failed", verdict.failed.joined(separator: ","))])
        }
        logger.log(
            report.failing + report.notChecked == 0 ? .info : .warn, "fleet check done",
            [
                ("listed", String(listed.count)), ("checked", String(report.checked)),
                ("failing", String(report.failing)), ("notChecked", String(report.notChecked)),
                ("concurrency", String(request.concurrency)), ("durationMs", String(duration)),
            ])
        if let namespace = configuration.metricsNamespace {
            for record in fleetRecords(report, namespace: namespace, requestId: context.requestId) {
                LambdaLogger.writeToStandardOutput(record.line)
            }
        }
        return Array(report.json.serialized.utf8)
    }

    static func makeSecretsManager(_ configuration: Configuration) -> SecretsManagerClient {
        let client = SecretsManagerClient(
            region: configuration.region, endpoint: configuration.endpoint, credentials: configuration.credentials,
            caBundle: configuration.secretsManagerCABundle, maxAttempts: configuration.maxAttempts)
        client.regionalEndpoints = configuration.regionalEndpoints
        return client
    }

    /// One record per secret (`WouldFail`, `DaysSinceLastRotation`,
    /// `NotChecked`) and one for the run. The only dimension is the fixed
    /// `Check=fleet`, so a thousand secrets make three metrics, not three
    /// thousand: CloudWatch's Sum of `WouldFail` counts the failing secrets
    /// and its Maximum of `DaysSinceLastRotation` is the oldest rotation. The
    /// secret's ARN and name are properties, for Logs Insights.
    static func fleetRecords(_ report: FleetReport, namespace: String, requestId: String) -> [MetricsRecord] {
        let timestamp = WallClock.nowMilliseconds()
        let dimensions = [(name: "Check", value: "fleet")]
        var records = report.secrets.map { verdict in
            var metrics: [(name: String, unit: MetricsRecord.Unit, value: Int)] = [
                (name: "WouldFail", unit: .count, value: verdict.failing ? 1 : 0),
                (name: "NotChecked", unit: .count, value: verdict.isChecked ? 0 : 1),
            ]
            if let days = verdict.credentialAgeDays {
                metrics.append((name: "DaysSinceLastRotation", unit: .count, value: days))
            }
            return MetricsRecord(
                namespace: namespace, dimensions: dimensions, metrics: metrics,
                properties: [
                    (name: "SecretArn", value: verdict.arn), (name: "SecretName", value: verdict.name),
                    (name: "Status", value: verdict.status),
                    (name: "FailedChecks", value: verdict.failed.joined(separator: ",")),
                    (name: "RequestId", value: requestId),
                ], timestampMilliseconds: timestamp)
        }
        var totals: [(name: String, unit: MetricsRecord.Unit, value: Int)] = [
            (name: "SecretsChecked", unit: .count, value: report.checked),
            (name: "SecretsFailing", unit: .count, value: report.failing),
            (name: "SecretsNotChecked", unit: .count, value: report.notChecked),
            (name: "FleetCheckDuration", unit: .milliseconds, value: report.durationMs),
        ]
        if let oldest = report.oldestRotationDays {
            totals.append((name: "OldestRotationDays", unit: .count, value: oldest))
        }
        records.append(
            MetricsRecord(
                namespace: namespace, dimensions: dimensions, metrics: totals,
                properties: [(name: "RequestId", value: requestId)], timestampMilliseconds: timestamp))
        return records
    }
}

extension FleetSecret {
    init(_ entry: SecretListEntry) {
        self.init(
            arn: entry.arn, name: entry.name, rotationEnabled: entry.rotationEnabled,
            rotationFunctionARN: entry.rotationLambdaARN,
            schedule: RotationSchedule(
                automaticallyAfterDays: entry.automaticallyAfterDays, scheduleExpression: entry.scheduleExpression,
                duration: entry.duration),
            createdDate: entry.createdDate, lastRotatedDate: entry.lastRotatedDate,
            nextRotationDate: entry.nextRotationDate, versionIdsToStages: entry.versionIdsToStages)
    }
}

/// One worker thread's own clients; used by that thread only.
final class FleetWorker {
    let secretsManager: SecretsManagerClient
    let database: MariaDBDatabase.Bound
    let settings: RotationSettings
    /// The fleet's: the invocation's, less the answer's margin.
    let context: CallContext

    init(configuration: Configuration, logger: LambdaLogger, context: CallContext) {
        self.context = context
        secretsManager = RotationHandler.makeSecretsManager(configuration)
        // A logger of the thread's own: the shared one's requestId changes with
        // the next invocation, which a worker left running past the deadline
        // could otherwise read while it is written.
        let own = LambdaLogger(json: logger.json, minimumLevel: logger.minimumLevel)
        own.requestId = logger.requestId
        database = MariaDBDatabase(
            requireTLS: configuration.rotation.requireTLS, caBundle: configuration.databaseCABundle,
            pluginDirectory: configuration.pluginDirectory, serverPublicKey: configuration.serverPublicKey,
            logger: own
        ).bound(to: context)
        settings = configuration.rotation
    }

    func check(_ secret: FleetSecret, functionARN: String, budgetSeconds: Double) -> SecretVerdict {
        let database = self.database
        let preflight = Preflight(
            secrets: ListedSecret(
                facts: secret.facts, inspector: SecretsManagerInspector(client: secretsManager, context: context)),
            network: SocketNetwork(),
            tls: MariaDBTLSProbe(caBundle: database.caBundle) { try database.options(for: $0) }, database: database,
            context: PreflightContext(
                settings: settings, functionARN: functionARN, secondsLeft: budgetSeconds,
                secretsManagerEndpoint: secretsManager.endpoint,
                tlsMode: { ssl in
                    // The rotation's own decision; only a required mode without a CA bundle throws.
                    return (try? database.tlsMode(ssl: ssl).description) ?? "required"
                },
                describeError: { Lambda.describe($0) }, clock: WallClock.monotonicSeconds))
        let report = preflight.run(CheckRequest(secretId: secret.arn))
        // Only an unfinished rotation needs its versions' dates: one call, rarely.
        var created: [String: Double] = [:]
        if !secret.pendingVersions.isEmpty {
            created = (try? secretsManager.versionCreatedDates(secret.arn, context: context)) ?? [:]
        }
        return FleetCheck.verdict(
            secret, report: report, pendingCreated: created, now: Double(WallClock.nowMilliseconds()) / 1000)
    }
}

/// DescribeSecret answered from the ListSecrets entry (one call fewer per
/// secret); the values still read through the worker's own client.
struct ListedSecret: SecretInspecting {
    let facts: SecretFacts
    let inspector: SecretsManagerInspector

    func describe(_ secretId: String) throws -> SecretFacts { facts }
    func currentSecretString(_ secretId: String) throws -> String? { try inspector.currentSecretString(secretId) }
}
