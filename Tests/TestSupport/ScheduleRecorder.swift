import AWSCore

/// A retry schedule recorded instead of slept: the jitter draws a test
/// chooses (the last one repeats) and each wait the client asked for.
public final class ScheduleRecorder {
    public var sleeps: [Double] = []
    public var randoms: [Double]

    public init(randoms: [Double] = [1]) {
        self.randoms = randoms
    }

    public var backoff: Backoff {
        Backoff(
            random: { self.randoms.count > 1 ? self.randoms.removeFirst() : self.randoms[0] },
            sleep: { self.sleeps.append($0) })
    }
}
