import CurlHTTP
import JSON
import Testing

@testable import SecretsManager

/// A write whose answer was lost may have been done; the retry then meets
/// its own effect and fails. The client reads the state back and reports
/// success when it is already as asked, and the write's own error otherwise.
@Suite struct IdempotentWriteTests {
    static let lost: Result<HTTPResponse, HTTPError> = .failure(.of(.connectionLost))
    static let labelGone: Result<HTTPResponse, HTTPError> = .success(
        .json(
            400,
            [
                "__type": .string("InvalidParameterException"),
                "message": .string("Version stage AWSCURRENT not found in version old"),
            ]))

    static func described(_ stages: [String: [String]]) -> Result<HTTPResponse, HTTPError> {
        var versions: JSONObject = [:]
        for (version, labels) in stages { versions[version] = .array(labels.map { .string($0) }) }
        return .success(
            .json(200, ["ARN": .string("arn"), "Name": .string("s"), "VersionIdsToStages": .object(versions)]))
    }

    func moveCurrent(_ transport: FakeTransport) -> SecretsManagerError? {
        catching {
            try makeClient(transport).updateSecretVersionStage(
                "s", versionStage: "AWSCURRENT", moveToVersionId: "new", removeFromVersionId: "old")
        }
    }

    @Test func aStageMoveWhoseAnswerWasLostIsConfirmedByReadingTheStagesBack() {
        let transport = FakeTransport([
            Self.lost, Self.labelGone, Self.described(["new": ["AWSCURRENT", "AWSPENDING"], "old": ["AWSPREVIOUS"]]),
        ])
        #expect(moveCurrent(transport) == nil)
        #expect(
            transport.targets.map { $0.split(separator: ".").last! } == [
                "UpdateSecretVersionStage", "UpdateSecretVersionStage", "DescribeSecret",
            ])
    }

    @Test func aStageMoveThatDidNotHappenKeepsItsError() {
        let transport = FakeTransport([
            Self.lost, Self.labelGone, Self.described(["other": ["AWSCURRENT"], "new": ["AWSPENDING"], "old": []]),
        ])
        #expect(moveCurrent(transport)?.errorType == "InvalidParameterException")
        #expect(transport.requests.count == 3)
    }

    @Test func aReadBackThatFailsKeepsTheWritesError() {
        let denied: Result<HTTPResponse, HTTPError> = .success(.json(400, ["__type": .string("AccessDeniedException")]))
        let transport = FakeTransport([Self.lost, Self.labelGone, denied])
        #expect(moveCurrent(transport)?.errorType == "InvalidParameterException")
    }

    /// Without a lost answer there is nothing to confirm: a plain refusal is final.
    @Test func aFirstAttemptRefusalIsNotReadBack() {
        let transport = FakeTransport([Self.labelGone, Self.described(["new": ["AWSCURRENT"]])])
        #expect(moveCurrent(transport)?.errorType == "InvalidParameterException")
        #expect(transport.requests.count == 1)
    }

    @Test(arguments: [
        Result<HTTPResponse, HTTPError>.failure(.of(.timedOut)),
        .success(.json(500, ["__type": .string("InternalServiceError")])),
    ])
    func timeoutsAnd5xxAlsoLeaveTheOutcomeUnknown(_ first: Result<HTTPResponse, HTTPError>) {
        let transport = FakeTransport([
            first, Self.labelGone, Self.described(["new": ["AWSCURRENT"], "old": ["AWSPREVIOUS"]]),
        ])
        #expect(moveCurrent(transport) == nil)
    }

    /// A refused connection never reached the service: nothing to read back.
    @Test func aRefusedConnectionIsNotReadBack() {
        let transport = FakeTransport([
            .failure(.of(.couldNotConnect)), Self.labelGone, Self.described(["new": ["AWSCURRENT"]]),
        ])
        #expect(moveCurrent(transport)?.errorType == "InvalidParameterException")
        #expect(transport.requests.count == 2)
    }

    func putPending(_ transport: FakeTransport, value: String = "{\"password\":\"p\"}") -> SecretsManagerError? {
        catching {
            try makeClient(transport).putSecretValue(
                "s", clientRequestToken: "tok", secretString: value, versionStages: ["AWSPENDING"])
        }
    }

    static let exists: Result<HTTPResponse, HTTPError> = .success(
        .json(400, ["__type": .string("ResourceExistsException")]))

    static func stored(_ value: String, _ stages: [String]) -> Result<HTTPResponse, HTTPError> {
        .success(
            .json(
                200,
                [
                    "ARN": .string("arn"), "VersionId": .string("tok"), "SecretString": .string(value),
                    "VersionStages": .array(stages.map { .string($0) }),
                ]))
    }

    @Test func aPutWhoseAnswerWasLostIsConfirmedWhenTheVersionHoldsTheValue() {
        let transport = FakeTransport([Self.lost, Self.exists, Self.stored("{\"password\":\"p\"}", ["AWSPENDING"])])
        #expect(putPending(transport) == nil)
        let read = transport.requests.last.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
        #expect(read.contains("\"VersionId\":\"tok\""))
    }

    @Test func aPutIsNotConfirmedByAnotherValueOrWithoutTheStage() {
        let other = FakeTransport([Self.lost, Self.exists, Self.stored("{\"password\":\"q\"}", ["AWSPENDING"])])
        #expect(putPending(other)?.errorType == "ResourceExistsException")
        let unlabelled = FakeTransport([Self.lost, Self.exists, Self.stored("{\"password\":\"p\"}", [])])
        #expect(putPending(unlabelled)?.errorType == "ResourceExistsException")
    }

    /// With one attempt the lost answer is the last word: the read-back decides.
    @Test func aSingleAttemptWithALostAnswerIsReadBackToo() {
        let transport = FakeTransport([Self.lost, Self.stored("{\"password\":\"p\"}", ["AWSPENDING"])])
        let client = makeClient(transport, maxAttempts: 1)
        #expect(
            catching {
                try client.putSecretValue(
                    "s", clientRequestToken: "tok", secretString: "{\"password\":\"p\"}", versionStages: ["AWSPENDING"])
            } == nil)
        #expect(transport.requests.count == 2)
    }
}
