import CurlHTTP
import JSON
import Testing

@testable import SecretsManager

@Suite struct ListSecretsTests {
    static let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/mysql-AbCdEf"
    static let lambda = "arn:aws:lambda:us-east-1:123456789012:function:rotator"

    @Test func readsAPageAsTheServiceSendsIt() throws {
        // Field names and types as in the API reference's ListSecrets example.
        let transport = FakeTransport([
            .success(
                .json(
                    200,
                    [
                        "SecretList": .array([
                            .object([
                                "ARN": .string(Self.arn), "Name": .string("prod/mysql"),
                                "RotationEnabled": .bool(true), "RotationLambdaARN": .string(Self.lambda),
                                "RotationRules": .object([
                                    "AutomaticallyAfterDays": .number("30"), "Duration": .string("3h"),
                                    "ScheduleExpression": .string("rate(30 days)"),
                                ]),
                                "LastRotatedDate": .number("1.7E9"), "CreatedDate": .number("1.6E9"),
                                "NextRotationDate": .number("1.7026E9"),
                                "SecretVersionsToStages": .object(["v1": .array([.string("AWSCURRENT")])]),
                            ]),
                            .object(["ARN": .string(Self.arn + "x"), "Name": .string("plain")]),
                        ]),
                        "NextToken": .string("page-2"),
                    ])),
            .success(.json(200, ["SecretList": .array([]), "NextToken": .string("")])),
        ])
        let client = SecretsManagerClient(region: "us-east-1", credentials: testCredentials, transport: transport)
        let page = try client.listSecrets(namePrefix: "prod/")
        #expect(page.nextToken == "page-2")
        #expect(
            page.secrets[0]
                == SecretListEntry(
                    arn: Self.arn, name: "prod/mysql", rotationEnabled: true, rotationLambdaARN: Self.lambda,
                    automaticallyAfterDays: 30, scheduleExpression: "rate(30 days)", duration: "3h",
                    createdDate: 1.6e9, lastRotatedDate: 1.7e9, nextRotationDate: 1.7026e9,
                    versionIdsToStages: ["v1": ["AWSCURRENT"]]))
        #expect(page.secrets[1] == SecretListEntry(arn: Self.arn + "x", name: "plain"))
        #expect(
            try JSONValue(parsing: transport.requests[0].body)
                == .object([
                    "MaxResults": .number("100"),
                    "Filters": .array([.object(["Key": .string("name"), "Values": .array([.string("prod/")])])]),
                ]))
        #expect(transport.targets == ["secretsmanager.ListSecrets"])
        // An empty token, as moto sends, is the last page.
        #expect(try client.listSecrets(nextToken: "page-2").nextToken == nil)
    }

    @Test func aDateOfTheWrongTypeIsNamedNotQuoted() {
        let transport = FakeTransport([
            .success(
                .json(
                    200,
                    [
                        "SecretList": .array([
                            .object([
                                "ARN": .string(Self.arn), "Name": .string("a"),
                                "LastRotatedDate": .string("secret-ish"),
                            ])
                        ])
                    ]))
        ])
        let client = SecretsManagerClient(
            region: "us-east-1", credentials: testCredentials, transport: transport, maxAttempts: 1)
        #expect {
            try client.listSecrets()
        } throws: { error in
            let text = "\(error)"
            return text.contains("LastRotatedDate is a string, not a number") && !text.contains("secret-ish")
        }
    }
}
