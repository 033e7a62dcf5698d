import CurlHTTP
import JSON
import TestSupport
import Testing

@testable import SecretsManager

/// The classifier against botocore's own standard-mode answers, row by row.
///
/// harness/oracles/retry_table.json is generated from the installed botocore
/// by harness/oracles/retry_table.py; Tests/EndToEnd/test_retry_table.py
/// regenerates it and fails on drift. Each row goes through the whole client
/// (error code parsing included): retried means a second request was sent.
@Suite struct RetryTableTests {
    typealias ServiceRow = RetryOracle.ServiceRow
    typealias TransportRow = RetryOracle.TransportRow
    static let serviceRows = RetryOracle.serviceRows
    static let transportRows = RetryOracle.transportRows

    /// A missing or unreadable table must fail, not leave the parametrised tests empty.
    @Test func theTableIsThereAndCoversBothKinds() {
        #expect(Self.serviceRows.count > 400)
        #expect(Self.transportRows.count > 10)
        #expect(Self.serviceRows.contains { $0.retryable } && Self.serviceRows.contains { !$0.retryable })
        #expect(Self.transportRows.contains { $0.curlCode == 35 && $0.retryable })
    }

    @Test(arguments: serviceRows)
    func serviceAnswersAreRetriedAsBotocoreRetriesThem(_ row: ServiceRow) throws {
        var body: JSONObject = ["message": .string("m")]
        if let type = row.type { body["__type"] = .string("com.amazonaws.secretsmanager#\(type)") }
        let transport = FakeTransport([.success(.json(row.status, body)), .success(.json(200, [:]))])
        _ = try? makeClient(transport, maxAttempts: 2).call("DescribeSecret", ["SecretId": .string("s")])
        #expect((transport.requests.count == 2) == row.retryable)
    }

    @Test(arguments: transportRows)
    func transportFailuresAreRetriedAsBotocoreRetriesThem(_ row: TransportRow) throws {
        let failure = HTTPError(
            kind: HTTPError.Kind(curlCode: row.curlCode), host: "h", curlCode: row.curlCode, reason: row.name)
        let transport = FakeTransport([.failure(failure), .success(.json(200, [:]))])
        _ = try? makeClient(transport, maxAttempts: 2).call("DescribeSecret", ["SecretId": .string("s")])
        #expect((transport.requests.count == 2) == row.retryable)
    }
}
