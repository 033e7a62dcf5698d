import CurlHTTP
import JSON
import TestSupport
import Testing

@testable import AWSCore

/// The one retry table against botocore's own standard-mode answers, row by
/// row, for every service client (Tests/SecretsManagerTests/RetryTableTests.swift
/// runs the same rows through Secrets Manager's error parsing as well).
@Suite struct RetryPolicyTests {
    typealias ServiceRow = RetryOracle.ServiceRow
    typealias TransportRow = RetryOracle.TransportRow
    static let serviceRows = RetryOracle.serviceRows
    static let transportRows = RetryOracle.transportRows

    @Test func theTableIsThere() {
        #expect(Self.serviceRows.count > 400)
        #expect(Self.transportRows.count > 10)
    }

    @Test(arguments: serviceRows)
    func serviceAnswersAreJudgedAsBotocoreJudgesThem(_ row: ServiceRow) {
        // A client reads no code from an answer without one, and names it by its status.
        #expect(RetryPolicy.retries(code: row.type ?? "HTTP\(row.status)", status: row.status) == row.retryable)
    }

    @Test(arguments: transportRows)
    func transportFailuresAreJudgedAsBotocoreJudgesThem(_ row: TransportRow) {
        let failure = HTTPError(
            kind: HTTPError.Kind(curlCode: row.curlCode), host: "h", curlCode: row.curlCode, reason: row.name)
        #expect(RetryPolicy.retries(failure) == row.retryable)
    }
}
