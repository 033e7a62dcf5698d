import AWSCore

/// Why an RDS call failed: one of AWS's four ways (`AWSError`), RDS having
/// no failure of its own. Descriptions name the operation, the host and
/// RDS's error code; the answers hold no secrets, but messages are kept short.
public struct RDSError: Error, CustomStringConvertible, Sendable {
    public var cause: AWSError

    public init(_ cause: AWSError) {
        self.cause = cause
    }

    /// An answer the client cannot read (the one failure built outside `AWSClient`).
    public static func invalidResponse(operation: String, reason: String, host: String) -> RDSError {
        RDSError(.invalidResponse(operation: operation, reason: reason, host: host))
    }

    public var isNotFound: Bool {
        if case .service(_, let code, _, _, _) = cause {
            return code == "DBInstanceNotFound" || code == "DBClusterNotFoundFault" || code == "DBClusterNotFound"
        }
        return false
    }

    public var description: String {
        switch cause {
        case .service(let operation, let code, let message, let status, let host):
            "RDS \(operation) at \(host) failed: \(code) (HTTP \(status))" + (message.map { ": \($0)" } ?? "")
        case .transport(let operation, let error, let host):
            "RDS \(operation) to \(host) failed: \(error.reason)"
        case .invalidResponse(let operation, let reason, let host):
            "RDS \(operation) at \(host) gave an unreadable answer: \(reason)"
        case .deadlineExceeded(let operation, let host):
            "no time left in the invocation for RDS \(operation) at \(host)"
        }
    }
}
