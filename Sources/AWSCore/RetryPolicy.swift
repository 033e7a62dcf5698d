import CurlHTTP

/// Which failed attempts are worth another, by the AWS SDKs' "standard"
/// retry mode: one table for every service client (checked row by row
/// against botocore's own answers, harness/oracles/retry_table.json, in
/// Tests/SecretsManagerTests/RetryTableTests.swift and
/// Tests/AWSCoreTests/RetryPolicyTests.swift).
public enum RetryPolicy {
    /// botocore's standard-mode throttling codes (`ThrottledRetryableChecker`).
    /// Secrets Manager answers `LimitExceededException` for its quotas (the
    /// number of versions, say), which waiting rarely lifts; it is retried
    /// anyway, as the SDKs do: three attempts cost a few seconds at most.
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    /// botocore's `TransientRetryableChecker`: these codes, these statuses
    /// (not every 5xx: a 501 or 505 will not change), and any failure to get
    /// an answer at all.
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    ]
    public static let transientStatuses: Set<Int> = [500, 502, 503, 504]

    /// Whether a service's error answer, by its code and status, may go
    /// another way if asked again.
    public static func retries(code: String, status: Int) -> Bool {
        throttlingCodes.contains(code) || transientCodes.contains(code) || transientStatuses.contains(status)
    }

    /// A connection reset or timeout at any phase, TLS handshake included,
    /// is retried; only a request curl could not even make is not.
    public static func retries(_ error: HTTPError) -> Bool {
        error.kind != .invalidRequest
    }

    /// Whether the service may have performed a request whose answer says
    /// it failed on its side.
    public static func mayHaveTakenEffect(status: Int) -> Bool {
        status >= 500
    }

    /// Whether the request may have reached the service although no answer
    /// came back: anything but a connection never made or a request never sent.
    public static func mayHaveTakenEffect(_ error: HTTPError) -> Bool {
        error.kind != .couldNotConnect && error.kind != .invalidRequest
    }
}
