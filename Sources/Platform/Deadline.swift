#if canImport(Glibc)
import Glibc
#endif

/// A point in wall-clock time by which work must be done.
///
/// Lambda states an invocation's deadline as epoch milliseconds
/// (`Lambda-Runtime-Deadline-Ms`), so this keeps the same unit; every network
/// wait takes its bound from what is left of it.
public struct Deadline: Sendable, Equatable, Comparable {
    public var epochMilliseconds: Int64

    public init(epochMilliseconds: Int64) {
        self.epochMilliseconds = epochMilliseconds
    }

    public static func now() -> Deadline {
        Deadline(epochMilliseconds: WallClock.nowMilliseconds())
    }

    public static func after(seconds: Double) -> Deadline {
        Deadline(epochMilliseconds: WallClock.nowMilliseconds() + Int64(seconds * 1000))
    }

    /// Seconds left, less `margin`, never negative.
    public func remainingSeconds(margin: Double = 0) -> Double {
        let left = Double(epochMilliseconds - WallClock.nowMilliseconds()) / 1000 - margin
        return max(0, left)
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool {
        lhs.epochMilliseconds < rhs.epochMilliseconds
    }
}

public enum WallClock {
    public static func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// Monotonic seconds, for measuring durations that wall-clock changes must not skew.
    public static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
