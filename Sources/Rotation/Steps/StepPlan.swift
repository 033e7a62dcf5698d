/// What to do with an event, decided from DescribeSecret alone, with exactly
/// the checks and order of AWS's rotation templates.
public enum StepPlan: Equatable, Sendable {
    /// The token's version is already AWSCURRENT: the rotation is over.
    case alreadyCurrent
    case run(RotationEvent.Step)

    public static func decide(_ event: RotationEvent, metadata: SecretMetadata) throws(RotationError) -> StepPlan {
        if metadata.rotationEnabled == false {
            throw .rotationNotEnabled(secretId: event.secretId)
        }
        guard let stages = metadata.versionIdsToStages[event.clientRequestToken] else {
            throw .versionNotFound(secretId: event.secretId, token: event.clientRequestToken)
        }
        if stages.contains(Stage.current) {
            return .alreadyCurrent
        }
        guard stages.contains(Stage.pending) else {
            throw .versionNotPending(secretId: event.secretId, token: event.clientRequestToken)
        }
        guard let step = RotationEvent.Step(rawValue: event.step) else {
            throw .invalidEvent(
                "unknown step '\(event.step)' (expected createSecret, setSecret, testSecret or finishSecret)")
        }
        return .run(step)
    }
}
