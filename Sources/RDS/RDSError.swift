import CurlHTTP

/// Why an RDS call failed. Descriptions name the operation, the host and
/// RDS's error code; the answers hold no secrets, but messages are kept short.
public enum RDSError: Error, Equatable, CustomStringConvertible, Sendable {
    /// RDS answered with an error, e.g. `DBInstanceNotFound` or `AccessDenied`.
    case service(operation: String, code: String, message: String?, status: Int, host: String)
    case transport(operation: String, kind: HTTPError.Kind, reason: String, host: String)
    case invalidResponse(operation: String, reason: String, host: String)
    case deadlineExceeded(operation: String, host: String)

    public var isNotFound: Bool {
        if case .service(_, let code, _, _, _) = self {
            return code == "DBInstanceNotFound" || code == "DBClusterNotFoundFault" || code == "DBClusterNotFound"
        }
        return false
    }

    public var description: String {
        switch self {
        case .service(let operation, let code, let message, let status, let host):
            "RDS \(operation) at \(host) failed: \(code) (HTTP \(status))" + (message.map { ": \($0)" } ?? "")
        case .transport(let operation, _, let reason, let host):
            "RDS \(operation) to \(host) failed: \(reason)"
        case .invalidResponse(let operation, let reason, let host):
            "RDS \(operation) at \(host) gave an unreadable answer: \(reason)"
        case .deadlineExceeded(let operation, let host):
            "no time left in the invocation for RDS \(operation) at \(host)"
        }
    }
}
