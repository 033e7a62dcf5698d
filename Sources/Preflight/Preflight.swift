import Rotation

/// Answers "will this secret rotate?" without changing anything: reads the
/// secret, probes the network and the database, logs in and reads grants,
/// and says for each check what was found and what to change.
public struct Preflight {
    public var secrets: any SecretInspecting
    public var network: any NetworkProbing
    public var tls: any TLSProbing
    /// The rotation's own database path, so logins go exactly as a rotation's would.
    public var database: any Database
    public var context: PreflightContext

    public init(
        secrets: any SecretInspecting, network: any NetworkProbing, tls: any TLSProbing, database: any Database,
        context: PreflightContext
    ) {
        self.secrets = secrets
        self.network = network
        self.tls = tls
        self.database = database
        self.context = context
    }

    public func run(_ request: CheckRequest) -> PreflightReport {
        let strategy = request.strategy ?? context.settings.strategy
        let run = PreflightRun(preflight: self, secretId: request.secretId, strategy: strategy)
        run.checkAll()
        run.checkTimeBudget()
        return run.report
    }
}

/// One check's working state: the report so far and the round trips measured.
final class PreflightRun {
    let preflight: Preflight
    let secretId: String
    let strategy: RotationSettings.Strategy
    var report: PreflightReport

    // Facts later checks build on.
    var arn: String
    var current: DatabaseSecret?
    var admin: DatabaseSecret?
    var currentSession: SessionFacts?
    var adminSession: SessionFacts?

    // Slowest round trips seen, in milliseconds, for the time budget.
    var secretsManagerMs = 0.0
    var loginMs: Double?
    var statementMs: Double?

    init(preflight: Preflight, secretId: String, strategy: RotationSettings.Strategy) {
        self.preflight = preflight
        self.secretId = secretId
        self.strategy = strategy
        self.arn = secretId
        self.report = PreflightReport(secretId: secretId, strategy: strategy.rawValue)
    }

    var context: PreflightContext { preflight.context }
    var usesAdmin: Bool { strategy != .single }

    func add(_ name: String, _ ok: Bool, _ detail: String, _ durationMs: Double = 0, advice: String? = nil) {
        report.checks.append(CheckResult(name: name, ok: ok, detail: detail, durationMs: durationMs))
        if !ok, let advice { report.advice.append(advice) }
    }

    /// Runs `body`, returning its result or error and how long it took.
    func timed<T>(_ body: () throws -> T) -> (result: Result<T, any Error>, ms: Double) {
        let started = context.clock()
        let result = Result { try body() }
        return (result, (context.clock() - started) * 1000)
    }

    func message(_ error: any Error) -> String { context.describeError(error).message }

    func checkAll() {
        guard checkSecret() else { return skipped(after: "the secret could not be read") }
        guard let current = checkSecretValue() else { return skipped(after: "AWSCURRENT is not a usable secret") }
        self.current = current
        if usesAdmin { checkAdminSecret(current) }
        guard checkNetwork(current) else { return skipped(after: "the database cannot be reached") }
        checkTLS(current)
        checkLogins(current)
        checkCloneName(current)
        checkPrivileges()
        checkAccount()
    }

    func skipped(after reason: String) {
        report.advice.append("The database checks did not run because \(reason); fix that and check again.")
    }

    func addMeasurement(secretsManager ms: Double) { secretsManagerMs = max(secretsManagerMs, ms) }
}
