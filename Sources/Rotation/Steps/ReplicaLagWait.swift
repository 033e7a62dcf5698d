import Platform

/// How long `testSecret` keeps trying a pending password on a read replica
/// or Aurora reader, where the change made on the primary arrives late.
public struct ReplicaLagWait {
    /// Waits after the first refusal, doubling up to `longestDelay`.
    public var firstDelay = 0.25
    public var longestDelay = 4.0
    /// The total wait, however much time the invocation has.
    public var maxSeconds = 60.0
    /// Seconds left in the invocation; a wait that would leave less than
    /// `reserve` for the last login and the report is not started.
    public var timeLeft: () -> Double = { 0 }
    public var reserve = CallContext.Margin.replicaLag.rawValue
    public var sleep: (Double) -> Void = { _ in }

    public init() {}

    /// The delays to sleep before each retry, computed as they are taken.
    public func nextDelay(after waited: Double, previous: Double?) -> Double? {
        let delay = previous.map { min($0 * 2, longestDelay) } ?? firstDelay
        guard waited + delay <= maxSeconds, delay + reserve <= timeLeft() else { return nil }
        return delay
    }
}
