import CurlHTTP

#if canImport(Glibc)
import Glibc
#endif

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
        Backoff(random: { Double.random(in: 0...1) }, sleep: Backoff.nanosleep)
    }

    /// Seconds to wait after attempt `attempt` (1-based) failed.
    public func delay(afterAttempt attempt: Int) -> Double {
        let exponent = min(max(attempt - 1, 0), 62)
        let cap = min(maxBackoff, Double(1 << exponent))
        return min(max(random(), 0), 1) * cap
    }

    public static func nanosleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var remaining = timespec()
        // A signal cuts the sleep short; finish it.
        while Glibc.nanosleep(&request, &remaining) == -1 && errno == EINTR {
            request = remaining
        }
    }
}
