import CurlHTTP
import Foundation
import JSON
import Testing

@testable import AWSCore

/// The one retry table against botocore's own standard-mode answers, row by
/// row, for every service client (Tests/SecretsManagerTests/RetryTableTests.swift
/// runs the same rows through Secrets Manager's error parsing as well).
@Suite struct RetryPolicyTests {
    static let table: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("harness/oracles/retry_table.json")
        let bytes = (try? Data(contentsOf: url)).map { Array($0) } ?? []
        return (try? JSONValue(parsing: bytes)) ?? .null
    }()

    struct ServiceRow: Sendable, CustomTestStringConvertible {
        var status: Int
        var type: String?
        var retryable: Bool
        var testDescription: String { "\(status) \(type ?? "(no code)")" }
    }

    struct TransportRow: Sendable, CustomTestStringConvertible {
        var curlCode: Int
        var name: String
        var retryable: Bool
        var testDescription: String { "curl \(curlCode) \(name)" }
    }

    static let serviceRows: [ServiceRow] = (table["service_rows"]?.arrayValue ?? []).map {
        ServiceRow(
            status: $0["status"]?.intValue ?? -1, type: $0["type"]?.stringValue,
            retryable: $0["retryable"]?.boolValue ?? false)
    }

    static let transportRows: [TransportRow] = (table["transport_rows"]?.arrayValue ?? []).map {
        TransportRow(
            curlCode: $0["curl_code"]?.intValue ?? -1, name: $0["curl_name"]?.stringValue ?? "",
            retryable: $0["retryable"]?.boolValue ?? false)
    }

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
