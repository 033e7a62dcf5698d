import Foundation
import JSON

/// botocore's standard-mode answers, as harness/oracles/retry_table.py wrote
/// them to harness/oracles/retry_table.json (Tests/EndToEnd/test_retry_table.py
/// fails when botocore answers otherwise), for the tests that hold a retry
/// decision to them row by row. (Plain `CustomStringConvertible`, which
/// Swift Testing shows as the row's name: this target is built without Testing.)
public enum RetryOracle {
    /// An error answer: its status, its code (nil: the answer carries none), and whether it is retried.
    public struct ServiceRow: Sendable, CustomStringConvertible {
        public var status: Int
        public var type: String?
        public var retryable: Bool
        public var description: String { "\(status) \(type ?? "(no code)")" }
    }

    /// A request that got no answer, by curl's code.
    public struct TransportRow: Sendable, CustomStringConvertible {
        public var curlCode: Int
        public var name: String
        public var retryable: Bool
        public var description: String { "curl \(curlCode) \(name)" }
    }

    static let table: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("harness/oracles/retry_table.json")
        let bytes = (try? Data(contentsOf: url)).map { Array($0) } ?? []
        return (try? JSONValue(parsing: bytes)) ?? .null
    }()

    /// Empty when the table is missing or unreadable: the tests that read it
    /// also assert its size, so that cannot pass as an empty parametrised test.
    public static let serviceRows: [ServiceRow] = (table["service_rows"]?.arrayValue ?? []).map {
        ServiceRow(
            status: $0["status"]?.intValue ?? -1, type: $0["type"]?.stringValue,
            retryable: $0["retryable"]?.boolValue ?? false)
    }

    public static let transportRows: [TransportRow] = (table["transport_rows"]?.arrayValue ?? []).map {
        TransportRow(
            curlCode: $0["curl_code"]?.intValue ?? -1, name: $0["curl_name"]?.stringValue ?? "",
            retryable: $0["retryable"]?.boolValue ?? false)
    }
}
