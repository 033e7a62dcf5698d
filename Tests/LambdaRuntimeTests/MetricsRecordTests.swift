import JSON
import LambdaRuntime
import Testing

@Suite struct MetricsRecordTests {
    @Test func recordHasTheEMFDirectiveAndItsMembers() throws {
        let record = MetricsRecord(
            namespace: "Team/Rotation", dimensions: [(name: "Step", value: "setSecret")],
            metrics: [(name: "Duration", unit: .milliseconds, value: 170), (name: "Retries", unit: .count, value: 0)],
            properties: [(name: "SecretArn", value: "arn:aws:secretsmanager:eu-west-1:1:secret:x")],
            timestampMilliseconds: 1_700_000_000_123)
        #expect(!record.line.contains("\n"))
        let object = try JSONValue(parsing: Array(record.line.utf8))
        #expect(object["_aws"]?["Timestamp"] == .number("1700000000123"))
        let directive = try #require(object["_aws"]?["CloudWatchMetrics"]?.arrayValue?.first)
        #expect(directive["Namespace"] == .string("Team/Rotation"))
        #expect(directive["Dimensions"] == .array([.array([.string("Step")])]))
        #expect(
            directive["Metrics"]
                == .array([
                    .object(["Name": .string("Duration"), "Unit": .string("Milliseconds")]),
                    .object(["Name": .string("Retries"), "Unit": .string("Count")]),
                ]))
        #expect(object["Step"] == .string("setSecret"))
        #expect(object["Duration"] == .number("170"))
        #expect(object["SecretArn"] == .string("arn:aws:secretsmanager:eu-west-1:1:secret:x"))
    }

    @Test(arguments: [
        ("MySQLRotator", true), ("Team/DB#1: rot.a_b-c", true), ("", false), ("AWS/Lambda", false),
        ("über", false), ("a\"b", false), (String(repeating: "n", count: 256), false),
    ])
    func namespaceRules(_ namespace: String, _ valid: Bool) {
        #expect(MetricsRecord.isValidNamespace(namespace) == valid)
    }
}
