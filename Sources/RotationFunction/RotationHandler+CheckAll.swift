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
/// more than `Concurrency` connections to any server.
///
/// Time: the fleet's deadline is the invocation's less
/// `CallContext.Margin.answer`. Listing may take `FleetCheck.listingShare`
/// of it; what was listed by then is checked and the answer says listing
/// stopped. Each secret's check is bounded by its own cap
/// (`FleetCheck.secretCapSeconds`) and by the fleet's deadline: every wait
/// of it, HTTP, TCP or a database conversation (`ConversationLimit`),
/// ends there, so its worker thread moves on (or ends) then. The answer
/// waits for the workers a moment past the fleet's deadline
/// (`joinGraceSeconds`) so that none is still running when it is sent.
enum FleetCheckRun {
    static let joinGraceSeconds = 0.5
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
    /// caller then handles. `lister`, the handler's own client, lists the
    /// secrets before any worker starts; each worker makes its own.
    static func checkAll(
        configuration: Configuration, lister: SecretsManagerClient, logger: LambdaLogger
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
                return try runFleetCheck(
                    request, context: context, configuration: configuration, lister: lister, logger: logger)
            } catch {
                let (type, message) = Lambda.describe(error)
                logger.log(.error, "fleet check failed", [("errorType", type), ("error", message)])
                throw error
            }
        }
    }

    static func runFleetCheck(
        _ request: FleetCheckRequest, context: LambdaContext, configuration: Configuration,
        lister: SecretsManagerClient, logger: LambdaLogger
    ) throws -> [UInt8] {
        let started = WallClock.monotonicSeconds()
        guard let functionARN = context.invokedFunctionArn, !functionARN.isEmpty else { throw MissingFunctionARN() }
        let fleet = context.callContext.reserving(.answer)
        let fleetDeadline = context.deadline.bringingForward(.answer)
        // The function's timeout, near enough: the single check's time-budget
        // check judges each secret against it, not against what is left.
        let budgetSeconds = context.deadline.remainingSeconds()

        let (listed, notListed) = try listSecrets(request, context: fleet, logger: logger, lister: lister)
        let selected = FleetCheck.selected(listed, functionARN: functionARN, namePrefix: request.namePrefix)

        let capSeconds = FleetCheck.secretCapSeconds(
            fleetSeconds: fleetDeadline.remainingSeconds(), count: selected.count, threads: request.concurrency)
        let slots = BoundedWorkers.run(
            count: selected.count, threads: request.concurrency, until: fleetDeadline,
            joinBy: Deadline(
                epochMilliseconds: fleetDeadline.epochMilliseconds + Int64(FleetCheckRun.joinGraceSeconds * 1000)),
            mayStart: { fleetDeadline.remainingSeconds() >= FleetCheck.minimumSecondsPerSecret },
            makeState: {
                FleetWorker(configuration: configuration, logger: logger, fleet: fleet)
            },
            work: { worker, index in
                worker.check(
                    selected[index], functionARN: functionARN, budgetSeconds: budgetSeconds, capSeconds: capSeconds)
            })
        let now = Double(WallClock.nowMilliseconds()) / 1000
        let verdicts = zip(selected, slots).map { secret, slot in
            switch slot {
            case .done(let verdict): verdict
            case .running:
                FleetCheck.notChecked(secret, reason: FleetCheck.outOfTime, now: now)
            case .notStarted:
                FleetCheck.notChecked(secret, reason: "not reached before the invocation's time ran out", now: now)
            }
        }
        let duration = Int(((WallClock.monotonicSeconds() - started) * 1000).rounded())
        let report = FleetReport(
            functionARN: functionARN, namePrefix: request.namePrefix, secrets: verdicts, durationMs: duration,
            notListed: notListed)

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
                ("concurrency", String(request.concurrency)), ("capSeconds", String(Int(capSeconds))),
                ("listingComplete", String(report.listingComplete)), ("durationMs", String(duration)),
            ])
        if let namespace = configuration.metricsNamespace {
            for record in fleetRecords(report, namespace: namespace, requestId: context.requestId) {
                logger.emit(record)
            }
            for record in pluginRecords(report, namespace: namespace, requestId: context.requestId) {
                logger.emit(record)
            }
        }
        return Array(report.json.serialized.utf8)
    }

    /// Every ListSecrets page, within the listing's share of the fleet's
    /// time. A page that fails because that time ran out ends the listing
    /// with what was read (the second value says so); any other failure
    /// fails the check, as a role without ListSecrets must.
    static func listSecrets(
        _ request: FleetCheckRequest, context fleet: CallContext, logger: LambdaLogger, lister: SecretsManagerClient
    ) throws -> (listed: [FleetSecret], notListed: String?) {
        let listingSeconds = FleetCheck.listingSeconds(fleetSeconds: fleet.secondsLeft(keeping: .request))
        var listing = fleet
        listing.deadline = fleet.deadline.map { _ in Deadline.after(seconds: listingSeconds) }
        var listed: [FleetSecret] = []
        var pages = 0
        var token: String?
        repeat {
            let page: SecretListPage
            switch Result(catching: {
                try lister.listSecrets(namePrefix: request.namePrefix, nextToken: token, context: listing)
            }) {
            case .success(let answer):
                page = answer
            case .failure(let error)
            where FleetCheck.listingRanOutOfTime(secondsLeft: listing.secondsLeft(keeping: .request)):
                let (type, _) = Lambda.describe(error)
                logger.log(.warn, "listing stopped: its time ran out", [("pages", String(pages)), ("errorType", type)])
                let reason =
                    "ListSecrets stopped after \(pages) page\(pages == 1 ? "" : "s") (\(listed.count) secrets): its \(Int(listingSeconds)) s of the invocation ran out (\(type)); secrets on later pages are not in this answer"
                return (listed, reason)
            case .failure(let error):
                throw error
            }
            pages += 1
            listed += page.secrets.map(FleetSecret.init)
            token = page.nextToken
        } while token != nil
        return (listed, nil)
    }

    /// The one way the function builds a Secrets Manager client: the handler's (which
    /// also lists a fleet check's secrets), and one per fleet-check thread (a client
    /// is not for two threads at once).
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

extension RotationHandler {
    /// One `SecretsByPlugin` record per plugin (dimensions `Check=fleet`,
    /// `Plugin`): a handful of plugins, so a handful of metrics.
    static func pluginRecords(_ report: FleetReport, namespace: String, requestId: String) -> [MetricsRecord] {
        let timestamp = WallClock.nowMilliseconds()
        return report.secretsPerPlugin.map { plugin, count in
            MetricsRecord(
                namespace: namespace, dimensions: [(name: "Check", value: "fleet"), (name: "Plugin", value: plugin)],
                metrics: [(name: "SecretsByPlugin", unit: .count, value: count)],
                properties: [(name: "RequestId", value: requestId)], timestampMilliseconds: timestamp)
        }
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
    let database: MariaDBDatabase
    let settings: RotationSettings
    /// The fleet's: the invocation's, less the answer's margin.
    let fleet: CallContext

    init(configuration: Configuration, logger: LambdaLogger, fleet: CallContext) {
        self.fleet = fleet
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
        )
        settings = configuration.rotation
    }

    /// The secret's own context: the fleet's, its deadline brought forward
    /// to the secret's cap; and whether the cap (not the fleet's) is its end.
    func context(capSeconds: Double) -> (CallContext, capped: Bool) {
        var context = fleet
        let cap = Deadline.after(seconds: capSeconds)
        context.deadline = fleet.deadline.map { min($0, cap) } ?? cap
        return (context, context.deadline == cap)
    }

    func check(
        _ secret: FleetSecret, functionARN: String, budgetSeconds: Double, capSeconds: Double
    )
        -> SecretVerdict
    {
        let (context, capped) = self.context(capSeconds: capSeconds)
        let database = self.database.bound(to: context)
        // The rotation's own placement of the admin secret, as the single check's
        // (no RDS client here: an RDS-managed admin secret is reported as having no database).
        let rotator = Rotator(
            store: secretsManager.bound(to: context), database: database, settings: settings, newPassword: { "" })
        var preflight = Preflight(
            secrets: ListedSecret(
                facts: secret.facts, inspector: SecretsManagerInspector(client: secretsManager, context: context)),
            network: DeadlineNetwork(base: SocketNetwork(), context: context),
            tls: MariaDBTLSProbe(caBundle: database.caBundle) { try database.options(for: $0) }, database: database,
            context: PreflightContext(
                settings: settings, functionARN: functionARN, secondsLeft: budgetSeconds,
                secretsManagerEndpoint: secretsManager.endpoint,
                tlsMode: { ssl in
                    // The rotation's own decision; only a required mode without a CA bundle throws.
                    return (try? database.protection(ssl: ssl).description) ?? "required"
                },
                describeError: { Lambda.describe($0) }, clock: WallClock.monotonicSeconds,
                placeAdmin: rotator.placedAdminSecret))
        preflight.context.isLoginRefusal = MariaDBDatabase.isLoginRefusal
        preflight.context.missingClientPlugin = MariaDBDatabase.missingClientPlugin
        let report = preflight.run(CheckRequest(secretId: secret.arn))
        // Only an unfinished rotation needs its versions' dates: one call, rarely.
        var created: [String: Double] = [:]
        if !secret.pendingVersions.isEmpty {
            created = (try? secretsManager.versionCreatedDates(secret.arn, context: context)) ?? [:]
        }
        let now = Double(WallClock.nowMilliseconds()) / 1000
        // Out of time, the report's failures say only "no time": not a
        // verdict on the secret. Under 1 s left no database session may
        // open (MariaDBDatabase.options(for:context:)).
        if context.secondsLeft(keeping: .database) < 1 {
            return capped
                ? FleetCheck.cappedOut(secret, capSeconds: capSeconds, now: now)
                : FleetCheck.notChecked(secret, reason: FleetCheck.outOfTime, now: now)
        }
        return FleetCheck.verdict(secret, report: report, pendingCreated: created, now: now)
    }
}

/// The TCP probe within the secret's time: the check's own limit (up to
/// 5 s) could otherwise outlast the secret's cap.
struct DeadlineNetwork: NetworkProbing {
    let base: SocketNetwork
    let context: CallContext

    func resolve(_ host: String) throws -> [String] { try base.resolve(host) }

    func connect(_ host: String, port: Int, timeoutSeconds: Double) throws {
        let left = context.secondsLeft(keeping: .database)
        guard left > 0 else { throw DeploymentError.deadline(host: host, port: port) }
        try base.connect(host, port: port, timeoutSeconds: min(timeoutSeconds, left))
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
