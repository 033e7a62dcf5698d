extension Rotator {
    /// Moves AWSCURRENT to the token's version; the service then marks the
    /// old current version AWSPREVIOUS. The stages come from the
    /// DescribeSecret that validated the event: no second call.
    func finishSecret(_ event: RotationEvent, metadata: SecretMetadata) throws -> StepOutcome {
        let currentVersion = metadata.currentVersionId
        if currentVersion == event.clientRequestToken {
            return .alreadyCurrent
        }
        try store.moveCurrent(event.secretId, to: event.clientRequestToken, from: currentVersion)
        return .currentMoved
    }
}
