import AWSCore
import CurlHTTP

extension SecretsManagerError {
    /// botocore's standard-mode throttling codes (`ThrottledRetryableChecker`).
    /// Secrets Manager answers `LimitExceededException` for its quotas (the
    /// number of versions, say), which waiting rarely lifts; it is retried
    /// anyway, as the SDKs do: three attempts cost a few seconds at most.
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    /// botocore's `TransientRetryableChecker`: these codes, these statuses
    /// (not every 5xx: a 501 or 505 will not change), and any failure to get
    /// an answer at all.
    static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"]
    static let transientStatuses: Set<Int> = [500, 502, 503, 504]

    /// Whether another attempt may succeed, by the AWS SDKs' standard retry
    /// mode (checked row by row against botocore's own answers,
    /// harness/oracles/retry_table.json). A connection reset or timeout at
    /// any phase, TLS handshake included, is retried; only a request curl
    /// could not even make is not. A write retried after a lost answer may
    /// find its own effect; `call(_:_:confirm:)` handles that.
    public var isRetryable: Bool {
        switch self {
        case .service(_, let type, _, let status, _):
            Self.throttlingCodes.contains(type) || Self.transientCodes.contains(type)
                || Self.transientStatuses.contains(status)
        case .transport(_, let error):
            error.kind != .invalidRequest
        case .invalidResponse, .deadlineExceeded, .otherPartition, .invalidARN:
            false
        }
    }

    /// Whether the service may have performed the request although this
    /// answer says it failed: no answer arrived after the request may have
    /// gone out, or the service failed on its side.
    var outcomeUnknown: Bool {
        switch self {
        case .service(_, _, _, let status, _): status >= 500
        case .transport(_, let error): error.kind != .couldNotConnect && error.kind != .invalidRequest
        case .invalidResponse, .deadlineExceeded, .otherPartition, .invalidARN: false
        }
    }
}
