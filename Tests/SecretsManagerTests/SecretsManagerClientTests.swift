import AWSCore
import CurlHTTP
import JSON
import Testing

@testable import SecretsManager

@Suite struct SecretsManagerClientTests {
    static let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/mysql-AbCdEf"

    @Test func sendsJSON11RequestsToTheRegionalEndpoint() throws {
        let transport = FakeTransport([.success(.json(200, ["RandomPassword": .string("pw")]))])
        let client = SecretsManagerClient(region: "eu-west-2", credentials: testCredentials, transport: transport)
        #expect(client.endpoint == "https://secretsmanager.eu-west-2.amazonaws.com")
        #expect(client.host == "secretsmanager.eu-west-2.amazonaws.com")
        _ = try client.getRandomPassword(RandomPasswordRequest(passwordLength: 20))

        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url == "https://secretsmanager.eu-west-2.amazonaws.com/")
        #expect(request.headers.first { $0.name == "Content-Type" }?.value == "application/x-amz-json-1.1")
        #expect(transport.targets == ["secretsmanager.GetRandomPassword"])
        let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
        #expect(
            authorization.contains(
                "/eu-west-2/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target,"))
        #expect(try JSONValue(parsing: request.body) == .object(["PasswordLength": .number("20")]))
    }

    @Test(arguments: [
        ("http://127.0.0.1:15000", "http://127.0.0.1:15000/", "127.0.0.1:15000"),
        ("http://127.0.0.1:15000/", "http://127.0.0.1:15000/", "127.0.0.1:15000"),
        (
            "https://SecretsManager.US-EAST-1.amazonaws.com:443", "https://secretsmanager.us-east-1.amazonaws.com:443/",
            "secretsmanager.us-east-1.amazonaws.com"
        ),
        ("http://LocalHost:4566/Custom/Path", "http://localhost:4566/Custom/Path", "localhost:4566"),
    ])
    func sendsToTheEndpointWithALowerCasedHost(_ endpoint: String, _ url: String, _ host: String) throws {
        let transport = FakeTransport([.success(.json(200, [:]))])
        let client = SecretsManagerClient(
            region: "us-east-1", endpoint: endpoint, credentials: testCredentials, transport: transport)
        _ = try client.call("ListSecrets", [:])
        #expect(transport.requests.first?.url == url)
        #expect(client.host == host)
    }

    @Test func describeSecretReadsVersionsAndRotation() throws {
        let transport = FakeTransport([
            .success(
                .json(
                    200,
                    [
                        "ARN": .string(Self.arn), "Name": .string("prod/mysql"), "RotationEnabled": .bool(true),
                        "VersionIdsToStages": .object([
                            "v1": .array([.string("AWSPREVIOUS")]),
                            "v2": .array([.string("AWSCURRENT"), .string("AWSPENDING")]),
                        ]),
                        "LastChangedDate": .number("1.700000000123E9"),
                    ])),
            .success(.json(200, ["ARN": .string(Self.arn), "Name": .string("prod/mysql")])),
        ])
        let client = makeClient(transport)
        let described = try client.describeSecret("prod/mysql")
        #expect(
            described
                == SecretDescription(
                    arn: Self.arn, name: "prod/mysql", rotationEnabled: true,
                    versionIdsToStages: ["v1": ["AWSPREVIOUS"], "v2": ["AWSCURRENT", "AWSPENDING"]]))
        let bare = try client.describeSecret("prod/mysql")
        #expect(bare.rotationEnabled == nil)
        #expect(bare.versionIdsToStages.isEmpty)
        #expect(try JSONValue(parsing: transport.requests[0].body) == .object(["SecretId": .string("prod/mysql")]))
    }

    @Test func getSecretValueSendsOnlyTheSelectorsGiven() throws {
        let transport = FakeTransport([
            .success(
                .json(
                    200,
                    [
                        "ARN": .string(Self.arn), "VersionId": .string("v2"),
                        "VersionStages": .array([.string("AWSPENDING")]), "SecretString": .string("s3cr3t"),
                    ])),
            .success(
                .json(
                    200,
                    [
                        "ARN": .string(Self.arn), "VersionId": .string("v3"),
                        "VersionStages": .array([.string("AWSCURRENT")]), "SecretBinary": .string("AAEC"),
                    ])),
        ])
        let client = makeClient(transport)
        let pending = try client.getSecretValue("prod/mysql", versionId: "v2", versionStage: "AWSPENDING")
        #expect(pending.versionId == "v2" && pending.versionStages == ["AWSPENDING"])
        #expect(pending.secretString == "s3cr3t", "the string came through")
        let binary = try client.getSecretValue("prod/mysql")
        #expect(binary.secretString == nil)

        #expect(
            try JSONValue(parsing: transport.requests[0].body)
                == .object([
                    "SecretId": .string("prod/mysql"), "VersionId": .string("v2"),
                    "VersionStage": .string("AWSPENDING"),
                ]))
        #expect(try JSONValue(parsing: transport.requests[1].body) == .object(["SecretId": .string("prod/mysql")]))
    }

    @Test func writesSendTheirFields() throws {
        let transport = FakeTransport(Array(repeating: .success(.json(200, [:])), count: 4))
        let client = makeClient(transport)
        try client.putSecretValue(
            "s", clientRequestToken: "tok", secretString: "{}", versionStages: ["AWSPENDING"], rotationToken: "rt")
        try client.putSecretValue("s", clientRequestToken: "tok", secretString: "{}", versionStages: ["AWSPENDING"])
        try client.updateSecretVersionStage(
            "s", versionStage: "AWSCURRENT", moveToVersionId: "v2", removeFromVersionId: "v1")
        try client.updateSecretVersionStage(
            "s", versionStage: "AWSPENDING", moveToVersionId: nil, removeFromVersionId: "v2")

        let bodies = try transport.requests.map { try JSONValue(parsing: $0.body) }
        let put: JSONObject = [
            "SecretId": .string("s"), "ClientRequestToken": .string("tok"), "SecretString": .string("{}"),
            "VersionStages": .array([.string("AWSPENDING")]),
        ]
        var putWithToken = put
        putWithToken["RotationToken"] = .string("rt")
        #expect(bodies[0] == .object(putWithToken))
        #expect(bodies[1] == .object(put))
        #expect(
            bodies[2]
                == .object([
                    "SecretId": .string("s"), "VersionStage": .string("AWSCURRENT"), "MoveToVersionId": .string("v2"),
                    "RemoveFromVersionId": .string("v1"),
                ]))
        #expect(
            bodies[3]
                == .object([
                    "SecretId": .string("s"), "VersionStage": .string("AWSPENDING"),
                    "RemoveFromVersionId": .string("v2"),
                ]))
        #expect(
            transport.targets == [
                "secretsmanager.PutSecretValue", "secretsmanager.PutSecretValue",
                "secretsmanager.UpdateSecretVersionStage", "secretsmanager.UpdateSecretVersionStage",
            ])
    }

    @Test func randomPasswordSendsEveryOptionGiven() throws {
        let transport = FakeTransport([.success(.json(200, ["RandomPassword": .string("x")]))])
        _ = try makeClient(transport).getRandomPassword(
            RandomPasswordRequest(
                passwordLength: 32, excludeCharacters: "/@\"", excludeNumbers: false, excludePunctuation: true,
                excludeUppercase: false, excludeLowercase: false, includeSpace: false, requireEachIncludedType: true))
        #expect(
            try JSONValue(parsing: transport.requests[0].body)
                == .object([
                    "PasswordLength": .number("32"), "ExcludeCharacters": .string("/@\""),
                    "ExcludeNumbers": .bool(false), "ExcludePunctuation": .bool(true),
                    "ExcludeUppercase": .bool(false), "ExcludeLowercase": .bool(false), "IncludeSpace": .bool(false),
                    "RequireEachIncludedType": .bool(true),
                ]))
    }

    @Test func unreadableResponsesSayWhatIsWrongButNotTheValue() {
        let transport = FakeTransport([
            .success(.json(200, ["RandomPassword": .number("123456789")])),
            .success(.raw(200, "<html>not json</html>")),
            .success(.json(200, ["ARN": .string(Self.arn), "VersionId": .string("v"), "SecretString": .number("42")])),
            .success(.raw(200, "[]")),
        ])
        let client = makeClient(transport)
        let errors = [
            catching { _ = try client.getRandomPassword(RandomPasswordRequest()) },
            catching { _ = try client.describeSecret("s") },
            catching { _ = try client.getSecretValue("s") },
            catching { _ = try client.describeSecret("s") },
        ]
        let reasons = errors.map { error -> String in
            guard case .aws(.invalidResponse(_, let reason, _))? = error else { return "not invalidResponse" }
            return reason
        }
        #expect(reasons[0] == "RandomPassword is a number, not a string")
        #expect(reasons[1].hasPrefix("the body is not JSON"))
        #expect(reasons[2] == "SecretString is a number, not a string")
        #expect(reasons[3] == "the body is a array, not an object")
        for error in errors {
            let text = error.map { "\($0)" } ?? ""
            #expect(!text.contains("123456789") && !text.contains("42"))
            #expect(text.contains("secretsmanager.us-east-1.amazonaws.com"))
        }
        #expect(transport.requests.count == 4, "an unreadable answer is not retried")
    }
}

/// Runs `body` and returns the error it threw, if any.
func catching(_ body: () throws -> Void) -> SecretsManagerError? {
    do {
        try body()
        return nil
    } catch let error as SecretsManagerError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}
