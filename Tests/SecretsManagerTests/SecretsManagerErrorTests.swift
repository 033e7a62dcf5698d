import AWSCore
import CurlHTTP
import JSON
import Testing

@testable import SecretsManager

@Suite struct SecretsManagerErrorTests {
    @Test(arguments: [
        ("com.amazonaws.secretsmanager#ResourceNotFoundException", "ResourceNotFoundException"),
        ("ResourceNotFoundException", "ResourceNotFoundException"),
        ("com.amazon.coral.service#UnrecognizedClientException", "UnrecognizedClientException"),
        ("InvalidRequestException", "InvalidRequestException"),
        ("a.b#c#AccessDeniedException", "AccessDeniedException"),
    ])
    func readsTheTypeWithoutItsNamespace(_ raw: String, _ expected: String) {
        let transport = FakeTransport([
            .success(.json(400, ["__type": .string(raw), "message": .string("Secrets Manager can't find it.")]))
        ])
        let error = catching { _ = try makeClient(transport).describeSecret("missing") }
        guard case .aws(.service(let operation, let type, let message, let status, let host))? = error else {
            Issue.record("expected a service error, got \(String(describing: error))")
            return
        }
        #expect(operation == "DescribeSecret")
        #expect(type == expected)
        #expect(message == "Secrets Manager can't find it.")
        #expect(status == 400)
        #expect(host == "secretsmanager.us-east-1.amazonaws.com")
        #expect(error?.errorType == expected)
        #expect(error?.isResourceNotFound == (expected == "ResourceNotFoundException"))
    }

    @Test func fallsBackToTheHeaderThenTheStatus() {
        let transport = FakeTransport([
            .success(
                HTTPResponse(
                    status: 400,
                    headers: [(name: "x-amzn-errortype", value: "AccessDeniedException:http://internal.amazon.com/")],
                    body: Array(#"{"Message":"no"}"#.utf8))),
            .success(.raw(403, "<html>Forbidden</html>")),
        ])
        let client = makeClient(transport)
        let fromHeader = catching { _ = try client.describeSecret("s") }
        let fromStatus = catching { _ = try client.describeSecret("s") }
        #expect(fromHeader?.errorType == "AccessDeniedException")
        if case .aws(.service(_, _, let message, _, _))? = fromHeader { #expect(message == "no") }
        #expect(fromStatus?.errorType == "HTTP403")
    }

    @Test func errorTypesForTheLambdaErrorBody() {
        let host = "secretsmanager.us-east-1.amazonaws.com"
        #expect(
            SecretsManagerError.aws(.transport(operation: "X", .of(.timedOut), host: host)).errorType
                == "SecretsManagerTransportError")
        #expect(
            SecretsManagerError.invalidResponse(operation: "X", reason: "r", host: host).errorType
                == "SecretsManagerInvalidResponse")
        #expect(
            SecretsManagerError.aws(.deadlineExceeded(operation: "X", host: host)).errorType
                == "SecretsManagerDeadlineExceeded")
    }

    @Test func descriptionsNameOperationAndHost() {
        let host = "secretsmanager.us-east-1.amazonaws.com"
        let errors: [SecretsManagerError] = [
            .aws(
                .service(
                    operation: "GetSecretValue", code: "ThrottlingException", message: "slow down", status: 400,
                    host: host)),
            .aws(.transport(operation: "GetSecretValue", .of(.timedOut, host: host), host: host)),
            .invalidResponse(operation: "GetSecretValue", reason: "ARN is missing", host: host),
            .aws(.deadlineExceeded(operation: "GetSecretValue", host: host)),
        ]
        for error in errors {
            #expect(error.description.contains("GetSecretValue"))
            #expect(error.description.contains(host))
        }
    }

    /// A service that echoed the secret in its message must not put it in our logs.
    @Test func noSecretInAnyDescription() {
        let secret = #"{"username":"app","password":"hunter2-very-secret"}"#
        let transport = FakeTransport([
            .success(
                .json(
                    400,
                    [
                        "__type": .string("InvalidParameterException"),
                        "message": .string("Value '\(secret)' at 'secretString' failed to satisfy constraint"),
                    ])),
            .success(.json(500, ["__type": .string("InternalServiceError")])),
            .success(.json(500, ["__type": .string("InternalServiceError")])),
            .success(.json(500, ["__type": .string("InternalServiceError")])),
        ])
        let client = makeClient(transport)
        let echoed = catching {
            try client.putSecretValue("s", clientRequestToken: "t", secretString: secret, versionStages: ["AWSPENDING"])
        }
        let exhausted = catching {
            try client.putSecretValue("s", clientRequestToken: "t", secretString: secret, versionStages: ["AWSPENDING"])
        }
        for error in [echoed, exhausted] {
            let text = error.map { "\($0)" } ?? ""
            var dumped = ""
            dump(error, to: &dumped)
            #expect(!text.isEmpty)
            #expect(!text.contains("hunter2"), "description leaks the secret")
            #expect(!dumped.contains("hunter2"), "mirror leaks the secret")
        }
        #expect(echoed.map { "\($0)" }?.contains("<redacted>") == true)
    }

    @Test func secretValuesNeverPrintTheirString() {
        let value = SecretValue(
            arn: "arn:x", versionId: "v1", versionStages: ["AWSCURRENT"], secretString: "hunter2-very-secret")
        var dumped = ""
        dump(value, to: &dumped)
        for text in [
            value.description, value.debugDescription, String(reflecting: value), "\(value)", dumped,
            "\([value])",
        ] {
            #expect(!text.contains("hunter2"))
        }
        #expect(value.description.contains("<redacted 19 bytes>"))
    }
}
