import AWSCore
import CurlHTTP
import Foundation
import RDS
import TestSupport
import Testing

/// Every request the RDS client sends, captured from its transport, signed
/// as botocore's `SigV4Auth` signs the same request (harness/oracles/sigv4_oracle.py).
/// Needs python3 with botocore (scripts/test.sh installs it); without it the test fails.
@Suite struct RDSSigV4OracleTests {
    @Test(arguments: [
        "https://rds.us-east-1.amazonaws.com", "http://127.0.0.1:15000", "https://RDS.Eu-West-1.amazonaws.com:443/",
    ])
    func clientRequestsSignAsBotocoreSignsThem(endpoint: String) throws {
        let transport = ScriptedTransport([
            xml(200, instanceAnswer), xml(200, clusterAnswer), xml(500, "x"), xml(200, instanceAnswer),
        ])
        let client = makeClient(transport, endpoint: endpoint)
        _ = try client.describeDBInstance("prod")
        _ = try client.describeDBCluster("aurora")
        _ = try client.describeDBInstance("arn:aws:rds:us-east-1:123456789012:db:prod replica/é")
        try #require(transport.requests.count == 4)

        let specs: [[String: Any]] = transport.requests.map { sent in
            let date = sent.headers.first { $0.name == "X-Amz-Date" }!.value
            let unsigned = sent.headers.filter {
                !["Authorization", "X-Amz-Date", "X-Amz-Security-Token"].contains($0.name)
            }
            return [
                "method": sent.method, "url": sent.url, "headers": unsigned.map { [$0.name, $0.value] },
                "body_base64": Data(sent.body).base64EncodedString(), "access_key": credentials.accessKeyId,
                "secret_key": credentials.secretAccessKey, "token": credentials.sessionToken ?? "",
                "region": "us-east-1", "service": "rds", "epoch_seconds": Self.epochSeconds(amzDate: date),
            ]
        }
        let answers = try Self.oracle(specs)
        try #require(answers.count == transport.requests.count)
        for (sent, answer) in zip(transport.requests, answers) {
            #expect(sent.headers.first { $0.name == "Authorization" }?.value == answer["authorization"] as? String)
            #expect(
                sent.headers.first { $0.name == "X-Amz-Security-Token" }?.value == answer["security_token"] as? String)
        }
    }

    static func oracle(_ specs: [[String: Any]]) throws -> [[String: Any]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let input = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rds-oracle-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: specs).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("harness/oracles/sigv4_oracle.py").path]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Issue.record(
                "the botocore oracle failed (exit \(process.terminationStatus)); it needs python3 with botocore")
            return []
        }
        return try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    }

    static func epochSeconds(amzDate: String) -> Int64 {
        let digits = Array(amzDate.utf8)
        func number(_ range: Range<Int>) -> Int32 { Int32(String(decoding: digits[range], as: UTF8.self))! }
        var parts = tm()
        parts.tm_year = number(0..<4) - 1900
        parts.tm_mon = number(4..<6) - 1
        parts.tm_mday = number(6..<8)
        parts.tm_hour = number(9..<11)
        parts.tm_min = number(11..<13)
        parts.tm_sec = number(13..<15)
        return Int64(timegm(&parts))
    }
}
