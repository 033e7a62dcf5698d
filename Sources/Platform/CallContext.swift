/// What one invocation hands to each call it makes: when it must be done,
/// its X-Ray trace, and the time kept back from that deadline.
///
/// The handler makes one from the invocation's `LambdaContext` and passes
/// it down; nothing long-lived holds it. Every wait takes its bound from it
/// through one of the `Margin`s below, the one set of margins of the function.
public struct CallContext: Sendable, Equatable {
    /// `nil`: no deadline (tests, tools); every wait then takes its own limits.
    public var deadline: Deadline?
    /// Lambda's `X-Amzn-Trace-Id`, sent with every AWS request so X-Ray links
    /// the calls to the invocation.
    public var traceId: String?

    public init(deadline: Deadline?, traceId: String? = nil) {
        self.deadline = deadline
        self.traceId = traceId
    }

    /// No deadline, no trace.
    public static let unbounded = CallContext(deadline: nil)

    /// Seconds kept back from the deadline, by what still has to happen after a wait.
    public enum Margin: Double, Sendable {
        /// An AWS request's attempt ends this long before the deadline, so
        /// that its failure can still be reported.
        case request = 0.5
        /// A database connect or statement: Connector/C counts whole seconds,
        /// so its limit may overshoot by most of one.
        case database = 1.0
        /// The fleet check's answer: serialize the report, write the metrics,
        /// post the response.
        case answer = 1.5
        /// A replica-lag wait leaves this for the last login and the report.
        case replicaLag = 3.0
    }

    /// An AWS retry is not started after its backoff with less than this left.
    public static let minimumAttemptSeconds = 0.25

    /// Seconds left before the deadline less `margin`, never negative;
    /// infinite without a deadline.
    public func secondsLeft(keeping margin: Margin) -> Double {
        deadline.map { $0.remainingSeconds(margin: margin.rawValue) } ?? .infinity
    }

    /// The same context with its deadline brought forward by `margin`: what
    /// is handed to work that must finish before that margin's own work.
    public func reserving(_ margin: Margin) -> CallContext {
        var context = self
        context.deadline = deadline?.bringingForward(margin)
        return context
    }
}

extension Deadline {
    /// This deadline less `margin`.
    public func bringingForward(_ margin: CallContext.Margin) -> Deadline {
        Deadline(epochMilliseconds: epochMilliseconds - Int64(margin.rawValue * 1000))
    }
}
