import JSON
import LambdaRuntime
import Platform
import Preflight
import PreflightProbes
import Rotation
import SecretsManager

extension RevokeError: LambdaReportableError {}

extension RotationHandler {
    /// Answers `{"Revoke": …}` events (Rotation/Revoke/); nil for any other
    /// event. A rotator straight over Secrets Manager (no version cache):
    /// the passwords tested are the ones stored now.
    static func revoke(
        secretsManager: SecretsManagerClient, strategy: String, metricsNamespace: String?, logger: LambdaLogger,
        rotator: @escaping (CallContext) -> Rotator
    ) -> ([UInt8], LambdaContext) throws -> [UInt8]? {
        { bytes, context in
            let started = WallClock.monotonicSeconds()
            var secret = ""
            do {
                guard let request = try RevokeRequest.parse(bytes) else { return nil }
                secret = request.secretId
                guard let functionARN = context.invokedFunctionArn else { throw MissingFunctionARN() }
                let call = context.callContext
                let facts = try SecretsManagerInspector(client: secretsManager, context: call).describe(
                    request.secretId)
                secret = facts.arn
                try RevokePlan.admit(
                    secretId: facts.arn,
                    rotatesHere: facts.rotationFunctionARN.map { FunctionARN.same($0, functionARN) } ?? false,
                    rotatedBy: facts.rotationFunctionARN, functionARN: functionARN,
                    versionIdsToStages: facts.versionIdsToStages)
                let report = try rotator(call).revoke(facts.arn)
                logger.log(
                    .info, "revoke done",
                    [
                        ("secret", facts.arn), ("strategy", strategy),
                        ("tested", report.tested.map { "\($0.stage) \($0.result)" }.joined(separator: ", ")),
                        ("durationMs", String(Int(((WallClock.monotonicSeconds() - started) * 1000).rounded()))),
                    ])
                // The template's RevokeAlarm tells consumers (docs/operations.md): one
                // dimension, so one alarm hears every secret; the secret is a property.
                if let metricsNamespace {
                    logger.emit(
                        MetricsRecord(
                            namespace: metricsNamespace, dimensions: [("Command", "Revoke")],
                            metrics: [("Revokes", .count, 1)],
                            properties: [("SecretArn", facts.arn), ("RequestId", context.requestId)],
                            timestampMilliseconds: WallClock.nowMilliseconds()))
                }
                let answer: JSONObject = [
                    "secretId": .string(facts.arn), "strategy": .string(strategy), "action": .string(report.action),
                    "tested": .array(
                        report.tested.map { .object(["stage": .string($0.stage), "result": .string($0.result)]) }),
                ]
                return Array(answer.serialized.utf8)
            } catch {
                let (type, message) = Lambda.describe(error)
                logger.log(
                    .error, "revoke failed", [("secret", secret), ("errorType", type), ("error", message)])
                throw error
            }
        }
    }
}
