import Platform
import SecretsManager

/// A long-lived layer (its connections, handles and counters outlive the
/// invocation) that the handler gives each invocation's `CallContext` by
/// making a light view bound to it, and whose work it counts for the
/// invocation's log line. Nothing is set on the layer itself.
protocol InvocationScoped<View>: AnyObject {
    associatedtype View
    /// The view for one invocation: every call it makes carries `context`.
    func bound(to context: CallContext) -> View
    /// Requests sent or connections opened since the process started; the
    /// handler logs the difference over one invocation.
    var workCount: Int { get }
    /// Requests that were second or later attempts, for the metrics record.
    var retryCount: Int { get }
}

/// A layer that sends no AWS requests retries none.
extension InvocationScoped {
    var retryCount: Int { 0 }
}

extension SecretsManagerClient: InvocationScoped {
    var workCount: Int { callCounts.values.reduce(0, +) }

    func bound(to context: CallContext) -> SecretsManagerStore {
        SecretsManagerStore(client: self, context: context)
    }
}

extension MariaDBDatabase: InvocationScoped {
    var workCount: Int { connectionsOpened }

    func bound(to context: CallContext) -> MariaDBDatabase.Bound {
        Bound(database: self, context: context)
    }
}

extension RDSDirectory: InvocationScoped {
    var workCount: Int { callCount }

    func bound(to context: CallContext) -> RDSDirectory.Bound {
        Bound(directory: self, context: context)
    }
}
