import Platform
import SecretsManager

/// A layer the handler bounds by each invocation's deadline and whose work
/// it counts for the invocation's log line.
protocol InvocationBound: AnyObject {
    var deadline: Deadline? { get set }
    /// Requests sent or connections opened since the process started; the
    /// handler logs the difference over one invocation.
    var workCount: Int { get }
    /// Requests that were second or later attempts, for the metrics record.
    var retryCount: Int { get }
    /// Lambda's X-Ray trace of the current invocation, for the layer to pass on.
    var traceHeader: String? { get set }
}

/// A layer that sends no AWS requests retries none and has no trace to pass on.
extension InvocationBound {
    var retryCount: Int { 0 }
    var traceHeader: String? {
        get { nil }
        set {}
    }
}

extension SecretsManagerClient: InvocationBound {
    var workCount: Int { callCounts.values.reduce(0, +) }
}

extension MariaDBDatabase: InvocationBound {
    var workCount: Int { connectionsOpened }
}

extension RDSDirectory: InvocationBound {
    var workCount: Int { callCount }
}
