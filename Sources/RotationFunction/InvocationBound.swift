import Platform
import SecretsManager

/// A layer the handler bounds by each invocation's deadline and whose work
/// it counts for the invocation's log line.
protocol InvocationBound: AnyObject {
    var deadline: Deadline? { get set }
    /// Requests sent or connections opened since the process started; the
    /// handler logs the difference over one invocation.
    var workCount: Int { get }
}

extension SecretsManagerClient: InvocationBound {
    var workCount: Int { callCounts.values.reduce(0, +) }
}

extension MariaDBDatabase: InvocationBound {
    var workCount: Int { connectionsOpened }
}
