import CurlHTTP

/// Why a call to an AWS service failed, its retries spent: the four ways any
/// service's call fails. Each service client's error holds it and describes
/// it in its own words, naming the service; a service's own failures (a
/// secret's ARN refused before any request) stay that service's cases.
public enum AWSError: Error, Sendable {
    /// The service answered with an error. `code` as its protocol reads it
    /// (`ResourceNotFoundException`, `DBInstanceNotFound`), else `HTTP<status>`.
    case service(operation: String, code: String, message: String?, status: Int, host: String)
    /// No HTTP answer: connection refused, reset, timed out, TLS.
    case transport(operation: String, HTTPError, host: String)
    /// An answer the client cannot read: not its format, or a field missing or of the wrong type.
    case invalidResponse(operation: String, reason: String, host: String)
    /// The invocation's deadline left no time to make the call.
    case deadlineExceeded(operation: String, host: String)

    public var operation: String {
        switch self {
        case .service(let operation, _, _, _, _), .transport(let operation, _, _),
            .invalidResponse(let operation, _, _), .deadlineExceeded(let operation, _):
            operation
        }
    }
}

extension AWSClient {
    /// The error to report for a failed call: its last attempt's. `message`
    /// reads an error answer's message (the protocol's business, which also
    /// scrubs it); it is cut to 300 characters.
    public func error(_ failure: Failure, _ operation: String, message: (HTTPResponse) -> String?) -> AWSError {
        switch failure.last {
        case .answered(let answer, let code):
            var text = message(answer)
            if let long = text, long.count > 300 { text = String(long.prefix(300)) + "…" }
            return .service(operation: operation, code: code, message: text, status: answer.status, host: host)
        case .transport(let cause): return .transport(operation: operation, cause, host: host)
        case .noTimeLeft: return .deadlineExceeded(operation: operation, host: host)
        }
    }
}
