import Platform

/// The wait between attempts: AWS's "standard" retry mode, truncated binary
/// exponential backoff with full jitter, `random(0…1) × min(20 s, 2^(n-1) s)`
/// before retry `n`. Full jitter spreads the retries of many throttled
/// clients instead of having them return together.
public struct Backoff {
    public var maxBackoff: Double
    /// A number in 0…1.
    public var random: () -> Double
    public var sleep: (Double) -> Void

    public init(
        maxBackoff: Double = 20, random: @escaping () -> Double, sleep: @escaping (Double) -> Void
    ) {
        self.maxBackoff = maxBackoff
        self.random = random
        self.sleep = sleep
    }

    public static var live: Backoff {
        Backoff(random: { Double.random(in: 0...1) }, sleep: { WallClock.sleep(seconds: $0) })
    }

    /// Seconds to wait after attempt `attempt` (1-based) failed.
    public func delay(afterAttempt attempt: Int) -> Double {
        let exponent = min(max(attempt - 1, 0), 62)
        let cap = min(maxBackoff, Double(1 << exponent))
        return min(max(random(), 0), 1) * cap
    }
}
