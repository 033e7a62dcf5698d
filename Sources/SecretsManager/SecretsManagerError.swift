import AWSCore
import ErrorTypes

/// Why a Secrets Manager call failed.
///
/// Descriptions name the operation and the endpoint's host, never a request
/// body or a secret value: they end up in logs and in the Lambda's error
/// response. Service messages are scrubbed of the secret that was sent
/// before they get here.
public enum SecretsManagerError: Error, CustomStringConvertible, Sendable {
    /// The call failed as any AWS call can: an error answer (its `code` the
    /// error type without its `namespace#` prefix, e.g.
    /// `ResourceNotFoundException`), no answer, an unreadable one, no time left.
    case aws(AWSError)
    /// The secret's ARN is in another partition than the function's region:
    /// the function's credentials cannot reach it there.
    case otherPartition(
        operation: String, secretId: String, partition: String, functionRegion: String, functionPartition: String)
    /// The ARN's region is no region of a known partition, or its partition
    /// is not the region's; no request was made. `problem` holds only names
    /// from the partition table, never the ARN's text.
    case invalidARN(operation: String, problem: String)

    /// An answer this client cannot read: not JSON, or a field missing or of the wrong type.
    public static func invalidResponse(operation: String, reason: String, host: String) -> SecretsManagerError {
        .aws(.invalidResponse(operation: operation, reason: reason, host: host))
    }

    public var operation: String {
        switch self {
        case .aws(let error): error.operation
        case .otherPartition(let operation, _, _, _, _), .invalidARN(let operation, _): operation
        }
    }

    /// A short name for the Lambda error body's `errorType`.
    public var errorType: String {
        switch self {
        case .aws(.service(_, let code, _, _, _)): code
        case .aws(.transport): ErrorType.secretsManagerTransportError.rawValue
        case .aws(.invalidResponse): ErrorType.secretsManagerInvalidResponse.rawValue
        case .aws(.deadlineExceeded): ErrorType.secretsManagerDeadlineExceeded.rawValue
        case .otherPartition: ErrorType.secretInOtherPartition.rawValue
        case .invalidARN: ErrorType.invalidSecretARN.rawValue
        }
    }

    public var isResourceNotFound: Bool {
        if case .aws(.service(_, "ResourceNotFoundException", _, _, _)) = self { return true }
        return false
    }

    /// PutSecretValue: the ClientRequestToken's version already holds another value.
    public var isResourceExists: Bool {
        if case .aws(.service(_, "ResourceExistsException", _, _, _)) = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .aws(.service(let operation, let type, let message, let status, let host)):
            let detail = message.map { ": \($0)" } ?? ""
            return "Secrets Manager \(operation) at \(host) failed with \(type) (HTTP \(status))\(detail)"
        case .aws(.transport(let operation, let error, _)):
            return "Secrets Manager \(operation) failed: \(error)"
        case .aws(.invalidResponse(let operation, let reason, let host)):
            return "Secrets Manager \(operation) at \(host) returned an unreadable response: \(reason)"
        case .aws(.deadlineExceeded(let operation, let host)):
            return "Secrets Manager \(operation) at \(host) not attempted: the invocation's deadline leaves no time"
        case .otherPartition(let operation, let secretId, let partition, let functionRegion, let functionPartition):
            return "Secrets Manager \(operation) not attempted: secret \(secretId) is in partition \(partition), "
                + "the function in \(functionRegion) (partition \(functionPartition)), whose credentials cannot read it"
        case .invalidARN(let operation, let problem):
            return "Secrets Manager \(operation) not attempted: the secret's ARN \(problem); no request was made"
        }
    }
}
