import AWSCore
import CurlHTTP

extension SecretsManagerError {
    /// Whether another attempt may succeed, by `RetryPolicy` (the AWS SDKs'
    /// standard retry mode, checked row by row against botocore's own
    /// answers, harness/oracles/retry_table.json). A write retried after a
    /// lost answer may find its own effect; `call(_:_:confirm:)` handles that.
    public var isRetryable: Bool {
        switch self {
        case .service(_, let type, _, let status, _): RetryPolicy.retries(code: type, status: status)
        case .transport(_, let error): RetryPolicy.retries(error)
        case .invalidResponse, .deadlineExceeded, .otherPartition, .invalidARN: false
        }
    }
}
