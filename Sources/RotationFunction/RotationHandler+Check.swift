import ErrorTypes
import LambdaRuntime
import Platform
import Preflight
import PreflightProbes
import Rotation
import SecretsManager

extension RotationHandler {
    /// Answers a preflight check with its report. It changes nothing: the
    /// probes only read secrets, resolve, connect, log in and read grants.
    static func check(
        secretsManager: SecretsManagerClient, database: MariaDBDatabase, settings: RotationSettings,
        directory: RDSDirectory, logger: LambdaLogger
    ) -> (CheckRequest, LambdaContext) -> [UInt8] {
        { request, context in
            let started = WallClock.monotonicSeconds()
            var settings = settings
            settings.strategy = request.strategy ?? settings.strategy
            let call = context.callContext
            let session = database.bound(to: call)
            // The rotation's own reading of the admin secret, straight from
            // Secrets Manager (no cache), so the check places it as setSecret does.
            let rotator = Rotator(
                store: secretsManager.bound(to: call), database: session, settings: settings,
                directory: directory.bound(to: call),
                newPassword: { "" })
            var preflight = Preflight(
                secrets: SecretsManagerInspector(client: secretsManager, context: call), network: SocketNetwork(),
                tls: MariaDBTLSProbe(caBundle: database.caBundle) { try session.options(for: $0) },
                database: session,
                context: PreflightContext(
                    settings: settings, functionARN: context.invokedFunctionArn,
                    secondsLeft: context.deadline.remainingSeconds(), secretsManagerEndpoint: secretsManager.endpoint,
                    tlsMode: { ssl in
                        // The rotation's own decision; only a required mode without a CA bundle throws.
                        return (try? database.protection(ssl: ssl).description) ?? "required"
                    },
                    describeError: { Lambda.describe($0) }, clock: WallClock.monotonicSeconds,
                    placeAdmin: rotator.placedAdminSecret))
            preflight.context.isLoginRefusal = MariaDBDatabase.isLoginRefusal
            preflight.context.missingClientPlugin = MariaDBDatabase.missingClientPlugin
            let report = preflight.run(request)
            let duration = Int(((WallClock.monotonicSeconds() - started) * 1000).rounded())
            logger.log(
                report.ok ? .info : .warn, "check done",
                [
                    ("secret", request.secretId), ("strategy", report.strategy), ("ok", String(report.ok)),
                    ("failed", report.failed.joined(separator: ",")), ("durationMs", String(duration)),
                ])
            return Array(report.json.serialized.utf8)
        }
    }
}

extension NetworkProbeError: LambdaReportableError {
    public var errorType: String { ErrorType.databaseError.rawValue }
}
