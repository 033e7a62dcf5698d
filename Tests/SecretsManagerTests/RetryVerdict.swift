import AWSCore

@testable import SecretsManager

/// What AWSCore's `RetryPolicy` (the one retry table, held to botocore's by
/// `RetryOracle`) says of the failure an error reports: the client's request
/// loop decides by it, so an error that gave up must be one it retries, and
/// one returned at once one it does not. Refusals made before any request are
/// never retried.
enum RetryVerdict {
    static func retries(_ error: SecretsManagerError) -> Bool {
        switch error {
        case .aws(.service(_, let code, _, let status, _)): RetryPolicy.retries(code: code, status: status)
        case .aws(.transport(_, let cause, _)): RetryPolicy.retries(cause)
        case .aws(.invalidResponse), .aws(.deadlineExceeded), .otherPartition, .invalidARN: false
        }
    }
}
